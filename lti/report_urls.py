"""The classes' rosters, beside the reports: under /admin/lti/, behind the admin's login."""

from functools import partial

from django.contrib import admin
from django.urls import path
from django.views.decorators.http import require_http_methods

from lti import views

app_name = "lti_reports"


def _view(func, methods):
    return admin.site.admin_view(require_http_methods(methods)(partial(func, admin.site)))


urlpatterns = [
    path("classes/", _view(views.class_list, ["GET"]), name="classes"),
    path("classes/<int:class_id>/", _view(views.class_roster, ["GET", "POST"]), name="roster"),
]
