"""Keeping database rows in step with a document, by their stable keys: a row whose key is in
the document is updated in place (only the fields that changed are written), a row whose key
has gone is retired, never deleted, so what points at it (answers, progress) stays. The
importers of courses and question banks create the rows that are new."""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any, Protocol


class Retirable(Protocol):
    retired: bool

    def save(self, *, update_fields: list[str]) -> None: ...


def save_changed(instance: Any, **values: Any) -> list[str]:
    """Set the fields whose value differs from `values` and save only those
    (`update_fields`); the names of the fields changed, in the order given."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
    return changed


def retire_missing[K](rows: Mapping[K, Retirable], keep: Container[K]) -> list[K]:
    """Retire each row whose key is not in `keep` (and is not retired yet); their keys."""
    retired = []
    for key, row in rows.items():
        if key not in keep and not row.retired:
            row.retired = True
            row.save(update_fields=["retired"])
            retired.append(key)
    return retired
