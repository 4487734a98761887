"""The SQLite backend (config/sqlite/base.py): a transaction waiting for the write lock asks
again in short steps, not in SQLite's growing sleeps; a longer wait goes on in SQLite's own busy
handler; either way it gives up after the busy timeout with "database is locked", and the
connection's busy timeout is the same afterwards."""

import sqlite3
import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

from config.sqlite import base

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend")


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """(a connection through the backend, a plain connection to the same file database). The
    test database lives in memory, where locks do not wait: a file database, as in production,
    under the alias "lock-check"."""
    settings_dict = {**connection.settings_dict, "NAME": str(tmp_path / "lock.sqlite3")}
    connections.settings["lock-check"] = settings_dict
    wrapper = connections["lock-check"]
    assert isinstance(wrapper, base.DatabaseWrapper)
    with django_db_blocker.unblock():
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY)")
        holder = sqlite3.connect(
            settings_dict["NAME"], isolation_level=None, check_same_thread=False
        )
        try:
            yield wrapper, holder
        finally:
            holder.close()
            wrapper.close()
            del connections["lock-check"]
            del connections.settings["lock-check"]


def busy_timeout(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        return cursor.fetchone()[0]


def test_a_waiting_transaction_asks_again_in_short_steps_until_the_lock_is_free(
    database, monkeypatch
):
    wrapper, holder = database
    holder.execute("BEGIN IMMEDIATE")
    steps = []

    def sleep(seconds):  # the holder commits after the waiter's sixth step
        steps.append(seconds)
        if len(steps) == 6:
            holder.execute("INSERT INTO answers VALUES (1)")
            holder.execute("COMMIT")

    monkeypatch.setattr(base.time, "sleep", sleep)
    with transaction.atomic(using="lock-check"), wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO answers VALUES (2)")
    assert steps == [0.0002, 0.0004, 0.0008, 0.0016, 0.002, 0.002]
    assert holder.execute("SELECT count(*) FROM answers").fetchone()[0] == 2
    assert busy_timeout(wrapper) == 5000  # DJANGO_DB_LOCK_TIMEOUT_MS, as before the wait


def test_a_transaction_that_finds_the_lock_free_begins_at_once(database, monkeypatch):
    wrapper, _ = database
    monkeypatch.setattr(base.time, "sleep", lambda seconds: pytest.fail("slept"))
    with transaction.atomic(using="lock-check"), wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO answers VALUES (1)")
    assert busy_timeout(wrapper) == 5000


def test_the_wait_ends_after_the_busy_timeout_with_database_is_locked(database):
    wrapper, holder = database
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 200")  # as /healthz sets its own bound
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with (
        pytest.raises(OperationalError, match="database is locked"),
        transaction.atomic(using="lock-check"),
    ):
        pytest.fail("the transaction began while another held the write lock")
    assert time.monotonic() - started >= 0.2
    holder.execute("ROLLBACK")
    assert busy_timeout(wrapper) == 200
    # And the connection can write again.
    with transaction.atomic(using="lock-check"), wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO answers VALUES (1)")
    assert holder.execute("SELECT count(*) FROM answers").fetchone()[0] == 1


def test_a_longer_wait_goes_on_in_sqlites_busy_handler(database, monkeypatch):
    """Past POLL_SECONDS of short steps, SQLite's handler waits (no more wake-ups of ours)."""
    wrapper, holder = database
    holder.execute("BEGIN IMMEDIATE")
    steps = []
    sleep = time.sleep
    monkeypatch.setattr(
        base.time, "sleep", lambda seconds: (steps.append(seconds), sleep(seconds))
    )
    release = threading.Timer(base.POLL_SECONDS + 0.25, lambda: holder.execute("ROLLBACK"))
    release.start()
    started = time.monotonic()
    try:
        with transaction.atomic(using="lock-check"), wrapper.cursor() as cursor:
            cursor.execute("INSERT INTO answers VALUES (1)")
    finally:
        release.join()
    assert time.monotonic() - started >= base.POLL_SECONDS + 0.25
    assert sum(steps) <= base.POLL_SECONDS + base.LAST_STEP
    assert busy_timeout(wrapper) == 5000
