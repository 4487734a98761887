from django.http import HttpResponse
from django.urls import path


def baseline(request):
    """The same trivial view as the app's /bench/baseline."""
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [path("bench/baseline", baseline)]
