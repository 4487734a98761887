"""The learners' records in the admin: attempts, responses and mastery rows.

They are evidence, so they are view-only for everyone but superusers. The instructors'
reports (reports/) link here for the answers behind a figure (evidence_url). A class
instructor (progress.scope) sees only the records of their classes' learners.
"""

from django import forms
from django.contrib import admin
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from courses import admin as courses_admin
from courses.models import Objective
from progress.mastery import Level, Params, display_percent, estimate_words
from progress.models import Mastery
from progress.scope import scoped, sees_every_learner
from quizzes import questiontypes
from quizzes.admin import prompt_text
from quizzes.admin_display import answer_cell, objective_key, question_cell
from quizzes.humanize import score_text
from quizzes.models import Attempt, Question, Response


def evidence_url(user_id, objective_id, base=None):
    """The responses list filtered to one learner's answers on one objective.

    Pass ``base`` (the responses list's URL) when making many, to reverse it only once.
    """
    base = base or reverse("admin:quizzes_response_changelist")
    return f"{base}?user__id__exact={user_id}&objective__id__exact={objective_id}"


def estimate_text(p):
    """A mastery estimate for people: "55% (partly known)"."""
    if p is None:
        return "-"
    return f"{display_percent(p)}% ({estimate_words(p)})"


class LearnerRecordAdmin(admin.ModelAdmin):
    """Learners' records are evidence: only superusers may add, change or delete them.

    Whose records show is decided here, once, for the lists and the detail pages: every
    learner's for a user who may view every learner (progress.scope), else only those of the
    learners in the classes they instruct. A record outside them is a 404, as a missing one.
    """

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is None and not sees_every_learner(request.user):
            raise Http404("No such record among your classes' learners.")
        return found

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.display(description="learner", ordering="user__username")
def learner(obj):
    user = obj.user
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


# --- content -----------------------------------------------------------------------------


class FinishedFilter(admin.SimpleListFilter):
    title = "finished"
    parameter_name = "finished"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(finished_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(finished_at__isnull=True)
        return queryset


class LevelAfterFilter(admin.SimpleListFilter):
    title = "level after"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return Level.choices()

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        try:
            level = int(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(level_after=level)


class ResponseInline(admin.TabularInline):
    model = Response
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = (
        "slot", "question", "prompt", "answer_text", "correct", "score_percent",
    )  # fmt: skip
    ordering = ["slot"]

    @admin.display(description="answer")
    def answer_text(self, obj):
        return answer_cell(obj)

    @admin.display(description="score")
    def score_percent(self, obj):
        return f"{round(100 * obj.score)}%"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "version")

    @admin.display(description="prompt")
    def prompt(self, obj):
        return prompt_text(obj.version)

    @admin.display(description="correct answer")
    def correct(self, obj):
        lines = questiontypes.get(obj.question.type).answer_key_lines(obj.version.spec)
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attempt)
class AttemptAdmin(LearnerRecordAdmin):
    list_display = [
        learner,
        "quiz",
        "score_display",
        "started_at",
        "duration_display",
        "finished_at",
    ]
    list_filter = ["quiz", "quiz__objective", "started_at", FinishedFilter]
    list_select_related = ["user", "quiz"]
    ordering = ["-started_at", "-id"]  # newest first, as the responses and mastery lists
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "user",
        "quiz",
        "is_practice",
        "questions_drawn",
        "started_at",
        "finished_at",
        "score_display",
    ]
    # Values for people: the score as "6.3 / 10 (63%)", not the raw float; the questions drawn
    # by their keys, not the row ids; the draw's seed is internal and not shown.
    fields = tuple(readonly_fields)
    inlines = [ResponseInline]

    @admin.display(description="questions drawn")
    def questions_drawn(self, obj):
        keys = dict(Question.objects.filter(pk__in=obj.question_ids).values_list("pk", "key"))
        return ", ".join(keys.get(pk, "(deleted)") for pk in obj.question_ids) or "-"

    @admin.display(description="score", ordering="score")
    def score_display(self, obj):
        return score_text(obj) or "-"

    @admin.display(description="duration")
    def duration_display(self, obj):
        duration = obj.duration
        if duration is None:
            return "-"
        minutes, seconds = divmod(int(duration.total_seconds()), 60)
        return f"{minutes} min {seconds:02d} s"


