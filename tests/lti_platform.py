"""A real LTI 1.3 platform for the tests: `lti1p3platform` (a Python platform implementation)
served over HTTP by a WSGI server in a thread of the test process.

It has its own origin (http://127.0.0.1:PORT, while the tool's live server is on
http://localhost:PORT: another site), so its course page frames the tool cross-site, as an LMS
does. The protocol is the package's: the OIDC login initiation and the signed launch
(`OIDCLoginAbstract`, `LTIAdvantageMessageLaunchAbstract`), the access token
(`get_access_token`, which checks the tool's signed assertion against the tool's key set over
HTTP), bearer-token checks on the services (`validate_token`) and the deep-linking response
(`validate_deeplinking_resp`, against the tool's key set). This module adds only the HTTP
plumbing and what a gradebook keeps: line items and the scores received.

`fail_scores` makes the score endpoint answer 503 that many times (an outage).
"""

import html
import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request

CLIENT_ID = "coursework-tool"
DEPLOYMENT_ID = "deployment-1"
CONTEXT_ID = "course-101"
ROLES = {
    "learner": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    "instructor": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
    "ta": ["http://purl.imsglobal.org/vocab/lis/v2/membership#TeachingAssistant"],
    "observer": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"],
}
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    SCORE_SCOPE,
]


def rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class DictRequest(Request):
    def build_metadata(self, request):
        return request


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs):
        return self._registration


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


@dataclass
class Message:
    """What the platform will launch for one login hint."""

    user: str
    role: str
    name: str
    kind: str = "resource"  # or "deep"
    resource_link: str = "link-1"
    target: str = ""
    lineitem: str | None = None
    context_id: str = CONTEXT_ID


@dataclass
class Score:
    lineitem: str
    user: str
    given: float
    maximum: float
    timestamp: str


@dataclass
class Gradebook:
    lineitems: dict[str, dict] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)
    fail_scores: int = 0
    refused: int = 0


class LmsPlatform:
    """Start with `start(tool_base_url)`; stop with `stop()`."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.private_key, self.public_key = rsa_pair()
        self.messages: dict[str, Message] = {}
        self.gradebook = Gradebook()
        self.members: list[dict] = []
        self.deep_link_items: list[dict] = []
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server: WSGIServer | None = None
        self.tool = ""
        # The tool's key set as the platform knows it: fetched from the tool's JWKS URL over
        # HTTP, unless a test without a live server hands it over (`tool_jwks`).
        self.tool_jwks: dict | None = None

    # The platform's addresses.
    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://{self.host}:{self.server.server_port}"

    @property
    def issuer(self) -> str:
        return self.url

    def registration(self) -> Registration:
        return (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT_ID)
            .set_oidc_login_url(f"{self.tool}/lti/login")
            .set_launch_url(f"{self.tool}/lti/launch")
            .set_deeplink_launch_url(f"{self.tool}/lti/launch")
            .set_platform_public_key(self.public_key)
            .set_platform_private_key(self.private_key)
            .set_tool_key_set_url(f"{self.tool}/lti/jwks.json")
        )

    def conf(self) -> PlatformConf:
        registration = self.registration()
        if self.tool_jwks is not None:
            registration.set_tool_key_set(self.tool_jwks)
        return PlatformConf(registration=registration)

    def register_in_tool(self, **changes):
        """Register this platform in the tool's database (as the admin or the command does)."""
        from lti.models import Deployment, Platform

        fields = {
            "name": "Test LMS",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "oidc_login_url": f"{self.url}/auth",
            "token_url": f"{self.url}/token",
            "key_set_url": f"{self.url}/jwks",
            **changes,
        }
        platform = Platform.objects.create(**fields)
        Deployment.objects.create(platform=platform, deployment_id=DEPLOYMENT_ID)
        return platform

    def add_lineitem(self, label: str) -> str:
        lineitem_id = f"{self.url}/lineitems/{next(self._ids)}"
        self.gradebook.lineitems[lineitem_id] = {"label": label, "scoreMaximum": 100}
        return lineitem_id

    def login_url(self, message: Message) -> str:
        """The start of a launch: the platform's redirect to the tool's login initiation."""
        hint = uuid.uuid4().hex
        self.messages[hint] = message
        login = Login(None, self.conf())
        login.set_lti_message_hint(hint=hint)
        if message.kind == "deep":
            login.set_deeplinking_launch_url()
        return login.initiate_login(message.user)

    def id_token_for(self, params: dict[str, str]) -> dict[str, str]:
        """The platform's answer to the tool's OIDC auth request: {id_token, state, url}."""
        message = self.messages[params["lti_message_hint"]]
        launch = Launch(DictRequest({"get_data": params, "form_data": {}}), self.conf())
        launch.set_user_data(message.user, ROLES.get(message.role, []), full_name=message.name)
        launch.set_launch_context_claim(
            message.context_id, context_title="Biology 101", context_label="BIO101"
        )
        launch.set_nrps(f"{self.url}/memberships")
        if message.kind == "deep":
            launch.set_dl(
                f"{self.url}/deep-link-return",
                title="Add content",
                accept_types={"ltiResourceLink"},
            )
        else:
            launch.set_resource_link_claim(message.resource_link, title="Activity")
            if message.target:
                launch.set_custom_parameters_claim({"coursework_target": message.target})
            launch.set_ags(f"{self.url}/lineitems", message.lineitem)
            if message.lineitem:
                launch.extra_claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"][
                    "scope"
                ] = AGS_SCOPES
        return launch.lti_launch()

    def sign(self, payload: dict[str, Any], private_key: str | None = None) -> str:
        key = private_key or self.private_key
        kid = Registration.get_jwk(self.public_key)["kid"]
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})

    # HTTP.
    def start(self, tool_base_url: str, port: int = 0) -> "LmsPlatform":
        self.tool = tool_base_url.rstrip("/")

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        class Threading(WSGIServer):
            daemon_threads = True

            def process_request(self, request, client_address):
                thread = threading.Thread(
                    target=self._handle, args=(request, client_address), daemon=True
                )
                thread.start()

            def _handle(self, request, client_address):
                try:
                    self.finish_request(request, client_address)
                except Exception:
                    self.handle_error(request, client_address)
                finally:
                    self.shutdown_request(request)

        self.server = make_server(
            self.host, port, self.app, server_class=Threading, handler_class=Quiet
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def app(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        ctype = environ.get("CONTENT_TYPE", "")
        form = dict(parse_qsl(raw.decode())) if "form-urlencoded" in ctype else {}
        headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
        try:
            status, content_type, body, extra = self.route(method, path, query, form, raw, headers)
        except Exception as error:  # a test platform says what went wrong
            status, content_type, body, extra = "500 Error", "text/plain", repr(error), []
        start_response(status, [("Content-Type", content_type), *extra])
        return [body.encode()]

    def route(self, method, path, query, form, raw, headers):
        if path == "/favicon.ico":
            return "204 No Content", "text/plain", "", []
        if path == "/jwks":
            return "200 OK", "application/json", json.dumps(self.conf().get_jwks()), []
        if path == "/course":
            return "200 OK", "text/html", self.course_page(query), []
        if path == "/start":
            message = Message(
                user=query.get("user", "learner-1"),
                role=query.get("role", "learner"),
                name=query.get("name", "Ada Lovelace"),
                kind=query.get("kind", "resource"),
                resource_link=query.get("link", "link-1"),
                target=query.get("target", ""),
                lineitem=query.get("lineitem") or None,
            )
            return "302 Found", "text/plain", "", [("Location", self.login_url(message))]
        if path == "/auth":
            launch = self.id_token_for(query)
            return "200 OK", "text/html", self.autopost(launch), []
        if path == "/token" and method == "POST":
            conf = self.conf()
            conf.get_registration()
            token = conf.get_access_token(form)
            return "200 OK", "application/json", json.dumps(token), []
        if path.startswith("/lineitems/") and path.endswith("/scores") and method == "POST":
            return self.receive_score(path.removesuffix("/scores"), raw, headers)
        if path == "/memberships":
            if not self.authorised(
                headers,
                ["https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"],
            ):
                return "401 Unauthorized", "application/json", "{}", []
            body = {
                "id": f"{self.url}/memberships",
                "context": {"id": CONTEXT_ID},
                "members": self.members,
            }
            return (
                "200 OK",
                "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
                json.dumps(body),
                [],
            )
        if path == "/deep-link-return" and method == "POST":
            conf = self.conf()
            conf.get_registration()
            items = conf.validate_deeplinking_resp(form)
            with self.lock:
                for item in items:
                    if "lineItem" in item:
                        item["lineitem_id"] = self.add_lineitem(item["lineItem"].get("label", ""))
                    self.deep_link_items.append(item)
            titles = "".join(f"<li>{html.escape(i['title'])}</li>" for i in items)
            page = (
                "<!doctype html><html lang='en'><head><title>Items added</title></head><body>"
                f"<main><h1>Items added</h1><ul>{titles}</ul></main></body></html>"
            )
            return "200 OK", "text/html", page, []
        return "404 Not Found", "text/plain", "not found", []

    def authorised(self, headers, scopes) -> bool:
        auth = headers.get("Authorization", "").split()
        if len(auth) != 2 or auth[0].lower() != "bearer":
            return False
        conf = self.conf()
        conf.get_registration()
        try:
            return conf.validate_token(auth[1], scopes)
        except Exception:
            return False

    def receive_score(self, lineitem, raw, headers):
        if not self.authorised(headers, [SCORE_SCOPE]):
            return "401 Unauthorized", "application/json", "{}", []
        with self.lock:
            if self.gradebook.fail_scores > 0:
                self.gradebook.fail_scores -= 1
                self.gradebook.refused += 1
                return "503 Service Unavailable", "text/plain", "down for maintenance", []
            score = json.loads(raw)
            self.gradebook.scores.append(
                Score(
                    lineitem=f"{self.url}{lineitem}" if lineitem.startswith("/") else lineitem,
                    user=score["userId"],
                    given=score["scoreGiven"],
                    maximum=score["scoreMaximum"],
                    timestamp=score["timestamp"],
                )
            )
        return "200 OK", "application/json", "{}", []

    @staticmethod
    def autopost(launch) -> str:
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(launch[name])}">'
            for name in ("id_token", "state")
        )
        return (
            "<!doctype html><html lang='en'><head><title>Launching</title></head><body>"
            f"<form method='post' action='{html.escape(launch['launch_url'])}' id='f'>{fields}"
            "<button type='submit'>Continue</button></form>"
            "<script>document.getElementById('f').submit();</script></body></html>"
        )

    def course_page(self, query) -> str:
        src = "/start?" + urlencode(query)
        return (
            "<!doctype html><html lang='en'><head><title>Biology 101 (LMS)</title></head><body>"
            "<main><h1>Biology 101</h1>"
            f"<iframe title='Coursework activity' src='{html.escape(src)}' "
            "style='width:100%;height:900px'></iframe></main></body></html>"
        )
