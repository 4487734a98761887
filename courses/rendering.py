"""Markdown to sanitised HTML, done once at import time (never per request).

Pure helpers, no Django state: python-markdown with tables, heading ids, callouts and fact cards,
then nh3 on an allow-list, so that a <script>, an event handler attribute, an inline style or a
javascript: link in a course document never reaches a page.
"""

import re
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

from courses.source_check import source_check_problems

CALLOUT_KINDS = {
    "key-concept": "Key concept",
    "note": "Note",
    "caution": "Caution",
    "fact-card": "Fact card",
    "source-check": "Source check",
}
_CALLOUT_LINE = re.compile(r'^!!!\s+(?P<kind>[\w-]+)(?P<title>\s+"[^"]*")?\s*$')

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
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)  # [{"id", "title", "level"}] for h2/h3
    words: int = 0


class UnknownCallout(ValueError):
    def __init__(self, line_offset: int, kind: str):
        super().__init__(f'unknown callout "{kind}" (use {", ".join(CALLOUT_KINDS)})')
        self.line_offset = line_offset


class InvalidSourceCheck(UnknownCallout):
    """A source-check callout without its quote, document name or document text (a kind of
    callout error, so every caller that reports unknown callouts reports these too)."""

    def __init__(self, line_offset: int, message: str):
        ValueError.__init__(self, message)
        self.line_offset = line_offset


def _prepare_callouts(text: str) -> str:
    """Give every callout its default title and reject unknown kinds."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        match = _CALLOUT_LINE.match(line)
        if match is None:
            if line.startswith("!!!"):
                raise UnknownCallout(number, line[3:].strip().split(" ")[0] or "(none)")
            continue
        kind = match["kind"]
        if kind not in CALLOUT_KINDS:
            raise UnknownCallout(number, kind)
        if not match["title"]:
            lines[number] = f'!!! {kind} "{CALLOUT_KINDS[kind]}"'
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


def _flatten(tokens: list[dict]) -> list[dict]:
    entries = []
    for token in tokens:
        if token["level"] in (2, 3):
            entries.append({"id": token["id"], "title": token["name"], "level": token["level"]})
        entries.extend(_flatten(token["children"]))
    return entries


def render(text: str) -> Rendered:
    """Render course Markdown to sanitised HTML with the table of contents of its sections."""
    md = markdown.Markdown(
        extensions=["tables", "attr_list", "def_list", "admonition", "toc", "sane_lists", "abbr"],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-3"}},
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
