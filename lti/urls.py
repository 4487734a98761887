"""The tool's LTI endpoints under /lti/ (the URLs an LMS administrator pastes, docs/lti.md)."""

from django.urls import path

from lti import views

app_name = "lti"
urlpatterns = [
    path("jwks.json", views.jwks, name="jwks"),
    path("login", views.login, name="login"),
    path("launch", views.launch, name="launch"),
    path("deep-link/<str:launch_id>/", views.deep_link, name="deep_link"),
]
