"""The test data builders, all in this one module (factory_boy; no big JSON fixtures).

One factory per model, and a few short helpers over them for what tests say most often
(`make_course("slug", objectives=1)`, `make_question(course, objective, type="numeric")`).
Questions are built directly in the spec shapes of their question types
(quizzes/questiontypes/), with their first version as the current one. Rows are written as
given, with no grading: each test states exactly the scores and choices its figures come from;
`answer()` is the one helper that goes through the live path (progress.services.record_answer).

Shared fixtures built from these (course, objective, questions, quiz, learner,
instructor_client...) are in tests/conftest.py.
"""

from datetime import UTC, datetime, timedelta

import factory
from django.conf import settings
from factory.django import DjangoModelFactory, Password

from courses.models import Course, Lesson, Objective
from courses.rendering import render
from progress import itemtally
from progress.models import Mastery
from progress.services import record_answer
from quizzes.grading import Grade
from quizzes.models import (
    Attempt,
    Question,
    QuestionVersion,
    Quiz,
    QuizKind,
    Response,
)
from reports.roles import make_instructor

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning, winter time in London
DAY = timedelta(days=1)


# --- specs, in the shapes of quizzes/questiontypes/ ------------------------------------------

_OPTION_TEXTS = ("400 billion", "17 billion", "70 billion", "2 trillion")


def choice_spec(keys="abcd", correct="a", label=None, feedback=None):
    """Options keyed by `keys`, those in `correct` right; `label(key)` is each option's text
    and `feedback(key, text, is_correct)` its feedback HTML (none by default)."""
    label = label or (lambda key: f"Option {key.upper()}")
    return {
        "options": [
            {
                "key": key,
                "html": f"<p>{label(key)}</p>",
                "text": label(key),
                "correct": key in correct,
                "feedback_html": feedback(key, label(key), key in correct) if feedback else "",
            }
            for key in keys
        ]
    }


def default_spec(qtype):
    """A small valid spec for each question type (first option(s) correct where relevant)."""

    def think_again(key, text, is_correct):
        return "" if is_correct else f"<p>Not {text}: think again.</p>"

    def figure(key):
        return _OPTION_TEXTS["abcd".index(key)]

    if qtype in ("single", "multiple"):
        correct = "a" if qtype == "single" else "ab"
        return choice_spec("abcd", correct, label=figure, feedback=think_again)
    if qtype == "truefalse":
        return {
            "answer": True,
            "feedback_true_html": "<p>Yes, it is.</p>",
            "feedback_false_html": "<p>It is true, in fact.</p>",
        }
    if qtype == "numeric":
        return {"answer": 10_000_000.0, "tolerance": 0.0, "units": True, "unit_label": "tokens"}
    if qtype == "text":
        return {"accepted": ["Alexandr Wang"], "normalised": ["alexandr wang"]}
    if qtype == "matching":
        lefts = ("Maverick", "Scout", "Llama 3.3")
        rights = ("General assistant", "Long documents", "Cheap text", "Image generation")
        return {
            "pairs": [
                {"key": str(i + 1), "left_html": f"<p>{left}</p>", "left": left,
                 "right_key": f"r{i + 1}"}
                for i, left in enumerate(lefts)
            ],
            "rights": [{"key": f"r{i + 1}", "text": text} for i, text in enumerate(rights)],
        }  # fmt: skip
    raise ValueError(qtype)


# --- factories ---------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    class Meta:
        model = settings.AUTH_USER_MODEL
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = Password(PASSWORD)


