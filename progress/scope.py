"""Whose records a user may see: every learner's, or only those of the classes they instruct.

A user with `progress.view_every_learner` (superusers, the global Instructors group) sees every
learner. Anyone else who may view learners' records (the Class instructors group: instructors
and teaching assistants from a learning platform) sees only the learners of the classes they
instruct: the members of those classes' groups. Which classes a user instructs is not known
here: the app that makes classes (lti) says it with `set_taught_groups` when it is ready, so
this app imports none above it. Without it, a class-scoped user sees no learner.

`learners_seen_by(user)` is None for every learner, else the users they may see (a query, to
filter with); `scoped(queryset, user)` narrows a queryset of learners' rows with it. The
admin's learners' records (progress.admin) and every report and export (reports.views) use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import QuerySet

EVERY_LEARNER = "progress.view_every_learner"

TaughtGroups = Callable[[Any], QuerySet[Group]]

_taught_groups: TaughtGroups | None = None


def set_taught_groups(func: TaughtGroups) -> None:
    """Say which learners' groups a user instructs (the lti app does, in its ready())."""
    global _taught_groups
    _taught_groups = func


def sees_every_learner(user: Any) -> bool:
    """Whether `user` sees every learner (read from the permissions already cached on the
    user by the view's permission check: no query)."""
    return bool(user.has_perm(EVERY_LEARNER))


def taught_groups(user: Any) -> QuerySet[Group]:
    """The groups of learners of the classes `user` instructs (none if no app says)."""
    if _taught_groups is None:
        return Group.objects.none()
    return _taught_groups(user)


def learners_seen_by(user: Any) -> QuerySet[Any] | None:
    """None if `user` sees every learner; else the users they may see (a query)."""
    if sees_every_learner(user):
        return None
    return get_user_model().objects.filter(groups__in=taught_groups(user)).values("pk")


def scoped(queryset: QuerySet[Any], user: Any, field: str = "user") -> QuerySet[Any]:
    """`queryset` (rows with a learner in `field`) narrowed to the learners `user` sees."""
    learners = learners_seen_by(user)
    if learners is None:
        return queryset
    return queryset.filter(**{f"{field}__in": learners})
