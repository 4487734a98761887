"""Loading the signed-in learner without a query: Django's ModelBackend with a short-lived
per-user copy in the shared cache, checked against a per-user generation.

Every signed-in request asks the authentication backend for the session's user. This backend
keeps each user, as loaded by ModelBackend, in the "default" cache (shared by every worker and
every server) for USER_SECONDS (its keys and lifetimes are in the cache map, lib/cache.py).
Three rules make that copy safe:

- **A change takes effect on the next request after it commits, on every server.** Each user
  has a generation token (`auth-user-gen:<id>`, the same for every version of the code) in
  the same cache. The cached copy is stored
  with the token that was current *before* its row was read, and is served only while that is
  still the current token (one `get_many` reads both). Saving or deleting the user row
  replaces the token at once and again when the transaction commits (`on_commit`). A request
  that read the old row while the change was uncommitted therefore stored it under a token
  that the commit has since replaced, so nobody is served that copy: the next request reads
  the committed row. (Deleting the copy, as before, was not enough: a request landing between
  the delete and the COMMIT cached the old row again.)
- **A cached user is never written back.** The user served to a request
  (`request.user`) is marked as the session's copy, and saving it raises SessionCopySaved:
  code that changes a user loads the row fresh and saves only the changed fields
  (`save(update_fields=...)`, which never INSERTs), as the name form, the password change and
  the account deletion do. So a stale copy cannot write `is_staff` or `is_active` back, and a
  deleted account cannot be re-inserted.
- **A failed login hashes the password once.** `django.contrib.auth.backends.ModelBackend` stays
  listed after this backend so sessions it started stay valid; `authenticate()` asks every
  listed backend in turn, so this one ends the search on a failure (PermissionDenied, which
  `authenticate()` turns into a failed login) instead of letting ModelBackend hash the same
  password a second time.

Django's session-hash check is untouched: `django.contrib.auth.get_user` still compares the
session's hash with the user's password hash, so a password change logs the other sessions out
at their next request.
"""

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from lib.cache import USER_GENERATION_SECONDS, USER_SECONDS, user_generation_key, user_key

SESSION_COPY = "_served_from_session_cache"


class SessionCopySaved(RuntimeError):
    """A request's user (possibly a stale cached copy) was about to be written back."""


def _current_generation(cache, user_id, known=None):
    """The user's generation token, starting one if there is none; None if the cache fails."""
    if known is not None:
        return known
    cache.add(user_generation_key(user_id), uuid.uuid4().hex, USER_GENERATION_SECONDS)
    return cache.get(user_generation_key(user_id))


def new_generation(user_id) -> None:
    """Replace the user's generation token: every cached copy of the user stops being served."""
    caches["default"].set(user_generation_key(user_id), uuid.uuid4().hex, USER_GENERATION_SECONDS)


class CachedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # The password was hashed here already: end the search (no second backend hashes).
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        cache = caches["default"]
        found = cache.get_many([user_key(user_id), user_generation_key(user_id)])
        generation = found.get(user_generation_key(user_id))
        entry = found.get(user_key(user_id))
        if entry is not None and generation is not None and entry[0] == generation:
            user = entry[1]
        else:
            # Read the token before the row: a change committed after this read replaces it.
            generation = _current_generation(cache, user_id, generation)
            try:
                user = get_user_model()._default_manager.get(pk=user_id)
            except get_user_model().DoesNotExist:
                return None
            if generation is not None:
                cache.set(user_key(user_id), (generation, user), USER_SECONDS)
        setattr(user, SESSION_COPY, True)
        return user if self.user_can_authenticate(user) else None


def refuse_session_copy(sender, instance, **kwargs):
    """Signal receiver: a request's user object is never saved (it may be a stale copy)."""
    if getattr(instance, SESSION_COPY, False):
        raise SessionCopySaved(
            "request.user may be a cached copy; load the user row and save the changed "
            "fields with update_fields instead"
        )


def forget_user(sender, instance, **kwargs):
    """Signal receiver: the user row changed, so no worker may serve its cached copy, neither
    now nor after the transaction commits (a copy re-read before the commit is stale)."""
    user_id = instance.pk
    new_generation(user_id)
    transaction.on_commit(lambda: new_generation(user_id))


def connect_signals():
    model = get_user_model()
    pre_save.connect(refuse_session_copy, sender=model, dispatch_uid="auth-user-session-copy")
    post_save.connect(forget_user, sender=model, dispatch_uid="auth-user-cache-save")
    post_delete.connect(forget_user, sender=model, dispatch_uid="auth-user-cache-delete")
