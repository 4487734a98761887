"""Login throttling: repeated failed logins are refused for a while, per account and per address.

Both the site's login (/accounts/login/) and the admin's (/admin/login/) go through it. Two
counts, each in a window of LOGIN_LOCKOUT_SECONDS from its first failure:

- per username and client address: after LOGIN_FAILURE_LIMIT failures that pair is locked;
- per client address, over all usernames: after LOGIN_ADDRESS_FAILURE_LIMIT failures (higher,
  since a class behind one school address shares it) every login from that address is locked,
  so one address cannot try a common password on many accounts.

An IPv6 client counts by its /64 network (counted_address), which one subscriber usually holds
whole.

While locked, logins are refused without checking the password, with 429 and a message saying
when to try again. A successful login clears its username's count (not the address's: an
attacker could otherwise clear it by logging in to an account of their own).

The username is counted as authentication will see it: NFKC-normalised like Django's login
form does (so a full-width or otherwise compatible spelling is the same account) and casefolded
(sign-up refuses usernames differing only in case, so they are one account too).

The failure counts live in the "default" cache, which every worker shares (settings.CACHES), so
two workers do not give an attacker twice the tries; a lock, once set, lives in the database,
and so does a count the cache could not keep (below: a full or unreachable cache never opens a
lock). Every read and write goes through the three small functions `read_locks`,
`record_failure` and `clear_counts`.

django-axes was considered: its latest release (8.3.1) declares support up to Django 6.0 and adds
database writes to every login; this small throttle is all that is needed.
"""

import functools
import hashlib
import ipaddress
import logging
import math
import time
import unicodedata
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import caches
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.forms.utils import ErrorDict
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext

from accounts.models import ThrottleCount
from lib.cache import login_account_keys, login_address_keys, rate_key

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's address; behind the proxy, the last one it appended to X-Forwarded-For."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


