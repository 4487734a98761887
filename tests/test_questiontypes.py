"""The question type registry (quizzes/questiontypes/): what each type owns, and a toy type
added in one module (the class below) and one template, end to end: bank import, the question
page, grading, the admin, item analysis and the CSV export."""

import csv
import io
import random
import shutil
from pathlib import Path

import pytest
from django import forms
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from quizzes import grading, questiontypes
from quizzes.models import Attempt, Question, Response
from quizzes.questiontypes.base import Grade, InvalidAnswer, QuestionType
from tests.factories import (
    default_spec,
    make_question,
    make_quiz,
    make_staff_instructor,
    make_user,
)
from tests.quiz_helpers import ALL_TYPES, answer_url, finish_url, slot_url

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "example"
BUILT_IN = ["single", "multiple", "truefalse", "numeric", "text", "matching"]


# --- the registry ---------------------------------------------------------------------------


def test_the_built_in_types_are_registered_in_the_importers_order():
    assert questiontypes.names() == BUILT_IN
    assert [qtype.name for qtype in questiontypes.all()] == BUILT_IN
    assert questiontypes.get("numeric").label == "Numeric answer"


def test_question_type_choices_come_from_the_registry():
    field = Question._meta.get_field("type")
    assert list(field.choices) == questiontypes.choices()
    assert ("truefalse", "True or false") in field.choices


def test_an_unknown_type_is_a_value_error_and_a_name_is_registered_once():
    with pytest.raises(ValueError, match="unknown question type 'essay'"):
        questiontypes.get("essay")
    with pytest.raises(ValueError, match="already registered"):
        questiontypes.register(type(questiontypes.get("single")))


@pytest.mark.parametrize("name", ALL_TYPES)
def test_each_type_grades_its_own_model_answer_as_right(name):
    qtype = questiontypes.get(name)
    spec = default_spec(name)
    result = qtype.grade(spec, qtype.model_answer(spec))
    assert result.score == 1.0
    assert result.correct_display == qtype.correct_display(spec)
    assert qtype.grade(spec, result.answer) == result  # the stored answer grades the same


@pytest.mark.parametrize("name", ALL_TYPES)
def test_each_type_simulates_a_right_and_a_wrong_answer_for_the_demo_class(name):
    qtype = questiontypes.get(name)
    spec = default_spec(name)
    rng = random.Random(4)
    assert qtype.grade(spec, qtype.simulated_answer(rng, spec, True)).score == 1.0
    wrong = [qtype.grade(spec, qtype.simulated_answer(rng, spec, False)) for _ in range(20)]
    assert all(grade.score < 1.0 for grade in wrong)


@pytest.mark.parametrize("name", ALL_TYPES)
def test_the_options_item_analysis_counts_are_those_a_stored_answer_can_choose(name):
    qtype = questiontypes.get(name)
    spec = default_spec(name)
    stored = qtype.grade(spec, qtype.model_answer(spec)).answer
    if not qtype.analyses_options:
        assert qtype.option_keys(spec) == () and qtype.chosen(stored) == ()
        return
    assert set(qtype.chosen(stored)) == qtype.correct_keys(spec)
    assert set(qtype.correct_keys(spec)) <= set(qtype.option_keys(spec))
    assert set(qtype.option_labels(spec)) == set(qtype.option_keys(spec))


def test_the_admin_shows_a_number_as_the_learner_sees_it(client, course):
    """One formatter for numbers: the admin says "10,000,000 tokens", never "10000000.0"."""
    question = make_question(course, type="numeric")
    spec = question.current_version.spec | {"tolerance": 250000.0}
    assert questiontypes.get("numeric").answer_key(spec) == "10,000,000 tokens (± 250,000)"
    learner = make_user("nia")
    quiz = make_quiz(course, question.objective)
    attempt = Attempt.objects.create(
        user=learner, quiz=quiz, seed=3, question_ids=[question.pk], started_at=timezone.now()
    )
    Response.objects.create(
        attempt=attempt,
        user=learner,
        question=question,
        version=question.current_version,
        objective=question.objective,
        slot=1,
        answer={"text": "9M", "value": 9e6},
        answer_display="9,000,000 tokens",
        score=0.0,
        graded_at=timezone.now(),
    )
    client.force_login(make_staff_instructor())
    page = client.get(reverse("admin:quizzes_attempt_change", args=[attempt.pk]))
    text = page.content.decode()
    assert "10,000,000 tokens" in text
    assert "10000000.0" not in text


def test_the_admin_lists_every_accepted_spelling_of_a_text_answer():
    spec = {"accepted": ["Alexandr Wang", "Wang"], "normalised": ["alexandr wang", "wang"]}
    assert questiontypes.get("text").answer_key(spec) == "Alexandr Wang / Wang"
    assert grading.correct_display("text", spec) == "Alexandr Wang"  # the learner's feedback


