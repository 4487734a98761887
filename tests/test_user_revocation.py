"""A change to a user takes effect on the next request after it commits, even when the user's
own requests run while the change is being saved; a request's (possibly cached) user is never
written back; a deleted account never reappears.

The race, with real threads: the superuser's change in the admin (an atomic view) has saved the
row but not committed it; in that window a request of the victim's session reads the row as
last committed (SQLite WAL and PostgreSQL both show the old row) and caches it. Then the
admin's transaction commits. The victim's next request must see the change. Run on SQLite and
on PostgreSQL (DATABASE_URL).
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.test import Client

from accounts import backends
from tests.factories import PASSWORD, make_staff_instructor, make_user

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()
THREAD_BOUND_SECONDS = 60


def in_thread(action):
    """Run `action` in another thread (its own database connection) and return its result."""
    result = []

    def run():
        try:
            result.append(action())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(THREAD_BOUND_SECONDS)
    assert not thread.is_alive(), "the concurrent request did not finish"
    assert result, "the concurrent request failed"
    return result[0]


class DuringTheChange:
    """While the user's row is saved (or deleted) but not yet committed, run `requests` (each
    a function returning a status code) in other threads at the same moment."""

    def __init__(self, user_id, signal, requests):
        self.user_id, self.signal, self.requests = user_id, signal, requests
        self.statuses = []

    def hook(self, sender, instance, **kwargs):
        if instance.pk != self.user_id or self.statuses:
            return
        threads = [threading.Thread(target=self._run, args=(r,)) for r in self.requests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(THREAD_BOUND_SECONDS)
            assert not thread.is_alive(), "a concurrent request did not finish"

    def _run(self, request):
        try:
            self.statuses.append(request())
        finally:
            connection.close()

    def __enter__(self):
        self.signal.connect(self.hook, sender=User, weak=False)
        return self

    def __exit__(self, *exc):
        self.signal.disconnect(self.hook, sender=User)


def signed_in(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def session_get(client, path):
    """A request with `client`'s session cookie from a new client (one per thread)."""

    def get():
        other = Client()
        other.cookies = client.cookies
        return other.get(path).status_code

    return get


