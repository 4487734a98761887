"""Questions and quizzes in the admin.

Questions come from the question bank: their fields are read-only here and overwritten by the
next import. Quiz settings are the instructor's to edit. The learners' records (attempts,
responses, mastery) are in progress/admin.py, the reports in reports/.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from courses.admin import IMPORTED
from quizzes.admin_display import objective_key
from quizzes.models import Question, QuestionVersion, Quiz


def prompt_text(version, length=120):
    """A version's prompt as plain text, shortened for tables."""
    return Truncator(version.prompt_text).chars(length)


class QuestionVersionInline(admin.StackedInline):
    model = QuestionVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "prompt", "spec", "content_hash", "created_at")
    ordering = ["-number"]

    @admin.display(description="prompt")
    def prompt(self, obj):
        return prompt_text(obj, 400)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = [
        "key", "prompt_short", "type", "level", objective_key, "lesson", "position", "retired",
    ]  # fmt: skip
    list_filter = ["course", "objective", "type", "level", "retired"]
    list_select_related = ["objective", "lesson", "current_version"]
    search_fields = ["key"]
    readonly_fields = (
        "course",
        "key",
        "objective",
        "type",
        "lesson",
        "anchor",
        "position",
        "retired",
        "level",
        "inference",
        "source_link",
    )
    fieldsets = [
        ("Imported from the question bank", {"description": IMPORTED, "fields": readonly_fields})
    ]
    inlines = [QuestionVersionInline]

    @admin.display(description="prompt")
    def prompt_short(self, obj):
        version = obj.current_version
        if version is None:
            return "-"
        full = version.prompt_text
        return format_html('<span title="{}">{}</span>', full, Truncator(full).chars(80))

    @admin.display(description="taught in")
    def source_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.source_url(), obj.source_url())


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "course",
        "kind",
        "questions_per_attempt",
        "attempts_allowed",
        "feedback_mode",
        "pass_mark",
        "item_analysis",
    ]
    list_filter = ["course", "kind", "feedback_mode"]
    list_select_related = ["course"]
    search_fields = ["title", "slug"]
    readonly_fields = ("course", "kind", "slug", "title", "objective", "position")
    fieldsets = [
        (
            "Settings",
            {
                "fields": [
                    "questions_per_attempt",
                    "attempts_allowed",
                    "feedback_mode",
                    "pass_mark",
                ]
            },
        ),
        ("Imported", {"description": IMPORTED, "fields": readonly_fields}),
    ]

    @admin.display(description="report")
    def item_analysis(self, obj):
        url = reverse("reports:items", args=[obj.pk])
        return format_html('<a href="{}">Item analysis</a>', url)
