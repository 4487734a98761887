"""The instructors' reports, under /admin/reports/ behind the admin's login and staff check."""

from django.contrib import admin

from reports import views

app_name = "reports"
urlpatterns = views.urls(admin.site)
