"""Courses built from a course document: objectives and lessons.

The importer (authoring/importer.py) owns every field marked "importer-owned": they are
overwritten by the next import of the course document.
"""

from django.db import models
from django.db.models import Prefetch
from django.urls import reverse


class CourseQuerySet(models.QuerySet):
    def published(self):
        """Courses learners can open: live and hidden ones (not retired)."""
        return self.filter(retired=False)

    def listed(self):
        """Courses in the catalogue: live ones (neither hidden nor retired)."""
        return self.filter(retired=False, hidden=False)


class CourseStatus(models.TextChoices):
    """The front matter's `status` (docs/course-format.md)."""

    LIVE = "live", "Live: in the catalogue"
    HIDDEN = "hidden", "Hidden: off the catalogue, open by its address"
    RETIRED = "retired", "Retired: closed to learners, their records kept"


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="Importer-owned Markdown.")
    summary_html = models.TextField(editable=False)
    source_path = models.CharField(max_length=500, blank=True, editable=False)
    position = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(
        default=False, help_text="Closed to learners; their records are kept (status: retired)."
    )
    hidden = models.BooleanField(
        default=False,
        help_text="Off the catalogue; its pages still open by their address (status: hidden).",
    )
    imported_at = models.DateTimeField(null=True, editable=False)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    @property
    def status(self) -> str:
        if self.retired:
            return CourseStatus.RETIRED
        return CourseStatus.HIDDEN if self.hidden else CourseStatus.LIVE

    def get_absolute_url(self):
        return reverse("courses:course", args=[self.slug])


class ObjectiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired=False)


class Objective(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="objectives")
    key = models.SlugField(max_length=80)
    title = models.CharField(
        max_length=120, blank=True, help_text="Importer-owned short name (optional)."
    )
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(default=False)
    bkt_params = models.JSONField(
        default=dict,
        blank=True,
        help_text='Overrides of the mastery model\'s parameters, e.g. {"l0": 0.2}.',
    )
    params_version = models.PositiveIntegerField(default=1)

    objects = ObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="objective_unique_key"),
        ]

    def __str__(self):
        return f"{self.key}: {self.text}"

    @property
    def name(self):
        """The short title if the author gave one, else the objective's text."""
        return self.title or self.text

    @property
    def number(self):
        return self.position + 1


class LessonQuerySet(models.QuerySet):
    def published(self):
        return self.filter(retired=False)

    def for_outline(self):
        """The fields the course outline needs, without the lesson bodies."""
        return self.published().only("id", "course_id", "slug", "title", "position", "minutes")


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    minutes = models.PositiveSmallIntegerField(default=1, help_text="Estimated reading time.")
    body_markdown = models.TextField(help_text="Importer-owned Markdown.")
    body_html = models.TextField(editable=False)
    toc = models.JSONField(default=list, editable=False)
    objectives = models.ManyToManyField(Objective, related_name="lessons", blank=True)
    retired = models.BooleanField(default=False, help_text="Removed from the course document.")

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="lesson_unique_slug"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("courses:lesson", args=[self.course.slug, self.slug])

    @property
    def anchors(self):
        return {entry["id"] for entry in self.toc}


def outline_prefetch():
    """Prefetch a course's published lessons for the outline, in order."""
    return Prefetch("lessons", queryset=Lesson.objects.for_outline(), to_attr="outline")
