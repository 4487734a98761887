"""lib/htmx.py: one redirect for plain and htmx requests."""

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from lib import htmx


def request(htmx_header):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx_header else {}
    made = RequestFactory().post("/somewhere", **headers)
    made.htmx = HtmxDetails(made)
    return made


@pytest.mark.parametrize("with_htmx", [False, True])
def test_redirect(with_htmx):
    response = htmx.redirect(request(with_htmx), "/next/")
    if with_htmx:
        assert response.status_code == 200 and response["HX-Redirect"] == "/next/"
    else:
        assert response.status_code == 302 and response["Location"] == "/next/"


@pytest.mark.parametrize("with_htmx", [False, True])
def test_login_redirect_comes_back(with_htmx):
    response = htmx.login_redirect(request(with_htmx), "/courses/x/")
    url = response["HX-Redirect" if with_htmx else "Location"]
    assert url == "/accounts/login/?next=/courses/x/"


def test_swap_main_fetches_the_main_content_with_htmx():
    response = htmx.swap_main(request(True), "/next/")
    assert response.status_code == 200
    assert '"target": "#main"' in response["HX-Location"]
    assert htmx.swap_main(request(False), "/next/")["Location"] == "/next/"
