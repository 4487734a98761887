"""CSV exports of responses and mastery: contents, formula safety and streaming."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lib.csvfiles import safe_cell
from progress.mastery import Level as L
from quizzes.models import Response
from tests.factories import (
    T0,
    make_attempt,
    make_choice_question,
    make_course,
    make_mastery,
    make_quiz,
    make_truefalse_question,
    make_user,
    objectives_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    course = make_course("export-course")
    first, second = objectives_of(course)
    q1 = make_choice_question(first, "q-one")
    q2 = make_truefalse_question(second, "q-two")
    quiz = make_quiz(first.course, first)
    amy = make_user("amy", email="amy@example.com", first_name="Amy", last_name="Noether")
    attempt = make_attempt(amy, quiz, [(q1, "b", 0.0), (q2, "true", 1.0)])
    make_mastery(amy, first, L.ATTEMPTED, estimate=0.12345, counted=1)
    make_mastery(
        amy, second, L.MASTERED, estimate=0.97, counted=9, box=2, due=T0 + timedelta(days=7)
    )
    other = make_course("other-course")
    other_objective = objectives_of(other)[0]
    other_q = make_choice_question(other_objective, "elsewhere")
    make_attempt(
        make_user("zed"), make_quiz(other_objective.course, other_objective), [(other_q, "a", 1.0)]
    )
    return course, attempt


def _rows(response):
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_responses_csv_has_one_row_per_answer(instructor_client, data):
    course, attempt = data
    response = instructor_client.get(reverse("reports:export_responses") + f"?course={course.pk}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="responses-export-course.csv"'
    rows = _rows(response)
    assert rows[0] == [
        "learner",
        "name",
        "email",
        "quiz",
        "attempt",
        "slot",
        "question",
        "objective",
        "answer",
        "score",
        "counted",
        "time",
    ]
    # T0 is 09:00 UTC on 2 March: 09:00 in London (winter time), answers 30 s apart.
    assert rows[1:] == [
        [
            "amy",
            "Amy Noether",
            "amy@example.com",
            "quiz-objective-1",
            str(attempt.pk),
            "1",
            "q-one",
            "objective-1",
            "Option B",
            "0",
            "yes",
            "2026-03-02T09:00:30+00:00",
        ],
        [
            "amy",
            "Amy Noether",
            "amy@example.com",
            "quiz-objective-1",
            str(attempt.pk),
            "2",
            "q-two",
            "objective-2",
            "True",
            "1",
            "yes",
            "2026-03-02T09:01:00+00:00",
        ],
    ]


def test_responses_csv_without_a_course_covers_every_course(instructor_client, data):
    rows = _rows(instructor_client.get(reverse("reports:export_responses")))
    assert [row[0] for row in rows[1:]] == ["amy", "amy", "zed"]


def test_mastery_csv_has_one_row_per_learner_and_objective(instructor_client, data):
    course, _ = data
    response = instructor_client.get(reverse("reports:export_mastery") + f"?course={course.pk}")
    rows = _rows(response)
    assert rows[0][:7] == [
        "learner", "name", "email", "course", "objective", "level", "estimate"
    ]  # fmt: skip
    assert [row[:10] for row in rows[1:]] == [
        [
            "amy",
            "Amy Noether",
            "amy@example.com",
            "export-course",
            "objective-1",
            "Attempted",
            "0.1235",
            "1",
            "",
            "",
        ],
        [
            "amy",
            "Amy Noether",
            "amy@example.com",
            "export-course",
            "objective-2",
            "Mastered",
            "0.9700",
            "9",
            "2",
            "2026-03-09T09:00:00+00:00",
        ],
    ]


def test_cells_that_spreadsheets_would_run_are_quoted(instructor_client, data):
    course, attempt = data
    attempt.user.first_name = "=cmd"
    attempt.user.save()
    Response.objects.filter(slot=1, attempt=attempt).update(answer_display="=HYPERLINK(1)")
    Response.objects.filter(slot=2, attempt=attempt).update(answer_display="-2+3")
    attempt.user.username = "@evil"
    attempt.user.save()
    rows = _rows(
        instructor_client.get(reverse("reports:export_responses") + f"?course={course.pk}")
    )
    assert [row[0] for row in rows[1:]] == ["'@evil", "'@evil"]
    assert [row[1] for row in rows[1:]] == ["'=cmd Noether", "'=cmd Noether"]
    assert [row[8] for row in rows[1:]] == ["'=HYPERLINK(1)", "'-2+3"]
    assert safe_cell("+1") == "'+1" and safe_cell("plain") == "plain" and safe_cell(None) == ""
    assert safe_cell("\tx") == "'\tx"


def test_exports_stream_rows_only_while_the_body_is_read(instructor_client, data):
    url = reverse("reports:export_responses")
    with CaptureQueriesContext(connection) as before:
        response = instructor_client.get(url)
    assert not any("quizzes_response" in q["sql"] for q in before.captured_queries)
    with CaptureQueriesContext(connection) as during:
        chunks = list(response.streaming_content)
    assert len(chunks) == 4  # header and one chunk per row, not one joined body
    assert [q["sql"] for q in during.captured_queries if "quizzes_response" in q["sql"]]


def test_export_of_an_unknown_course_is_404(instructor_client, data):
    url = reverse("reports:export_mastery")
    assert instructor_client.get(url + "?course=999").status_code == 404
    assert instructor_client.get(url + "?course=abc").status_code == 404


def test_a_learner_cannot_export(learner_client, data):
    response = learner_client.get(reverse("reports:export_responses"))
    assert response.status_code == 302
