"""The two instructors' roles, as groups of staff.

- "Instructors" (global): staff who edit course content and quiz settings and view every
  learner's results (`progress.view_every_learner`). `manage.py create_instructor` and an
  administrator make them.
- "Class instructors": instructors and teaching assistants from a learning platform (an LTI
  launch adds them, lti/launch.py). View only: course content, quiz settings and the results
  of the learners of the classes they instruct (progress.scope), nothing of other classes.

`ensure_instructors_group()` and `ensure_class_instructors_group()` are idempotent: each
creates its group if needed and sets its permissions to exactly its list, so running it again
repairs a group whose permissions were edited by hand. A user in both groups is a global
instructor (the administrator's choice wins).
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

INSTRUCTORS = "Instructors"
CLASS_INSTRUCTORS = "Class instructors"

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
    ("progress", "mastery", ("view", "view_every_learner")),
]

# A class instructor views what an instructor views, changes nothing, and sees only their
# classes' learners (no view_every_learner).
CLASS_INSTRUCTOR_PERMISSIONS = [
    (app, model, ("view",)) for app, model, _ in INSTRUCTOR_PERMISSIONS
]


def _codename(action, model):
    # "view_every_learner" is a permission of its own (on Mastery), not an action on a model.
    return action if action == "view_every_learner" else f"{action}_{model}"


def instructor_codenames(listed=INSTRUCTOR_PERMISSIONS):
    """(app label, codename) of every permission the group holds."""
    return {
        (app, _codename(action, model)) for app, model, actions in listed for action in actions
    }


def class_instructor_codenames():
    return instructor_codenames(CLASS_INSTRUCTOR_PERMISSIONS)


@transaction.atomic
def ensure_instructors_group():
    """Create or repair the Instructors group; return it."""
    return _ensure_group(INSTRUCTORS, instructor_codenames())


@transaction.atomic
def ensure_class_instructors_group():
    """Create or repair the Class instructors group; return it."""
    return _ensure_group(CLASS_INSTRUCTORS, class_instructor_codenames())


def _ensure_group(name, wanted):
    for label in ("courses", "quizzes", "progress"):
        # Permissions are made after migrate; make sure they exist (e.g. on a fresh test DB).
        create_permissions(apps.get_app_config(label), verbosity=0)
    query = Q()
    for app, codename in wanted:
        query |= Q(content_type__app_label=app, codename=codename)
    permissions = list(Permission.objects.filter(query))
    if len(permissions) != len(wanted):
        found = {(p.content_type.app_label, p.codename) for p in permissions}
        raise LookupError(f"missing permissions: {sorted(wanted - found)}")
    group, _ = Group.objects.get_or_create(name=name)
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
