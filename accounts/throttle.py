"""Login throttling: repeated failed logins for one username from one address lock it for a while.

Both the site's login (/accounts/login/) and the admin's (/admin/login/) go through it.

After settings.LOGIN_FAILURE_LIMIT failures (within LOGIN_LOCKOUT_SECONDS of the first) for the
same username from the same address, further logins for that pair are refused without checking
the password, with 429 and a message saying when to try again, until LOGIN_LOCKOUT_SECONDS
have passed. A successful login clears the count. The counts live in the "default" cache, which
every worker shares (settings.CACHES), so two workers do not give an attacker twice the tries.

django-axes was considered: its latest release (8.3.1) declares support up to Django 6.0 and adds
database writes to every login; this small throttle is all the issue asks for.
"""

import functools
import hashlib
import math
import time

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import caches
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext


def client_address(request) -> str:
    """The client's address; behind the proxy, the last one it appended to X-Forwarded-For."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


class LoginThrottle:
    def __init__(self, username: str, address: str):
        digest = hashlib.sha256(f"{username.strip().lower()}|{address}".encode()).hexdigest()
        self.failures_key = f"login-failures:{digest}"
        self.lock_key = f"login-locked:{digest}"
        self.cache = caches["default"]

    @classmethod
    def for_request(cls, request):
        return cls(request.POST.get("username", ""), client_address(request))

    def seconds_left(self) -> int:
        """Seconds until the lock ends, 0 when not locked."""
        until = self.cache.get(self.lock_key)
        return max(0, math.ceil(until - time.time())) if until else 0

    def failed(self) -> None:
        window = settings.LOGIN_LOCKOUT_SECONDS
        self.cache.add(self.failures_key, 0, window)
        try:
            failures = self.cache.incr(self.failures_key)
        except ValueError:  # expired between add and incr
            self.cache.set(self.failures_key, 1, window)
            failures = 1
        if failures >= settings.LOGIN_FAILURE_LIMIT:
            self.cache.set(self.lock_key, time.time() + window, window)
            self.cache.delete(self.failures_key)

    def succeeded(self) -> None:
        self.cache.delete_many([self.failures_key, self.lock_key])


def locked_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed logins. For your security, logging in to this account from here is "
        "paused: try again in %(minutes)d minute, or reset your password.",
        "Too many failed logins. For your security, logging in to this account from here is "
        "paused: try again in %(minutes)d minutes, or reset your password.",
        minutes,
    ) % {"minutes": minutes}


def throttle_logins(login_view):
    """Wrap a login view (the site's or the admin's): count failures, refuse when locked."""

    @functools.wraps(login_view)
    def view(request, *args, **kwargs):
        if request.method != "POST":
            return login_view(request, *args, **kwargs)
        throttle = LoginThrottle.for_request(request)
        seconds = throttle.seconds_left()
        if seconds:
            return locked_response(request, seconds)
        response = login_view(request, *args, **kwargs)
        if response.status_code == 302 and request.user.is_authenticated:
            throttle.succeeded()
            return response
        throttle.failed()
        seconds = throttle.seconds_left()
        return locked_response(request, seconds) if seconds else response

    return view


class LockedLoginForm(AuthenticationForm):
    """The login form, unbound (nothing is checked), showing why the login is refused."""

    def __init__(self, request, *, message, **kwargs):
        super().__init__(request, **kwargs)
        self.locked_message = message

    def non_field_errors(self):
        return self.error_class([self.locked_message], error_class="nonfield")


def locked_response(request, seconds):
    """The login page with the reason, 429 and Retry-After; the password is not checked."""
    form = LockedLoginForm(
        request,
        message=locked_message(seconds),
        initial={"username": request.POST.get("username")},
    )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    context = {"form": form, "next": next_url}
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


login = throttle_logins(auth_views.LoginView.as_view())
admin_login = throttle_logins(admin.site.login)
