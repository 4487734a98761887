"""Questions and quizzes in the admin.

Questions come from the question bank: their fields are read-only here and overwritten by the
next import. Quiz settings are the instructor's to edit. The learners' attempts, responses and
mastery rows are in progress/admin.py; the reports (reports/) are linked from the admin index
(templates/admin/index.html).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, strip_tags
from django.utils.text import Truncator

from courses.admin import IMPORTED
from quizzes.grading import format_number
from quizzes.models import Question, QuestionVersion, Quiz


def correct_answer(qtype, spec):
    """The correct answer of a question version in words (plain text, for reports)."""
    spec = spec or {}
    if qtype in ("single", "multiple"):
        return "; ".join(
            o.get("text", o.get("key", "")) for o in spec.get("options", []) if o.get("correct")
        )
    if qtype == "truefalse":
        return "True" if spec.get("answer") else "False"
    if qtype == "numeric":
        # Numbers as the learner sees them (grading.format_number): 10,000,000, not 10000000.0.
        text = format_number(float(spec.get("answer", 0)))
        if spec.get("unit_label"):
            text += f" {spec['unit_label']}"
        if spec.get("tolerance"):
            text += f" (± {format_number(float(spec['tolerance']))})"
        return text
    if qtype == "text":
        return " / ".join(spec.get("accepted", []))
    if qtype == "matching":
        rights = {right.get("key"): right.get("text", "") for right in spec.get("rights", [])}
        return "; ".join(
            f"{pair.get('left', '')} → {rights.get(pair.get('right_key'), '')}"
            for pair in spec.get("pairs", [])
        )
    return ""


def prompt_text(version, length=120):
    """A version's prompt as plain text, shortened for tables."""
    return Truncator(strip_tags(version.prompt_html)).chars(length)


# --- content -----------------------------------------------------------------------------


class QuestionVersionInline(admin.StackedInline):
    model = QuestionVersion
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "prompt", "spec", "content_hash", "created_at"]
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
    list_display = ["key", "type", "objective", "lesson", "position", "retired"]
    list_filter = ["course", "objective", "type", "retired"]
    list_select_related = ["objective", "lesson"]
    search_fields = ["key"]
    readonly_fields = [
        "course",
        "key",
        "objective",
        "type",
        "lesson",
        "anchor",
        "position",
        "retired",
        "source_link",
    ]
    fieldsets = [
        ("Imported from the question bank", {"description": IMPORTED, "fields": readonly_fields})
    ]
    inlines = [QuestionVersionInline]

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
    readonly_fields = ["course", "kind", "slug", "title", "objective", "position"]
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