class CourseFactory(DjangoModelFactory):
    """A course; `objectives` and `lessons` say how many of each to add (2 and 3), each lesson
    with a section "main" and tied to an objective in turn."""

    class Meta:
        model = Course
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"course-{n}")
    title = factory.LazyAttribute(lambda course: f"Course {course.slug}")
    summary = "A summary."
    summary_html = "<p>A summary.</p>"

    @factory.post_generation
    def objectives(course, create, count, **kwargs):
        for i in range(2 if count is None else count):
            ObjectiveFactory(course=course, key=f"objective-{i + 1}", position=i)

    @factory.post_generation
    def lessons(course, create, count, **kwargs):
        objectives = list(course.objectives.order_by("position"))
        for i in range(3 if count is None else count):
            LessonFactory(
                course=course,
                slug=f"lesson-{i + 1}",
                position=i,
                objectives=[objectives[i % len(objectives)]] if objectives else [],
            )


class ObjectiveFactory(DjangoModelFactory):
    class Meta:
        model = Objective

    course = factory.SubFactory(CourseFactory, objectives=0, lessons=0)
    key = factory.Sequence(lambda n: f"objective-{n + 1}")
    text = factory.LazyAttribute(lambda objective: f"Objective {objective.key.split('-')[-1]}")
    position = 0


class LessonFactory(DjangoModelFactory):
    """A lesson whose body has an intro and a section with the anchor "main"."""

    class Meta:
        model = Lesson
        skip_postgeneration_save = True

    class Params:
        rendered = factory.LazyAttribute(lambda lesson: render(lesson.body_markdown))

    course = factory.SubFactory(CourseFactory, objectives=0, lessons=0)
    slug = factory.Sequence(lambda n: f"lesson-{n + 1}")
    title = factory.LazyAttribute(lambda lesson: lesson.slug.replace("-", " ").title())
    position = 0
    minutes = 2
    body_markdown = factory.LazyAttribute(
        lambda lesson: (
            f"Intro to {lesson.slug}.\n\n## Main point {{#main}}\n\n"
            f"The main point of {lesson.slug}.\n"
        )
    )
    body_html = factory.LazyAttribute(lambda lesson: lesson.rendered.html)
    toc = factory.LazyAttribute(lambda lesson: lesson.rendered.toc)

    @factory.post_generation
    def objectives(lesson, create, objectives, **kwargs):
        if objectives:
            lesson.objectives.set(objectives)


class QuestionFactory(DjangoModelFactory):
    """A question with its first version as the current one: `spec` (by default the type's
    default_spec), `prompt_html` and `explanation_html` go to the version."""

    class Meta:
        model = Question

    objective = factory.SubFactory(ObjectiveFactory)
    course = factory.LazyAttribute(lambda question: question.objective.course)
    type = "single"
    key = factory.Sequence(lambda n: f"question-{n + 1}")
    lesson = factory.LazyAttribute(
        lambda question: (
            question.objective.lessons.order_by("position").first()
            or question.course.lessons.first()
        )
    )
    anchor = "main"
    position = factory.Sequence(lambda n: n + 1)
    retired = False
    spec = factory.LazyAttribute(lambda question: default_spec(question.type))
    prompt_html = factory.LazyAttribute(lambda question: f"<p>Prompt of {question.key}?</p>")
    explanation_html = factory.LazyAttribute(
        lambda question: f"<p>Explanation of {question.key}.</p>"
    )

    @classmethod
    def _create(cls, model_class, *args, spec, prompt_html, explanation_html, **kwargs):
        question = super()._create(model_class, *args, **kwargs)
        question.current_version = QuestionVersion.objects.create(
            question=question,
            number=1,
            prompt_html=prompt_html,
            explanation_html=explanation_html,
            spec=spec,
            content_hash=f"hash-{question.key}",
        )
        question.save(update_fields=["current_version"])
        return question


class QuizFactory(DjangoModelFactory):
    """The objective's quiz, or the course test when there is no objective (give `course`)."""

    class Meta:
        model = Quiz

    objective = None
    course = factory.LazyAttribute(lambda quiz: quiz.objective.course)
    kind = factory.LazyAttribute(
        lambda quiz: QuizKind.OBJECTIVE if quiz.objective else QuizKind.COURSE
    )
    slug = factory.LazyAttribute(
        lambda quiz: f"quiz-{quiz.objective.key}" if quiz.objective else "course-test"
    )
    title = factory.LazyAttribute(
        lambda quiz: f"Quiz: {quiz.objective.text}" if quiz.objective else "Course test"
    )
    position = factory.LazyAttribute(lambda quiz: quiz.objective.position if quiz.objective else 0)


