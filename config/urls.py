from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from accounts import throttle
from config import views
from config.login_policy import fail_closed, fail_open

# The admin's pages use the full width: the model list is on the index and in the breadcrumbs,
# and the reports' and lists' important columns must not be pushed off-screen at 1280 px.
admin.site.enable_nav_sidebar = False
admin.site.site_header = "Coursework administration"
admin.site.site_title = "Coursework admin"

urlpatterns = [
    # Login throttling (accounts/throttle.py) in front of Django's and the admin's login views,
    # and what it does when the shared cache is down (config/login_policy.py).
    path("accounts/login/", fail_open(throttle.login), name="login"),
    path("admin/login/", fail_closed(throttle.admin_login)),
    path("", include("courses.urls")),
    path("", include("quizzes.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin): no 404 for it.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"))),
]

if settings.BENCH:
    # The benchmark's baseline: the cheapest Django view, no database, no template.
    urlpatterns.append(path("bench/baseline", views.bench_baseline))

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
