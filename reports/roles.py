"""The "Instructors" group: staff who edit course content and quiz settings and view results.

`ensure_instructors_group()` is idempotent: it creates the group if needed and sets its
permissions to exactly INSTRUCTOR_PERMISSIONS, so running it again repairs a group whose
permissions were edited by hand. `manage.py create_instructor` calls it.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

INSTRUCTORS = "Instructors"

# (app label, model, actions). No "add" or "delete" on content: the importer creates and
# retires it. Learners' records are view-only.
INSTRUCTOR_PERMISSIONS = [
    ("courses", "course", ("change", "view")),
    ("courses", "objective", ("change", "view")),
    ("courses", "lesson", ("change", "view")),
    ("quizzes", "question", ("change", "view")),
    ("quizzes", "quiz", ("change", "view")),
    ("quizzes", "questionversion", ("view",)),
    ("quizzes", "attempt", ("view",)),
    ("quizzes", "response", ("view",)),
    ("progress", "mastery", ("view",)),
]


def instructor_codenames():
    """(app label, codename) of every permission the group holds."""
    return {
        (app, f"{action}_{model}")
        for app, model, actions in INSTRUCTOR_PERMISSIONS
        for action in actions
    }


@transaction.atomic
def ensure_instructors_group():
    """Create or repair the Instructors group; return it."""
    for label in ("courses", "quizzes", "progress"):
        # Permissions are made after migrate; make sure they exist (e.g. on a fresh test DB).
        create_permissions(apps.get_app_config(label), verbosity=0)
    wanted = instructor_codenames()
    query = Q()
    for app, codename in wanted:
        query |= Q(content_type__app_label=app, codename=codename)
    permissions = list(Permission.objects.filter(query))
    if len(permissions) != len(wanted):
        found = {(p.content_type.app_label, p.codename) for p in permissions}
        raise LookupError(f"missing permissions: {sorted(wanted - found)}")
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS)
    group.permissions.set(permissions)
    return group


@transaction.atomic
def make_instructor(email, password=None, *, user=None):
    """Make `user` a staff member of the Instructors group, or create a new account for `email`
    (named after it) if `user` is None. Returns (user, created).

    A new account gets `password` (which must be given); an existing one keeps its own unless
    a new one is given. Which existing account to promote is the caller's decision: an email
    typed at sign-up is not proof of whose account it is.
    """
    group = ensure_instructors_group()
    created = user is None
    if created:
        if password is None:
            raise ValueError("a new instructor needs a password")
        user = get_user_model()(username=email.lower(), email=email.lower())
    if password is not None:
        user.set_password(password)
    user.is_staff = True
    user.is_active = True
    user.save()
    user.groups.add(group)
    return user, created
