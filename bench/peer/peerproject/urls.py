from django.conf.urls import include, url
from django.contrib.auth.views import login
from django.http import HttpResponse


def ping(request):
    """The peer's trivial view, the same as the app's /bench/baseline."""
    return HttpResponse("ok\n", content_type="text/plain")


# Django 1.8: url() patterns and the function view login (LoginView came in 1.11).
urlpatterns = [
    url(r"^ping$", ping),
    url(r"^accounts/login/$", login, name="login"),
    url(r"^q/", include("quiz.urls")),
]
