"""What the logins do when the shared cache (Redis) cannot keep the throttle's counts.

The throttle (accounts/throttle.py) counts failed logins in the shared cache and keeps its locks
in the database. When the cache cannot keep a count (Redis unreachable, or full to its
maxmemory and refusing writes: config/sharedcache.py turns both into misses and no-ops), the
throttle counts in the database instead, so a lock is never opened by the cache, and a
failing cache does not give unlimited guesses. These wrappers, put around the throttled login
views in config/urls.py, add:

- the admin login fails CLOSED: an admin account opens the whole site, so no admin password is
  checked while failures cannot be counted; the login answers 503 with Retry-After and says
  why. If Redis stops answering during the login itself, the 503 is answered instead of the
  login's redirect, and Django's SessionMiddleware saves no session on a 5xx response, so a
  login that succeeded inside is not kept.
- the learners' login goes on, THROTTLED FROM THE DATABASE: locks set before or during the
  outage hold, and failures go on being counted (in the database). A learner is not locked out
  of lessons by the outage itself. Each login during which the cache failed logs a warning.
  (It failed open before: with Redis full, a locked account's right password was accepted.)

Only the Redis cache reports its failures (`failures_in_thread`); with the file cache of a
single machine these wrappers change nothing.
"""

import functools
import logging

from django.core.cache import caches
from django.http import HttpResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _cache_failures():
    """This thread's count of failed shared-cache operations, or None if it keeps no count."""
    counter = getattr(caches["default"], "failures_in_thread", None)
    return counter() if counter else None


def _refused():
    response = HttpResponse(
        "Admin login is paused: the failed-login counter (the shared cache) is unavailable, "
        "so no admin password is checked. Try again in a minute.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def fail_closed(login_view):
    """For the admin login: refuse while the throttle cannot count."""

    @functools.wraps(login_view)
    def view(request, *args, **kwargs):
        before = _cache_failures()
        if request.method != "POST" or before is None:
            return login_view(request, *args, **kwargs)
        cache = caches["default"]
        if not cache.ping():  # type: ignore[attr-defined]  # config.sharedcache.SharedCache
            logger.warning("Admin login refused: the shared cache is unavailable")
            return _refused()
        response = login_view(request, *args, **kwargs)
        if _cache_failures() != before:
            logger.warning("Admin login refused: the shared cache failed during the login")
            return _refused()
        return response

    return view


def counted_in_database(login_view):
    """For the learners' login: go on while the cache fails (the throttle counts in the
    database then), with a warning in the log."""

    @functools.wraps(login_view)
    def view(request, *args, **kwargs):
        before = _cache_failures()
        response = login_view(request, *args, **kwargs)
        if request.method == "POST" and before is not None and _cache_failures() != before:
            logger.warning(
                "Login from %s counted in the database: the shared cache is unavailable",
                request.META.get("REMOTE_ADDR", ""),
            )
        return response

    return view
