"""LessonCompletion and CourseCompletion move to the progress app: removed from this app's
model state only. Their tables and rows stay; progress uses them (see
progress/migrations/0001_move_learner_state_models.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_objective_title"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="LessonCompletion"),
                migrations.DeleteModel(name="CourseCompletion"),
            ],
            database_operations=[],
        ),
    ]
