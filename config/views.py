import sys
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

from config import dbfaults
from config.sharedcache import cache_status


@never_cache
def healthz(request):
    """503 when answers cannot be written now (the database refuses, does not answer, or the
    tables answers write are locked: config.dbfaults.check_database, bounded well under a
    second); 200 otherwise. When the shared cache does not answer, still 200 (pages and
    answers go on from the database, and taking every server out of the load balancer would
    turn a cache outage into a site outage) with the body "degraded: ..." for monitoring to
    alert on (docs/deploy.md)."""
    try:
        dbfaults.check_database()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    if cache_status() != "ok":
        return HttpResponse(
            "degraded: shared cache unavailable, serving from the database\n",
            content_type="text/plain",
        )
    return HttpResponse("ok\n", content_type="text/plain")


def bench_baseline(request):
    """The benchmark's baseline (only routed when settings.BENCH is on): no database, no
    template, through the whole middleware stack like every page."""
    return HttpResponse("ok\n", content_type="text/plain")


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    """The error page. It reads neither the session nor the database (no request context:
    no user, no messages), so it shows no account links at all rather than "Log in".

    A database outage (config.dbfaults.unavailable_error) is a 503 with Retry-After saying the
    service is briefly unavailable and nothing was lost; an htmx request gets only the message
    (static/js/app.js shows it beside the form, which keeps what the learner chose). The
    outage is logged once per worker (config.dbfaults.OUTAGE), so these responses are marked
    as logged and Django does not log a traceback for each of them."""
    error = dbfaults.unavailable_error(sys.exception())
    if error is None:
        return HttpResponse(get_template("500.html").render(), status=500)
    dbfaults.OUTAGE.request_failed(error)
    context = {
        "posted": request.method not in ("GET", "HEAD"),
        "retry_after": dbfaults.RETRY_AFTER_SECONDS,
    }
    htmx = request.headers.get("HX-Request") == "true"
    template = "503.html#unavailable" if htmx else "503.html"
    response = HttpResponse(get_template(template).render(context), status=503)
    response["Retry-After"] = str(dbfaults.RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    response._has_been_logged = True  # type: ignore[attr-defined]  # logged once (django.utils.log)
    return response


# The default expiry of security.txt counts from the start of this server process.
_STARTED = datetime.now(UTC)
SECURITY_TXT_DAYS = 180


def security_txt(request):
    """/.well-known/security.txt (RFC 9116): the contact for vulnerability reports
    (settings.SECURITY_CONTACT) and the file's expiry. 404 when no contact is configured."""
    contact = settings.SECURITY_CONTACT
    if not contact:
        raise Http404("No security contact is configured.")
    if settings.SECURITY_TXT_EXPIRES:
        expires = datetime.fromisoformat(settings.SECURITY_TXT_EXPIRES)
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
    else:
        expires = _STARTED + timedelta(days=SECURITY_TXT_DAYS)
    canonical = request.build_absolute_uri("/.well-known/security.txt")
    body = (
        f"Contact: {contact}\n"
        f"Expires: {expires.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}\n"
        f"Canonical: {canonical}\n"
        "Preferred-Languages: en\n"
    )
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
