"""One middleware for what every response carries and every request is given, in one pass.

It stands where Django's ContentSecurityPolicyMiddleware, XFrameOptionsMiddleware and
django-htmx's HtmxMiddleware stood (bench/middleware_cost.py measured those three at about
18 us of a 106 us trivial request; each layer of the stack costs a call and, for Django's
MiddlewareMixin classes, a process_request/process_response round):

- `request.htmx`, as HtmxMiddleware sets it (django_htmx.middleware.HtmxDetails);
- the Content-Security-Policy header from settings.SECURE_CSP (and the report-only one from
  SECURE_CSP_REPORT_ONLY). The policy has no nonce (no inline script or style is allowed at
  all), so the header's text is built once per policy instead of on every response. A view's
  own policy (Django's `csp_override` decorators set `response._csp_config`) is honoured, and
  a header the view set itself is left alone, as Django's middleware does;
- X-Frame-Options from settings.X_FRAME_OPTIONS unless the response has one or is
  `@xframe_options_exempt`, as XFrameOptionsMiddleware does;
- `Cache-Control: private, no-store` on every page served to a signed-in user (unless the view
  set its own Cache-Control), so neither a shared cache nor the browser's back button or
  back-forward cache shows a learner's pages after logout on a shared computer. Anonymous
  pages (the cached course and lesson pages) are not affected.
"""

from django.conf import settings
from django.utils.csp import CSP, build_policy
from django.utils.functional import SimpleLazyObject
from django_htmx.middleware import HtmxDetails

_SENTINEL = object()
# The header names as plain strings: CSP's members are a StrEnum, and a WSGI server may insist
# on exactly str (wsgiref asserts it).
_ENFORCE, _REPORT_ONLY = str(CSP.HEADER_ENFORCE), str(CSP.HEADER_REPORT_ONLY)


class ResponseHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._built = {}  # id(config dict): (config, header text)

    def _policy(self, config):
        built = self._built.get(id(config))
        if built is None or built[0] is not config:  # a dict freed and its id reused
            built = (config, build_policy(config))
            self._built[id(config)] = built
        return built[1]

    def __call__(self, request):
        request.htmx = HtmxDetails(request)
        response = self.get_response(request)
        headers = response.headers
        for header, attribute, setting in (
            (_ENFORCE, "_csp_config", settings.SECURE_CSP),
            (_REPORT_ONLY, "_csp_ro_config", settings.SECURE_CSP_REPORT_ONLY),
        ):
            config = getattr(response, attribute, _SENTINEL)
            if config is _SENTINEL:
                config = setting
            if config and header not in headers:
                headers[header] = self._policy(config)
        if "X-Frame-Options" not in headers and not getattr(
            response, "xframe_options_exempt", False
        ):
            headers["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
        if "Cache-Control" not in headers and _signed_in(request):
            headers["Cache-Control"] = "private, no-store"
        return response


def _signed_in(request):
    """Whether the response goes to a signed-in user, without loading a session the request
    does not have. A request without a session cookie is signed in only if this request
    signed the user in, and login() then put the user itself on the request in place of
    AuthenticationMiddleware's lazy one; so a lazy user there is an anonymous one, and the
    session store is not asked (on a trivial anonymous request that read was the largest
    cost of this middleware)."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    if type(user) is SimpleLazyObject and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return user.is_authenticated
