"""The cache map: every key of the shared cache, what fills it, what empties it, how long it
lives; and the two versions that keys carry.

The "default" cache is shared by every worker (and by every server when REDIS_URL is set:
config/sharedcache.py, whose outage epoch is part of every key). The "pages" cache is per
worker. Every key is built by a function below; no other module writes a key by hand.

Each key: its store; what fills it; what empties it or makes it stale; its lifetime.

`content-version` (default)
    Filled by its first reader (`content_version`). Renewed (`renew_content_version`) when a
    transaction that saved or deleted a content row commits (quizzes.content_cache follows
    CONTENT_MODELS for every content cache). No expiry.
`standing:{code}:{user}:{course}` (default)
    Filled by progress.standing.course_standing: the learner's CourseProgress, data only.
    Deleted by progress.standing.forget_standing when the learner's Response, Mastery,
    LessonCompletion or CourseCompletion is saved or deleted, at once and on commit; not used
    once the content version it holds is old. `STANDING_SECONDS`, or until the first review
    falls due.
`auth-user:{code}:{user}` (default)
    Filled by accounts.backends with the signed-in user and the generation token read before
    the row. Served only while that token is current. `USER_SECONDS`.
`auth-user-gen:{user}` (default)
    Filled by accounts.backends; replaced by accounts.backends.new_generation when the user is
    saved or deleted, at once and on commit. `USER_GENERATION_SECONDS`. No code version.
`login-failures:…`, `login-locked:…`, `login-address-failures:…`, `login-address-locked:…`
    (default) Counted by accounts.throttle; an account's are deleted by its successful login.
    The lockout window. No code version: a deploy does not unlock an account.
`rate:{name}:{digest}` (default)
    Counted by accounts.throttle.over_rate. The rate window. No code version.
sessions (default, Django's `django.contrib.sessions.cached_db` prefix)
    Django's cached_db engine; the session row is the truth, logout deletes both. The
    session's age.
`anon-page:{code}:{content}:{url digest}` (pages, per worker)
    Filled by config.pagecache with an anonymous catalogue, course or lesson page; stale with
    a new content version. `ANON_PAGE_CACHE_SECONDS`.

Two versions keep a key from serving what is no longer true:

- **The code version** (`code_version()`): a digest of the deployed code (our packages'
  Python, the templates and the pinned requirements), or `CACHE_CODE_VERSION` from the
  environment. Every key whose value is built by our code carries it, so a deploy that
  changes a template, a dataclass or a computation never reads a value the old code wrote.
  The cached learner data is data (progress.standing's dataclasses), never rendered HTML:
  the pages render it on every request.
- **The content version** (`content_version()`): one shared token for every content cache,
  renewed after any transaction that saved course content. The per-process course content
  (quizzes/content_cache.py) is rebuilt under a new one, and the anonymous pages
  (config/pagecache.py) are kept under it.

What must never outlive a revocation carries no code version: the user's generation token is
the same for every version of the code, so a deactivation renews the one token that every
server checks, old code and new alike during a deploy; and the login throttle's counts
survive a deploy. A value with a code version is simply not read by other code versions: a
learner's standing written by the old code during a rolling deploy is not seen by the new
code, and expires.

Not in the shared cache, so not keys: the course content and question versions kept in each
process (quizzes/content_cache.py), the Content-Security-Policy header per middleware
instance (config/middleware.py), and the reports' running item sums and tallies, which are
database rows (progress/itemsums.py, progress/itemtally.py).
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import caches

# --- lifetimes, in seconds ---------------------------------------------------------------

STANDING_SECONDS = 300
USER_SECONDS = 300
# The generation outlives the copies it guards; if it is evicted, a new token simply misses.
USER_GENERATION_SECONDS = 24 * 60 * 60

# --- the code version --------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
# What the cached values are made by: our packages' Python and the templates (every top-level
# folder of the repository that is a package, but the tests), and the pinned requirements.
CODE_SUFFIXES = (".py", ".html", ".txt")
NOT_CODE = frozenset({"tests", "bench", "docs", "fixtures", "static"})


def compute_code_version(root: Path) -> str:
    """A digest of the code under `root`: the files of its packages and templates, by path
    and content, and requirements.txt. The same checkout gives the same digest on every
    server; any change to a template or a module gives another."""
    digest = hashlib.sha256()
    folders = [
        path
        for path in sorted(root.iterdir())
        if path.is_dir()
        and path.name not in NOT_CODE
        and ((path / "__init__.py").exists() or path.name == "templates")
    ]
    files = [root / "requirements.txt"]
    for folder in folders:
        files.extend(
            path
            for path in sorted(folder.rglob("*"))
            if path.suffix in CODE_SUFFIXES and path.is_file()
        )
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def code_version() -> str:
    """The deployed code's version: CACHE_CODE_VERSION if set (a release id), else the digest
    of the code, computed once per process."""
    return os.environ.get("CACHE_CODE_VERSION") or compute_code_version(ROOT)


# --- keys ----------------------------------------------------------------------------------

CONTENT_VERSION_KEY = "content-version"


def standing_key(user_id: int, course_id: int) -> str:
    return f"standing:{code_version()}:{user_id}:{course_id}"


def user_key(user_id: int) -> str:
    return f"auth-user:{code_version()}:{user_id}"


def user_generation_key(user_id: int) -> str:
    """The same for every code version (see the module's docstring): a revocation renews it."""
    return f"auth-user-gen:{user_id}"


def login_account_keys(account: str) -> tuple[str, str]:
    """(failures, lock) of one username from one address."""
    return f"login-failures:{account}", f"login-locked:{account}"


def login_address_keys(client: str) -> tuple[str, str]:
    """(failures, lock) of one client address over every username."""
    return f"login-address-failures:{client}", f"login-address-locked:{client}"


def rate_key(name: str, digest: str) -> str:
    return f"rate:{name}:{digest}"


def anon_page_key(content: str, url: str) -> str:
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"anon-page:{code_version()}:{content}:{digest}"


# --- the content version -------------------------------------------------------------------

# While the shared cache cannot be read (a Redis outage: config/sharedcache.py counts the
# operations it could not do), this worker goes on with the version it last knew, for up to
# FALLBACK_SECONDS since it last knew it; then with a version of its own for as long again. So
# an outage costs one rebuild per FALLBACK_SECONDS, not one per request, and content renewed
# meanwhile by another worker shows here within FALLBACK_SECONDS.
FALLBACK_SECONDS = 10.0


@dataclass
class _Known:
    version: str = ""
    at: float = 0.0  # time.monotonic() when it was read (or made)


_known = _Known()


def content_version(max_age: float = 0.0) -> str:
    """The content version as every worker sees it now (created on first use).

    With `max_age`, the version this process last read (or renewed) is used for that many
    seconds without asking the shared cache: a renewal in this process shows at once, one in
    another worker within `max_age`."""
    if max_age and _known.version and time.monotonic() - _known.at < max_age:
        return _known.version
    cache = caches["default"]
    failures = getattr(cache, "failures_in_thread", None)
    failed_before = failures() if failures else 0
    version = cache.get(CONTENT_VERSION_KEY)
    if version is None and failures and failures() > failed_before:
        return _fallback_version()
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(CONTENT_VERSION_KEY, version, None):
            version = cache.get(CONTENT_VERSION_KEY, version)
    _known.version, _known.at = version, time.monotonic()
    return str(version)


def _fallback_version() -> str:
    now = time.monotonic()
    if not _known.version or now - _known.at > FALLBACK_SECONDS:
        _known.version, _known.at = uuid.uuid4().hex, now
    return _known.version


def renew_content_version() -> None:
    """A new content version: every content cache of every worker is stale from now on."""
    version = uuid.uuid4().hex
    _known.version, _known.at = version, time.monotonic()
    caches["default"].set(CONTENT_VERSION_KEY, version, None)


def forget_known_version() -> None:
    """Forget the content version last read (for tests, whose caches start empty)."""
    _known.version, _known.at = "", 0.0
