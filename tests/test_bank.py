"""The question bank importer (authoring/bank.py), through parse_course_file and
`import_course`."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from authoring.bank import apply_bank, inline_html, quiz_title
from authoring.importer import CourseFileError, ImportReport
from authoring.importing import parse_course_file
from courses.models import Course
from quizzes import questiontypes
from quizzes.grading import grade
from quizzes.models import (
    Attempt,
    FeedbackMode,
    Question,
    QuestionVersion,
    Quiz,
    QuizKind,
    Response,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db  # parse_bank reads stored question types

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "courses"
EXAMPLE = ROOT / "docs" / "example" / "example-course.md"
META = ROOT / "fixtures" / "meta-open-source-ai.md"


@pytest.fixture
def course_file(tmp_path):
    """A writable copy of tests/data/courses/quiz-course.md and its question bank."""
    for name in ("quiz-course.md", "quiz-course.questions.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path / "quiz-course.md"


def bank_of(course_file):
    return course_file.with_name("quiz-course.questions.yaml")


def edit(path, old, new):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def run_import(*paths, dry_run=False):
    out = StringIO()
    call_command(
        "import_course", *[str(p) for p in paths], dry_run=dry_run, verbosity=2, stdout=out
    )
    return out.getvalue()


def correct_input(qtype, spec):
    """The input a learner who knows the answer would send."""
    if qtype in ("single", "multiple"):
        return {"choices": [option["key"] for option in spec["options"] if option["correct"]]}
    if qtype == "truefalse":
        return {"value": "true" if spec["answer"] else "false"}
    if qtype == "numeric":
        return {"text": repr(spec["answer"])}
    if qtype == "text":
        return {"text": spec["accepted"][0]}
    return {"pairs": {pair["key"]: pair["right_key"] for pair in spec["pairs"]}}


# --- importing ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_example_course_imports_every_question_with_a_first_version():
    output = run_import(EXAMPLE)

    course = Course.objects.get(slug="example-course")
    questions = list(course.questions.select_related("current_version", "objective", "lesson"))
    assert [q.type for q in questions] == questiontypes.names()
    for question in questions:
        assert question.current_version.number == 1
        assert question.versions.count() == 1
        assert not question.retired
        assert f'created question "{question.key}"' in output
    first = questions[0]
    assert (first.key, first.objective.key, first.lesson.slug, first.anchor) == (
        "card-purpose-single",
        "card-purpose",
        "what-a-model-card-is",
        "what-for",
    )
    assert first.source_url() == first.lesson.get_absolute_url() + "#what-for"
    assert first.current_version.prompt_html == "<p>What is a model card?</p>"
    options = first.current_version.spec["options"]
    assert [(o["key"], o["correct"]) for o in options] == [("a", False), ("b", True), ("c", False)]
    assert options[0]["html"] == "A hardware board that runs a model"
    assert options[0]["feedback_html"] == (
        "<p>Despite the name, a model card is a document, not hardware.</p>"
    )


@pytest.mark.django_db
def test_stored_specs_grade_their_own_correct_answers_as_right():
    run_import(EXAMPLE, DATA / "quiz-course.md")
    versions = QuestionVersion.objects.select_related("question")
    assert versions.count() == 12
    for version in versions:
        qtype = version.question.type
        result = grade(qtype, version.spec, correct_input(qtype, version.spec))
        assert result.correct, version.question.key


@pytest.mark.django_db
def test_import_creates_a_quiz_per_objective_and_a_course_test():
    run_import(DATA / "quiz-course.md")

    course = Course.objects.get(slug="quiz-course")
    quizzes = list(Quiz.objects.filter(course=course).select_related("objective"))
    assert [(q.slug, q.kind, q.position) for q in quizzes] == [
        ("context", QuizKind.OBJECTIVE, 0),
        ("licence", QuizKind.OBJECTIVE, 1),
        ("course-test", QuizKind.COURSE, 2),
    ]
    assert quizzes[0].objective.key == "context"
    assert quizzes[0].title == "Quiz: Recall the context windows of the two sample models"
    assert quizzes[0].questions_per_attempt == 5
    assert quizzes[2].objective is None
    assert quizzes[2].title == "Course test"
    assert quizzes[2].questions_per_attempt == 10
    assert quizzes[2].feedback_mode == FeedbackMode.END


def test_quiz_titles_are_shortened_at_a_word():
    assert quiz_title("Say who may use it.") == "Quiz: Say who may use it"
    long = "Compare the Llama 4 Maverick, Llama 4 Scout and Llama 3.3 70B models and identify the "
    title = quiz_title(long + "best use case for each.")
    assert title == (
        "Quiz: Compare the Llama 4 Maverick, Llama 4 Scout and Llama 3.3 70B models and…"
    )


@pytest.mark.django_db
def test_a_second_import_changes_nothing_and_says_so():
    first = run_import(DATA / "quiz-course.md", EXAMPLE)
    counts = (Question.objects.count(), QuestionVersion.objects.count(), Quiz.objects.count())

    second = run_import(DATA / "quiz-course.md", EXAMPLE)

    assert "created question" in first
    assert second.splitlines() == [
        f"{DATA / 'quiz-course.md'}: no changes.",
        f"{EXAMPLE}: no changes.",
    ]
    assert (Question.objects.count(), QuestionVersion.objects.count(), Quiz.objects.count()) == (
        counts
    )
    assert counts == (12, 12, 6)


@pytest.mark.django_db
def test_applying_an_unchanged_bank_only_reads(django_assert_num_queries):
    doc = parse_course_file(DATA / "quiz-course.md")
    run_import(DATA / "quiz-course.md")
    course = Course.objects.get(slug="quiz-course")
    objectives = {o.key: o for o in course.objectives.all()}
    lessons = {lesson.slug: lesson for lesson in course.lessons.all()}
    report = ImportReport()

    # 1. the course's questions with their current versions; 2. the course's quizzes
    with django_assert_num_queries(2):
        apply_bank(doc, course, objectives, lessons, report)

    assert report.changes == []


@pytest.mark.django_db
def test_dry_run_writes_no_question(course_file):
    output = run_import(course_file, dry_run=True)
    assert 'created question "free-for"' in output
    assert Question.objects.count() == 0
    assert Quiz.objects.count() == 0


@pytest.mark.django_db
def test_imported_html_is_sanitised(course_file):
    edit(
        bank_of(course_file),
        "prompt: What is Sample-Large's context window?",
        "prompt: What is it? <script>alert(1)</script>",
    )
    edit(
        bank_of(course_file),
        "feedback: That is Sample-Small.",
        'feedback: "[Sample-Small](javascript:alert(1)) <img src=x onerror=alert(1)>"',
    )
    edit(bank_of(course_file), "- text: 1 million tokens", "- text: 1 *million* <b>tokens</b>")
    run_import(course_file)

    version = Question.objects.get(key="large-context").current_version
    assert "<script" not in version.prompt_html
    assert version.prompt_html.startswith("<p>What is it?")
    wrong = version.spec["options"][1]
    assert "javascript:" not in wrong["feedback_html"]
    assert "onerror" not in wrong["feedback_html"]
    third = version.spec["options"][2]
    assert third["html"] == "1 <em>million</em> <b>tokens</b>"
    assert third["text"] == "1 million tokens"


def test_inline_html_keeps_paragraphs_when_there_are_several():
    assert inline_html("one *two*") == "one <em>two</em>"
    assert inline_html("one\n\ntwo") == "<p>one</p>\n<p>two</p>"


# --- re-importing after edits ---------------------------------------------------------------


def answer_on_current_version(user, question):
    """A graded Response stored the way the quiz pages store one."""
    quiz = Quiz.objects.get(objective=question.objective)
    now = timezone.now()
    attempt = Attempt.objects.create(
        user=user, quiz=quiz, seed=1, question_ids=[question.pk], started_at=now
    )
    version = question.current_version
    result = grade(question.type, version.spec, correct_input(question.type, version.spec))
    return Response.objects.create(
        attempt=attempt,
        user=user,
        question=question,
        version=version,
        objective=question.objective,
        slot=1,
        answer=result.answer,
        answer_display=result.answer_display,
        score=result.score,
        graded_at=now,
    )


@pytest.mark.django_db
def test_editing_a_question_makes_version_two_and_past_answers_stay_on_one(course_file):
    run_import(course_file)
    question = Question.objects.get(key="free-for")
    response = answer_on_current_version(make_user(), question)
    edit(
        bank_of(course_file),
        "prompt: The sample models are free for what? (One word.)",
        "prompt: What use are the sample models free for? (One word.)",
    )

    output = run_import(course_file)

    question.refresh_from_db()
    assert question.current_version.number == 2
    assert "What use are" in question.current_version.prompt_html
    assert list(question.versions.values_list("number", flat=True)) == [1, 2]
    response.refresh_from_db()
    assert response.version.number == 1
    assert "free for what?" in response.version.prompt_html
    assert 'updated question "free-for" (new version 2)' in output
    assert ": updated 1 question." in output  # nothing else changed
    assert "no changes." in run_import(course_file)


@pytest.mark.django_db
def test_changing_an_answer_or_the_objective_makes_a_new_version(course_file):
    run_import(course_file)
    edit(bank_of(course_file), "  answer: 10000000\n", "  answer: 10000000\n  tolerance: 5\n")
    edit(
        bank_of(course_file),
        "- key: research-free\n  objective: licence",
        "- key: research-free\n  objective: context",
    )

    output = run_import(course_file)

    numeric = Question.objects.get(key="large-context-number")
    assert numeric.current_version.number == 2
    assert numeric.current_version.spec["tolerance"] == 5.0
    moved = Question.objects.select_related("objective", "current_version").get(
        key="research-free"
    )
    assert moved.objective.key == "context"
    assert moved.current_version.number == 2
    assert 'updated question "research-free" (objective, new version 2)' in output


@pytest.mark.django_db
def test_reordering_questions_updates_positions_without_new_versions(course_file):
    run_import(course_file)
    bank = bank_of(course_file)
    header, *items = bank.read_text().split("\n- key: ")
    bank.write_text("\n- key: ".join([header, *reversed(items)]).rstrip() + "\n")

    output = run_import(course_file)

    keys = list(Question.objects.order_by("position").values_list("key", flat=True))
    assert keys[0] == "match-contexts"
    assert keys[-1] == "large-context"
    assert QuestionVersion.objects.count() == 6
    assert 'updated question "large-context" (position)' in output
    assert "new version" not in output


@pytest.mark.django_db
def test_a_removed_question_is_retired_and_restored_when_put_back(course_file):
    run_import(course_file)
    bank = bank_of(course_file)
    original = bank.read_text()
    head, _, tail = original.partition("- key: free-for\n")
    bank.write_text(head + tail[tail.index("- key: match-contexts") :])

    output = run_import(course_file)

    question = Question.objects.get(key="free-for")
    assert question.retired
    assert 'retired question "free-for"' in output
    assert Question.objects.active().count() == 5

    bank.write_text(original)
    output = run_import(course_file)

    question.refresh_from_db()
    assert not question.retired
    assert question.current_version.number == 1
    assert 'restored question "free-for"' in output
    assert "new version" not in output


@pytest.mark.django_db
def test_an_answered_question_cannot_change_type(course_file):
    run_import(course_file)
    answer_on_current_version(make_user(), Question.objects.get(key="research-free"))
    bank = bank_of(course_file)
    edit(
        bank,
        "  type: truefalse\n  source: the-licence#who\n  prompt: The sample models are free "
        "for research.\n  answer: true\n  feedback_false: The lesson says they are free for "
        "research.\n",
        "  type: single\n  source: the-licence#who\n  prompt: Are the sample models free for "
        "research?\n  options:\n    - text: 'Yes'\n      correct: true\n    - text: 'No'\n",
    )

    with pytest.raises(CourseFileError) as info:
        parse_course_file(course_file)

    assert [str(problem) for problem in info.value.problems] == [
        f'{bank}:34: question "research-free": learners have answered it as a truefalse '
        "question; give the single question a new key"
    ]


@pytest.mark.django_db
def test_an_unanswered_question_may_change_type(course_file):
    run_import(course_file)
    edit(bank_of(course_file), "type: truefalse", "type: single")
    edit(
        bank_of(course_file),
        "  answer: true\n  feedback_false: The lesson says they are free for research.\n",
        "  options:\n    - text: 'Yes'\n      correct: true\n    - text: 'No'\n",
    )

    output = run_import(course_file)

    question = Question.objects.get(key="research-free")
    assert question.type == "single"
    assert question.current_version.number == 2
    assert 'updated question "research-free" (type, new version 2)' in output


@pytest.mark.django_db
def test_reimport_keeps_instructor_quiz_settings_but_follows_the_objective_text(course_file):
    run_import(course_file)
    Quiz.objects.filter(slug="context").update(
        questions_per_attempt=3,
        attempts_allowed=2,
        feedback_mode=FeedbackMode.END,
        pass_mark=60,
    )
    Quiz.objects.filter(slug="course-test").update(questions_per_attempt=4, pass_mark=70)
    edit(
        course_file,
        "text: Recall the context windows of the two sample models.",
        "text: Compare the context windows.",
    )

    output = run_import(course_file)

    quiz = Quiz.objects.get(slug="context")
    assert quiz.title == "Quiz: Compare the context windows"
    assert (
        quiz.questions_per_attempt,
        quiz.attempts_allowed,
        quiz.feedback_mode,
        quiz.pass_mark,
    ) == (3, 2, FeedbackMode.END, 60)
    test = Quiz.objects.get(slug="course-test")
    assert (test.questions_per_attempt, test.pass_mark) == (4, 70)
    assert 'updated quiz "context" (title)' in output


# --- validation -----------------------------------------------------------------------------

SINGLE_HEAD = """\
- key: q1
  objective: context
  type: single
  source: context-windows#figures
  prompt: Which?
