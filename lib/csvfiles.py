"""CSV files people open in a spreadsheet: cells that never run as formulas, written whole
(`csv_text`) or streamed (`streaming_csv`), one header row first."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.http import StreamingHttpResponse

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (CSV
# injection, OWASP): it is written with a leading quote, which they show as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a cell: None empty, True/False "yes"/"no", a formula-like text quoted; other
    values (numbers) as they are, for the csv module to write."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    return value


def csv_text(rows: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> str:
    """CSV text of `rows` (mappings with every one of `fields`), with a header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: safe_cell(row[key]) for key in fields})
    return out.getvalue()


class _Echo:
    """A file that hands back what is written to it, for streaming a csv.writer's lines."""

    def write(self, value: str) -> str:
        return value


def streaming_csv(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A download of `rows` (one sequence of cells each) as `filename`, written while it is
    sent, so memory does not grow with the rows."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[Any]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
