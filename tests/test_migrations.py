"""Moving Mastery, LessonCompletion and CourseCompletion into the progress app keeps every row.

The test takes the database back to the layout before the move (courses 0002, quizzes 0001, no
progress app), fills it through the historical models as version 0.1 stored it, migrates
forward to the current layout, and reads every row back through today's models.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from courses.models import Course, Lesson, Objective
from progress.models import CourseCompletion, LessonCompletion, Mastery
from quizzes.models import Attempt, Question, Response

# The leaf migrations of the apps whose models moved, as they were before the move; the
# progress app did not exist, nor did the lti app (whose models refer to later ones).
BEFORE_THE_MOVE = [
    ("courses", "0002_objective_title"),
    ("quizzes", "0001_initial"),
    ("progress", None),
    ("lti", None),
]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def migrate(targets):
    """Migrate the test database to `targets`; return the historical apps at that state (the
    other apps, such as auth and contenttypes, at their latest migration)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    named = {app for app, _ in targets}
    nodes = [t for t in targets if t[1] is not None]
    nodes += [n for n in executor.loader.graph.leaf_nodes() if n[0] not in named]
    return executor.loader.project_state(nodes).apps


def leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def fill_old_layout(apps):
    """Learners, a course, an answered attempt, mastery rows and completions, stored through
    the models as they were before the move. Returns what was written, by kind."""
    User = apps.get_model("auth", "User")
    OldCourse = apps.get_model("courses", "Course")
    OldObjective = apps.get_model("courses", "Objective")
    OldLesson = apps.get_model("courses", "Lesson")
    OldLessonCompletion = apps.get_model("courses", "LessonCompletion")
    OldCourseCompletion = apps.get_model("courses", "CourseCompletion")
    OldQuestion = apps.get_model("quizzes", "Question")
    OldVersion = apps.get_model("quizzes", "QuestionVersion")
    OldQuiz = apps.get_model("quizzes", "Quiz")
    OldAttempt = apps.get_model("quizzes", "Attempt")
    OldResponse = apps.get_model("quizzes", "Response")
    OldMastery = apps.get_model("quizzes", "Mastery")

    ada = User.objects.create(username="ada")
    ben = User.objects.create(username="ben")
    course = OldCourse.objects.create(slug="moved", title="Moved", summary="", summary_html="")
    objective = OldObjective.objects.create(course=course, key="one", text="One", title="One")
    lesson = OldLesson.objects.create(
        course=course, slug="intro", title="Intro", body_markdown="", body_html=""
    )
    question = OldQuestion.objects.create(
        course=course, key="q1", objective=objective, type="truefalse", lesson=lesson, anchor=""
    )
    version = OldVersion.objects.create(
        question=question,
        number=1,
        prompt_html="<p>True?</p>",
        explanation_html="",
        spec={"answer": True},
        content_hash="h",
    )
    question.current_version = version
    question.save()
    quiz = OldQuiz.objects.create(
        course=course, objective=objective, kind="objective", slug="one", title="Quiz one"
    )
    attempts, responses, masteries = [], [], []
    for n, user in enumerate([ada, ben]):
        attempt = OldAttempt.objects.create(
            user=user,
            quiz=quiz,
            seed=n,
            question_ids=[question.pk],
            started_at=T0,
            finished_at=T0 + timedelta(minutes=2),
            score=1.0 - n,
            max_score=1,
        )
        attempts.append(attempt)
        responses.append(
            OldResponse.objects.create(
                attempt=attempt,
                user=user,
                question=question,
                version=version,
                objective=objective,
                slot=1,
                answer={"value": n == 0},
                answer_display="True" if n == 0 else "False",
                score=1.0 - n,
                graded_at=T0 + timedelta(minutes=1),
                counted=True,
                p_after=0.4 - n / 10,
                level_after=1,
            )
        )
        masteries.append(
            OldMastery.objects.create(
                user=user,
                objective=objective,
                estimate=0.4 - n / 10,
                level=1,
                counted_answers=1,
                state={"p": 0.4 - n / 10, "n": 1, "level": 1},
                params_version=1,
            )
        )
    lesson_done = OldLessonCompletion.objects.create(user=ada, lesson=lesson)
    course_done = OldCourseCompletion.objects.create(user=ada, course=course, completed_at=T0)
    return {
        "users": [ada.pk, ben.pk],
        "course": course.pk,
        "objective": objective.pk,
        "lesson": lesson.pk,
        "question": question.pk,
        "attempts": [a.pk for a in attempts],
        "responses": [r.pk for r in responses],
        "masteries": [(m.pk, m.user_id, m.estimate, m.state) for m in masteries],
        "lesson_completion": (lesson_done.pk, lesson_done.completed_at),
        "course_completion": course_done.pk,
    }


