"""Django's SQLite backend, with writers that queue for the write lock without long sleeps.

Every transaction begins with BEGIN IMMEDIATE (settings: `transaction_mode`), which takes the
database's one write lock. When another process holds it, SQLite's own busy handler waits in
growing sleeps (1, 2, 5, 10, 15, 20, 25 ms...). An answer holds the lock for a few
milliseconds, and the worker that held it is soon back for its next answer, so a waiter that
sleeps 10 ms when the lock was free after 2 often finds it taken again: in a run like `make
bench`'s (2 workers, 4 connections), most answers slower than 40 ms had waited 18 to 54 ms at
BEGIN alone, one 330 ms, with the CPU idle meanwhile.

Here BEGIN asks with the busy timeout at 0 and, while the lock is held, asks again after short
sleeps (0.2 ms, doubling up to 2 ms) for up to 50 ms, which covers the waits of a few worker
processes taking turns. A longer wait means many writers at once (threads of one process, say,
where waiters that wake every 2 ms would keep the lock holder from the GIL): for the rest of
the connection's busy timeout (settings: `timeout`, or what a caller set with PRAGMA
busy_timeout, as /healthz does) SQLite's own busy handler waits, as before. Past the timeout
BEGIN fails as before, with OperationalError "database is locked" (config/dbfaults.py answers
503). Nothing else changes: other statements keep SQLite's busy timeout.
"""

import sqlite3
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

FIRST_STEP = 0.0002  # seconds
LAST_STEP = 0.002
POLL_SECONDS = 0.05


def _busy(error):
    """SQLITE_BUSY, or one of its extended codes (the low byte is the primary code)."""
    cause = error if isinstance(error, sqlite3.Error) else error.__cause__
    code = getattr(cause, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


class DatabaseWrapper(base.DatabaseWrapper):
    transaction_mode: str | None  # set by Django's __init__ from OPTIONS

    def _start_transaction_under_autocommit(self):
        statement = "BEGIN" if self.transaction_mode is None else f"BEGIN {self.transaction_mode}"
        raw = self.connection
        (timeout_ms,) = raw.execute("PRAGMA busy_timeout").fetchone()
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            try:
                self.cursor().execute(statement)  # through Django's cursor: logged, wrapped
                return
            except OperationalError as error:
                if not _busy(error):
                    raise
            started = time.monotonic()
            deadline = started + timeout_ms / 1000
            polling_until = min(deadline, started + POLL_SECONDS)
            step = FIRST_STEP
            while time.monotonic() < polling_until:
                time.sleep(step)
                try:
                    raw.execute(statement)
                    return
                except sqlite3.OperationalError as error:
                    if not _busy(error):
                        raise OperationalError(*error.args) from error
                step = min(step * 2, LAST_STEP)
            # A long wait: SQLite's own busy handler for the rest of the timeout.
            remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
            raw.execute(f"PRAGMA busy_timeout = {remaining_ms}")
            try:
                raw.execute(statement)
            except sqlite3.OperationalError as error:
                raise OperationalError(*error.args) from error
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
