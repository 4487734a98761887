"""The login throttle counts usernames as authentication sees them, and failures per address.

A compatible Unicode spelling of a username (full-width, mathematical or circled letters) is
the same account to Django's login form (NFKC), so it must share that account's count and lock;
and one address failing on many usernames is locked as a whole.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.throttle import normalised_username
from tests.factories import make_user

PASSWORD = "correct horse battery staple"  # tests.factories.make_user's password
SPELLINGS = [
    "ａｌｉｃｅ",  # full-width
    "𝐚𝐥𝐢𝐜𝐞",  # mathematical bold
    "ⓐⓛⓘⓒⓔ",  # circled
    "Aｌ𝒊ce",  # mixed, per character
    " ALICE ",
]


def try_login(client, username, password, address="198.51.100.7", url=None):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_compatible_spelling_is_the_same_username(spelling):
    assert normalised_username(spelling) == "alice"


@pytest.mark.django_db
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_locked_account_stays_locked_under_another_spelling(client, alice, settings, spelling):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        try_login(client, "alice", "wrong")
    locked = try_login(client, spelling, PASSWORD)
    assert locked.status_code == 429
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_failures_under_different_spellings_add_up(client, alice, settings):
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        try_login(client, SPELLINGS[number % len(SPELLINGS)], "wrong")
    assert try_login(client, "alice", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_admin_login_counts_spellings_as_one_username(client, alice, settings):
    url = reverse("admin:login")
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        try_login(client, SPELLINGS[number % len(SPELLINGS)], "wrong", url=url)
    assert try_login(client, "alice", PASSWORD, url=url).status_code == 429


@pytest.mark.django_db
def test_one_address_failing_on_many_usernames_is_locked(client, alice, settings, frozen_clock):
    frozen_clock("accounts.throttle")  # Retry-After is exact: no second may pass meanwhile
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        assert try_login(client, f"learner-{number}", "Summer2026!").status_code == 200
    locked = try_login(client, "learner-last", "Summer2026!")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == settings.LOGIN_LOCKOUT_SECONDS
    # Every login from that address is refused now, even a right password for a fresh name...
    assert try_login(client, "alice", PASSWORD).status_code == 429
    assert SESSION_KEY not in client.session
    # ...and the admin's, while another address is not affected.
    admin = try_login(client, "alice", PASSWORD, url=reverse("admin:login"))
    assert admin.status_code == 429
    assert try_login(Client(), "alice", PASSWORD, address="203.0.113.9").status_code == 302


@pytest.mark.django_db
def test_a_successful_login_does_not_clear_the_address_count(client, alice, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for number in range(3):
        try_login(client, f"learner-{number}", "wrong")
    assert try_login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for number in range(3, 6):
        try_login(client, f"learner-{number}", "wrong")
    assert try_login(client, "alice", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_address_limit_is_higher_than_the_username_limit(settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT > settings.LOGIN_FAILURE_LIMIT
