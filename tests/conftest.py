import pytest

from tests.factories import make_course, make_user


@pytest.fixture
def course(db):
    return make_course("demo-course")


@pytest.fixture
def learner(db):
    return make_user("ada")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture(autouse=True)
def _clear_caches():
    """Every test starts with empty caches: no cached page, session or login-failure count
    from an earlier test (settings: config.test_settings makes them process-local)."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield
