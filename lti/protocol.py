"""The glue between pylti1p3 (the protocol: OIDC login, id_token checks, deep-linking JWTs, the
service token) and this app: registrations from our models, launch state in the shared cache,
cookies that work in a cross-site frame, and HTTP calls with timeouts.

Checks done by pylti1p3 on every launch (MessageLaunch.validate): the state (the cookie set by
our login step), the JWT's shape, the nonce (here: taken from the shared cache, so a nonce is
accepted once across every server), the registration of (iss, aud), the signature against the
platform's key set, expiry (PyJWT), the deployment id, and the message's required claims.
"""

from typing import Any

import requests
from pylti1p3.contrib.django import DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.contrib.django.cookie import DjangoCookieService
from pylti1p3.contrib.django.launch_data_storage.cache import DjangoCacheDataStorage
from pylti1p3.contrib.django.request import DjangoRequest
from pylti1p3.contrib.django.service_connector import DjangoServiceConnector
from pylti1p3.contrib.django.session import DjangoSessionService
from pylti1p3.deployment import Deployment as LibDeployment
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from lti.frames import for_frames
from lti.models import Deployment, Platform, ToolKey

HTTP_TIMEOUT_SECONDS = 10
# How long a login's nonce waits for its launch (the platform answers within seconds).
NONCE_SECONDS = 10 * 60


class TimeoutSession(requests.Session):
    """Every request to a platform has a time limit (requests has none by default)."""

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT_SECONDS)
        return super().request(method, url, *args, **kwargs)


def http_session() -> requests.Session:
    session = TimeoutSession()
    session.headers["User-Agent"] = "Coursework-LTI"
    return session


def registration_for(platform: Platform) -> Registration:
    key = ToolKey.signing()
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.oidc_login_url)
        .set_auth_token_url(platform.token_url)
        .set_auth_audience(platform.token_audience or None)  # type: ignore[arg-type]
        .set_key_set_url(platform.key_set_url)
        .set_tool_private_key(key.private_key)
        .set_tool_public_key(key.public_key)
    )


class ToolConf(ToolConfAbstract):
    """Registrations and deployments from the database (active platforms only)."""

    def check_iss_has_one_client(self, iss):
        return False

    def check_iss_has_many_clients(self, iss):
        return True

    def platform(self, iss, client_id) -> Platform | None:
        """The active registration of (issuer, client id). The client id is optional in a
        login request: without it, the issuer's registration if it has only one."""
        if not iss:
            return None
        if client_id:
            return Platform.objects.active().filter(issuer=iss, client_id=client_id).first()
        found = list(Platform.objects.active().filter(issuer=iss)[:2])
        return found[0] if len(found) == 1 else None

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        return None

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = self.platform(iss, client_id)
        return registration_for(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        return None

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        known = Deployment.objects.filter(
            platform__issuer=iss,
            platform__client_id=client_id,
            platform__is_active=True,
            deployment_id=deployment_id,
        ).exists()
        return LibDeployment().set_deployment_id(deployment_id) if known else None

    def get_jwks(self, iss=None, client_id=None, **kwargs):
        return {"keys": [key.jwk() for key in ToolKey.objects.published()]}


class SharedCacheStorage(DjangoCacheDataStorage):
    """Launch state in the default cache (Redis when REDIS_URL is set: every server sees it).

    Keys are not prefixed with a per-browser session id: the OIDC state cookie already ties the
    launch to the browser that logged in, and a launch may complete on another server."""

    def get_session_cookie_name(self):
        return None

    def take_value(self, key: str) -> bool:
        """Delete the key; True only for the one caller that found it there."""
        return bool(self._get_cache().delete(self._prepare_key(key)))


class SingleUseNonceSessionService(DjangoSessionService):
    """A nonce is good for one launch: checking it removes it from the shared cache."""

    def check_nonce(self, nonce: str) -> bool:
        storage = self.data_storage
        assert isinstance(storage, SharedCacheStorage)
        return storage.take_value(self._get_key("nonce", nonce))


class FrameCookieService(DjangoCookieService):
    """The OIDC state cookie goes with the launch POST inside the platform's frame, a
    cross-site request: SameSite=None, which browsers accept only with Secure (also on
    http://localhost and 127.0.0.1, which browsers count as secure), and Partitioned
    (lti/frames.py)."""

    def update_response(self, response):
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(key, data["value"], max_age=data["exp"], httponly=True, path="/")
            for_frames(response.cookies[key])


def storage() -> SharedCacheStorage:
    return SharedCacheStorage(cache_name="default")


def oidc_login(request) -> DjangoOIDCLogin:
    django_request = DjangoRequest(request)
    shared = storage()
    login = DjangoOIDCLogin(
        request,
        ToolConf(),  # type: ignore[arg-type]  # any ToolConfAbstract works
        session_service=SingleUseNonceSessionService(django_request),
        cookie_service=FrameCookieService(django_request),
        launch_data_storage=shared,
    )
    login.set_launch_data_storage(shared).set_launch_data_lifetime(NONCE_SECONDS)
    return login


def _services(django_request: DjangoRequest) -> dict[str, Any]:
    """What every launch of ours is built with: the single-use nonce, the frame's cookies,
    the shared cache for launch data, and the bounded HTTP session."""
    return {
        "session_service": SingleUseNonceSessionService(django_request),
        "cookie_service": FrameCookieService(django_request),
        "launch_data_storage": storage(),
        "requests_session": http_session(),
    }


def message_launch(request) -> DjangoMessageLaunch:
    django_request = DjangoRequest(request, post_only=True)
    launch = DjangoMessageLaunch(django_request, ToolConf(), **_services(django_request))
    launch.set_launch_data_lifetime(60 * 60)
    return launch


def restored_launch(request, launch_id: str) -> MessageLaunch:
    """A launch validated earlier (the deep-linking request), from the shared cache."""
    django_request = DjangoRequest(request)
    return DjangoMessageLaunch.from_cache(
        launch_id,
        django_request,
        ToolConf(),
        **_services(django_request),
        service_connector_cls=DjangoServiceConnector,
    )


def service_connector(platform: Platform) -> DjangoServiceConnector:
    """Signs the client-credentials assertion with the tool's key; caches the access token in
    the shared cache until it expires."""
    return DjangoServiceConnector(registration_for(platform), http_session())
