import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import make_user

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
def test_sign_up_logs_in_and_returns_to_the_page(client, course):
    lesson_url = "/courses/demo-course/lessons/lesson-2/"
    response = client.post(
        f"/accounts/signup/?next={lesson_url}",
        {
            "username": "grace",
            "email": "Grace@Example.com",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
            "next": lesson_url,
        },
    )
    assert response.status_code == 302
    assert response.url == lesson_url
    user = get_user_model().objects.get(username="grace")
    assert user.email == "grace@example.com"
    assert client.get(lesson_url).context["user"] == user


@pytest.mark.django_db
def test_sign_up_rejects_an_offsite_next(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "eve",
            "email": "eve@example.com",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response.url == "/"


@pytest.mark.django_db
def test_sign_up_errors_are_shown_and_nothing_is_stored(client):
    make_user("taken", email="taken@example.com")
    response = client.post(
        "/accounts/signup/",
        {"username": "Taken", "email": "new@example.com", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "A user with that username already exists." in body
    assert "match" in body  # the two passwords differ
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_log_in_returns_to_the_page_the_learner_came_from(client):
    make_user("ada", password=PASSWORD)
    page = client.get("/accounts/login/?next=/courses/x/")
    assert page.status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "ada", "password": PASSWORD, "next": "/courses/x/"}
    )
    assert response.status_code == 302
    assert response.url == "/courses/x/"


@pytest.mark.django_db
def test_log_out_is_a_post(learner_client):
    assert learner_client.get("/accounts/logout/").status_code == 405
    response = learner_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not learner_client.get("/").context["user"].is_authenticated


@pytest.mark.django_db
def test_password_change(client):
    user = make_user("ada", password=PASSWORD)
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another sturdy passphrase",
            "new_password2": "another sturdy passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another sturdy passphrase")


@pytest.mark.django_db
def test_password_reset_by_email(client):
    user = make_user("ada", email="ada@example.com")
    response = client.post("/accounts/password_reset/", {"email": "ada@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(
        form_url,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")


@pytest.mark.django_db
def test_account_page_needs_login(client):
    response = client.get("/accounts/settings/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
