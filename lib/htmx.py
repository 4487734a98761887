"""Redirects that work with and without htmx, written once.

A form posted with htmx (`hx-post`) gets its response swapped into the page, so a plain 302
would swap the next page into the form. These answer a plain request with a redirect and an
htmx request with the header that tells htmx what to do instead (django-htmx's responses).
`request.htmx` is set by the middleware (config/middleware.py, as django-htmx's does).
"""

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect as plain_redirect
from django_htmx.http import HttpResponseClientRedirect, HttpResponseLocation


def redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect a plain request; tell htmx to load the page instead of swapping it in."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return plain_redirect(url)


def login_redirect(request: HttpRequest, next_url: str) -> HttpResponse:
    """To the login page, then back to `next_url`: a whole-page load for htmx too."""
    return redirect(request, redirect_to_login(next_url).url)


def swap_main(request: HttpRequest, url: str) -> HttpResponse:
    """On to the page at `url`: with htmx its main content (#main) is fetched and swapped in
    and the URL pushed, without reloading the page and its assets; a plain redirect without."""
    if not getattr(request, "htmx", False):
        return plain_redirect(url)
    # htmx takes modifiers after the swap style (scroll to the top); django-htmx's type
    # lists the bare styles only.
    swap: Any = "outerHTML show:window:top"
    return HttpResponseLocation(url, target="#main", select="#main", swap=swap)
