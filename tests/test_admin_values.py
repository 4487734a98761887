"""The admin shows values as people read them: rounded scores, levels by name, objectives by
key (full text on hover), questions by key and shortened prompt, matching answers as pairs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from progress.mastery import Level as MasteryLevel
from progress.models import Mastery
from quizzes import matching_display
from quizzes.models import Attempt, QuestionVersion, Response
from tests.factories import (
    T0,
    make_attempt,
    make_choice_question,
    make_course,
    make_question,
    make_quiz,
    make_staff_instructor,
    make_user,
    objectives_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def instructor_client(client):
    client.force_login(make_staff_instructor())
    return client


@pytest.fixture
def setup():
    course = make_course("values-course")
    first, _second = objectives_of(course)
    question = make_choice_question(first, "q-one")
    quiz = make_quiz(first.course, first)
    return course, first, question, quiz


def test_attempt_scores_are_rounded(instructor_client, setup):
    _, _, question, quiz = setup
    attempt = make_attempt(make_user("hal"), quiz, [(question, "a", 1.0)])
    Attempt.objects.filter(pk=attempt.pk).update(score=6.33333, max_score=10)
    page = instructor_client.get(reverse("admin:quizzes_attempt_changelist")).content.decode()
    assert "6.3 / 10 (63%)" in page and "6.33333" not in page
    detail = instructor_client.get(reverse("admin:quizzes_attempt_change", args=[attempt.pk]))
    assert "6.3 / 10 (63%)" in detail.content.decode()
    assert "6.33333" not in detail.content.decode()


def test_response_list_shows_keys_prompts_percentages_and_level_names(instructor_client, setup):
    _, objective, question, quiz = setup
    make_attempt(make_user("hal"), quiz, [(question, "a", 1.0)])
    Response.objects.update(level_after=MasteryLevel.FAMILIAR, p_after=0.5512)
    page = instructor_client.get(reverse("admin:quizzes_response_changelist")).content.decode()
    assert f'<span title="{objective.text}">{objective.key}</span>' in page
    assert "q-one" in page and "Prompt of q-one" in page
    assert "100%" in page and "Familiar" in page
    detail = instructor_client.get(
        reverse("admin:quizzes_response_change", args=[Response.objects.get().pk])
    ).content.decode()
    assert "55% (partly known)" in detail and "P after" not in detail
    assert "Familiar" in detail


def test_mastery_list_shows_the_estimate_in_percent_never_100(instructor_client, setup):
    _, objective, _, _ = setup
    Mastery.objects.create(
        user=make_user("hal"), objective=objective, level=MasteryLevel.MASTERED, estimate=0.995
    )
    page = instructor_client.get(reverse("admin:progress_mastery_changelist")).content.decode()
    assert "99% (very likely known)" in page and "Mastered" in page


def test_a_matching_answer_is_a_count_in_the_list_and_a_table_on_its_page(
    instructor_client, setup
):
    course, objective, _, quiz = setup
    matching = make_question(course, objective, type="matching")
    attempt = Attempt.objects.create(
        user=make_user("hal"), quiz=quiz, seed=1, question_ids=[matching.pk],
        started_at=quiz.course.imported_at or "2026-03-02T09:00Z",
    )  # fmt: skip
    Response.objects.create(
        attempt=attempt, user=attempt.user, question=matching, version=matching.current_version,
        objective=objective, slot=1, answer={"pairs": {"1": "r1", "2": "r1", "3": "r3"}},
        answer_display="long run-on line", score=2 / 3, graded_at="2026-03-02T09:01Z",
    )  # fmt: skip
    page = instructor_client.get(reverse("admin:quizzes_response_changelist")).content.decode()
    assert "2 of 3 pairs right" in page
    detail = instructor_client.get(
        reverse("admin:quizzes_response_change", args=[Response.objects.get().pk])
    ).content.decode()
    assert '<table class="pairs-admin">' in detail
    assert "✗ wrong: General assistant" in detail and "✓ right: Cheap text" in detail


def test_imported_content_says_to_edit_the_document_and_re_import(instructor_client, setup):
    course, *_ = setup
    page = instructor_client.get(reverse("admin:courses_course_change", args=[course.pk]))
    assert b"edit the document and re-import it" in page.content


def test_a_prompt_as_plain_text_has_its_entities_decoded():
    # The admin, exports and review page show this, escaped once by their templates.
    version = QuestionVersion(prompt_html="<p>R&amp;D isn&#x27;t <em>free</em> </p>")
    assert version.prompt_text == "R&D isn't free"


def test_the_attempt_page_shows_no_internals_and_one_time_zone(instructor_client, setup):
    course, objective, question, quiz = setup
    matching = make_question(course, objective, type="matching", key="q-match")
    # 17:19 UTC in July is 18:19 in London (summer time), the site's time zone.
    started = datetime(2026, 7, 1, 17, 19, tzinfo=UTC)
    attempt = make_attempt(make_user("hal"), quiz, [(question, "a", 1 / 3)], started_at=started)
    attempt.question_ids = [question.pk, matching.pk]
    attempt.seed = 115718300229058
    attempt.save()
    page = instructor_client.get(
        reverse("admin:quizzes_attempt_change", args=[attempt.pk])
    ).content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "18:19" in title and "17:19" not in title
    assert "6:19 p.m." in page  # "Started at", in the same zone as the title
    assert "115718300229058" not in page and "Seed" not in page
    assert f"[{question.pk}, {matching.pk}]" not in page and "Question ids" not in page
    assert "q-one, q-match" in page  # the questions drawn, by key
    assert "hal · q-one · 33%" in page and "0.333" not in page  # each answer's row title


def test_a_matching_correct_answer_is_one_pair_a_line_on_the_attempt_page(
    instructor_client, setup
):
    course, objective, _, quiz = setup
    matching = make_question(course, objective, type="matching", key="q-match")
    attempt = Attempt.objects.create(
        user=make_user("hal"), quiz=quiz, seed=1, question_ids=[matching.pk],
        started_at="2026-03-02T09:00Z",
    )  # fmt: skip
    Response.objects.create(
        attempt=attempt, user=attempt.user, question=matching, version=matching.current_version,
        objective=objective, slot=1, answer={"pairs": {"1": "r1", "2": "r2", "3": "r3"}},
        answer_display="x", score=1.0, graded_at="2026-03-02T09:01Z",
    )  # fmt: skip
    page = instructor_client.get(
        reverse("admin:quizzes_attempt_change", args=[attempt.pk])
    ).content.decode()
    rows = matching_display.pair_rows(matching.current_version.spec, None)
    expected = "<br>".join(f"{row['left']} → {row['correct']}" for row in rows)
    assert expected in page and "; " not in expected


@pytest.mark.parametrize("changelist", ["quizzes_attempt", "quizzes_response", "progress_mastery"])
def test_learners_records_are_listed_newest_first(instructor_client, setup, changelist):
    _, objective, question, quiz = setup
    older = make_attempt(make_user("learner-early"), quiz, [(question, "a", 1.0)], started_at=T0)
    newer = make_attempt(
        make_user("learner-late"), quiz, [(question, "b", 0.0)], started_at=T0 + timedelta(days=3)
    )
    for attempt, level in ((newer, MasteryLevel.FAMILIAR), (older, MasteryLevel.ATTEMPTED)):
        Mastery.objects.create(user=attempt.user, objective=objective, level=level)
    Mastery.objects.filter(user=older.user).update(updated_at=T0)
    Mastery.objects.filter(user=newer.user).update(updated_at=T0 + timedelta(days=3))
    page = instructor_client.get(reverse(f"admin:{changelist}_changelist")).content.decode()
    body = page.split('id="result_list"', 1)[1]
    assert body.index("learner-late") < body.index("learner-early")


@pytest.mark.parametrize("revealed", [False, True])
def test_answer_shown_first_is_said_in_words(instructor_client, setup, revealed):
    _, _, question, quiz = setup
    make_attempt(make_user("hal"), quiz, [(question, "a", 0.0)])
    Response.objects.update(revealed=revealed)
    page = instructor_client.get(
        reverse("admin:quizzes_response_change", args=[Response.objects.get().pk])
    ).content.decode()
    assert "The answer was shown first." not in page  # no statement followed by a ✗
    assert "Answer shown first" in page
    assert ("asked to see the answer before answering" in page) == revealed
