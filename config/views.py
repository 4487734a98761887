from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.cache import never_cache

from config.sharedcache import cache_status


@never_cache
def healthz(request):
    """503 when the database does not answer; 200 otherwise. When the shared cache does not
    answer, still 200 (pages and answers go on from the database, and taking every server out
    of the load balancer would turn a cache outage into a site outage) with the body
    "degraded: ..." for monitoring to alert on (docs/deploy.md)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
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
    # No context processors that might touch the database again: render the plain template.
    return HttpResponse(get_template("500.html").render(), status=500)


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
