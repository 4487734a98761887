"""The bank export under /admin/interchange/, behind the admin's login and staff check."""

from django.contrib import admin

from interchange import views

app_name = "interchange"
urlpatterns = views.urls(admin.site)
