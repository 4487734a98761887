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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Tests run on an SQLite file, like production, not a shared-cache in-memory database: in
    memory, a second writer fails at once with "database table is locked" instead of waiting
    on the busy timeout, so tests of concurrent answers (threads) could not run."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)