# --- a toy type: yes, no or unsure ----------------------------------------------------------


class YesNoUnsure(QuestionType):
    """Answer yes or no, or admit not knowing (which scores nothing, but honestly).

    Spec: {"answer": "yes" | "no", "feedback_unsure_html": ""}; input {"value": "yes"}.
    """

    name = "yesno"
    label = "Yes, no or unsure"
    fields = frozenset({"answer", "feedback_unsure"})
    guess_rate = 0.5
    analyses_options = True
    VALUES = {"yes": "Yes", "no": "No", "unsure": "Unsure"}

    def build_spec(self, check, item, label):
        answer = item.get("answer")
        if isinstance(answer, bool):  # YAML reads a bare yes/no as a boolean
            answer = "yes" if answer else "no"
        if answer not in ("yes", "no"):
            check.add(check.line(item, "answer"), f"{label}: answer must be yes or no")
            return None
        feedback = check.text(item, "feedback_unsure", label, required=False)
        return {"answer": answer, "feedback_unsure_html": check.inline_html(feedback or "")}

    def build_fields(self, form, spec, rng, token):
        chosen = form.data.get("value") if form.is_bound else None
        form.items = [
            {"value": value, "id": f"{form.html_id}-{value}", "html": text}
            | {"checked": chosen == value}
            for value, text in self.VALUES.items()
        ]
        form.fields["value"] = forms.ChoiceField(
            choices=list(self.VALUES.items()),
            error_messages={"required": "Choose yes, no or unsure.", "invalid_choice": "Choose."},
        )

    def answer_data(self, form, cleaned):
        return {"value": cleaned["value"]}

    def grade(self, spec, data):
        value = data.get("value")
        if value not in self.VALUES:
            raise InvalidAnswer("Choose yes, no or unsure.")
        score = 1.0 if value == spec["answer"] else 0.0
        return Grade(
            score=score,
            correct=score == 1.0,
            answer_display=self.VALUES[value],
            correct_display=self.VALUES[spec["answer"]],
            feedback_html=spec["feedback_unsure_html"] if value == "unsure" else "",
            answer={"value": value},
        )

    def model_answer(self, spec):
        return {"value": spec["answer"]}

    def option_keys(self, spec):
        return tuple(self.VALUES)

    def option_labels(self, spec):
        return dict(self.VALUES)

    def correct_keys(self, spec):
        return {spec["answer"]}

    def chosen(self, answer):
        return (answer.get("value"),)

    def simulated_answer(self, rng, spec, correct):
        return {"value": spec["answer"] if correct else rng.choice(["unsure", "no", "yes"])}

    # What the linter and item analysis ask of it.
    def fact_texts(self, spec, prompt):
        return [prompt]  # the statement answered yes or no

    def guess_score(self, spec):
        return 1 / 3  # one of three, at random


YESNO_TEMPLATE = """\
<fieldset class="choices choices--inline" aria-describedby="{{ form.html_id }}-prompt">
  <legend>Yes, no or unsure?</legend>
  {% for item in form.items %}
    <div class="choice">
      <input type="radio" name="value" id="{{ item.id }}" value="{{ item.value }}"
        {% if item.checked %}checked{% endif %}>
      <label for="{{ item.id }}">{{ item.html }}</label>
    </div>
  {% endfor %}
</fieldset>
"""

YESNO_QUESTION = """
- key: card-is-document-yesno
  objective: card-purpose
  type: yesno
  source: what-a-model-card-is#usual-parts
  prompt: Is a model card a document?
  answer: yes
  feedback_unsure: It is a short document published with the model.
  explanation: A model card is a short document published with a model.

- key: card-is-blue-yesno
  objective: card-purpose
  type: yesno
  source: what-a-model-card-is#usual-parts
  prompt: Is every model card printed on blue paper?
  answer: no
  explanation: A model card is a web page or a file, never paper.
"""


@pytest.fixture
def yesno(settings, tmp_path):
    """The toy type registered, and its template where the template loader finds it."""
    fields = tmp_path / "templates" / "quizzes" / "fields"
    fields.mkdir(parents=True)
    (fields / "yesno.html").write_text(YESNO_TEMPLATE)
    settings.TEMPLATES = [
        {**engine, "DIRS": [tmp_path / "templates", *engine.get("DIRS", [])]}
        for engine in settings.TEMPLATES
    ]
    questiontypes.register(YesNoUnsure)
    yield questiontypes.get("yesno")
    questiontypes.unregister("yesno")
    assert "yesno" not in questiontypes.names()
    with pytest.raises(ValueError):
        grading.grade("yesno", {"answer": "yes"}, {"value": "yes"})


def yesno_course_path(question):
    return Path(question.course.source_path)


