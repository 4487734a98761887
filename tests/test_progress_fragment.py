"""The progress page's body (the summary and the objectives) is rendered once per computation of
the learner's standing and kept (front/views/progress.py): the page served from the kept
rendering is the page rendered afresh, an answer shows on the next request, another learner
never gets it, and a new CSRF secret renders the Practise buttons again with tokens that work
(and a client with no CSRF cookie yet gets one)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from progress.models import LessonCompletion
from tests.factories import DAY, T0, answer, make_bank, make_course, make_user

BODY = "front/_standing.html"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def course(db):
    course = make_course("fragment-course", objectives=2, lessons=2)
    first, second = course.objectives.order_by("position")
    make_bank(first, 4)
    make_bank(second, 3)
    return course


def progress_url(course):
    return reverse("progress:progress", args=[course.slug])


def page(client, course):
    response = client.get(progress_url(course))
    assert response.status_code == 200
    rendered = [t.name for t in response.templates]
    return response.content.decode(), BODY in rendered


def without_tokens(body):
    """The page without its CSRF tokens (masked afresh on every request) ."""
    body = TOKEN.sub('name="csrfmiddlewaretoken" value=""', body)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', body)


def test_the_kept_body_is_the_body_rendered_afresh(client, course):
    ada = make_user("ada")
    first = course.objectives.order_by("position").first()
    for i, question in enumerate(first.questions.order_by("position")[:3]):
        answer(ada, question, 1.0 if i else 0.0, T0 + i * DAY)
    LessonCompletion.objects.create(user=ada, lesson=course.lessons.first())
    client.force_login(ada)
    fresh, rendered = page(client, course)
    kept, rendered_again = page(client, course)
    assert (rendered, rendered_again) == (True, False)
    assert without_tokens(kept) == without_tokens(fresh)
    assert "The evidence: 3 answers" in kept


def test_an_answer_shows_on_the_next_request(client, course):
    ada = make_user("ada")
    client.force_login(ada)
    before, _ = page(client, course)
    assert "The evidence" not in before
    question = course.objectives.order_by("position").first().questions.first()
    answer(ada, question, 1.0, T0)
    after, rendered = page(client, course)
    assert rendered and "The evidence: 1 answer counted" in after


def test_another_learner_never_gets_a_learners_body(course):
    ada, bob = make_user("ada"), make_user("bob")
    answer(ada, course.objectives.order_by("position").first().questions.first(), 1.0, T0)
    pages = {}
    for user in (ada, bob, ada, bob):
        client = Client()
        client.force_login(user)
        pages.setdefault(user.username, []).append(page(client, course)[0])
    assert all("The evidence: 1 answer counted" in body for body in pages["ada"])
    assert not any("The evidence" in body for body in pages["bob"])


def test_a_new_csrf_secret_renders_the_practise_buttons_with_tokens_that_work(course):
    ada = make_user("ada")
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    _, rendered = page(client, course)
    assert rendered
    # The same browser after a new sign-in (login() rotates the secret) or with its cookie
    # cleared: a new secret, so the body is rendered again with tokens masked from it.
    del client.cookies[settings.CSRF_COOKIE_NAME]
    body, rendered = page(client, course)
    assert rendered
    first = course.objectives.order_by("position").first()
    practise = reverse("progress:practice", args=[course.slug, first.key])
    form = body[body.index(f'action="{practise}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = client.post(practise, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and "/q/1/" in response.url
