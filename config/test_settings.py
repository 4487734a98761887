"""Settings for the test suite: production defaults, a fast hasher, no HTTPS redirect."""

import os

os.environ.setdefault("DJANGO_ENV_FILE", "")  # never a developer's local .env

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True

# Process-local caches: nothing written to var/cache, nothing shared between test runs
# (tests/conftest.py clears them before each test).
CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"t-{alias}"}
    for alias in CACHES  # noqa: F405
}