@pytest.fixture
def yesno_course(yesno, tmp_path):
    """The example course with one yes/no/unsure question added to its bank, imported."""
    for name in ("example-course.md", "example-course.questions.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    bank = tmp_path / "example-course.questions.yaml"
    bank.write_text(bank.read_text() + YESNO_QUESTION)
    call_command("import_course", str(tmp_path / "example-course.md"), stdout=io.StringIO())
    return Question.objects.select_related("current_version", "course").get(
        key="card-is-document-yesno"
    )


@pytest.mark.django_db
def test_a_toy_type_needs_one_module_and_one_template(yesno, yesno_course, client):
    question = yesno_course
    assert question.type == "yesno"
    # The linter reads the type's fact: the blue-paper statement is not in its section.
    findings = io.StringIO()
    call_command("lint_course", str(yesno_course_path(question)), stdout=findings)
    pointer = [line for line in findings.getvalue().splitlines() if "card-is-blue-yesno" in line]
    assert pointer and "blue" in " ".join(pointer) and "paper" in " ".join(pointer)
    assert '[pointer] question "card-is-document-yesno"' not in findings.getvalue()  # taught
    assert "2 questions test the same fact (card, model)" in findings.getvalue()
    assert question.current_version.spec == {
        "answer": "yes",
        "feedback_unsure_html": "It is a short document published with the model.",
    }
    assert ("yesno", "Yes, no or unsure") in Question._meta.get_field("type").choices
    assert grading.guess_for_spec("yesno", question.current_version.spec) == 0.5

    # The question page draws the type's template.
    learner = make_user("yara")
    client.force_login(learner)
    quiz = question.objective.quiz
    attempt = Attempt.objects.create(
        user=learner, quiz=quiz, seed=5, question_ids=[question.pk], started_at=timezone.now()
    )
    page = client.get(slot_url(attempt, 1)).content.decode()
    assert "<legend>Yes, no or unsure?</legend>" in page
    assert page.count('type="radio" name="value"') == 3

    # Bad input is a 4xx with the type's sentence; a right answer is graded and stored.
    refused = client.post(answer_url(attempt, 1), {"value": "maybe"})
    assert refused.status_code == 400 and "Choose" in refused.content.decode()
    assert not Response.objects.exists()
    client.post(answer_url(attempt, 1), {"value": "unsure"})
    response = Response.objects.get()
    assert (response.score, response.answer_display) == (0.0, "Unsure")
    assert response.answer == {"value": "unsure"}
    shown = client.get(slot_url(attempt, 1)).content.decode()
    assert "It is a short document published with the model." in shown  # its feedback
    assert "Yes" in shown  # the correct answer

    # The admin, the item analysis and the CSV export show it in words.
    client.post(finish_url(attempt))
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    client.force_login(make_staff_instructor())
    admin_page = client.get(reverse("admin:quizzes_attempt_change", args=[attempt.pk]))
    assert admin_page.status_code == 200
    assert "Unsure" in admin_page.content.decode()
    analysis = client.get(reverse("reports:items", args=[quiz.pk]))
    table = analysis.content.decode()
    assert analysis.status_code == 200
    assert "Yes, no or unsure" in table  # the type's label, from the registry
    options = table.split('distractors" data-question="card-is-document-yesno">')[1]
    options = options.split("</table>")[0]
    assert "Unsure" in options and "No" in options  # its options, by their labels
    assert '<td class="num guess">33.3%</td>' in table  # its guessing baseline
    export = client.get(reverse("reports:export_responses"))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[1][rows[0].index("answer")] == "Unsure"

    # The interchange formats ask for its shape: it has none, so each refuses it by name.
    for format_name in ("gift", "moodle-xml", "qti3"):
        with pytest.raises(CommandError, match="cannot hold type yesno"):
            call_command(
                "export_bank",
                str(yesno_course_path(question)),
                "--format",
                format_name,
                "-o",
                str(yesno_course_path(question).with_suffix(".out")),
                stdout=io.StringIO(),
            )


@pytest.mark.django_db
def test_the_toy_type_is_validated_by_its_own_rules_in_the_bank(yesno, tmp_path):
    for name in ("example-course.md", "example-course.questions.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    bank = tmp_path / "example-course.questions.yaml"
    bank.write_text(
        bank.read_text()
        + YESNO_QUESTION.replace("answer: yes", "answer: perhaps").replace(
            "feedback_unsure:", "options:"
        )
    )
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_course",
            str(tmp_path / "example-course.md"),
            stdout=io.StringIO(),
            stderr=errors,
        )
    message = errors.getvalue()
    assert "answer must be yes or no" in message
    assert 'unknown field "options"' in message
    assert not Question.objects.filter(key="card-is-document-yesno").exists()
