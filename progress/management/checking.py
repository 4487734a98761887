"""What the rebuild commands of the kept tallies share (rebuild_item_tallies,
rebuild_mastery_tallies)."""

from django.db import transaction


class _Rollback(Exception):
    """Leaves a --check run's transaction without writing."""


def rebuilt(rebuild, *args, check):
    """The result of `rebuild(*args)`, run in a transaction that is rolled back under --check (so
    the stored rows are compared with a fresh computation, and nothing is written)."""
    result = None
    try:
        with transaction.atomic():
            result = rebuild(*args)
            if check:
                raise _Rollback
    except _Rollback:
        pass
    return result
