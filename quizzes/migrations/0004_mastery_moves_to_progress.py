"""Mastery moves to the progress app: removed from this app's model state only.

The table `quizzes_mastery` and its rows stay; progress.Mastery uses it (see
progress/migrations/0001_move_learner_state_models.py, which runs first).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0003_question_type_choices_from_registry"),
        ("progress", "0001_move_learner_state_models"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Mastery")],
            database_operations=[],
        ),
    ]
