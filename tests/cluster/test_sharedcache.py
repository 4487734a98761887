"""The Redis shared cache (config/sharedcache.py), its failure policy and the login policy
(config/login_policy.py), in process. A dead Redis is a closed local port; the live tests use
Redis database 5 on 127.0.0.1:6379 (REDIS_TEST_URL) and skip when no Redis answers there."""

import logging
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from config.sharedcache import RETRY_AFTER_SECONDS, FailSoftRedisCache
from tests.factories import make_user
from tests.waiting import SUBPROCESS_SECONDS, WAIT_SECONDS, wait_for

ROOT = Path(__file__).resolve().parents[2]
LIVE_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/5")
PASSWORD = "correct horse battery staple"


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on return: nothing listens there


def _redis_caches(url, timeout):
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    return {
        "default": {
            "BACKEND": "config.sharedcache.FailSoftRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"tests-{os.getpid()}",
            "OPTIONS": options,
        },
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


@pytest.fixture
def dead_redis():
    # A closed port refuses at once: the timeout is never waited for.
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    with override_settings(CACHES=_redis_caches(url, timeout=0.25)):
        yield caches["default"]


@pytest.fixture
def live_redis():
    cache = FailSoftRedisCache(LIVE_URL, {"KEY_PREFIX": f"tests-{os.getpid()}"})
    if not cache.ping():
        if os.environ.get("CI"):  # CI starts Redis (.ci/run): there these tests must run
            pytest.fail(f"no Redis answers at {LIVE_URL}")
        pytest.skip(f"no Redis answers at {LIVE_URL} (start one: redis-server --daemonize yes)")
    # Generous: a live Redis on a busy machine may take more than production's 250 ms to
    # answer, which would read as an outage and fail the test.
    with override_settings(CACHES=_redis_caches(LIVE_URL, timeout=5)):
        yield caches["default"]
        # Only this process's keys (sessions included): other test processes share database 5.
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(f"tests-{os.getpid()}:*"))
        if keys:
            client.delete(*keys)


def test_a_dead_redis_is_a_miss_not_an_error(dead_redis, frozen_clock):
    frozen_clock("config.sharedcache")  # the back-off cannot end on its own mid-test
    cache = dead_redis
    before = cache.failures_in_thread()
    assert cache.get("a", "default") == "default"
    cache.set("a", 1)
    assert cache.add("a", 1) is False
    assert cache.delete("a") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    cache.set_many({"a": 1, "b": 2})
    cache.delete_many(["a", "b"])
    with pytest.raises(ValueError):
        cache.incr("a")
    assert cache.get_or_set("a", 5) == 5
    assert cache.ping() is False
    assert cache.failures_in_thread() - before == 13  # get_or_set: get, add, get
    assert not cache.available


def test_after_a_failure_redis_is_left_alone_so_misses_cost_nothing(
    dead_redis, frozen_clock, monkeypatch
):
    clock = frozen_clock("config.sharedcache")
    dead_redis.get("a")
    asked = []
    real_get = dead_redis._cache.get
    monkeypatch.setattr(dead_redis._cache, "get", lambda *a: asked.append(a) or real_get(*a))
    for _ in range(1000):
        assert dead_redis.get("a", "miss") == "miss"
    assert asked == []  # no connection attempted
    clock.advance(RETRY_AFTER_SECONDS)
    assert dead_redis.get("a", "miss") == "miss"
    assert len(asked) == 1  # after the back-off, Redis is asked again


def test_the_first_failure_is_logged_once(dead_redis, caplog):
    with caplog.at_level(logging.WARNING, logger="config.sharedcache"):
        for _ in range(5):
            dead_redis.get("a")
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "unavailable" in caplog.records[0].message


def test_the_live_cache_round_trips(live_redis):
    live_redis.set("a", {"x": 1})
    assert live_redis.get("a") == {"x": 1}
    assert live_redis.add("b", 1) is True
    assert live_redis.incr("b") == 2
    assert live_redis.ping() is True