@admin.register(Response)
class ResponseAdmin(LearnerRecordAdmin):
    list_display = [
        learner,
        "question_cell",
        objective_key,
        "answer_cell",
        "score_percent",
        "counted",
        "level_after_display",
        "graded_at",
    ]
    list_filter = ["objective", LevelAfterFilter, "counted"]
    list_select_related = ["user", "question", "objective", "version"]
    ordering = ["-graded_at", "-id"]  # newest first, as the attempts and mastery lists
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "question__key",
    ]
    readonly_fields = [
        "user",
        "attempt",
        "question",
        "version",
        "objective",
        "slot",
        "answer_full",
        "score_percent",
        "revealed_display",
        "graded_at",
        "counted",
        "estimate_after",
        "level_after_display",
    ]
    fields = tuple(readonly_fields)  # these, not the raw model fields (P after, level number)

    @admin.display(description="question", ordering="question__key")
    def question_cell(self, obj):
        return question_cell(obj.question, obj.version)

    @admin.display(description="answer")
    def answer_cell(self, obj):
        return answer_cell(obj)

    @admin.display(description="answer")
    def answer_full(self, obj):
        """The answer in full: part by part when its type has a table for it (matching)."""
        table = questiontypes.get(obj.question.type).answer_table(obj.version.spec, obj.answer)
        if table is not None and table.admin_template:
            return render_to_string(table.admin_template, {"rows": table.rows})
        return obj.answer_display

    @admin.display(description="score", ordering="score")
    def score_percent(self, obj):
        return f"{round(100 * obj.score)}%"

    @admin.display(description="answer shown first")
    def revealed_display(self, obj):
        """In words: a bare ✗ after "The answer was shown first" read as its own negation."""
        if obj.revealed:
            return "Yes: the learner asked to see the answer before answering (scored 0)"
        return "No"

    @admin.display(description="estimate after", ordering="p_after")
    def estimate_after(self, obj):
        return estimate_text(obj.p_after)

    @admin.display(description="level after", ordering="level_after")
    def level_after_display(self, obj):
        if obj.level_after is None:
            return "-"
        return Level(obj.level_after).label


@admin.register(Mastery)
class MasteryAdmin(LearnerRecordAdmin):
    list_display = [
        learner,
        objective_key,
        "level",
        "estimate_display",
        "counted_answers",
        "review_box",
        "review_due_at",
        "evidence",
    ]
    list_filter = ["objective", "level"]
    list_select_related = ["user", "objective"]
    ordering = ["-updated_at", "-id"]  # newest first, as the attempts and responses lists
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    readonly_fields = [
        "user",
        "objective",
        "estimate_display",
        "level",
        "counted_answers",
        "review_box",
        "review_due_at",
        "state",
        "params_version",
        "updated_at",
        "evidence",
    ]
    fields = tuple(readonly_fields)

    @admin.display(description="estimate", ordering="estimate")
    def estimate_display(self, obj):
        return estimate_text(obj.estimate)

    @admin.display(description="evidence")
    def evidence(self, obj):
        return format_html('<a href="{}">Answers</a>', evidence_url(obj.user_id, obj.objective_id))


# --- the mastery model's overrides on an objective ---------------------------------------------


class ObjectiveParamsForm(forms.ModelForm):
    """An objective's `bkt_params`, checked with the mastery model's own rules
    (progress.mastery.Params.parse): a bad value is a form error, never every learner's 500."""

    class Meta:
        model = Objective
        fields = ["bkt_params", "params_version"]

    def clean_bkt_params(self):
        value = self.cleaned_data.get("bkt_params") or {}
        try:
            Params.parse(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="bad_params") from None
        return value


admin.site.unregister(Objective)


@admin.register(Objective)
class ObjectiveAdmin(courses_admin.ObjectiveAdmin):
    form = ObjectiveParamsForm
