"""Instructors from learning platforms see their own classes only (docs/lti.md, "Instructors
see their own classes").

Before this, a launch as Instructor or TeachingAssistant put the account in the global
Instructors group, which saw every learner. This migration:

- gives the Instructors group `progress.view_every_learner`, which it now needs to keep seeing
  every learner (reports.roles lists it; `ensure_instructors_group()` sets it too);
- moves every account that came from a launch (an LTI identity), instructs a class (a member
  row with is_instructor) and is in the Instructors group, not a superuser, out of that group
  and into the Class instructors group (view only, its classes' learners). An administrator
  who wants one of them global adds them back (the admin, or manage.py create_instructor).

The permissions are looked up, and made if missing (a database whose permissions were never
made after migrate); `ensure_class_instructors_group()` repairs the group at the next launch.
"""

from django.db import migrations

INSTRUCTORS = "Instructors"
CLASS_INSTRUCTORS = "Class instructors"
EVERY_LEARNER = (
    "progress",
    "mastery",
    "view_every_learner",
    "Can view every learner's records, not only their classes'",
)
# (app, model, codename, name): what the Class instructors group may do (reports.roles).
CLASS_VIEWS = [
    (app, model, f"view_{model}", f"Can view {name}")
    for app, model, name in [
        ("courses", "course", "course"),
        ("courses", "objective", "objective"),
        ("courses", "lesson", "lesson"),
        ("quizzes", "question", "question"),
        ("quizzes", "quiz", "quiz"),
        ("quizzes", "questionversion", "question version"),
        ("quizzes", "attempt", "attempt"),
        ("quizzes", "response", "response"),
        ("progress", "mastery", "mastery"),
    ]
]


def _permission(apps, app, model, codename, name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    instructors = Group.objects.filter(name=INSTRUCTORS).first()
    if instructors is None:
        return  # a new site: no instructor yet, the groups are made when needed
    instructors.permissions.add(_permission(apps, *EVERY_LEARNER))
    moving = list(
        User.objects.filter(
            groups=instructors,
            is_superuser=False,
            lti_identity__isnull=False,
            member__is_instructor=True,
        ).distinct()
    )
    if not moving:
        return
    class_instructors, _ = Group.objects.get_or_create(name=CLASS_INSTRUCTORS)
    class_instructors.permissions.set([_permission(apps, *row) for row in CLASS_VIEWS])
    for user in moving:
        user.groups.remove(instructors)
        user.groups.add(class_instructors)


def backwards(apps, schema_editor):
    """Back to one role: the class instructors join the Instructors group again."""
    Group = apps.get_model("auth", "Group")
    class_instructors = Group.objects.filter(name=CLASS_INSTRUCTORS).first()
    if class_instructors is None:
        return
    instructors, _ = Group.objects.get_or_create(name=INSTRUCTORS)
    for user in class_instructors.user_set.all():
        user.groups.add(instructors)
    class_instructors.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lti", "0001_initial"),
        ("progress", "0004_mastery_view_every_learner"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
