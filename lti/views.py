"""The tool's LTI endpoints: key set, OIDC login, launch, deep linking, and the class roster.

Login and launch are cross-site requests from the platform (inside its frame): they carry no
CSRF token, the signed id_token is their proof. Every refusal is a 4xx page that says why.
"""

import logging
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import Course
from lti import launch as launching
from lti import roster
from lti.frames import SESSION_KEY, all_origins, for_frames, frame_policy, mark_session
from lti.models import LtiClass, Platform, taught_classes
from progress.scope import sees_every_learner
from reports.views import REPORT_PERMISSIONS

logger = logging.getLogger(__name__)

COOKIE_CHECK = "lti_cookie_check"
DEEP_LINK_SESSION_KEY = "lti_deep_link"


# The protocol library (pylti1p3, and with it requests and the JWT and crypto libraries, about
# 14 MB a worker) is imported by the LTI views when they first run, not at startup: a worker
# that never serves an LTI request never loads it (tests/test_lti_lazy.py).
def lti_errors():
    """What a bad login or launch raises: the library's errors, and the checks' own
    (AssertionError: pylti1p3 checks some of its inputs with assert)."""
    from pylti1p3.exception import LtiException, OIDCException

    return (LtiException, OIDCException, KeyError, TypeError, ValueError, AssertionError)


def _framed(response, origins):
    """Let `origins` frame this response (CSP frame-ancestors), and nothing else change."""
    response._csp_config = frame_policy(origins)
    response.xframe_options_exempt = True
    return response


def refused(request, message, *, status=403, origins=None):
    """A launch refused: a page that says why, framed by the platforms (it shows in the LMS)."""
    response = TemplateResponse(request, "lti/refused.html", {"message": message}, status=status)
    return _framed(response, all_origins() if origins is None else origins)


@require_GET
def jwks(request):
    """The tool's public keys (JSON Web Key Set): the platform checks our signatures with it."""
    from lti.protocol import ToolConf

    response = JsonResponse(ToolConf().get_jwks())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def login(request):
    """Third-party initiated login: check the platform, check cookies work in this frame, then
    send the browser to the platform's OIDC endpoint with a fresh state and nonce."""
    from lti.protocol import ToolConf, oidc_login

    params = (request.GET if request.method == "GET" else request.POST).dict()
    platform = ToolConf().platform(params.get("iss"), params.get("client_id"))
    if platform is None:
        return refused(
            request,
            "This learning platform is not registered with this site (its issuer and "
            "client id are unknown here). An administrator registers it first: see the "
            "LTI page of the documentation.",
            status=400,
        )
    origins = platform.origins()
    if not params.get("login_hint"):
        return refused(request, "The platform sent no login hint.", status=400, origins=origins)
    params.pop("cookie_check", None)
    new_window = bool(params.get("lti1p3_new_window"))
    if not new_window and COOKIE_CHECK not in request.COOKIES:
        if request.GET.get("cookie_check"):
            # The cookie set one step ago did not come back: this browser blocks cookies in
            # a frame from another site. A new window (first-party) works.
            url = reverse("lti:login") + "?" + urlencode({**params, "lti1p3_new_window": "1"})
            blocked = TemplateResponse(request, "lti/cookies_blocked.html", {"url": url})
            return _framed(blocked, origins)
        response: HttpResponse = HttpResponseRedirect(
            reverse("lti:login") + "?" + urlencode({**params, "cookie_check": "1"})
        )
        response.set_cookie(COOKIE_CHECK, "1", max_age=120, httponly=True)
        for_frames(response.cookies[COOKIE_CHECK])
        return _framed(response, origins)
    try:
        response = oidc_login(request).redirect(request.build_absolute_uri(reverse("lti:launch")))
    except lti_errors() as error:
        return refused(request, f"The login could not start: {error}", status=400, origins=origins)
    return _framed(response, origins)


@csrf_exempt
@require_POST
def launch(request):
    """The platform's signed launch (an OIDC form post): check it, then sign the person in."""
    from pylti1p3.exception import LtiException

    from lti.protocol import ToolConf, message_launch

    message = message_launch(request)
    try:
        body = message.get_launch_data()
        platform = ToolConf().platform(body["iss"], message.get_client_id())
        if platform is None:
            raise LtiException("the platform is no longer registered")
        roles = launching.Roles.of(message)
        deep_linking = message.is_deep_link_launch()
        resource = message.is_resource_launch()
        launch_id = message.get_launch_id()
    except lti_errors() as error:
        logger.info("LTI launch refused: %s", error)
        return refused(request, f"This launch could not be checked: {error}")
    origins = platform.origins()
    if not (roles.instructor or roles.learner):
        return refused(
            request,
            "Your role in this course is not one this tool serves: it needs Learner, "
            "Instructor or Teaching Assistant.",
            origins=origins,
        )
    if deep_linking and not roles.instructor:
        return refused(
            request, "Only instructors can add content from this tool.", origins=origins
        )
    if not (deep_linking or resource):
        return refused(request, "This kind of LTI message is not supported.", status=400)
    try:
        user, target, lti_class = launching.accept(platform, dict(body), roles)
    except launching.LaunchRefused as error:
        return refused(request, str(error), origins=origins)
    auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    mark_session(request, origins, lti_class)
    if deep_linking:
        request.session[DEEP_LINK_SESSION_KEY] = launch_id
        response = redirect("lti:deep_link", launch_id=launch_id)
    else:
        response = redirect(target.url() if target else reverse("courses:catalogue"))
    return _framed(response, origins)


