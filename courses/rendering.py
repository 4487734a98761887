"""Markdown to sanitised HTML, done once at import time (never per request).

Pure helpers, no Django state: python-markdown with tables, heading ids, callouts, fact cards and
fenced code blocks highlighted by Pygments (CSS classes only, see courses/codestyle.py), then nh3
on an allow-list, so that a <script>, an event handler attribute, an inline style or a
javascript: link in a course document never reaches a page.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

from courses.codestyle import CSS_CLASS as CODE_CLASS
from courses.codestyle import TOKEN_CLASSES
from courses.source_check import source_check_problems

CALLOUT_KINDS = {
    "key-concept": "Key concept",
    "note": "Note",
    "caution": "Caution",
    "fact-card": "Fact card",
    "source-check": "Source check",
}
_CALLOUT_LINE = re.compile(r"^!!!\s*(?P<kind>[^\s\"']*)\s*(?P<title>.*?)\s*$")
# A fence opens a line; after a backtick fence no backtick may follow (a line such as
# ```x``` is inline code, not a fence).
_FENCE = re.compile(r"^(?P<fence>`{3,}(?=[^`]*$)|~{3,})")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "th": {"scope"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {
    "div": {"admonition", *CALLOUT_KINDS},
    "p": {"admonition-title"},
}
# Highlighted code: <div class="highlight"><pre><code><span class="k">... (token classes only).
ALLOWED_CLASSES["div"] = ALLOWED_CLASSES["div"] | {CODE_CLASS}
ALLOWED_CLASSES["span"] = set(TOKEN_CLASSES)
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Rendered:
    html: str
    toc: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "title", "level"}] for h2/h3
    words: int = 0


class CalloutError(ValueError):
    """A `!!!` line that cannot be read; `line_offset` is its line in the text (0-based)."""

    def __init__(self, line_offset: int, message: str):
        super().__init__(message)
        self.line_offset = line_offset


class UnknownCallout(CalloutError):
    def __init__(self, line_offset: int, kind: str):
        super().__init__(line_offset, f'unknown callout "{kind}" (use {", ".join(CALLOUT_KINDS)})')


class InvalidSourceCheck(CalloutError):
    """A source-check callout without its quote, document name or document text (a kind of
    callout error, so every caller that reports unknown callouts reports these too)."""

    def __init__(self, line_offset: int, message: str):
        super().__init__(line_offset, message)


def fence_spans(lines: list[str]) -> list[tuple[int, int | None]]:
    """The fenced code blocks of a text: (first line, last line) 0-based, the fences included.

    As in Python-Markdown, a fence starts a line with three or more backticks or tildes and the
    block ends at the next line holding the same fence; an unclosed block ends at None.
    """
    spans: list[tuple[int, int | None]] = []
    opener: str | None = None
    start = 0

    for number, line in enumerate(lines):
        if opener is None:
            match = _FENCE.match(line)
            if match:
                opener, start = match["fence"], number
        elif line.rstrip() == opener:
            spans.append((start, number))
            opener = None
    if opener is not None:
        spans.append((start, None))
    return spans


def fenced_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it lies inside a fenced code block (the fence lines included)."""
    inside = [False] * len(lines)
    for start, end in fence_spans(lines):
        for number in range(start, len(lines) if end is None else end + 1):
            inside[number] = True
    return inside


def _callout_title(line_offset: int, raw: str) -> str:
    """The title of a callout line as the author meant it, quotes inside allowed.

    `"A title"` and `'A title'` are both accepted; a quote of the other kind may appear inside,
    and the same kind escaped with a backslash (`"No \\"cache\\" here"`).
    """
    quote = raw[:1]
    if quote not in ("'", '"') or len(raw) < 2 or not raw.endswith(quote):
        raise CalloutError(
            line_offset,
            f'callout title {raw} must be in quotes, like !!! note "A title" '
            "(a quote inside the title is fine)",
        )
    return raw[1:-1].replace("\\" + quote, quote)


def _prepare_callouts(text: str) -> str:
    """Give every callout its default title, read quoted titles and reject unknown kinds.

    Lines inside fenced code blocks are code, not callouts, and are left as they are.
    """
    lines = text.split("\n")
    for number, (line, in_code) in enumerate(zip(lines, fenced_lines(lines), strict=True)):
        if in_code or not line.startswith("!!!"):
            continue
        match = _CALLOUT_LINE.match(line)
        kind = match["kind"] if match else ""
        raw_title = match["title"] if match else ""
        if kind not in CALLOUT_KINDS:
            raise UnknownCallout(number, kind or "(none)")
        title = _callout_title(number, raw_title) if raw_title else CALLOUT_KINDS[kind]
        # Python-Markdown reads the title up to the last " on the line, so quotes inside stay.
        lines[number] = f'!!! {kind} "{title}"'
    return "\n".join(lines)


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _flatten(tokens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries = []
    for token in tokens:
        if token["level"] in (2, 3):
            entries.append({"id": token["id"], "title": token["name"], "level": token["level"]})
        entries.extend(_flatten(token["children"]))
    return entries


def render(text: str) -> Rendered:
    """Render course Markdown to sanitised HTML with the table of contents of its sections."""
    md = markdown.Markdown(
        extensions=[
            "tables",
            "attr_list",
            "def_list",
            "admonition",
            "toc",
            "sane_lists",
            "abbr",
            "fenced_code",
            "codehilite",
        ],
        extension_configs={
            "toc": {"slugify": slugify_unicode, "toc_depth": "2-3"},
            # Classes only (no inline styles, which the CSP forbids); no guessing of the
            # language of a block that names none: it stays plain text.
            "codehilite": {"css_class": CODE_CLASS, "guess_lang": False, "noclasses": False},
        },
        output_format="html",
    )
    problems = source_check_problems(text)
    if problems:
        raise InvalidSourceCheck(*problems[0])
    html = md.convert(_prepare_callouts(text))
    toc = _flatten(md.toc_tokens)
    for entry in toc:
        entry["title"] = nh3.clean(entry["title"], tags=set())
    words = len(re.findall(r"\w+", nh3.clean(html, tags=set())))
    return Rendered(html=sanitise(html), toc=toc, words=words)


def render_inline(text: str) -> str:
    """Render a short piece of Markdown (a summary, a prompt, an option)."""
    return sanitise(markdown.markdown(text, extensions=["attr_list", "sane_lists"]))