def admin_change(admin, user, **changes):
    """POST the admin's change form for `user` with `changes` (booleans for the flags)."""
    page = admin.get(f"/admin/auth/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if field.disabled:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif hasattr(field, "fields"):  # a split date and time
            parts = field.widget.decompress(value)
            for i, part in enumerate(parts):
                data[f"{name}_{i}"] = part.isoformat() if part is not None else ""
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[name] = value
    for name, value in changes.items():
        data.pop(name, None)
        if value:
            data[name] = "on"
    response = admin.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


@pytest.fixture
def admin():
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x" * 20))
    return client


def test_a_deactivation_in_the_admin_holds_although_the_learner_requested_during_it(admin):
    victim = make_user("victim")
    client = signed_in(victim)
    requests = [session_get(client, "/accounts/settings/") for _ in range(4)]
    with DuringTheChange(victim.pk, post_save, requests) as race:
        admin_change(admin, victim, is_active=False)
    assert race.statuses == [200] * 4  # they ran before the commit, and read the old row
    assert not User.objects.get(pk=victim.pk).is_active
    assert client.get("/accounts/settings/").status_code == 302  # to the login
    # And a name POST from that session restores nothing.
    client.post("/accounts/settings/", {"first_name": "Back", "last_name": "Again"})
    assert not User.objects.get(pk=victim.pk).is_active


def test_a_demotion_from_staff_holds_although_the_instructor_requested_during_it(admin):
    instructor = make_staff_instructor("inst2@example.com")
    instructor.set_password(PASSWORD)
    instructor.save()
    client = signed_in(instructor)
    assert client.get("/admin/reports/").status_code == 200
    requests = [session_get(client, "/admin/reports/") for _ in range(4)]
    with DuringTheChange(instructor.pk, post_save, requests) as race:
        admin_change(admin, instructor, is_staff=False)
    assert race.statuses == [200] * 4
    assert client.get("/admin/reports/").status_code == 302  # to the admin login
    assert (
        client.post("/accounts/settings/", {"first_name": "Persist1", "last_name": ""}).status_code
        == 302
    )
    instructor.refresh_from_db()
    assert (instructor.first_name, instructor.is_staff) == ("Persist1", False)


def test_a_deletion_in_the_admin_cannot_be_undone_by_the_learners_other_session(admin):
    victim = make_user("leaving")
    client = signed_in(victim)
    requests = [session_get(client, "/accounts/settings/") for _ in range(4)]
    with DuringTheChange(victim.pk, post_delete, requests) as race:
        response = admin.post(f"/admin/auth/user/{victim.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
    assert race.statuses == [200] * 4
    assert client.get("/accounts/settings/").status_code == 302
    client.post("/accounts/settings/", {"first_name": "Zombie", "last_name": ""})
    assert not User.objects.filter(pk=victim.pk).exists()
    assert not Client().login(username="leaving", password=PASSWORD)


def test_a_learner_deleting_their_account_while_another_session_requests(admin):
    """The learner's own deletion (the delete-account form), with their other browser's
    requests in the window: that browser is signed out and cannot re-insert the row."""
    victim = make_user("twobrowsers")
    here, there = signed_in(victim), signed_in(victim)
    requests = [session_get(there, "/accounts/settings/") for _ in range(3)]
    with DuringTheChange(victim.pk, post_delete, requests):
        assert here.post("/accounts/settings/delete/", {"password": PASSWORD}).status_code == 302
    assert there.get("/accounts/settings/").status_code == 302
    there.post("/accounts/settings/", {"first_name": "Zombie", "last_name": ""})
    assert not User.objects.filter(pk=victim.pk).exists()


def test_a_stale_copy_served_to_a_request_is_never_written_back(monkeypatch):
    """Even if a request were served an old copy of the user, the name form and the password
    change write only their own columns of the current row, and never re-insert a deleted one."""
    user = make_user("stale", is_staff=True)
    client = signed_in(user)
    stale = User.objects.get(pk=user.pk)
    setattr(stale, backends.SESSION_COPY, True)
    monkeypatch.setattr(backends.CachedModelBackend, "get_user", lambda self, user_id: stale)
    User.objects.filter(pk=user.pk).update(is_staff=False, is_active=False)

    assert client.post("/accounts/settings/", {"first_name": "N", "last_name": "M"}).status_code
    row = User.objects.get(pk=user.pk)
    assert (row.first_name, row.is_staff, row.is_active) == ("N", False, False)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-Passphrase!",
            "new_password2": "n3w-Passphrase!",
        },
    )
    assert response.status_code == 302
    row = User.objects.get(pk=user.pk)
    assert (row.is_staff, row.is_active) == (False, False)
    assert row.check_password("n3w-Passphrase!")

    User.objects.filter(pk=user.pk).delete()
    response = client.post("/accounts/settings/", {"first_name": "Z", "last_name": ""})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_the_requests_user_refuses_to_be_saved():
    user = make_user("copy")
    served = backends.CachedModelBackend().get_user(user.pk)
    cached = backends.CachedModelBackend().get_user(user.pk)
    for copy in (served, cached):
        with pytest.raises(backends.SessionCopySaved):
            copy.save()
    assert User.objects.get(pk=user.pk).username == "copy"


def test_a_copy_stored_under_an_old_generation_is_not_served():
    """The reader fetched the generation and the row before the change, and stores its copy
    after the change committed: that copy is never served."""
    user = make_user("gen")
    backend = backends.CachedModelBackend()
    assert backend.get_user(user.pk).is_active
    stale = User.objects.get(pk=user.pk)
    old = backends._current_generation(backends.caches["default"], user.pk)
    row = User.objects.get(pk=user.pk)
    row.is_active = False
    row.save()
    backends.caches["default"].set(backends.user_key(user.pk), (old, stale), 300)  # the late store
    assert backend.get_user(user.pk) is None  # inactive: not served
