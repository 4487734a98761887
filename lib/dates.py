"""Dates and times written for files people and programs read (exports, CSV)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def iso(value: datetime | None) -> str | None:
    """An aware datetime in ISO 8601 in the site's time zone, to the second, with its offset
    ("2026-03-02T09:00:30+00:00"); None for None."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")
