"""HTML from other tools as bank Markdown.

Markdown passes HTML through (and the bank sanitises it on an allow-list when the course is
imported), so HTML is kept as written; only what would read differently as Markdown changes:
one wrapping paragraph is unwrapped, and surrounding space is dropped.
"""

from __future__ import annotations

import re

_ONE_PARAGRAPH = re.compile(r"^\s*<p>(?P<inner>(?:(?!</?p[\s>]).)*)</p>\s*$", re.DOTALL)


def html_to_markdown(html_text: str) -> str:
    text = (html_text or "").strip()
    match = _ONE_PARAGRAPH.match(text)
    if match:
        text = match["inner"].strip()
    return text
