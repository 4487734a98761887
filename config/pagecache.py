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

Every key includes the content version (lib.cache.content_version), renewed after any
transaction that saved course content (quizzes/content_cache.py follows the content rows for
every content cache), so all workers stop serving a page within a second of a change; and the
code version, so a page is never served by a worker running other code. Signed-in visitors and
htmx requests never read or fill this cache.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from lib.cache import anon_page_key, content_version

CACHED_VIEWS = frozenset({"courses:catalogue", "courses:course", "courses:lesson"})


# The content version is read from the shared cache at most this often by each worker: a file
# read saved on most requests, for at most this delay before other workers see a renewal (this
# worker sees its own at once).
VERSION_MEMO_SECONDS = 1.0


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
    return anon_page_key(
        content_version(max_age=VERSION_MEMO_SECONDS),
        f"{request.scheme}://{request.get_host()}{request.path}",
    )


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
