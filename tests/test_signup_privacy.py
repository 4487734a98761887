"""What sign-up reveals: that a username is taken (it must be unique), never whether an email
address has an account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import make_user

PASSPHRASE = "a sturdy passphrase 42"


def sign_up(client, username, email, password2=PASSPHRASE):
    return client.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": PASSPHRASE, "password2": password2},
    )


def without_tokens(response, *values):
    """The page with its CSRF tokens and the given echoed values blanked out."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    for value in values:
        body = body.replace(value, "")
    return body


@pytest.mark.django_db
def test_an_address_with_an_account_signs_up_like_any_other(client):
    make_user("ada", email="ada@example.com")
    taken = sign_up(client, "newcomer", "ADA@example.com")
    assert taken.status_code == 302
    assert get_user_model().objects.filter(email="ada@example.com").count() == 2


@pytest.mark.django_db
def test_a_rejected_sign_up_reads_the_same_for_a_known_and_an_unknown_address(client):
    make_user("ada", email="ada@example.com")
    known = sign_up(client, "newcomer", "ada@example.com", password2="different")
    unknown = sign_up(client, "newcomer", "nobody@example.com", password2="different")
    assert known.status_code == unknown.status_code == 200  # the form again, with its errors
    assert without_tokens(known, "ada@example.com") == without_tokens(
        unknown, "nobody@example.com"
    )
    assert "already" not in known.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", ["ada", "ADA", "ａｄａ"])
def test_a_taken_username_is_refused_in_any_spelling(client, spelling):
    make_user("ada", email="ada@example.com")
    response = sign_up(client, spelling, "someone@example.com")
    assert response.status_code == 200  # the form again, with its errors
    assert "A user with that username already exists." in response.content.decode()
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_a_password_reset_reaches_every_account_of_the_address_in_one_message(client):
    make_user("ada", email="ada@example.com")
    make_user("ada2", email="ada@example.com")
    response = client.post("/accounts/password_reset/", {"email": "ada@example.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert re.findall(r"^- (\S+):$", message.body, re.M) == ["ada", "ada2"]
    assert len(re.findall(r"/accounts/reset/\S+/\S+/", message.body)) == 2
