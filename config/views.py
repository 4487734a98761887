from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """200 only when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
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