def grant_old_mastery_permission(apps):
    """An "Instructors"-like group holding the view permission of quizzes.Mastery, as the
    admin created it before the move. Returns the group's id."""
    OldContentType = apps.get_model("contenttypes", "ContentType")
    OldPermission = apps.get_model("auth", "Permission")
    OldGroup = apps.get_model("auth", "Group")
    content_type, _ = OldContentType.objects.get_or_create(app_label="quizzes", model="mastery")
    permission, _ = OldPermission.objects.get_or_create(
        content_type=content_type, codename="view_mastery", defaults={"name": "Can view mastery"}
    )
    group = OldGroup.objects.create(name="Viewers")
    group.permissions.add(permission)
    return group.pk


@pytest.mark.django_db(transaction=True)
def test_moving_the_learner_state_models_keeps_every_row():
    # The content types as a database migrated by version 0.1 has them: the new app's would
    # only exist if a later migrate had created them.
    ContentType.objects.filter(app_label="progress").delete()
    old_apps = migrate(BEFORE_THE_MOVE)
    written = fill_old_layout(old_apps)
    group_id = grant_old_mastery_permission(old_apps)

    migrate(leaf_nodes())
    ContentType.objects.clear_cache()

    assert sorted(Attempt.objects.values_list("pk", flat=True)) == written["attempts"]
    assert sorted(Response.objects.values_list("pk", flat=True)) == written["responses"]
    assert Question.objects.get().pk == written["question"]
    assert Course.objects.get().pk == written["course"]
    assert Objective.objects.get().pk == written["objective"]
    assert Lesson.objects.get().pk == written["lesson"]
    rows = Mastery.objects.order_by("pk")
    assert [(m.pk, m.user_id, m.estimate, m.state) for m in rows] == written["masteries"]
    assert all(m.objective_id == written["objective"] for m in rows)
    lesson_done = LessonCompletion.objects.get()
    assert (lesson_done.pk, lesson_done.completed_at) == written["lesson_completion"]
    assert lesson_done.user_id == written["users"][0]
    assert lesson_done.lesson_id == written["lesson"]
    course_done = CourseCompletion.objects.get()
    assert (course_done.pk, course_done.user_id, course_done.course_id) == (
        written["course_completion"],
        written["users"][0],
        written["course"],
    )
    assert course_done.completed_at == T0
    # The relations from the other side still lead to the moved rows.
    ada = Response.objects.get(pk=written["responses"][0]).user
    assert ada.masteries.get().pk == written["masteries"][0][0]
    assert ada.lesson_completions.count() == ada.course_completions.count() == 1
    # The permission granted on quizzes.Mastery is now progress.Mastery's, with the group.
    group = Group.objects.get(pk=group_id)
    assert [(p.content_type.app_label, p.codename) for p in group.permissions.all()] == [
        ("progress", "view_mastery")
    ]
    assert not ContentType.objects.filter(app_label="quizzes", model="mastery").exists()


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_reversed_without_losing_rows():
    ContentType.objects.filter(app_label="progress").delete()
    written = fill_old_layout(migrate(BEFORE_THE_MOVE))
    migrate(leaf_nodes())
    old_apps = migrate(BEFORE_THE_MOVE)
    OldMastery = old_apps.get_model("quizzes", "Mastery")
    OldLessonCompletion = old_apps.get_model("courses", "LessonCompletion")
    assert sorted(OldMastery.objects.values_list("pk", flat=True)) == [
        m[0] for m in written["masteries"]
    ]
    assert OldLessonCompletion.objects.get().pk == written["lesson_completion"][0]
    migrate(leaf_nodes())
    assert Mastery.objects.count() == 2
