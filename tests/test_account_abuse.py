"""The account forms cannot be abused: password guesses through the settings forms are
throttled like logins, password reset and sign-up are throttled and one reset request sends one
message, a failed login hashes the password once, names refuse hidden characters, and an
objective's mastery parameters are checked in the admin and never break a learner's page."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client, override_settings

from progress.mastery import DEFAULT_PARAMS
from progress.models import mastery_params
from tests.factories import PASSWORD, make_question, make_quiz, make_staff_instructor, make_user
from tests.quiz_helpers import answer_url, post_data, start_url

pytestmark = pytest.mark.django_db
User = get_user_model()


def signed_in(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- guesses through the settings forms (the probe's 12 + 1 guesses) --------------------------


def test_password_guesses_through_the_delete_form_are_throttled():
    user = make_user("ada")
    client = signed_in(user)
    statuses = [
        client.post("/accounts/settings/delete/", {"password": f"guess-{i}"}).status_code
        for i in range(12)
    ]
    assert statuses == [200, 200, 200, 200] + [429] * 8
    response = client.post("/accounts/settings/delete/", {"password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed logins" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()  # the right password was not even checked


def test_password_guesses_through_the_password_change_are_throttled():
    user = make_user("ada")
    client = signed_in(user)

    def change(old):
        data = {
            "old_password": old,
            "new_password1": "n3w-Phrase!x",
            "new_password2": "n3w-Phrase!x",
        }
        return client.post("/accounts/password_change/", data)

    assert [change(f"guess-{i}").status_code for i in range(12)] == [200] * 4 + [429] * 8
    response = change(PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)  # unchanged


def test_settings_guesses_and_login_guesses_share_one_budget():
    user = make_user("ada")
    client = signed_in(user)
    for i in range(3):
        client.post("/accounts/settings/delete/", {"password": f"guess-{i}"})
    other = Client()
    statuses = [
        other.post("/accounts/login/", {"username": "ada", "password": "no"}).status_code
        for _ in range(2)
    ]
    assert statuses == [200, 429]


def test_the_right_password_in_the_settings_forms_still_works():
    user = make_user("ada")
    client = signed_in(user)
    client.post("/accounts/settings/delete/", {"password": "wrong"})
    assert client.post("/accounts/settings/delete/", {"password": PASSWORD}).status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


# --- reset flooding and sign-up ---------------------------------------------------------------


def test_one_reset_request_sends_one_message_for_twenty_accounts(client):
    for i in range(20):
        make_user(f"shared{i}", email="victim@example.com")
    assert (
        client.post("/accounts/password_reset/", {"email": "victim@example.com"}).status_code
        == 302
    )
    [message] = mail.outbox
    assert message.body.count("/accounts/reset/") == 20


def test_resets_to_one_address_are_limited_silently(client):
    make_user("ada", email="ada@example.com")
    for _ in range(11):
        response = client.post("/accounts/password_reset/", {"email": "ada@example.com"})
        assert response.status_code == 302  # the same answer: nothing tells the limit was hit
    assert len(mail.outbox) == 3


@override_settings(PASSWORD_RESET_ADDRESS_LIMIT=4)
def test_resets_from_one_client_are_limited(client):
    statuses = [
        client.post("/accounts/password_reset/", {"email": f"x{i}@example.com"}).status_code
        for i in range(6)
    ]
    assert statuses == [302] * 4 + [429] * 2
    response = client.post("/accounts/password_reset/", {"email": "y@example.com"})
    assert "Too many requests from here" in response.content.decode()
    assert response["Retry-After"]


@override_settings(SIGNUP_RATE_LIMIT=2)
def test_sign_ups_from_one_client_are_limited():
    statuses = []
    for i in range(3):
        client = Client()
        data = {
            "username": f"new{i}",
            "email": f"new{i}@example.com",
            "password1": "a long pass phrase",
            "password2": "a long pass phrase",
        }
        statuses.append(client.post("/accounts/signup/", data).status_code)
    assert statuses == [302, 302, 429]
    assert User.objects.count() == 2


# --- one hash per failed login -----------------------------------------------------------------


@pytest.mark.parametrize("username", ["ada", "nobody"])
def test_a_failed_login_hashes_the_password_once(client, monkeypatch, username):
    make_user("ada")
    calls = []
    real = MD5PasswordHasher.encode

    def counting(self, password, salt):
        calls.append(password)
        return real(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counting)
    response = client.post("/accounts/login/", {"username": username, "password": "wrong"})
    assert response.status_code == 200
    assert calls == ["wrong"]


def test_a_session_of_djangos_own_backend_stays_signed_in(client):
    user = make_user("ada")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/accounts/settings/").status_code == 200


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "\u202enosnhoJ\u202c",
        "Jo\u200bhn",
        "A\x1b[31mB\x07",
        "An\r\nna",
        "Ma\u2066x\u2069",
        "Zoë\u200d",
    ],
)
def test_names_with_hidden_characters_are_refused(name):
    user = make_user("ada")
    client = signed_in(user)
    response = client.post("/accounts/settings/", {"first_name": name, "last_name": "Smith"})
    assert response.status_code == 200
    assert "invisible or control character" in response.content.decode()
    response = client.post("/accounts/settings/", {"first_name": "Ann", "last_name": name})
    assert "invisible or control character" in response.content.decode()
    assert User.objects.get(pk=user.pk).first_name == ""
    signup = Client().post(
        "/accounts/signup/",
        {
            "username": "newone",
            "email": "n@example.com",
            "first_name": name,
            "password1": "a long pass phrase",
            "password2": "a long pass phrase",
        },
    )
    assert "invisible or control character" in signup.content.decode()


@pytest.mark.parametrize("name", ["Zoë", "José María", "O'Brien-Smith", "李小龍", "محمد", "Ægir"])
def test_ordinary_names_in_any_script_are_kept(name):
    user = make_user("ada")
    client = signed_in(user)
    assert (
        client.post("/accounts/settings/", {"first_name": name, "last_name": ""}).status_code
        == 302
    )
    assert User.objects.get(pk=user.pk).first_name == name


# --- bkt_params ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"l0": "abc"}', "must be a number"),
        ('"text"', "JSON object"),
        ('{"l0": 5}', "between 0 and 1"),
        ('{"l0": "nan"}', "must be a number"),
        ('{"l0": 0}', "between 0 and 1"),
        ('{"learn": 0.2}', "Unknown parameter"),
        ("[0.2]", "JSON object"),
    ],
)
def test_bad_mastery_parameters_are_a_form_error_in_the_admin(course, objective, value, message):
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x" * 20))
    url = f"/admin/courses/objective/{objective.pk}/change/"
    response = client.post(url, {"bkt_params": value, "params_version": "1"})
    assert response.status_code == 200
    assert message in response.content.decode()
    objective.refresh_from_db()
    assert objective.bkt_params == {}


def test_good_mastery_parameters_are_saved_by_an_instructor(course, objective):
    client = Client()
    client.force_login(make_staff_instructor())
    url = f"/admin/courses/objective/{objective.pk}/change/"
    response = client.post(url, {"bkt_params": '{"l0": 0.2}', "params_version": "2"})
    assert response.status_code in (302, 403)  # instructors may lack the change permission
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x" * 20))
    assert (
        client.post(url, {"bkt_params": '{"l0": 0.2}', "params_version": "2"}).status_code == 302
    )
    objective.refresh_from_db()
    assert objective.bkt_params == {"l0": 0.2}


@pytest.mark.parametrize("stored", [{"l0": "abc"}, "text", {"l0": 5}, {"l0": "nan"}, [1]])
def test_a_bad_stored_value_never_gives_learners_a_500(course, objective, stored, learner_client):
    objective.bkt_params = stored
    objective.save()
    assert mastery_params(objective) == DEFAULT_PARAMS
    question = make_question(course, objective, type="single")
    quiz = make_quiz(course, objective, questions_per_attempt=1)
    assert learner_client.get(f"/courses/{course.slug}/progress/").status_code == 200
    learner_client.post(start_url(quiz))
    attempt = quiz.attempts.get()
    response = learner_client.post(answer_url(attempt, 1), post_data(attempt, question))
    assert response.status_code == 302