class AttemptFactory(DjangoModelFactory):
    class Meta:
        model = Attempt

    user = factory.SubFactory(UserFactory)
    quiz = factory.SubFactory(QuizFactory, objective=factory.SubFactory(ObjectiveFactory))
    is_practice = False
    seed = 1
    question_ids = factory.LazyFunction(list)
    started_at = T0


class ResponseFactory(DjangoModelFactory):
    """One answer, stored as given (not graded)."""

    class Meta:
        model = Response

    attempt = factory.SubFactory(AttemptFactory)
    user = factory.SelfAttribute("attempt.user")
    question = factory.SubFactory(QuestionFactory)
    version = factory.SelfAttribute("question.current_version")
    objective = factory.SelfAttribute("question.objective")
    slot = 1
    answer = factory.LazyFunction(dict)
    answer_display = ""
    score = 0.0
    graded_at = T0
    counted = True


class MasteryFactory(DjangoModelFactory):
    class Meta:
        model = Mastery

    user = factory.SubFactory(UserFactory)
    objective = factory.SubFactory(ObjectiveFactory)
    level = 0
    estimate = 0.5
    counted_answers = 1
    review_due_at = None
    review_box = None


# --- what tests say most often -----------------------------------------------------------------


def make_user(username=None, password=PASSWORD, **extra):
    """A learner (named "learner<n>" unless given), with a password."""
    if username is not None:
        extra["username"] = username
    return UserFactory(password=password, **extra)


def make_learners(n, prefix="pupil"):
    """`n` learners with first and last names."""
    return [
        UserFactory(
            username=factory.Sequence(lambda k: f"{prefix}{k}"),
            first_name=f"First{i}",
            last_name="Last",
        )
        for i in range(n)
    ]


def make_staff_instructor(email="teacher@example.com"):
    """A staff user in the Instructors group (as manage.py create_instructor makes one)."""
    user, _ = make_instructor(email, "a long instructor passphrase")
    return user


def make_course(slug=None, *, objectives=2, lessons=3, **extra):
    """A course with `objectives` objectives and `lessons` lessons, each with a section."""
    if slug is not None:
        extra["slug"] = slug
    return CourseFactory(objectives=objectives, lessons=lessons, **extra)


def objectives_of(course):
    return list(course.objectives.order_by("position"))


def make_lesson(course, slug, *, position=0, objectives=(), body=None):
    extra = {"body_markdown": body} if body else {}
    return LessonFactory(
        course=course, slug=slug, position=position, objectives=objectives, **extra
    )


def make_question(
    course, objective=None, *, type="single", key=None, spec=None, lesson=None, anchor="main",
    retired=False, prompt=None, explanation=None,
):  # fmt: skip
    """A question of `type` (its default_spec unless `spec` is given) in the course's first
    objective unless another is given, tied to the first lesson of its objective."""
    objective = objective or course.objectives.order_by("position").first()
    extra = {
        name: value
        for name, value in {
            "key": key,
            "spec": spec,
            "lesson": lesson,
            "prompt_html": f"<p>{prompt}</p>" if prompt else None,
            "explanation_html": f"<p>{explanation}</p>" if explanation else None,
        }.items()
        if value is not None
    }
    return QuestionFactory(objective=objective, type=type, anchor=anchor, retired=retired, **extra)


def make_choice_question(objective, key=None, *, options="abcd", correct="a", qtype="single"):
    """A choice question whose options read "Option A"...; the prompt names its key."""
    return QuestionFactory(
        objective=objective,
        type=qtype,
        spec=choice_spec(options, correct),
        prompt_html=_prompt_naming_key,
        explanation_html="<p>Because.</p>",
        **({"key": key} if key else {}),
    )


