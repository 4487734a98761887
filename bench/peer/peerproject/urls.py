from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path


def ping(request):
    """The peer's trivial view, the same as the app's /bench/baseline."""
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [
    path("ping", ping),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("q/", include("quiz.urls")),
]
