"""Course content in the admin.

The course document is the source of truth: every field the importer writes is read-only here
and sits in a fieldset that says it is overwritten by the next import. What the document does
not hold (a course's position, an objective's mastery parameters) stays editable.
"""

from django.contrib import admin

from courses.models import Course, CourseStatus, Lesson, Objective

IMPORTED = (
    "From the course document: read-only here. To change it, edit the document and re-import it "
    "(manage.py import_course); the next import overwrites these fields."
)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position", "status_display", "imported_at"]
    list_filter = ["retired", "hidden"]
    search_fields = ["title", "slug"]
    readonly_fields = [
        "slug", "title", "summary", "status_display", "source_path", "imported_at",
    ]  # fmt: skip
    fieldsets = [
        ("Settings", {"fields": ["position"]}),
        (
            "Imported",
            {
                "description": IMPORTED,
                "fields": [
                    "slug",
                    "title",
                    "summary",
                    "status_display",
                    "source_path",
                    "imported_at",
                ],  # fmt: skip
            },
        ),
    ]

    @admin.display(description="status (front matter)")
    def status_display(self, obj):
        return CourseStatus(obj.status).label


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["key", "text", "course", "position", "retired"]
    list_filter = ["course", "retired"]
    list_select_related = ["course"]
    search_fields = ["key", "text"]
    readonly_fields = ("course", "key", "text", "position", "retired")
    fieldsets = [
        (
            "Mastery model",
            {
                "description": (
                    "Overrides of the mastery model's parameters. Raise the parameters version "
                    "when you change them, then run manage.py recompute_mastery."
                ),
                "fields": ("bkt_params", "params_version"),
            },
        ),
        ("Imported", {"description": IMPORTED, "fields": readonly_fields}),
    ]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "course", "position", "minutes", "retired"]
    list_filter = ["course", "retired"]
    list_select_related = ["course"]
    search_fields = ["title", "slug"]
    readonly_fields = (
        "course",
        "slug",
        "title",
        "position",
        "minutes",
        "objectives",
        "retired",
        "body_markdown",
    )
    fieldsets = [("Imported", {"description": IMPORTED, "fields": readonly_fields})]
