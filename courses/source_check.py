"""The shape of a `source-check` callout (pure, no Django state).

A source check marks a place where the document a course is built from disagrees with the
primary document it reports on. It is a callout whose body is a definition list of exactly
three entries, in this order:

    !!! source-check "The licence threshold"
        Source says
        :   "... (1 million+ monthly active users) ..."

        Primary document
        :   Llama 4 Community License Agreement, "Additional Commercial Terms"

        Primary document says
        :   More than 700 million monthly active users ...

Where the primary document gives no figure and the course works one out from it (its own
arithmetic), the third entry is labelled `Derived from` instead of `Primary document says`, so
that a learner can tell a document's words from the course's own reasoning.

`source_check_problems(text)` returns what is wrong with every source check in a piece of course
Markdown, so that the importer can refuse a check that leaves out the quote, the document's
name or what the document says. The renderer then draws it like any other callout.
"""

import re

LABELS = ("Source says", "Primary document", "Primary document says")
DERIVED = "Derived from"  # may stand in for LABELS[2]: the course's own arithmetic
_START = re.compile(r"^!!!\s+source-check(?:\s|$)")
_INDENT = "    "
_QUOTES = ('"', "\u201c", "\u00ab")  # ", “ and «


def _body(lines: list[str], start: int) -> list[tuple[int, str]]:
    """The callout's indented lines after line `start`, dedented, with their offsets."""
    body = []
    for offset in range(start + 1, len(lines)):
        line = lines[offset]
        if line.strip() and not line.startswith((_INDENT, "\t")):
            break
        body.append((offset, line[4:] if line.startswith(_INDENT) else line.lstrip("\t")))
    while body and not body[-1][1].strip():
        body.pop()
    return body


def _entries(body: list[tuple[int, str]]) -> list[tuple[str, str]] | None:
    """(label, text) for each definition-list entry; None if the body is not such a list."""
    entries: list[list[str]] = []
    for _offset, line in body:
        if not line.strip():
            continue
        if line.startswith(":"):
            if not entries:
                return None
            entries[-1][1] += " " + line[1:].strip()
        elif line.startswith((" ", "\t")):
            if not entries:
                return None
            entries[-1][1] += " " + line.strip()
        else:
            entries.append([line.strip(), ""])
    return [(label, text.strip()) for label, text in entries]


def source_check_problems(text: str) -> list[tuple[int, str]]:
    """(line offset of the `!!!` line, message) for each malformed source check in `text`."""
    lines = text.split("\n")
    problems = []
    expected = ", ".join(f'"{label}"' for label in LABELS) + f' (or "{DERIVED}")'
    for number, line in enumerate(lines):
        if not _START.match(line):
            continue
        entries = _entries(_body(lines, number))
        labels = tuple(label.casefold() for label, _text in entries or [])
        allowed = {
            tuple(label.casefold() for label in LABELS),
            tuple(label.casefold() for label in (*LABELS[:2], DERIVED)),
        }
        if entries is None or labels not in allowed:
            problems.append(
                (number, f"a source check lists {expected}, in that order, as a definition list")
            )
            continue
        empty = [label for label, value in entries if not value]
        if empty:
            problems.append((number, f'source check: "{empty[0]}" has no text'))
            continue
        if not entries[0][1].startswith(_QUOTES):
            problems.append(
                (number, f'source check: "{LABELS[0]}" must quote the source, in quotation marks')
            )
    return problems