def _deep_link_launch(request, launch_id):
    if (
        not request.user.is_authenticated
        or request.session.get(DEEP_LINK_SESSION_KEY) != launch_id
        or SESSION_KEY not in request.session
    ):
        raise PermissionDenied("This content selection belongs to another launch.")
    from lti.protocol import restored_launch

    try:
        return restored_launch(request, launch_id)
    except lti_errors() as error:
        raise PermissionDenied(f"This content selection has expired: {error}") from None


def _choices():
    """(value, course, quiz or None) for every published course and its objective quizzes."""
    courses = Course.objects.published().order_by("position", "title").prefetch_related("quizzes")
    for course in courses:
        yield launching.Target(course).param(), course, None
        for quiz in course.quizzes.all():
            yield launching.Target(course, quiz=quiz).param(), course, quiz


@require_http_methods(["GET", "POST"])
def deep_link(request, launch_id):
    """The instructor picks what to add to their LMS; the answer is a signed deep-linking
    response, one resource link per pick, each quiz with a line item (graded)."""
    message = _deep_link_launch(request, launch_id)
    settings_claim = message.get_launch_data().get(
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings", {}
    )
    multiple = str(settings_claim.get("accept_multiple", "true")).lower() != "false"
    choices = list(_choices())
    error = ""
    if request.method == "POST":
        picked = request.POST.getlist("pick")
        known = {value: (course, quiz) for value, course, quiz in choices}
        if not picked or any(value not in known for value in picked):
            error = "Choose at least one course or quiz from the list."
        elif len(picked) > 1 and not multiple:
            error = "Your platform accepts one item at a time here: choose one."
        else:
            return _deep_link_response(request, message, [known[value] for value in picked])
    response = TemplateResponse(
        request,
        "lti/deep_link.html",
        {"choices": choices, "multiple": multiple, "error": error},
        status=400 if error else 200,
    )
    return response


def _deep_link_response(request, message, picks):
    from pylti1p3.deep_link_resource import DeepLinkResource
    from pylti1p3.lineitem import LineItem

    launch_url = request.build_absolute_uri(reverse("lti:launch"))
    resources = []
    for course, quiz in picks:
        target = launching.Target(course, quiz=quiz)
        title = f"{course.title}: {quiz.title}" if quiz else course.title
        resource = (
            DeepLinkResource()
            .set_url(launch_url)
            .set_title(title)
            .set_custom_params({launching.TARGET_PARAM: target.param()})
        )
        if quiz is not None:
            resource.set_lineitem(
                LineItem().set_tag(target.param()).set_score_maximum(100).set_label(title)
            )
        resources.append(resource)
    deep_link = message.get_deep_link()
    return_url = message.get_launch_data()[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    ]["deep_link_return_url"]
    token = deep_link.get_response_jwt(resources)
    request.session.pop(DEEP_LINK_SESSION_KEY, None)
    response = TemplateResponse(
        request,
        "lti/deep_link_return.html",
        {"return_url": return_url, "jwt": token, "titles": [r.get_title() for r in resources]},
    )
    parts = urlsplit(return_url)
    lti_session = request.session.get(SESSION_KEY) or {}
    # The deep-linking return may post only to this platform (Django's CSP middleware reads
    # a response's own policy from _csp_config, as its csp_override decorator sets it).
    response._csp_config = {  # type: ignore[attr-defined]
        **frame_policy(lti_session.get("origins", [])),
        "form-action": [CSP.SELF, f"{parts.scheme}://{parts.netloc}"],
    }
    response.xframe_options_exempt = True
    return response


def _check_instructor(request):
    if not request.user.has_perms(REPORT_PERMISSIONS):
        raise PermissionDenied("You may not view learners' results.")


def _classes_of(request):
    """Every class for a user who sees every learner; a class instructor's own classes."""
    if sees_every_learner(request.user):
        return LtiClass.objects.all()
    return taught_classes(request.user)


def class_roster(admin_site, request, class_id):
    """A class's roster: who has started, who has not; POST loads it again from the platform
    (Names and Roles Provisioning Service)."""
    _check_instructor(request)
    lti_class = get_object_or_404(_classes_of(request).select_related("platform"), pk=class_id)
    problem = ""
    if request.method == "POST":
        try:
            roster.load(lti_class)
        except roster.RosterUnavailable as error:
            problem = str(error)
        else:
            return redirect("lti_reports:roster", class_id=lti_class.pk)
    context = {
        **admin_site.each_context(request),
        "title": f"Class roster: {lti_class}",
        "lti_class": lti_class,
        "rows": roster.standing(lti_class),
        "problem": problem,
    }
    return TemplateResponse(
        request, "admin/lti/roster.html", context, status=502 if problem else 200
    )


def class_list(admin_site, request):
    _check_instructor(request)
    classes = _classes_of(request).select_related("platform").order_by("title", "pk")
    context = {
        **admin_site.each_context(request),
        "title": "Classes from learning platforms",
        "classes": classes,
        "platforms": Platform.objects.all(),
    }
    return TemplateResponse(request, "admin/lti/classes.html", context)
