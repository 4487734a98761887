from django.db import models


class ThrottleCount(models.Model):
    """A login-throttle count or lock kept in the database, for when the shared cache cannot
    keep it (accounts/throttle.py): a failure count under a `login-failures:` key, a lock (its
    end is `expires_at`) under a `login-locked:` key. Rows past `expires_at` mean nothing and
    are deleted as new ones are written."""

    key = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
