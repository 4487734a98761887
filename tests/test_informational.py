"""The informational findings: export file names (RFC 6266), Cache-Control on signed-in pages,
security.txt, the secret key's strength, IPv6 clients counted per /64."""

import secrets

import pytest
from django.test import Client, override_settings

from accounts.throttle import counted_address
from tests.factories import PASSWORD, make_user
from tests.test_production import production_env, run


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/accounts/settings/answers.csv",
        "/accounts/settings/mastery.csv",
        "/accounts/settings/my-data.json",
    ],
)
def test_export_names_outside_latin_1_use_rfc_6266(client, path):
    client.force_login(make_user("学生一号"))
    response = client.get(path)
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename*=utf-8''coursework-")
    assert "%E5%AD%A6%E7%94%9F" in header  # 学生, percent-encoded UTF-8
    assert "=?utf-8?" not in header


@pytest.mark.django_db
def test_export_names_in_ascii_stay_plain(client):
    client.force_login(make_user("ada"))
    header = client.get("/accounts/settings/answers.csv")["Content-Disposition"]
    assert header.startswith('attachment; filename="coursework-ada-answers-')


@pytest.mark.django_db
def test_signed_in_pages_are_private_and_not_stored(client, course):
    client.force_login(make_user("ada"))
    for path in (
        "/accounts/settings/",
        f"/courses/{course.slug}/",
        f"/courses/{course.slug}/progress/",
        "/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-store", path


@pytest.mark.django_db
def test_the_response_that_signs_a_learner_in_is_private_too(client):
    # The sign-up request has no session cookie yet: the middleware knows the learner is
    # signed in because login() put the user on the request.
    response = client.post(
        "/accounts/signup/",
        {
            "username": "grace",
            "email": "grace@example.com",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        },
    )
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_anonymous_pages_keep_their_caching(client, course):
    for path in (f"/courses/{course.slug}/", "/"):
        response = client.get(path)
        assert "no-store" not in response.get("Cache-Control", ""), path


@override_settings(
    SECURITY_CONTACT="mailto:security@example.org", SECURITY_TXT_EXPIRES="2027-06-30"
)
def test_security_txt_names_the_contact_and_an_expiry(client):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "Contact: mailto:security@example.org\n" in body
    assert "Expires: 2027-06-30T00:00:00Z\n" in body
    assert "Canonical: http://testserver/.well-known/security.txt\n" in body


@override_settings(SECURITY_CONTACT="https://example.org/security", SECURITY_TXT_EXPIRES="")
def test_security_txt_expires_within_a_year_by_default(client):
    from datetime import UTC, datetime, timedelta

    body = client.get("/.well-known/security.txt").content.decode()
    expires = next(line for line in body.splitlines() if line.startswith("Expires: "))
    when = datetime.strptime(expires[9:], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert datetime.now(UTC) < when < datetime.now(UTC) + timedelta(days=365)


@override_settings(SECURITY_CONTACT="")
def test_security_txt_is_absent_without_a_contact(client):
    assert client.get("/.well-known/security.txt").status_code == 404


@pytest.mark.parametrize(
    "key",
    ["short", "x" * 60, "django-insecure-" + secrets.token_urlsafe(50), "abcd" * 20],
    # Fixed ids: the random key must not differ between the parallel workers' collections.
    ids=["short", "one-character", "django-insecure", "repeated-pattern"],
)
def test_production_refuses_a_weak_secret_key(tmp_path, key):
    result = run(["manage.py", "check"], production_env(tmp_path, DJANGO_SECRET_KEY=key))
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is too weak for production" in result.stderr


def test_production_refuses_a_bad_security_contact(tmp_path):
    env = production_env(tmp_path, DJANGO_SECURITY_CONTACT="security@example.org")
    result = run(["manage.py", "check"], env)
    assert result.returncode == 1
    assert "DJANGO_SECURITY_CONTACT must be a mailto: or https:// URI" in result.stderr


def test_ipv6_addresses_count_per_64():
    assert counted_address("2001:db8:1:2:aaaa::1") == counted_address("2001:db8:1:2:ffff::9")
    assert counted_address("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert counted_address("2001:db8:1:3::1") != counted_address("2001:db8:1:2::1")
    assert counted_address("::ffff:192.0.2.7") == "192.0.2.7"
    assert counted_address("192.0.2.7") == "192.0.2.7"


@pytest.mark.django_db
@override_settings(LOGIN_ADDRESS_FAILURE_LIMIT=6)
def test_login_failures_from_one_ipv6_64_share_the_address_limit():
    make_user("ada")
    statuses = []
    for i in range(8):
        client = Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}")
        data = {"username": f"user{i}", "password": "wrong"}
        statuses.append(client.post("/accounts/login/", data).status_code)
    assert statuses[:5] == [200] * 5 and statuses[-1] == 429
    other = Client(REMOTE_ADDR="2001:db8:1:3::1")  # another /64
    ok = other.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert ok.status_code == 302