def counted_address(address: str) -> str:
    """The address as the throttles count it: an IPv6 address by its /64 network (one
    subscriber usually has a whole /64, so single addresses would give unlimited budgets), an
    IPv4-mapped IPv6 address as its IPv4 address, anything else as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def normalised_username(raw: str) -> str:
    """The username as authentication sees it (the login form's NFKC), casefolded."""
    username = AuthenticationForm.base_fields["username"].to_python(raw) or ""
    return unicodedata.normalize("NFKC", username.casefold())


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


# --- the stores: every read and write of the counts and locks ----------------------------------
#
# Failure counts are in the shared cache (one round trip each). A lock, once set, is in the
# database (ThrottleCount), which every worker and server reads: a lock is rare (one per
# LOGIN_FAILURE_LIMIT failures), so writing it costs little, and it holds whatever happens to
# the cache: a Redis full to its maxmemory that refuses writes, a Redis that is down, a cache
# that was flushed. When the cache cannot keep a count (an error, or the Redis cache reporting
# a failed operation), that count is kept in the database instead, so failures are still
# counted and the lock still closes.


def _in_cache(operation):
    """(result, done): `operation(cache)`'s result, and whether the cache really did it."""
    cache = caches["default"]
    failures = getattr(cache, "failures_in_thread", None)
    before = failures() if failures else 0
    try:
        result = operation(cache)
    except Exception:  # any backend's failure (a full disk for the file cache): count elsewhere
        logger.warning("Login throttle: the shared cache failed, counting in the database")
        return None, False
    if failures and failures() != before:
        logger.warning(
            "Login throttle: the shared cache refused a count, counting in the database"
        )
        return result, False
    return result, True


def _now() -> datetime:
    """The throttle's one clock (time.time), for its database rows as for its Retry-After."""
    return datetime.fromtimestamp(time.time(), tz=UTC)


def read_locks(lock_keys: list[str]) -> dict[str, float]:
    """The end time (epoch seconds) of each lock in `lock_keys` that is set."""
    rows = ThrottleCount.objects.filter(key__in=lock_keys, expires_at__gt=_now())
    return {key: until.timestamp() for key, until in rows.values_list("key", "expires_at")}


def _lock(lock_key: str, window: int) -> None:
    ThrottleCount.objects.update_or_create(
        key=lock_key,
        defaults={"count": 0, "expires_at": _now() + timedelta(seconds=window)},
    )


def _count_in_database(failures_key: str, at_least: int, window: int) -> int:
    """Add one failure to the database's count (at least `at_least`, what the cache counted)."""
    now = _now()
    with transaction.atomic():
        ThrottleCount.objects.filter(expires_at__lte=now).delete()
        row, _ = ThrottleCount.objects.select_for_update().get_or_create(
            key=failures_key, defaults={"expires_at": now + timedelta(seconds=window)}
        )
        row.count = max(row.count + 1, at_least)
        row.save(update_fields=["count"])
    return row.count


def record_failure(failures_key: str, lock_key: str, limit: int, window: int) -> None:
    """Count one failure; at `limit` failures within `window` seconds, lock for `window`."""

    def count(cache):
        cache.add(failures_key, 0, window)
        try:
            return cache.incr(failures_key)
        except ValueError:  # expired between add and incr
            cache.set(failures_key, 1, window)
            return 1

    failures, counted = _in_cache(count)
    if not counted:
        # Go on from what the cache counted before it failed, if it can still be read.
        earlier, _ = _in_cache(lambda cache: cache.get(failures_key, 0))
        known = max(failures or 0, (earlier or 0) + 1)
        failures = _count_in_database(failures_key, known, window)
    if failures >= limit:
        _lock(lock_key, window)
        clear_counts([failures_key])


def clear_counts(keys: list[str]) -> None:
    _in_cache(lambda cache: cache.delete_many(keys))
    ThrottleCount.objects.filter(key__in=keys).delete()


# --- the throttle ------------------------------------------------------------------------------


class LoginThrottle:
    def __init__(self, username: str, address: str):
        address = counted_address(address)
        account = _digest(normalised_username(username), address)
        client = _digest(address)
        self.account_keys = login_account_keys(account)
        self.address_keys = login_address_keys(client)

    @classmethod
    def for_request(cls, request):
        return cls(request.POST.get("username", ""), client_address(request))

    def seconds_left(self) -> int:
        """Seconds until the later of the two locks ends, 0 when neither is set."""
        locks = read_locks([self.account_keys[1], self.address_keys[1]])
        now = time.time()
        # To the millisecond first: the database keeps microseconds, and a float's last digit
        # must not add a whole second to Retry-After.
        return max([0, *(math.ceil(round(until - now, 3)) for until in locks.values() if until)])

    def failed(self) -> None:
        window = settings.LOGIN_LOCKOUT_SECONDS
        record_failure(*self.account_keys, settings.LOGIN_FAILURE_LIMIT, window)
        record_failure(*self.address_keys, settings.LOGIN_ADDRESS_FAILURE_LIMIT, window)

    def succeeded(self) -> None:
        clear_counts(list(self.account_keys))


def locked_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed logins. For your security, logging in from here is paused: try again "
        "in %(minutes)d minute, or reset your password.",
        "Too many failed logins. For your security, logging in from here is paused: try again "
        "in %(minutes)d minutes, or reset your password.",
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


# --- password checks outside the login, and the mail-sending forms -------------------------------


def password_check_throttle(request) -> LoginThrottle:
    """The throttle of a password typed again by a signed-in user (the delete-account and
    password-change forms): the same counts as the login of that username from that address,
    so a stolen session cannot guess the password at hashing speed."""
    return LoginThrottle(request.user.get_username(), client_address(request))


def locked_form(form, seconds: int):
    """`form` showing the lock as its error, without checking anything it was sent."""
    form._errors = ErrorDict({NON_FIELD_ERRORS: form.error_class([locked_message(seconds)])})
    form.cleaned_data = {}
    return form


def over_rate(name: str, key: str, limit: int, window: int) -> bool:
    """Count one use of `name` by `key` (an address, an e-mail); True once it is over `limit`
    in `window` seconds. Counted in the shared cache; when that fails, not counted."""
    cache_key = rate_key(name, _digest(counted_address(key)))

    def count(cache):
        cache.add(cache_key, 0, window)
        return cache.incr(cache_key)

    uses, counted = _in_cache(count)
    return bool(counted and uses and uses > limit)


def rate_limited_response(request, template, context, window: int):
    minutes = max(1, math.ceil(window / 60))
    context = {
        **context,
        "rate_limited": f"Too many requests from here. Try again in {minutes} minutes.",
    }
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(window)
    return response
