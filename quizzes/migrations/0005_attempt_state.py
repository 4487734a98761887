"""The attempt's own state (answered slots, their number and total score), filled in from
the responses already stored."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Attempt = apps.get_model("quizzes", "Attempt")
    Response = apps.get_model("quizzes", "Response")
    state = {}
    responses = Response.objects.order_by("graded_at", "id").values_list(
        "attempt_id", "slot", "score"
    )
    for attempt_id, slot, score in responses.iterator(chunk_size=5000):
        slots, total = state.get(attempt_id, ([], 0.0))
        slots.append(slot)
        state[attempt_id] = (slots, total + score)
    attempts = []
    for attempt in Attempt.objects.filter(pk__in=list(state)).only("id").iterator(2000):
        attempt.answered_slots, attempt.score_so_far = state[attempt.pk]
        attempt.answered_count = len(attempt.answered_slots)
        attempts.append(attempt)
    Attempt.objects.bulk_update(
        attempts, ["answered_slots", "answered_count", "score_so_far"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0004_mastery_moves_to_progress")]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="answered_slots",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.AddField(
            model_name="attempt",
            name="answered_count",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="attempt",
            name="score_so_far",
            field=models.FloatField(default=0.0, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
