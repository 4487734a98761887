"""A full shared cache never opens a login lock.

The probe filled Redis to its maxmemory (noeviction): its refused writes made the cache count
as down, the locked account's right password was accepted 11 times out of 11. Now a lock is
kept in the database, and a count the cache cannot keep is counted there. Shown with cache
backends that refuse writes (raising, or failing soft like config/sharedcache.py) and with a
real redis-server of our own with a tiny maxmemory.
"""

import os
import shutil
import socket
import subprocess

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

from accounts.models import ThrottleCount
from tests.factories import PASSWORD, make_user
from tests.waiting import SERVER_START_SECONDS, wait_for

pytestmark = pytest.mark.django_db


class RaisingOnWrites(LocMemCache):
    """Reads work; every write raises (a backend with a full disk or memory)."""

    refusing = False

    def _refuse(self):
        if type(self).refusing:
            raise OSError("No space left on device")

    def add(self, *args, **kwargs):
        self._refuse()
        return super().add(*args, **kwargs)

    def set(self, *args, **kwargs):
        self._refuse()
        return super().set(*args, **kwargs)

    def incr(self, *args, **kwargs):
        self._refuse()
        return super().incr(*args, **kwargs)


class SoftlyRefusingWrites(LocMemCache):
    """Like FailSoftRedisCache on a full Redis: writes are dropped and counted as failures,
    and after one the cache answers misses for a while (reads too)."""

    refusing = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failures = 0

    def failures_in_thread(self):
        return self.failures

    def _dropped(self):
        if type(self).refusing:
            self.failures += 1
            return True
        return False

    def add(self, *args, **kwargs):
        return False if self._dropped() else super().add(*args, **kwargs)

    def set(self, *args, **kwargs):
        return None if self._dropped() else super().set(*args, **kwargs)

    def incr(self, key, *args, **kwargs):
        if self._dropped():
            raise ValueError(f"Key '{key}' not found (the shared cache is unavailable)")
        return super().incr(key, *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return {} if type(self).refusing else super().get_many(*args, **kwargs)


def caches_with(backend):
    return {
        "default": {"BACKEND": f"{__name__}.{backend.__name__}", "LOCATION": backend.__name__},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


def login(client, password):
    return client.post("/accounts/login/", {"username": "ada", "password": password}).status_code


@pytest.fixture(params=[RaisingOnWrites, SoftlyRefusingWrites])
def refusing_cache(request):
    backend = request.param
    backend.refusing = False
    with override_settings(CACHES=caches_with(backend)):
        yield backend
    backend.refusing = False


def test_a_lock_holds_when_the_cache_starts_refusing_writes(client, refusing_cache):
    make_user("ada", password=PASSWORD)
    assert [login(client, "wrong") for _ in range(5)] == [200, 200, 200, 200, 429]
    refusing_cache.refusing = True
    assert [login(client, PASSWORD) for _ in range(11)] == [429] * 11


def test_failures_are_still_counted_while_the_cache_refuses_writes(client, refusing_cache):
    make_user("ada", password=PASSWORD)
    assert login(client, "wrong") == 200  # counted in the cache
    refusing_cache.refusing = True
    assert [login(client, "wrong") for _ in range(4)] == [200, 200, 200, 429]
    assert login(client, PASSWORD) == 429
    assert ThrottleCount.objects.filter(key__startswith="login-locked:").exists()


def test_a_success_clears_the_database_count_too(client, soft_cache):
    make_user("ada", password=PASSWORD)
    refusing_cache = SoftlyRefusingWrites
    refusing_cache.refusing = True
    assert [login(client, "wrong") for _ in range(3)] == [200] * 3
    assert login(client, PASSWORD) == 302
    client.post("/accounts/logout/")
    assert [login(client, "wrong") for _ in range(4)] == [200] * 4  # counting from 0 again


@pytest.fixture
def soft_cache():
    with override_settings(CACHES=caches_with(SoftlyRefusingWrites)):
        yield
    SoftlyRefusingWrites.refusing = False


def _free(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _unused_port():
    """A port nothing listens on, chosen by the system (parallel workers never share one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def full_redis(tmp_path):
    """A redis-server of our own with maxmemory 2 MB and noeviction, filled until it refuses."""
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):  # .ci/run installs it: there this check must run
            pytest.fail("redis-server is not installed")
        pytest.skip("needs redis-server")
    port = _unused_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--appendonly", "no",
         "--maxmemory", "2mb", "--maxmemory-policy", "noeviction", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        def listening():
            assert process.poll() is None, "redis-server stopped"
            return not _free(port)

        wait_for(listening, what="redis-server to listen", timeout=SERVER_START_SECONDS)
        url = f"redis://127.0.0.1:{port}/0"
        settings = {
            "default": {
                "BACKEND": "config.sharedcache.FailSoftRedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            },
            "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        }
        with override_settings(CACHES=settings):
            yield caches["default"]
    finally:
        process.terminate()
        process.wait(30)


def fill(cache):
    import redis

    client = redis.Redis.from_url(cache._servers[0])
    blob = b"x" * 100_000
    for index in range(1000):
        try:
            client.set(f"filler-{index}", blob)
        except redis.exceptions.ResponseError as error:
            assert "maxmemory" in str(error)
            return
    raise AssertionError("Redis never refused a write")


def test_a_full_redis_does_not_open_a_lock(client, full_redis):
    make_user("ada", password=PASSWORD)
    assert [login(client, "wrong") for _ in range(5)] == [200, 200, 200, 200, 429]
    fill(full_redis)
    assert [login(client, PASSWORD) for _ in range(11)] == [429] * 11


def test_a_full_redis_still_counts_failures(client, full_redis):
    make_user("ada", password=PASSWORD)
    fill(full_redis)
    assert [login(client, "wrong") for _ in range(5)] == [200, 200, 200, 200, 429]
    assert login(client, PASSWORD) == 429
