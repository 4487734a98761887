"""Inside the platform's frame: which pages may be framed, by whom, and cookies that work there.

The site's policy stays `frame-ancestors 'none'` (and X-Frame-Options: DENY) everywhere. A
session that began with an LTI launch carries the launching platform's origins; every page
served to it may be framed by those origins only (CSP `frame-ancestors`, no X-Frame-Options),
and its session and CSRF cookies are sent as `SameSite=None; Secure; Partitioned`, which a
browser needs to keep and send them inside a frame from another site. Nothing changes for
anyone else.
"""

from http.cookies import Morsel

from django.conf import settings
from django.utils.csp import CSP

from lti.models import Platform

SESSION_KEY = "lti"

# Cookies Having Independent Partitioned State (CHIPS): a cookie marked `Partitioned` is kept
# per top-level site, so a browser that blocks third-party cookies (Chrome's incognito and
# third-party-cookie settings) still keeps it inside the platform's frame, for that platform
# only. Python 3.14's http.cookies knows the attribute; before it, it is taught here the way
# it learnt SameSite (a flag attribute, written as "; Partitioned").
if "partitioned" not in Morsel._reserved:  # type: ignore[attr-defined]
    Morsel._reserved["partitioned"] = "Partitioned"  # type: ignore[attr-defined]
    Morsel._flags.add("partitioned")  # type: ignore[attr-defined]


def for_frames(morsel) -> None:
    """Make a cookie go with requests inside a frame of another site."""
    morsel["samesite"] = "None"
    morsel["secure"] = True
    morsel["partitioned"] = True


def frame_policy(origins) -> dict:
    """The site's CSP with `frame-ancestors` listing `origins` (or 'none' if there are none)."""
    return {**settings.SECURE_CSP, "frame-ancestors": list(origins) or [CSP.NONE]}


def all_origins() -> list[str]:
    """Every active platform's origins (a refusal page may show in any of them)."""
    found: set[str] = set()
    for platform in Platform.objects.active():
        found.update(platform.origins())
    return sorted(found)


def mark_session(request, origins, lti_class) -> None:
    """Call after login(): this session's pages may be framed by `origins`."""
    request.session[SESSION_KEY] = {
        "origins": list(origins),
        "class": lti_class.pk if lti_class is not None else None,
    }


class LtiFrameMiddleware:
    """Between ResponseHeadersMiddleware (outside: it writes the CSP and X-Frame-Options this
    sets up) and SessionMiddleware (inside: the cookies it sets are adjusted here)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.cookie_names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.session_key:
            return response
        marks = session.get(SESSION_KEY)
        if not marks:
            return response
        if not hasattr(response, "_csp_config"):
            response._csp_config = frame_policy(marks.get("origins", []))
            response.xframe_options_exempt = True
        for name in self.cookie_names:
            morsel = response.cookies.get(name)
            if morsel is not None and morsel.value:
                for_frames(morsel)
        return response
