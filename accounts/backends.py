"""Loading the signed-in learner without a query: Django's ModelBackend with a short-lived
per-user copy in the shared cache.

Every signed-in request asks the authentication backend for the session's user. This backend
keeps each user, as loaded by ModelBackend, in the "default" cache (shared by every worker) for
USER_CACHE_SECONDS, and deletes that copy whenever the user row is saved or deleted (a new
password, a deactivation, a login's last_login), so the next request in any worker loads it
again. Django's session-hash check is untouched: `django.contrib.auth.get_user` still compares
the session's hash with the user's password hash, so a password change logs the other sessions
out at their next request.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save

USER_CACHE_SECONDS = 300


def _key(user_id):
    return f"auth-user:{user_id}"


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        cache = caches["default"]
        user = cache.get(_key(user_id))
        if user is None:
            try:
                user = get_user_model()._default_manager.get(pk=user_id)
            except get_user_model().DoesNotExist:
                return None
            cache.set(_key(user_id), user, USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_user(sender, instance, **kwargs):
    """Signal receiver: the user row changed, so no worker may use its cached copy."""
    caches["default"].delete(_key(instance.pk))


def connect_signals():
    model = get_user_model()
    post_save.connect(forget_user, sender=model, dispatch_uid="auth-user-cache-save")
    post_delete.connect(forget_user, sender=model, dispatch_uid="auth-user-cache-delete")