"""
TRUEFALSE = """\
- key: q1
  objective: licence
  type: truefalse
  source: the-licence#who
  prompt: Free for research?
  answer: true
  explanation: Yes.
"""

INVALID_BANKS = {
    "not a list": (
        "key: q1\ntype: single\n",
        [(1, "the question bank must be a YAML list of questions (- key: ...)")],
    ),
    "malformed yaml": (
        "- key: q1\n  prompt: [unclosed\n",
        [(3, "malformed YAML: expected ',' or ']', but got '<stream end>'")],
    ),
    "a colon and a space in a prompt, with the way out": (
        "- key: q1\n  prompt: What does `Cache-Control: no-cache` mean?\n",
        [
            (
                2,
                "malformed YAML: mapping values are not allowed here: a colon followed by a "
                'space starts a new key. Put the whole text in quotes (prompt: "What does '
                '`a: b` mean?") or write it as a block (prompt: >-, then the text indented on '
                'the next line); see "Writing the YAML" in docs/course-format.md',
            )
        ],
    ),
    "not a mapping": (
        "- just words\n",
        [(1, "question 1 must be a mapping of fields (key: ..., type: ...)")],
    ),
    "missing key": (
        TRUEFALSE.replace("- key: q1\n  objective", "- objective"),
        [(1, 'question 1: missing required field "key"')],
    ),
    "bad key": (
        TRUEFALSE.replace("key: q1", "key: Q 1"),
        [(1, "question key 'Q 1' must be lowercase words joined by -")],
    ),
    "missing prompt": (
        TRUEFALSE.replace("  prompt: Free for research?\n", ""),
        [(1, 'question "q1": missing required field "prompt"')],
    ),
    "empty explanation": (
        TRUEFALSE.replace("explanation: Yes.", 'explanation: ""'),
        [(7, 'question "q1": "explanation" must be non-empty text')],
    ),
    "unknown objective": (
        TRUEFALSE.replace("objective: licence", "objective: nope"),
        [(2, 'question "q1": unknown objective "nope"')],
    ),
    "unknown type": (
        TRUEFALSE.replace("type: truefalse", "type: essay"),
        [
            (
                3,
                'question "q1": unknown type "essay" (use single,'
                " multiple, truefalse, numeric, text, matching)",
            )
        ],
    ),
    "unknown field": (
        TRUEFALSE + "  hint: Think.\n",
        [
            (
                8,
                'question "q1": unknown field "hint" (use answer, explanation, feedback_false,'
                " feedback_true, inference, key, level, objective, prompt, source, type)",
            )
        ],
    ),
    "field twice": (
        TRUEFALSE + "  answer: false\n",
        [(8, 'question "q1": field "answer" is given twice')],
    ),
    "no such lesson": (
        TRUEFALSE.replace("the-licence#who", "nowhere#who"),
        [(4, 'question "q1": source "nowhere#who": no lesson "nowhere"')],
    ),
    "no such section": (
        TRUEFALSE.replace("the-licence#who", "the-licence#nope"),
        [(4, 'question "q1": source "the-licence#nope" has no section "nope"')],
    ),
    "source without section": (
        TRUEFALSE.replace("the-licence#who", "the-licence"),
        [(4, 'question "q1": source must be "lesson-slug#section-id"')],
    ),
    "duplicate question key": (
        TRUEFALSE + TRUEFALSE,
        [(8, 'duplicate question key "q1" (first used on line 1)')],
    ),
    "truefalse answer not a bool": (
        TRUEFALSE.replace("answer: true", 'answer: "yes"'),
        [(6, 'question "q1": answer must be true or false')],
    ),
    "no correct option": (
        SINGLE_HEAD + "  options:\n    - text: A\n    - text: B\n  explanation: B.\n",
        [(6, 'question "q1": no option is marked correct: true')],
    ),
    "two correct on single": (
        SINGLE_HEAD + "  options:\n    - text: A\n      correct: true\n    - text: B\n"
        "      correct: true\n  explanation: B.\n",
        [
            (
                6,
                'question "q1": 2 options are correct; a single question'
                " needs exactly one (use type: multiple for several)",
            )
        ],
    ),
    "one option": (
        SINGLE_HEAD + "  options:\n    - text: A\n      correct: true\n  explanation: A.\n",
        [(6, 'question "q1": options must be a list of at least two')],
    ),
    "duplicate option key": (
        SINGLE_HEAD + "  options:\n    - key: x\n      text: A\n      correct: true\n"
        "    - key: x\n      text: B\n  explanation: A.\n",
        [(10, 'question "q1": duplicate option key "x"')],
    ),
    "duplicate option text": (
        SINGLE_HEAD
        + "  options:\n    - text: A\n      correct: true\n    - text: A\n  explanation: A.\n",
        [(9, 'question "q1": two options read "A"')],
    ),
    "option correct not a bool": (
        SINGLE_HEAD
        + "  options:\n    - text: A\n      correct: right\n    - text: B\n  explanation: A.\n",
        [(8, 'question "q1", option 1: correct must be true or false')],
    ),
    "option typo": (
        SINGLE_HEAD + "  options:\n    - text: A\n      correct: true\n    - text: B\n"
        "      feedbak: No.\n  explanation: A.\n",
        [
            (
                10,
                'question "q1", option 2: unknown field "feedbak"'
                " (use correct, feedback, key, text)",
            )
        ],
    ),
    "option text a bare yes": (
        SINGLE_HEAD
        + "  options:\n    - text: yes\n      correct: true\n    - text: B\n  explanation: A.\n",
        [(7, 'question "q1", option 1: "text" must be text; put yes/no/true/false in quotes')],
    ),
    "numeric answer not a number": (
        SINGLE_HEAD.replace("single", "numeric") + "  answer: ten\n  explanation: 10.\n",
        [(6, "question \"q1\": answer 'ten' is not a number")],
    ),
    "numeric negative tolerance": (
        SINGLE_HEAD.replace("single", "numeric")
        + "  answer: 10\n  tolerance: -1\n  explanation: 10.\n",
        [(7, 'question "q1": tolerance must be a number, zero or more')],
    ),
    "numeric answer missing": (
        SINGLE_HEAD.replace("single", "numeric") + "  explanation: 10.\n",
        [(1, 'question "q1": missing required field "answer"')],
    ),
    "text without accepted": (
        SINGLE_HEAD.replace("single", "text") + "  accepted: []\n  explanation: A.\n",
        [(6, 'question "q1": accepted must list at least one answer')],
    ),
    "text accepted punctuation": (
        SINGLE_HEAD.replace("single", "text") + '  accepted: ["?!"]\n  explanation: A.\n',
        [(6, 'question "q1": accepted answer 1 has no letters or digits')],
    ),
    "matching one pair": (
        SINGLE_HEAD.replace("single", "matching")
        + "  pairs:\n    - left: A\n      right: 1\n  explanation: A.\n",
        [(6, 'question "q1": pairs must be a list of at least two')],
    ),
    "matching pair without right": (
        SINGLE_HEAD.replace("single", "matching")
        + "  pairs:\n    - left: A\n      right: 1\n    - left: B\n  explanation: A.\n",
        [(9, 'question "q1", pair 2: missing required field "right"')],
    ),
    "matching distractor that matches": (
        SINGLE_HEAD.replace("single", "matching")
        + "  pairs:\n    - left: A\n      right: 1\n    - left: B\n      right: 2\n"
        "  distractors: [2]\n  explanation: A.\n",
        [(11, 'question "q1": distractor "2" is also the right item of a pair')],
    ),
}


@pytest.mark.parametrize(("text", "expected"), INVALID_BANKS.values(), ids=INVALID_BANKS.keys())
def test_invalid_banks_are_reported_with_file_and_line(course_file, text, expected):
    bank = bank_of(course_file)
    bank.write_text(text)

    with pytest.raises(CourseFileError) as info:
        parse_course_file(course_file)

    assert [str(problem) for problem in info.value.problems] == [
        f"{bank}:{line}: {message}" for line, message in expected
    ]


def test_every_problem_in_a_bank_is_reported_at_once(course_file):
    bank = bank_of(course_file)
    edit(bank, "objective: licence", "objective: nope")  # line 33
    edit(bank, "source: context-windows#figures", "source: context-windows#gone")  # line 6
    edit(bank, "answer: 10000000", "answer: lots")  # line 46

    with pytest.raises(CourseFileError) as info:
        parse_course_file(course_file)

    assert [str(problem) for problem in info.value.problems] == [
        f'{bank}:6: question "large-context": source "context-windows#gone" has no section "gone"',
        f'{bank}:33: question "research-free": unknown objective "nope"',
        f"{bank}:46: question \"large-context-number\": answer 'lots' is not a number",
    ]


def test_a_missing_bank_file_is_reported_on_the_questions_line(course_file):
    bank = bank_of(course_file)
    bank.unlink()

    with pytest.raises(CourseFileError) as info:
        parse_course_file(course_file)

    assert [str(problem) for problem in info.value.problems] == [
        f'{course_file}:5: question bank "{bank}" does not exist'
    ]


def test_an_empty_bank_is_an_empty_list(course_file):
    bank_of(course_file).write_text("# no questions yet\n")
    assert parse_course_file(course_file).bank == []


def test_an_objective_cannot_take_the_course_test_slug(course_file):
    edit(course_file, "key: licence", "key: course-test")
    edit(course_file, "objectives=licence", "objectives=course-test")
    edit(bank_of(course_file), "objective: licence", "objective: course-test")
    edit(bank_of(course_file), "objective: licence", "objective: course-test")

    with pytest.raises(CourseFileError) as info:
        parse_course_file(course_file)

    assert [str(problem) for problem in info.value.problems] == [
        f'{course_file}:9: objective key "course-test" is reserved for the course test'
    ]


@pytest.mark.django_db
def test_the_command_refuses_an_invalid_bank_and_writes_nothing(course_file):
    bank = bank_of(course_file)
    edit(bank, "objective: licence", "objective: nope")
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_course", str(course_file), stdout=StringIO(), stderr=err)

    assert err.getvalue().strip() == (
        f'{bank}:33: question "research-free": unknown objective "nope"'
    )
    assert Course.objects.count() == 0
    assert Question.objects.count() == 0


# --- the course fixture ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_meta_course_imports_with_ten_questions_per_objective_and_every_type():
    run_import(META)

    course = Course.objects.get(slug="meta-open-source-ai")
    questions = list(course.questions.select_related("current_version", "objective"))
    per_objective = {}
    for question in questions:
        per_objective[question.objective.key] = per_objective.get(question.objective.key, 0) + 1
        spec = question.current_version.spec
        assert grade(question.type, spec, correct_input(question.type, spec)).correct
    assert set(per_objective) == set(course.objectives.values_list("key", flat=True))
    assert min(per_objective.values()) >= 10
    assert {question.type for question in questions} == set(questiontypes.names())
    assert Quiz.objects.filter(course=course, kind=QuizKind.OBJECTIVE).count() == len(
        per_objective
    )
    # Quizzes take the objectives' short titles.
    assert Quiz.objects.get(course=course, slug="community-licence").title == (
        "Quiz: The community licence"
    )
    assert "no changes." in run_import(META)
