"""Mastery (from quizzes) and LessonCompletion and CourseCompletion (from courses) move here.

Only Django's model state moves: each model keeps its table (`db_table`), so no table is
created, renamed or copied and every row stays. The content types are renamed to this app,
so the permissions that point at them (the Instructors group's, for example) and the admin's
history keep working under their new names (`progress.view_mastery`).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = [
    ("quizzes", "mastery"),
    ("courses", "lessoncompletion"),
    ("courses", "coursecompletion"),
]


def move_content_types(apps, schema_editor, *, forward=True):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old_app, model in MOVED:
        source, target = (old_app, "progress") if forward else ("progress", old_app)
        if ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            continue  # already there (e.g. created by a migrate run in between): keep it
        ContentType.objects.using(db).filter(app_label=source, model=model).update(
            app_label=target
        )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0002_objective_title"),
        ("quizzes", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CourseCompletion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("completed_at", models.DateTimeField()),
                        ("course", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="completions", to="courses.course")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="course_completions", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "courses_coursecompletion",
                        "constraints": [models.UniqueConstraint(fields=("user", "course"), name="course_completion_unique")],
                    },
                ),
                migrations.CreateModel(
                    name="LessonCompletion",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("completed_at", models.DateTimeField(auto_now_add=True)),
                        ("lesson", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="completions", to="courses.lesson")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="lesson_completions", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "courses_lessoncompletion",
                        "constraints": [models.UniqueConstraint(fields=("user", "lesson"), name="completion_unique_lesson")],
                    },
                ),
                migrations.CreateModel(
                    name="Mastery",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("estimate", models.FloatField(default=0.1)),
                        ("level", models.PositiveSmallIntegerField(choices=[(0, "Not started"), (1, "Attempted"), (2, "Familiar"), (3, "Proficient"), (4, "Mastered")], default=0)),
                        ("counted_answers", models.PositiveIntegerField(default=0)),
                        ("review_box", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("review_due_at", models.DateTimeField(blank=True, null=True)),
                        ("state", models.JSONField(default=dict, help_text="The model's full state (progress.mastery).")),
                        ("params_version", models.PositiveIntegerField(default=1)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("objective", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="masteries", to="courses.objective")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="masteries", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "quizzes_mastery",
                        "verbose_name_plural": "mastery",
                        "indexes": [models.Index(fields=["objective", "level"], name="mastery_objective_level")],
                        "constraints": [models.UniqueConstraint(fields=("user", "objective"), name="mastery_unique")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
