"""Fixtures shared by the test modules; the data builders are in tests/factories.py."""

import pytest

from tests.factories import make_course, make_question, make_quiz, make_staff_instructor, make_user
from tests.quiz_helpers import ALL_TYPES
from tests.waiting import FakeClock


@pytest.fixture
def course(db):
    """A course with two objectives and three lessons (see factories.make_course)."""
    return make_course("demo-course")


@pytest.fixture
def objective(course):
    return course.objectives.get(key="objective-1")


@pytest.fixture
def questions(course, objective):
    """One question of every type in the first objective, in ALL_TYPES order."""
    return [make_question(course, objective, type=qtype) for qtype in ALL_TYPES]


@pytest.fixture
def quiz(course, objective, questions):
    """The first objective's quiz, six questions an attempt: all of `questions`."""
    return make_quiz(course, objective, questions_per_attempt=6)


@pytest.fixture
def learner(db):
    return make_user("ada")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def instructor_client(client, db):
    """A client signed in as a staff member of the Instructors group."""
    client.force_login(make_staff_instructor())
    return client


@pytest.fixture(autouse=True)
def _clear_caches():
    """Every test starts with empty caches: no cached page, session or login-failure count
    from an earlier test (settings: config.test_settings makes them process-local)."""
    from django.core.cache import caches

    from lib import cache as cache_map
    from quizzes import content_cache

    for cache in caches.all(initialized_only=True):
        cache.clear()
    # And the per-process copies: the content version this process last read and the course
    # content it keeps (an earlier test's rows, rolled back since).
    cache_map.forget_known_version()
    content_cache.forget()
    content_cache._versions.clear()  # ids of rolled-back rows are given again on SQLite
    yield


@pytest.fixture
def frozen_clock(monkeypatch):
    """Stop the clock of the modules named: `clock = frozen_clock("accounts.throttle")` gives
    that module a `FakeClock` for its `time` (tests/waiting.py), so a time window is crossed
    with `clock.advance(seconds)` and a slow machine cannot cross it by itself."""
    clock = FakeClock()

    def freeze(*modules):
        for module in modules:
            monkeypatch.setattr(f"{module}.time", clock)
        return clock

    return freeze


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Tests run on an SQLite file, like production, not a shared-cache in-memory database: in
    memory, a second writer fails at once with "database table is locked" instead of waiting
    on the busy timeout, so tests of concurrent answers (threads) could not run. Under
    pytest-xdist each worker has its own file (tmp_path_factory is per worker), and on
    PostgreSQL its own database (test_<name>_gw0...)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "config.sqlite":
        path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)
