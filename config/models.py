from django.db import models


class CacheOutage(models.Model):
    """One shared-cache (Redis) outage, as a worker first saw it (config/sharedcache.py).

    The newest row's id is the shared cache's epoch: every worker of every server reads it at
    most once a second and keys the cache with it, so after an outage no worker serves a value
    written before it, whether or not it saw the outage itself."""

    seen_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Shared cache outage {self.pk} seen at {self.seen_at:%Y-%m-%d %H:%M:%S}"
