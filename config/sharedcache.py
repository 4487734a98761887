"""The shared cache on Redis (REDIS_URL), failing soft: a Redis outage is not an app outage.

Django's built-in RedisCache raises when Redis does not answer. Everything kept in the shared
cache can be rebuilt from the database (cached sessions, the content version, report results)
or is deliberately best effort (the login throttle, see config/login_policy.py), so this
subclass turns a failed operation into a cache miss instead of a 500:

- a read answers the caller's default, a write or delete does nothing (`add` answers False,
  `incr` raises ValueError as for a missing key);
- after a failure, Redis is left alone for RETRY_AFTER_SECONDS: every operation meanwhile is a
  miss that costs nothing, then the next one tries Redis again (with the short socket timeouts
  of settings.CACHES, a dead Redis costs milliseconds even on the request that finds it dead);
- every key written or deleted while Redis was unreachable is remembered (up to STALE_LIMIT)
  and deleted as soon as Redis answers again, so a value written before the outage cannot come
  back afterwards: a session logged out or a content version renewed during the outage stays
  gone once Redis returns with its old data;
- and so that every OTHER worker and server forgets it too (they did not see what this worker
  missed, and may not have seen the outage at all), the worker that first sees an outage
  records it in the database (config.models.CacheOutage). The newest outage's id is the
  cache's epoch, part of every key: each worker reads it at most every EPOCH_CHECK_SECONDS, so
  within that second after an outage every worker works in a fresh key space (sessions and
  users are read again from the database, nothing is lost) instead of the old values;
- `ping()` asks Redis directly, for /healthz and for the admin login, which must know;
- `failures_in_thread()` counts the operations this thread could not do, so a caller can tell
  whether its own reads and writes really happened (the login throttle's policy uses it).

The first failure and the recovery are each logged once, not every missed operation.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2.0
STALE_LIMIT = 10_000
EPOCH_CHECK_SECONDS = 1.0


def latest_outage() -> int | None:
    """The shared epoch: the id of the newest recorded outage (0 for none); None when the
    database cannot say now (inside a transaction, or not reachable)."""
    from django.db import connection

    from config.models import CacheOutage

    if connection.in_atomic_block:  # never a query that could break the caller's transaction
        return None
    try:
        return CacheOutage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    except Exception:  # no database (a test without one, the table not migrated yet)
        return None


def record_outage() -> None:
    """Record an outage for every worker (after the caller's transaction, if in one)."""
    from django.db import connection, transaction

    from config.models import CacheOutage

    def record():
        try:
            CacheOutage.objects.create()
        except Exception as error:
            logger.warning(
                "The shared cache's outage is not recorded for other workers: %s", error
            )

    if connection.in_atomic_block:
        transaction.on_commit(record)
    else:
        record()


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0
        self._down_since = None
        self._stale = set()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._epoch = 0
        self._epoch_read_at = float("-inf")

    # What happened, for callers that must know.

    def failures_in_thread(self) -> int:
        return getattr(self._local, "failures", 0)

    @property
    def available(self) -> bool:
        """False while Redis is left alone after a failure."""
        return time.monotonic() >= self._down_until

    def ping(self) -> bool:
        """Whether Redis answers now (asked even while it is left alone)."""
        try:
            self._cache.get_client(write=True).ping()
        except RedisError as error:
            self._failed(error, ())
            return False
        self._recovered()
        return True

    # The failure policy around every operation of RedisCache.

    def _run(self, operation, default, written=()):
        if time.monotonic() < self._down_until:
            self._failed(None, written)
            return default
        try:
            if self._stale:
                self._delete_stale()
            result = operation()
        except RedisError as error:
            self._failed(error, written)
            return default
        self._recovered()
        return result

    def _failed(self, error, written):
        self._local.failures = self.failures_in_thread() + 1
        with self._lock:
            if len(self._stale) < STALE_LIMIT:
                self._stale.update(written)
            if error is None:
                return
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
        if first:
            logger.warning(
                "Shared cache (Redis) unavailable, working from the database without it: %s",
                error,
            )
            record_outage()
            self._epoch_read_at = float("-inf")  # this worker too moves to the new epoch

    def _recovered(self):
        if self._down_since is None:
            return
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            logger.warning("Shared cache (Redis) back after %.1f s", time.monotonic() - since)

    def _delete_stale(self):
        with self._lock:
            keys, self._stale = list(self._stale), set()
        try:
            if keys:
                self._cache.get_client(write=True).delete(*keys)
        except RedisError:
            with self._lock:
                self._stale.update(keys[: STALE_LIMIT - len(self._stale)])
            raise

    def _current_epoch(self) -> int:
        now = time.monotonic()
        if now - self._epoch_read_at >= EPOCH_CHECK_SECONDS:
            epoch = latest_outage()
            self._epoch_read_at = now  # asked again in a second, whatever the answer
            if epoch is not None:
                self._epoch = epoch
        return self._epoch

    def _key(self, key, version):
        made = self.make_and_validate_key(key, version=version)
        epoch = self._current_epoch()
        return f"{made}:e{epoch}" if epoch else made

    # The cache API (RedisCache's methods, each through _run).

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self._key(key, version)
        timeout = self.get_backend_timeout(timeout)
        return self._run(lambda: self._cache.add(key, value, timeout), False, [key])

    def get(self, key, default=None, version=None):
        key = self._key(key, version)
        return self._run(lambda: self._cache.get(key, default), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self._key(key, version)
        timeout = self.get_backend_timeout(timeout)
        self._run(lambda: self._cache.set(key, value, timeout), None, [key])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self._key(key, version)
        timeout = self.get_backend_timeout(timeout)
        return self._run(lambda: self._cache.touch(key, timeout), False, [key])

    def delete(self, key, version=None):
        key = self._key(key, version)
        return self._run(lambda: self._cache.delete(key), False, [key])

    def get_many(self, keys, version=None):
        key_map = {self._key(key, version): key for key in keys}
        found = self._run(lambda: self._cache.get_many(key_map.keys()), {})
        return {key_map[key]: value for key, value in found.items()}

    def has_key(self, key, version=None):
        key = self._key(key, version)
        return self._run(lambda: self._cache.has_key(key), False)

    def incr(self, key, delta=1, version=None):
        made = self._key(key, version)
        missing = object()
        value = self._run(lambda: self._cache.incr(made, delta), missing, [made])
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the shared cache is unavailable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        made = {self._key(key, version): value for key, value in data.items()}
        timeout = self.get_backend_timeout(timeout)
        self._run(lambda: self._cache.set_many(made, timeout), None, list(made))
        return []

    def delete_many(self, keys, version=None):
        made = [self._key(key, version) for key in keys]
        if made:
            self._run(lambda: self._cache.delete_many(made), None, made)

    def clear(self):
        return self._run(self._cache.clear, False)


def cache_status(alias="default") -> str:
    """ "ok" when the shared cache answers a round trip now, else "unavailable"."""
    from django.core.cache import caches

    cache = caches[alias]
    if isinstance(cache, FailSoftRedisCache):
        return "ok" if cache.ping() else "unavailable"
    try:
        cache.set("healthz", "ok", 10)
        answered = cache.get("healthz") == "ok"
    except Exception:  # any backend's failure (a full disk for the file cache) is the answer
        logger.exception("Shared cache check failed")
        answered = False
    return "ok" if answered else "unavailable"
