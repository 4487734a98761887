"""Course content kept in each process, so taking a quiz reads no content rows.

What a learner's quiz pages show of the course (the course, its quizzes, objectives and
questions with their current versions, the size of each objective's question pool) changes
only when the course document is imported again or an admin edits it. Each worker keeps it in
memory, one `CourseContent` per course, under the content version (lib.cache.content_version,
kept in the shared "default" cache):

- saving or deleting any content row (CONTENT_MODELS) renews the shared version once its
  transaction commits, so every worker rebuilds on its next request (the version is read from
  the shared cache on every call to `course_content`), and empties this worker's copy at once
  (the save may not be committed yet, and this worker must not keep what it read before). This
  is the one place that follows the content rows: the anonymous page cache
  (config/pagecache.py) is kept under the same version;
- a `QuestionVersion` never changes once written, so versions are also kept by id
  (`question_version`) for answers given to an older version; that cache is never emptied
  (bounded in size instead).

The objects handed out are shared by every request of the process: callers read them and
must not change them.
"""

import functools
from dataclasses import dataclass

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from courses.models import Course, Lesson, Objective
from lib.cache import content_version, renew_content_version
from quizzes.models import Question, QuestionVersion, Quiz

# What the learner's pages show of a course (the quiz pages, and the anonymous catalogue,
# course and lesson pages of config/pagecache.py); saving or deleting any of these renews the
# content version.
CONTENT_MODELS = (
    "courses.Course",
    "courses.Objective",
    "courses.Lesson",
    "quizzes.Quiz",
    "quizzes.Question",
    "quizzes.QuestionVersion",
)


@dataclass(frozen=True)
class CourseContent:
    version: str
    course: Course
    quizzes: dict[str, Quiz]  # by slug
    objectives: dict[int, Objective]  # by id, retired ones too (old answers refer to them)
    questions: dict[int, Question]  # by id, retired ones too (old attempts refer to them)
    pools: dict[int, int]  # objective id: number of active questions
    lessons: dict[int, Lesson]  # by id, without their bodies

    def version_of(self, response):
        """The QuestionVersion a response answered (the current one, else from the cache)."""
        question = self.questions.get(response.question_id)
        if question is not None and question.current_version_id == response.version_id:
            return question.current_version
        return question_version(response.version_id)


_courses: dict[str, CourseContent] = {}


def renew_version() -> None:
    """Make every worker's copy stale: this one at once, the others on their next request."""
    _courses.clear()
    renew_content_version()


def course_content(slug) -> CourseContent | None:
    """The content of the course `slug` (None if there is no such course), built from the
    database once per content version and process: five queries then, none after."""
    version = content_version()
    content = _courses.get(slug)
    if content is not None and content.version == version:
        return content
    content = _load(slug, version)
    if content is None:
        return None
    if any(c.version != version for c in _courses.values()):
        _courses.clear()  # another version: drop every course built under the old one
    _courses[slug] = content
    return content


def _load(slug, version):
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        return None
    objectives = {o.pk: o for o in Objective.objects.filter(course=course)}
    for objective in objectives.values():
        objective.course = course
    lessons = {
        lesson.pk: lesson
        for lesson in Lesson.objects.filter(course=course).only(
            "id", "course_id", "slug", "title", "position", "minutes", "retired"
        )
    }
    for lesson in lessons.values():
        lesson.course = course
    quizzes = {}
    for quiz in Quiz.objects.filter(course=course):
        quiz.course = course
        quiz.objective = objectives.get(quiz.objective_id) if quiz.objective_id else None
        quizzes[quiz.slug] = quiz
    questions, pools = {}, dict.fromkeys(objectives, 0)
    for question in Question.objects.filter(course=course).select_related("current_version"):
        question.course = course
        question.objective = objectives[question.objective_id]
        question.lesson = lessons[question.lesson_id]
        questions[question.pk] = question
        if question.in_pool:
            pools[question.objective_id] += 1
        if question.current_version is not None:
            _remember_version(question.current_version)
    return CourseContent(version, course, quizzes, objectives, questions, pools, lessons)


# Question versions by id: immutable, so kept without invalidation (the most recent ones).
_versions: dict[int, QuestionVersion] = {}
MAX_VERSIONS = 5000


def _remember_version(version):
    if len(_versions) >= MAX_VERSIONS:
        _versions.clear()
    _versions[version.pk] = version


def question_version(pk) -> QuestionVersion:
    """The QuestionVersion `pk`, read once per process."""
    version = _versions.get(pk)
    if version is None:
        version = QuestionVersion.objects.get(pk=pk)
        _remember_version(version)
    return version


def forget() -> None:
    """Empty this process's course copies; the versions by id stay, being immutable."""
    _courses.clear()


def content_changed(sender, using=None, **kwargs):
    """Signal receiver: empty this worker's copy now, and renew the shared version once the
    saving transaction commits (after a rollback, the next request rebuilds the same)."""
    forget()
    transaction.on_commit(renew_version, using=using)


@functools.cache
def connect_signals():
    for model in CONTENT_MODELS:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"content-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"content-del-{model}")
    m2m_changed.connect(
        content_changed, sender="courses.Lesson_objectives", dispatch_uid="content-m2m"
    )