def test_a_key_written_during_an_outage_is_deleted_when_redis_answers_again(
    live_redis, frozen_clock
):
    frozen_clock("config.sharedcache")
    live_redis.set("a", "before the outage")
    real_client = live_redis._cache

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise RedisConnectionError("down")

            return fail

    live_redis._cache = Down()
    try:
        live_redis.set("a", "during the outage")  # not written: Redis still has the old value
    finally:
        live_redis._cache = real_client
    assert not live_redis.available
    live_redis._down_until = 0.0  # the retry delay has passed
    assert live_redis.get("a") is None  # the old value is gone, not served again
    live_redis.set("a", "after")
    assert live_redis.get("a") == "after"


@pytest.mark.django_db
def test_healthz_reports_the_cache_as_degraded_with_200(client, dead_redis):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content.startswith(b"degraded: shared cache unavailable")


@pytest.mark.django_db
def test_healthz_is_ok_with_a_live_redis(client, live_redis):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


@pytest.mark.django_db
def test_pages_and_sessions_work_without_redis(client, course, dead_redis):
    user = make_user("ada", password=PASSWORD)
    assert (
        client.post("/accounts/login/", {"username": "ada", "password": PASSWORD}).status_code
        == 302
    )
    response = client.get(f"/courses/{course.slug}/")
    assert response.status_code == 200
    assert response.context["user"] == user
    assert client.get("/").status_code == 200  # anonymous-page machinery on a dead cache


@pytest.mark.django_db
def test_learner_login_is_counted_in_the_database_with_a_warning(client, dead_redis, caplog):
    """Without Redis the throttle counts in the database: the lock still closes, and holds
    against the right password (it once failed open)."""
    make_user("ada", password=PASSWORD)
    with caplog.at_level(logging.WARNING, logger="config.login_policy"):
        statuses = [
            client.post("/accounts/login/", {"username": "ada", "password": "wrong"}).status_code
            for _ in range(5)
        ]
        response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert any("counted in the database" in r.message for r in caplog.records)


@pytest.mark.django_db
def test_admin_login_fails_closed(client, dead_redis):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 503
    assert response["Retry-After"]
    assert b"Admin login is paused" in response.content
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


@pytest.mark.django_db
def test_admin_login_works_with_a_live_redis(client, live_redis):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [
        ("", "django.core.cache.backends.filebased.FileBasedCache"),
        ("redis://127.0.0.1:6379/5", "config.sharedcache.FailSoftRedisCache"),
    ],
)
def test_redis_url_chooses_the_shared_cache(redis_url, backend, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "REDIS_URL"
    }
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_VAR_DIR=str(tmp_path),
        REDIS_URL=redis_url,
    )
    code = "from config import settings as s; print(s.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend


@pytest.mark.django_db
def test_an_admin_login_is_not_kept_when_redis_fails_during_it(client, live_redis, monkeypatch):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)

    def down(*args, **kwargs):
        raise RedisConnectionError("down")

    # Redis answers the policy's ping, then fails the throttle's reads and writes.
    monkeypatch.setattr(live_redis._cache, "get", down)
    monkeypatch.setattr(live_redis._cache, "set", down)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 503
    assert "sessionid" not in response.cookies
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_after_an_outage_seen_by_one_worker_no_worker_serves_what_it_missed(live_redis):
    """Worker A cannot reach Redis while a session is logged out (its delete is missed);
    worker B never saw the outage. Once Redis answers again, B does not serve the old value,
    even before A makes another request: A recorded the outage, and B reads the new epoch."""
    from config import sharedcache

    prefix = f"tests-{os.getpid()}"
    a = FailSoftRedisCache(LIVE_URL, {"KEY_PREFIX": prefix})
    b = FailSoftRedisCache(LIVE_URL, {"KEY_PREFIX": prefix})
    a.set("session:1", "signed in")
    assert b.get("session:1") == "signed in"

    real_client = a._cache

    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise RedisConnectionError("down")

            return fail

    a._cache = Down()
    try:
        a.delete("session:1")  # the logout, missed by Redis
    finally:
        a._cache = real_client
    # Redis answers again; A makes no request. B, within the epoch's check interval:
    wait_for(
        lambda: b.get("session:1") is None,
        what="worker B to stop serving the logged-out session",
        timeout=max(WAIT_SECONDS, 30 * sharedcache.EPOCH_CHECK_SECONDS),
    )
    b.set("session:2", "new")
    a._down_until = 0.0
    assert a.get("session:1") is None and a.get("session:2") == "new"  # one key space again
