"""`{% static_url %}`, `{% fixed_url %}` and `{% htmx_script_once %}`: `{% static %}`, `{% url %}`
with positional arguments and django-htmx's `{% htmx_script %}`, worked out once per process.

The layout asks for the same few static files and URLs on every page; with the manifest
storage each `{% static %}` is a manifest lookup and a URL join, each `{% url %}` a resolver
walk. The answers cannot change while the process runs, except when a test changes the settings
(the caches are emptied then) or for another script prefix or URLconf (part of the key).
`fixed_url` keeps the 1024 most recent: use it for URLs whose arguments are shared by everyone
(a course's or a quiz's slug), not per-learner ones such as an attempt's. The output is escaped
like the built-in tags'.
"""

import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django_htmx.jinja import htmx_script

register = template.Library()


@functools.cache
def _static(path):
    return static(path)


@functools.lru_cache(maxsize=1024)
def _reverse(name, args, prefix, urlconf):
    return reverse(name, args=args, urlconf=urlconf)


@register.simple_tag
def static_url(path):
    return _static(path)


@register.simple_tag
def fixed_url(name, *args):
    return _reverse(name, args, get_script_prefix(), get_urlconf())


@functools.cache
def _htmx_script():
    return htmx_script()


@register.simple_tag(takes_context=True)
def htmx_script_once(context):
    """`{% htmx_script %}` (htmx 2, minified); computed each time only with a CSP nonce."""
    nonce = context.get("csp_nonce")
    return _htmx_script() if nonce is None else htmx_script(nonce=nonce)


@receiver(setting_changed)
def _clear(**kwargs):
    _static.cache_clear()
    _reverse.cache_clear()
    _htmx_script.cache_clear()
