"""The progress page does not grow with the learner's history: each objective shows its latest
answers (progress.standing.EVIDENCE_SHOWN) and links to the objective's evidence page, which
pages through all of them."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from front.views.progress import EVIDENCE_PAGE_SIZE
from progress.standing import EVIDENCE_SHOWN
from quizzes.models import Attempt, Quiz, Response
from tests.factories import DAY, T0, answer, make_bank, make_course, make_user

pytestmark = pytest.mark.django_db

HISTORY = 10_000


@pytest.fixture
def heavy():
    """hal: 10,000 answers on objective 1 (written in bulk), one on objective 2."""
    course = make_course("history-course", objectives=2, lessons=2)
    first, second = course.objectives.order_by("position")
    bank1 = make_bank(first, 4)
    bank2 = make_bank(second, 3)
    hal = make_user("hal")
    answer(hal, bank1[0], 1.0, T0)  # through the live path: the mastery row and its evidence
    answer(hal, bank2[0], 1.0, T0)
    quiz = Quiz.objects.get(objective=first)
    per = len(bank1)
    attempts = Attempt.objects.bulk_create(
        Attempt(
            user=hal,
            quiz=quiz,
            seed=i,
            question_ids=[q.pk for q in bank1],
            started_at=T0 + DAY + i * DAY / 100,
            is_practice=True,
        )
        for i in range(HISTORY // per)
    )
    Response.objects.bulk_create(
        (
            Response(
                attempt=attempt,
                user=hal,
                question=question,
                version=question.current_version,
                objective=first,
                slot=slot,
                answer={"choices": ["a"]},
                answer_display="Option A",
                score=float((i + slot) % 3 != 0),
                graded_at=attempt.started_at + slot * DAY / 1000,
                counted=slot == 1,
                p_after=0.5,
                level_after=1,
            )
            for i, attempt in enumerate(attempts)
            for slot, question in enumerate(bank1, start=1)
        ),
        batch_size=1000,
    )
    return course, first, second, hal


def section(body, objective):
    start = body.index(f'id="objective-{objective.key}"')
    return body[start : body.find("</section>", start)]


def rows(html):
    return re.findall(r'<tr class="is-(?:not-)?counted">', html)


def test_a_learner_with_ten_thousand_answers_gets_a_small_page(
    client, heavy, django_assert_num_queries
):
    course, first, second, hal = heavy
    assert Response.objects.filter(user=hal).count() > HISTORY
    client.force_login(hal)
    client.get("/accounts/settings/")  # warm the session and user caches
    url = reverse("progress:progress", args=[course.slug])
    # The course's content for the process's cache (5), then the learner's rows: lesson
    # completions, mastery rows, the latest answers per objective, the course completion.
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.content) < 100_000
    one = section(response.content.decode(), first)
    assert len(rows(one)) == EVIDENCE_SHOWN
    assert f"your latest {EVIDENCE_SHOWN} answers" in one
    evidence = reverse("progress:evidence", args=[course.slug, first.key])
    assert f'href="{evidence}"' in one
    two = section(response.content.decode(), second)
    assert len(rows(two)) == 1 and "1 answer counted of 1" in two
    assert reverse("progress:evidence", args=[course.slug, second.key]) not in two


def test_the_progress_page_shows_the_latest_answers_oldest_first(client, heavy):
    course, first, _, hal = heavy
    client.force_login(hal)
    body = client.get(reverse("progress:progress", args=[course.slug])).content.decode()
    latest = list(
        Response.objects.filter(user=hal, objective=first).order_by("-graded_at", "-id")[
            :EVIDENCE_SHOWN
        ]
    )[::-1]
    dates = re.findall(
        r'<tr class="is-(?:not-)?counted">\s*<td>([^<]+)</td>', section(body, first)
    )
    assert dates == [f"{timezone.localtime(r.graded_at):%-d %b %Y, %H:%M}" for r in latest]


def test_the_evidence_page_pages_through_the_whole_history(client, heavy):
    course, first, _, hal = heavy
    client.force_login(hal)
    url = reverse("progress:evidence", args=[course.slug, first.key])
    total = Response.objects.filter(user=hal, objective=first).count()
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert len(rows(body)) == EVIDENCE_PAGE_SIZE
    assert f"{total:,} answers, newest first".replace(",", "") in body.replace(",", "")
    assert len(page.content) < 100_000
    last = -(-total // EVIDENCE_PAGE_SIZE)
    tail = client.get(url, {"page": last}).content.decode()
    assert len(rows(tail)) == total - (last - 1) * EVIDENCE_PAGE_SIZE
    # Bad page numbers are read as the first or the last page, never an error.
    assert client.get(url, {"page": "x"}).status_code == 200
    assert len(rows(client.get(url, {"page": 10**9}).content.decode())) == len(rows(tail))


def test_the_evidence_page_shows_only_my_answers_and_needs_a_real_objective(client, heavy):
    course, first, _, hal = heavy
    other = make_user("ivy")
    client.force_login(other)
    body = client.get(reverse("progress:evidence", args=[course.slug, first.key]))
    assert body.status_code == 200 and "No answers yet." in body.content.decode()
    assert client.get(reverse("progress:evidence", args=[course.slug, "nope"])).status_code == 404
    assert client.get(reverse("progress:evidence", args=["nope", first.key])).status_code == 404
    client.logout()
    response = client.get(reverse("progress:evidence", args=[course.slug, first.key]))
    assert response.status_code == 302 and "/accounts/login/" in response.url
