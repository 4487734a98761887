"""Matching a typed short answer against a question's accepted answers (pure Python).

Three ways to match, tried in order:

1. The normalised answer is one of the accepted answers (case, accents, punctuation and spacing
   do not matter; see normalise_text below).
2. The answer is one term with its abbreviation or expansion in brackets and nothing else,
   "Open Source Initiative (OSI)" or "OSI (Open Source Initiative)", and one side is an accepted
   answer while the other side is accepted too or is an abbreviation or expansion of it. A
   hedge such as "Llama 3 (Llama 4)" or "Zuckerberg (Altman)" is no such pair and stays wrong.
3. Only when the author allows typos: the answer has the same words as an accepted answer but
   one, and that word is one edit (a letter added, dropped, changed, or two neighbours swapped)
   from the accepted word, which has at least six letters and no digits. "Alexander Wang" earns
   credit for "Alexandr Wang", with a note to check the spelling; "Alexandr Wong" (a short word
   changed), "Wong" for "Wang" and "Llama 3" for "Llama 4" do not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`")


def normalise_text(text: str) -> str:
    """Casefold, strip accents, punctuation to spaces, collapse spaces ("Édouard-Grave" ->
    "edouard grave"). Apostrophes are dropped rather than spaced so "Meta's" matches "Metas".
    """
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.translate(_APOSTROPHES)
    spaced = "".join(ch if ch.isalnum() else " " for ch in stripped)
    return " ".join(spaced.split())


TYPO_MIN_LETTERS = 6
# Short words an abbreviation usually leaves out: "Department of Energy" -> "DOE" or "DE".
_SKIPPABLE = {"a", "an", "and", "de", "for", "in", "of", "on", "the", "to"}
_BRACKETED = re.compile(r"^\s*(?P<outer>[^()\[\]]+?)\s*\((?P<inner>[^()\[\]]+)\)[\s.!]*$")


@dataclass(frozen=True)
class TextMatch:
    correct: bool
    spelling: str = ""  # the accepted answer, when the answer was credited as a near miss


def _is_abbreviation(short: str, long: str) -> bool:
    """Whether the one-word `short` is built from the start of each word of `long`, in order:
    "osi" from "open source initiative", "fair" from "fundamental ai research"."""
    letters, words = short.replace(" ", ""), long.split()
    if " " in short or len(letters) < 2 or len(words) < 2:
        return False

    # Every letter position reachable after each word, word by word: at most len(letters) + 1
    # positions per word, so the cost is O(words x letters x word length), never exponential
    # (a search trying each skippable word both ways was: 400 characters took 30 s).
    reachable = {0}
    for word in words:
        after = set(reachable) if word in _SKIPPABLE else set()
        for position in reachable:
            for size in range(1, len(word) + 1):
                if letters[position : position + size] != word[:size]:
                    break
                after.add(position + size)
        if not after:
            return False
        reachable = after
    return len(letters) in reachable


def _same_term(one: str, other: str) -> bool:
    return _is_abbreviation(one, other) or _is_abbreviation(other, one)


def _bracketed_match(text: str, accepted: set[str]) -> bool:
    match = _BRACKETED.match(text)
    if match is None:
        return False
    outer, inner = normalise_text(match["outer"]), normalise_text(match["inner"])
    if not outer or not inner:
        return False
    if outer in accepted and inner in accepted:
        return True
    return (outer in accepted or inner in accepted) and _same_term(outer, inner)


def _one_edit_apart(one: str, other: str) -> bool:
    """True when `one` becomes `other` by exactly one insertion, deletion, substitution or swap
    of two neighbouring characters."""
    if one == other or abs(len(one) - len(other)) > 1:
        return False
    if len(one) == len(other):
        diffs = [i for i, (a, b) in enumerate(zip(one, other, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        first, second = diffs[0], diffs[-1]
        return (
            len(diffs) == 2
            and second == first + 1
            and one[first] == other[second]
            and one[second] == other[first]
        )
    shorter, longer = sorted((one, other), key=len)
    index = next(
        (i for i, (a, b) in enumerate(zip(shorter, longer, strict=False)) if a != b), len(shorter)
    )
    return shorter[index:] == longer[index + 1 :]


def _near_miss(answer: str, accepted: str) -> bool:
    given, wanted = answer.split(), accepted.split()
    if len(given) != len(wanted):
        return False
    different = [(g, w) for g, w in zip(given, wanted, strict=True) if g != w]
    if len(different) != 1:
        return False
    typed, word = different[0]
    if any(ch.isdigit() for ch in typed + word):
        return False
    return sum(ch.isalpha() for ch in word) >= TYPO_MIN_LETTERS and _one_edit_apart(typed, word)


def match_text(text: str, accepted: list[str], *, allow_typos: bool = False) -> TextMatch:
    """Whether the typed `text` matches one of the author's `accepted` answers."""
    normalised = normalise_text(text)
    pairs = [(answer, normalise_text(answer)) for answer in accepted]
    accepted_set = {norm for _answer, norm in pairs}
    if normalised in accepted_set or _bracketed_match(text, accepted_set):
        return TextMatch(correct=True)
    if allow_typos:
        for answer, norm in pairs:
            if _near_miss(normalised, norm):
                return TextMatch(correct=True, spelling=answer)
    return TextMatch(correct=False)
