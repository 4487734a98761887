"""The cache map (lib/cache.py): one content version for every content cache, a code version in
every key whose value our code builds, cached learner data that is data and not markup, and a
revocation that no code version outlives."""

import pickle
import shutil
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lib import cache as cache_map
from progress.standing import Evidence
from quizzes import content_cache
from quizzes.models import Attempt, Question
from tests.factories import make_user
from tests.quiz_helpers import answer_url, post_data, start_url

ROOT = Path(__file__).resolve().parent.parent


def test_the_code_version_changes_with_a_template_or_a_module(tmp_path):
    for name in ("lib", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    first = cache_map.compute_code_version(tmp_path)
    assert cache_map.compute_code_version(tmp_path) == first  # the same code, the same version
    (tmp_path / "templates" / "base.html").write_text("<p>A new layout</p>")
    second = cache_map.compute_code_version(tmp_path)
    assert second != first
    (tmp_path / "lib" / "htmx.py").write_text("# changed\n")
    assert cache_map.compute_code_version(tmp_path) not in {first, second}
    (tmp_path / "tests").mkdir()  # not code: a test changes no cached value
    (tmp_path / "tests" / "__init__.py").write_text("")
    third = cache_map.compute_code_version(tmp_path)
    (tmp_path / "tests" / "test_x.py").write_text("x = 1\n")
    assert cache_map.compute_code_version(tmp_path) == third


def test_a_release_id_can_name_the_code_version(monkeypatch):
    monkeypatch.setenv("CACHE_CODE_VERSION", "release-42")
    cache_map.code_version.cache_clear()
    try:
        assert cache_map.code_version() == "release-42"
        assert cache_map.standing_key(1, 2) == "standing:release-42:1:2"
        assert cache_map.user_key(1) == "auth-user:release-42:1"
        assert "release-42" in cache_map.anon_page_key("v1", "http://testserver/")
        # What must outlive no revocation, and counts a deploy must not reset: no code version.
        assert "release-42" not in cache_map.user_generation_key(1)
        assert "release-42" not in "".join(cache_map.login_account_keys("a"))
        assert "release-42" not in cache_map.rate_key("signup", "abc")
    finally:
        cache_map.code_version.cache_clear()


@pytest.mark.django_db
def test_every_content_cache_uses_the_one_content_version(course):
    version = cache_map.content_version()
    assert content_cache.course_content(course.slug).version == version
    assert f":{version}:" in cache_map.anon_page_key(version, "http://testserver/")
    course.save()  # a content row saved, and committed (on_commit runs outside a transaction)
    content_cache.renew_version()
    renewed = cache_map.content_version()
    assert renewed != version
    assert content_cache.course_content(course.slug).version == renewed


def _answer_one(client, quiz):
    client.post(start_url(quiz))
    attempt = Attempt.objects.filter(quiz=quiz).latest("started_at")
    question = Question.objects.get(pk=attempt.question_ids[0])
    client.post(answer_url(attempt, 1), post_data(attempt, question))


@pytest.mark.django_db
def test_the_cached_standing_is_data_not_markup(learner_client, learner, quiz):
    _answer_one(learner_client, quiz)
    url = reverse("progress:progress", args=[quiz.course.slug])
    page = learner_client.get(url).content.decode()
    assert "evidence__table" in page
    content_version, standing = caches["default"].get(
        cache_map.standing_key(learner.pk, quiz.course.pk)
    )
    assert content_version == cache_map.content_version()
    evidence = [row for item in standing.objectives for row in item.evidence]
    assert evidence and all(isinstance(row, Evidence) for row in evidence)
    stored = pickle.dumps(standing)
    assert b"<table" not in stored and b"<details" not in stored and b"<tr" not in stored


@pytest.mark.django_db
def test_a_deploy_with_other_code_reads_no_standing_the_old_code_wrote(
    learner_client, quiz, monkeypatch
):
    url = reverse("progress:progress", args=[quiz.course.slug])
    learner_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        learner_client.get(url)
    assert len(queries) == 0  # kept
    monkeypatch.setattr(cache_map, "code_version", lambda: "the-next-release")
    with CaptureQueriesContext(connection) as queries:
        learner_client.get(url)
    assert len(queries) > 0  # built again by the new code, from the learner's rows


@pytest.mark.django_db
def test_a_revocation_reaches_copies_cached_under_any_code_version(client, monkeypatch):
    user = make_user("grace")
    client.force_login(user)
    assert client.get(reverse("accounts:settings")).status_code == 200  # cached now
    monkeypatch.setattr(cache_map, "code_version", lambda: "the-old-release")
    assert client.get(reverse("accounts:settings")).status_code == 200  # cached by old code
    user.is_active = False
    user.save()  # by the new code, say: one generation token for every code version
    for version in ("the-old-release", "the-new-release"):
        monkeypatch.setattr(cache_map, "code_version", lambda version=version: version)
        response = client.get(reverse("accounts:settings"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
