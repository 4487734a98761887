"""What the site does while its database cannot serve: answer 503, log the outage once, and a
health check that answers within a second.

- `unavailable_error(exc)` tells a database outage (the server refuses or drops connections, a
  statement or lock timeout, SQLite's busy timeout) from a bug: an OperationalError or
  InterfaceError anywhere in the exception's chain. `config.views.server_error` answers those
  with 503 and `Retry-After` (everything else stays a 500).
- `OUTAGE` logs each outage once per worker process: a line when the first request fails, one
  when the database answers again, with how long it was gone and how many requests were
  answered 503 meanwhile. The requests themselves are not logged one by one (no traceback per
  request: the error is the same each time and the first line names it). The end is noticed
  by a query wrapper put on the failing thread's connection only during an outage (no cost
  otherwise): the first query that succeeds QUIET_SECONDS after the last failed request ends it
  (a table locked for a while fails some requests and not others: that is one outage, not one
  per request).
- `check_database()` is /healthz's check: can answers be written now? On PostgreSQL it takes,
  with a lock timeout of HEALTH_CHECK_MS, the lock an INSERT takes on the tables answers write
  (ROW EXCLUSIVE, which normal traffic never blocks, but a table locked by a migration or by
  hand does), on SQLite the write lock (BEGIN IMMEDIATE) with a busy timeout of HEALTH_CHECK_MS;
  then it rolls back. Nothing is written.
"""

import logging
import threading
import time

from django.apps import apps
from django.db import InterfaceError, OperationalError, connection, transaction

logger = logging.getLogger(__name__)

# How long a client is asked to wait before trying again (the Retry-After header, seconds).
RETRY_AFTER_SECONDS = 5
# /healthz's own bound on waiting for a lock (milliseconds); the whole check stays under 1 s.
HEALTH_CHECK_MS = 500
# The tables an answer writes: while one of them cannot be written, the site cannot serve.
ANSWER_TABLES = ("quizzes.Attempt", "quizzes.Response", "progress.Mastery")


def unavailable_error(exc):
    """The OperationalError or InterfaceError in `exc`'s chain, or None (not an outage)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def first_line(error):
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else '(no message)'}"


class Outage:
    """The database outage as this process sees it; logged at its start and at its end."""

    def __init__(self):
        self._lock = threading.Lock()
        self.since = None  # time.monotonic() of the first failed request, None when up
        self.last = 0.0  # time.monotonic() of the last failed request
        self.failed = 0

    @property
    def on(self):
        return self.since is not None

    def request_failed(self, error):
        with self._lock:
            first = self.since is None
            self.last = time.monotonic()
            if first:
                self.since, self.failed = self.last, 0
            self.failed += 1
        if _watch not in connection.execute_wrappers:
            connection.execute_wrappers.append(_watch)
        if first:
            logger.error(
                "Database unavailable, answering 503 (Retry-After: %s s) until it answers "
                "again: %s",
                RETRY_AFTER_SECONDS,
                first_line(error),
            )

    def query_succeeded(self, db):
        with self._lock:
            if self.since is not None and time.monotonic() - self.last < QUIET_SECONDS:
                return  # failures a moment ago: the same outage still
            since, failed, self.since = self.since, self.failed, None
        if _watch in db.execute_wrappers:
            db.execute_wrappers.remove(_watch)
        if since is not None:
            logger.warning(
                "Database back after %.1f s; %d request%s answered 503 meanwhile",
                time.monotonic() - since,
                failed,
                "" if failed == 1 else "s",
            )


OUTAGE = Outage()
# An outage ends with the first query that succeeds this long after the last failed request.
QUIET_SECONDS = 1.0


def _watch(execute, sql, params, many, context):
    """The query wrapper of a connection that met an outage: tells OUTAGE of a success."""
    result = execute(sql, params, many, context)
    OUTAGE.query_succeeded(context["connection"])
    return result


def check_database():
    """Raise DatabaseError unless answers could be written now (see the module docstring)."""
    tables = [apps.get_model(label)._meta.db_table for label in ANSWER_TABLES]
    if connection.vendor == "postgresql":
        _connect_briefly()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {HEALTH_CHECK_MS}")
            cursor.execute(f"SET LOCAL statement_timeout = {HEALTH_CHECK_MS + 300}")
            quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
            cursor.execute(f"LOCK TABLE {quoted} IN ROW EXCLUSIVE MODE")
        return
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            busy_timeout = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA busy_timeout = {HEALTH_CHECK_MS}")
            try:
                with transaction.atomic():  # BEGIN IMMEDIATE (settings: transaction_mode)
                    pass
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _connect_briefly():
    """Open this thread's connection, if it has none, with the shortest connect timeout libpq
    allows (2 s) rather than the site's (DJANGO_DB_CONNECT_TIMEOUT)."""
    if connection.connection is not None:
        return
    settings_dict = connection.settings_dict
    connection.settings_dict = {
        **settings_dict,
        "OPTIONS": {**settings_dict.get("OPTIONS", {}), "connect_timeout": 2},
    }
    try:
        connection.ensure_connection()
    finally:
        connection.settings_dict = settings_dict
