"""Anonymous course pages served from a cache, without touching the session or the database.

The catalogue, a course home and a lesson page look the same to every visitor who is not signed
in. A request counts as anonymous here when it carries neither the session cookie nor the
messages cookie (so it can have no user and no messages). For such a GET the middleware

- sets `request.user` to AnonymousUser without reading the session, so SessionMiddleware does
  not add `Vary: Cookie` and the page can be shared by every anonymous visitor;
- serves the page from the per-worker "pages" cache, or renders it and keeps the 200 response
  for settings.ANON_PAGE_CACHE_SECONDS (only when it sets no cookie and varies on none, which
  rules out a page that used a CSRF token);
- marks the response `Cache-Control: private, no-cache` so that no shared proxy cache stores
  this anonymous version and hands it to a signed-in visitor.

Every key includes a content version kept in the shared "default" cache and renewed after any
transaction that saved course content (a re-import sets `Course.imported_at`, an admin edit
saves a lesson or a quiz...), so all workers stop serving a page within a second of a change.
Signed-in visitors and htmx requests never read or fill this cache.
"""

import hashlib
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

CACHED_VIEWS = frozenset({"courses:catalogue", "courses:course", "courses:lesson"})
# What an anonymous course page shows; saving or deleting any of these renews the version.
CONTENT_MODELS = (
    "courses.Course",
    "courses.Objective",
    "courses.Lesson",
    "quizzes.Quiz",
    "quizzes.Question",
    "quizzes.QuestionVersion",
)
VERSION_KEY = "content-version"


# The version read from the shared cache is remembered for this long in each worker: a file
# read saved on most requests, for at most this delay before other workers see a renewal.
VERSION_MEMO_SECONDS = 1.0
_memo: dict[str, Any] = {"version": None, "until": 0.0}


def content_version() -> str:
    """The current content version, shared by every worker (created on first use)."""
    now = time.monotonic()
    if _memo["until"] > now:
        return _memo["version"]
    cache = caches["default"]
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY, version)
    _memo.update(version=version, until=now + VERSION_MEMO_SECONDS)
    return version


def renew_content_version() -> None:
    """Make every cached anonymous page stale: in this worker at once, in the others within
    VERSION_MEMO_SECONDS."""
    _memo.update(version=None, until=0.0)
    caches["default"].set(VERSION_KEY, uuid.uuid4().hex, None)


def content_changed(sender, using=None, **kwargs):
    """Signal receiver: renew the version once the saving transaction commits.

    Only after the commit: a page rendered from the old rows while the transaction was open is
    stored under the old version, which nobody reads any more; after a rollback nothing
    changes. (An import renews it once per row saved: a small file write each, rare enough.)
    """
    transaction.on_commit(renew_content_version, using=using)


def connect_signals():
    for model in CONTENT_MODELS:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pagecache-del-{model}")
    m2m_changed.connect(
        content_changed,
        sender="courses.Lesson_objectives",
        dispatch_uid="pagecache-m2m-lesson-objectives",
    )


def _is_anonymous_page_request(request) -> bool:
    return (
        settings.ANON_PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and request.resolver_match is not None
        and request.resolver_match.view_name in CACHED_VIEWS
        and not request.META.get("QUERY_STRING")
        and "HX-Request" not in request.headers
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def _page_key(request) -> str:
    url = f"{request.scheme}://{request.get_host()}{request.path}"
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"anon-page:{content_version()}:{digest}"


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "cookie" not in response.get("Vary", "").lower()
    )


async def _anonymous_auser():
    return AnonymousUser()


class AnonymousPageCacheMiddleware:
    """Last in MIDDLEWARE: a cache hit skips only the view; outer middleware still adds the
    security headers, the Content-Security-Policy and X-Frame-Options."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_anon_page_key", None)
        if key is not None and _storable(response):
            patch_cache_control(response, private=True, no_cache=True)
            frozen = (response.content, list(response.items()))
            caches["pages"].set(key, frozen, settings.ANON_PAGE_CACHE_SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _is_anonymous_page_request(request):
            return None
        # No session cookie: nobody is signed in. Say so without reading the session.
        request.user = AnonymousUser()
        request.auser = _anonymous_auser
        key = _page_key(request)
        frozen = caches["pages"].get(key)
        if frozen is None:
            request._anon_page_key = key
            return None
        content, headers = frozen
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        return response
