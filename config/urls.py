from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("", include("courses.urls")),
    path("", include("quizzes.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