def make_truefalse_question(objective, key=None, *, answer=True):
    return QuestionFactory(
        objective=objective,
        type="truefalse",
        spec={"answer": answer},
        prompt_html=_prompt_naming_key,
        explanation_html="<p>Because.</p>",
        **({"key": key} if key else {}),
    )


_prompt_naming_key = factory.LazyAttribute(
    lambda question: f"<p>Prompt of <em>{question.key}</em></p>"
)


def make_quiz(course, objective=None, **extra):
    """The objective's quiz (slug "quiz-<objective key>"), or the course test without one."""
    return QuizFactory(course=course, objective=objective, **extra)


def make_bank(objective, count):
    """`count` single-choice questions (options "a" to "d", "a" right) and the objective's
    quiz, as the progress and practice tests use them."""
    if not Quiz.objects.filter(objective=objective).exists():
        make_quiz(objective.course, objective)
    return QuestionFactory.create_batch(
        count,
        objective=objective,
        key=factory.Sequence(lambda n: f"q-{n + 1}"),
        spec=choice_spec("abcd", "a", label=str),
        prompt_html=factory.LazyAttribute(
            lambda question: f"<p>Question {question.key} &amp; its prompt</p>"
        ),
        explanation_html="<p>Because.</p>",
    )


def make_attempt(user, quiz, answers, *, started_at=None, finished=True, practice=False):
    """An attempt with one response per (question, choice, score) in slot order.

    ``choice`` is option letters ("a", "ab") for choice questions or "true"/"false".
    """
    started_at = started_at or T0
    attempt = AttemptFactory(
        user=user,
        quiz=quiz,
        is_practice=practice,
        question_ids=[question.pk for question, _, _ in answers],
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=3, seconds=7) if finished else None,
        score=sum(score for _, _, score in answers) if finished else None,
        max_score=len(answers),
        answered_slots=list(range(1, len(answers) + 1)),
        answered_count=len(answers),
        score_so_far=sum(score for _, _, score in answers),
    )
    for slot, (question, choice, score) in enumerate(answers, start=1):
        if question.type == "truefalse":
            answer, display = {"value": choice}, choice.capitalize()
        else:
            answer = {"choices": list(choice)}
            display = "; ".join(f"Option {key.upper()}" for key in choice)
        ResponseFactory(
            attempt=attempt,
            question=question,
            slot=slot,
            answer=answer,
            answer_display=display,
            score=score,
            graded_at=started_at + timedelta(seconds=30 * slot),
        )
    if finished:
        itemtally.attempt_finished(attempt)  # as the answer that finishes an attempt does
    return attempt


def make_mastery(user, objective, level, *, estimate=0.5, counted=1, due=None, box=None):
    return MasteryFactory(
        user=user,
        objective=objective,
        level=level,
        estimate=estimate,
        counted_answers=counted,
        review_due_at=due,
        review_box=box,
    )


def answer(user, question, score, at, *, attempt=None, is_practice=False):
    """Record an answer through the live path (progress.services.record_answer) at time `at`; the
    answer is option "a" when the score is 1, else "b"."""
    question = Question.objects.select_related("current_version", "objective").get(pk=question.pk)
    if attempt is None:
        quiz = Quiz.objects.filter(objective=question.objective).first()
        attempt = AttemptFactory(
            user=user,
            quiz=quiz or make_quiz(question.course, question.objective),
            is_practice=is_practice,
            seed=factory.Sequence(lambda n: n + 1),
            question_ids=[question.pk],
            started_at=at,
        )
    grade = Grade(
        score=score,
        correct=score == 1.0,
        answer_display="a" if score == 1.0 else "b",
        correct_display="a",
        feedback_html="",
        answer={"choices": ["a" if score == 1.0 else "b"]},
    )
    return record_answer(attempt=attempt, question=question, grade=grade, now=at)
