"""The site's URLs, in one place.

Each namespace is a part of the site as the learner sees it (`courses:` the catalogue, course
home and lessons; `quizzes:` taking a quiz; `progress:` the learner's progress, certificate and
practice; `reports:` the instructors' reports under /admin/reports/). A namespace does not name
an app: every page a learner sees is served by the front app (front/views/), whatever its
namespace (docs/architecture.md).
"""

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from accounts import throttle
from accounts import views as account_views
from config import views
from config.login_policy import counted_in_database, fail_closed
from front.views import courses as course_views
from front.views import progress as progress_views
from front.views import quiz as quiz_views

# The admin's pages use the full width: the model list is on the index and in the breadcrumbs,
# and the reports' and lists' important columns must not be pushed off-screen at 1280 px.
admin.site.enable_nav_sidebar = False
admin.site.site_header = "Coursework administration"
admin.site.site_title = "Coursework admin"

course_urls = [
    path("", course_views.catalogue, name="catalogue"),
    path("courses/<slug:slug>/", course_views.course_home, name="course"),
    path(
        "courses/<slug:slug>/lessons/<slug:lesson_slug>/", course_views.lesson_page, name="lesson"
    ),
    path(
        "courses/<slug:slug>/lessons/<slug:lesson_slug>/complete",
        course_views.mark_complete,
        name="complete",
    ),
]

_quiz = "courses/<slug:course_slug>/quizzes/<slug:quiz_slug>/"
_attempt = _quiz + "attempts/<int:attempt_id>/"
quiz_urls = [
    path(_quiz, quiz_views.quiz_page, name="quiz"),
    path(_quiz + "start", quiz_views.start, name="start"),
    path(_attempt + "q/<int:slot>/", quiz_views.question_page, name="question"),
    path(_attempt + "q/<int:slot>/answer", quiz_views.answer, name="answer"),
    path(_attempt + "finish", quiz_views.finish, name="finish"),
    path(_attempt + "summary/", quiz_views.summary, name="summary"),
]

progress_urls = [
    path("courses/<slug:slug>/progress/", progress_views.progress, name="progress"),
    path(
        "courses/<slug:slug>/progress/<slug:objective_key>/",
        progress_views.evidence,
        name="evidence",
    ),
    path("courses/<slug:slug>/certificate/", progress_views.certificate, name="certificate"),
    path(
        "courses/<slug:slug>/practice/<slug:objective_key>/",
        progress_views.practice_objective,
        name="practice",
    ),
    path(
        "courses/<slug:slug>/practice-weakest",
        progress_views.practice_weakest,
        name="practice_weakest",
    ),
    path("practice/<int:pk>/next", progress_views.practice_next, name="practice_next"),
]

urlpatterns = [
    # Login throttling (accounts/throttle.py) in front of Django's and the admin's login views,
    # and what it does when the shared cache is down (config/login_policy.py).
    path("accounts/login/", counted_in_database(throttle.login), name="login"),
    path("admin/login/", fail_closed(throttle.admin_login)),
    path("", include((course_urls, "courses"))),
    path("", include((quiz_urls, "quizzes"))),
    path("", include((progress_urls, "progress"))),
    path("accounts/", include("accounts.urls")),
    # Before Django's auth URLs: the password change on the user's fresh row, throttled.
    path("accounts/password_change/", account_views.password_change, name="password_change"),
    path("accounts/password_reset/", account_views.password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/reports/", include("reports.urls")),
    path("admin/interchange/", include("interchange.urls")),
    path("admin/lti/", include("lti.report_urls")),
    path("lti/", include("lti.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin): no 404 for it.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"))),
]

if settings.BENCH:
    # The benchmark's baseline: the cheapest Django view, no database, no template.
    urlpatterns.append(path("bench/baseline", views.bench_baseline))

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
