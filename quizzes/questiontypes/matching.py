"""Matching: pair each item on the left with one on the right.

Spec: {"pairs": [{"key": "1", "left_html": "..", "left": "plain", "right_key": "r1"}, ...],
       "rights": [{"key": "r1", "text": "plain"}, ...]}  (all right-hand items, distractors too)
Input: {"pairs": {"1": "r2", ...}}: every left item answered with a known right key; the score
is the share of correct pairs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

from django import forms

from quizzes.matching_display import duplicate_choice, pair_rows, pairs_text, rights_unique
from quizzes.questiontypes import register
from quizzes.questiontypes.base import (
    LETTERS,
    AnswerData,
    AnswerForm,
    AnswerTable,
    Grade,
    InvalidAnswer,
    PaperItem,
    QuestionType,
    Shape,
    Spec,
    SpecChecker,
    Token,
)
from quizzes.questiontypes.options import NOT_AN_OPTION, label_html

PAIR_FIELDS = {"left", "right"}


@register
class Matching(QuestionType):
    name = "matching"
    label = "Matching"
    shape = Shape.PAIRS
    fields = frozenset({"pairs", "distractors"})
    # Not named by the mastery spec; treated like multiple select: blind matching rarely
    # scores 1.
    guess_rate = 0.10

    def build_spec(self, check: SpecChecker, item: Any, label: str) -> dict[str, Any] | None:
        raw = item.get("pairs")
        if not isinstance(raw, list) or len(raw) < 2:
            check.add(check.line(item, "pairs"), f"{label}: pairs must be a list of at least two")
            return None
        pairs: list[dict[str, str]] = []
        rights: list[dict[str, str]] = []
        right_keys: dict[str, str] = {}
        lefts: set[str] = set()
        ok = True

        def right_key(text: str) -> str:
            if text not in right_keys:
                right_keys[text] = f"r{len(right_keys) + 1}"
                rights.append({"key": right_keys[text], "text": text})
            return right_keys[text]

        for index, entry in enumerate(raw):
            pair_label = f"{label}, pair {index + 1}"
            if not check.is_mapping(entry):
                check.add(check.line(item, "pairs"), f"{pair_label}: needs a left and a right")
                ok = False
                continue
            check.unknown_fields(entry, PAIR_FIELDS, pair_label)
            left = check.text(entry, "left", pair_label)
            right = check.text(entry, "right", pair_label)
            if left is None or right is None:
                ok = False
                continue
            left_html = check.markdown(entry, "left", pair_label)
            left_text = check.plain_text(left_html)
            if left_text in lefts:
                check.add(
                    check.line(entry), f'{label}: two pairs have the left item "{left_text}"'
                )
                ok = False
            lefts.add(left_text)
            pairs.append(
                {
                    "key": str(index + 1),
                    "left_html": left_html,
                    "left": left_text,
                    "right_key": right_key(check.plain_text(check.inline_html(right))),
                }
            )
        distractors = item.get("distractors", [])
        if not isinstance(distractors, list):
            check.add(check.line(item, "distractors"), f"{label}: distractors must be a list")
            return None
        matched = set(right_keys)
        for index, value in enumerate(distractors):
            if (
                isinstance(value, bool)
                or not isinstance(value, str | int | float)
                or not str(value)
            ):
                check.add(
                    check.line(item, "distractors"),
                    f"{label}: distractor {index + 1} must be text",
                )
                ok = False
                continue
            text = check.plain_text(check.inline_html(str(value)))
            if text in matched:
                check.add(
                    check.line(item, "distractors"),
                    f'{label}: distractor "{text}" is also the right item of a pair',
                )
                ok = False
            right_key(text)
        if len(right_keys) < 2 and ok:
            check.add(check.line(item, "pairs"), f"{label}: every pair has the same right item")
            ok = False
        return {"pairs": pairs, "rights": rights} if ok else None

    def build_fields(self, form: AnswerForm, spec: Spec, rng: random.Random, token: Token) -> None:
        pairs = list(spec["pairs"])
        rng.shuffle(pairs)
        rights = list(spec["rights"])
        rng.shuffle(rights)
        form.right_keys = {token(f"right:{right['key']}"): right["key"] for right in rights}
        choices = [
            (value, right["text"]) for value, right in zip(form.right_keys, rights, strict=True)
        ]
        form.left_keys = {}
        form.rights_unique = rights_unique(spec)  # the legend says whether an option repeats
        form.rows = []
        for index, pair in enumerate(pairs, 1):
            name = f"pair-{index}"
            form.left_keys[name] = pair["key"]
            form.fields[name] = forms.ChoiceField(
                choices=[("", "Choose…"), *choices],
                error_messages={
                    "required": "Match every item on the left.",
                    "invalid_choice": NOT_AN_OPTION,
                },
            )
            chosen = form.data.get(name) if form.is_bound else None
            form.rows.append(
                {
                    "name": name,
                    "id": f"{form.html_id}-{name}",
                    "left_html": label_html(pair.get("left_html") or pair["left"]),
                    "options": [
                        {"value": value, "text": text, "selected": value == chosen}
                        for value, text in choices
                    ],
                }
            )

    def answer_data(self, form: AnswerForm, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "pairs": {
                left: form.right_keys[cleaned[name]] for name, left in form.left_keys.items()
            }
        }

    def check_answer(self, spec: Spec, data: AnswerData) -> None:
        twice = duplicate_choice(spec, data.get("pairs") or {})
        if twice:
            raise InvalidAnswer(
                f"You chose “{twice}” for more than one item. Each option fits one item "
                "only: choose a different one for each.",
                code="duplicate_choice",
            )

    def grade(self, spec: Spec, data: AnswerData) -> Grade:
        given = data.get("pairs")
        if not isinstance(given, Mapping):
            raise InvalidAnswer("Match every item on the left.")
        pairs = spec["pairs"]
        rights = {right["key"]: right["text"] for right in spec["rights"]}
        lefts = {pair["key"] for pair in pairs}
        if set(given) - lefts:
            raise InvalidAnswer("That item is not part of this question.")
        answer: dict[str, str] = {}
        for pair in pairs:
            chosen = given.get(pair["key"])
            if not chosen:
                raise InvalidAnswer("Match every item on the left.")
            if not isinstance(chosen, str) or chosen not in rights:
                raise InvalidAnswer(
                    "That choice is not part of this question. Choose from the list."
                )
            answer[pair["key"]] = chosen
        right_count = sum(1 for pair in pairs if answer[pair["key"]] == pair["right_key"])
        score = right_count / len(pairs)
        return Grade(
            score=score,
            correct=score == 1.0,
            answer_display="; ".join(f"{p['left']} → {rights[answer[p['key']]]}" for p in pairs),
            correct_display=self.correct_display(spec),
            feedback_html="",
            answer={"pairs": answer},
        )

    def model_answer(self, spec: Spec) -> dict[str, Any]:
        return {"pairs": {pair["key"]: pair["right_key"] for pair in spec["pairs"]}}

    def correct_display(self, spec: Spec) -> str:
        rights = {right["key"]: right["text"] for right in spec["rights"]}
        return "; ".join(f"{p['left']} → {rights[p['right_key']]}" for p in spec["pairs"])

    def simulated_answer(self, rng: random.Random, spec: Spec, correct: bool) -> dict[str, Any]:
        pairs = spec["pairs"]
        given = {pair["key"]: pair["right_key"] for pair in pairs}
        if not correct and len(pairs) > 1:
            a, b = rng.sample(range(len(pairs)), 2)
            ka, kb = pairs[a]["key"], pairs[b]["key"]
            given[ka], given[kb] = given[kb], given[ka]
        return {"pairs": given}

    def answer_table(self, spec: Spec, answer: Mapping[str, Any] | None) -> AnswerTable:
        return AnswerTable(
            template="quizzes/_matching_table.html",
            rows=pair_rows(spec, answer),
            admin_template="admin/progress/_pairs.html",
        )

    def answer_lines(self, spec: Spec, answer: Mapping[str, Any], *, marked: bool) -> list[str]:
        rows = pair_rows(spec, answer)
        if marked:
            return pairs_text(rows).split("\n")
        return [f"{row['left']} → {row['chosen']}" for row in rows]

    def answer_summary(self, spec: Spec, answer: Mapping[str, Any]) -> str | None:
        rows = pair_rows(spec, answer)
        return f"{sum(1 for row in rows if row['is_right'])} of {len(rows)} pairs right"

    def answer_key_lines(self, spec: Spec) -> list[str]:
        return [f"{row['left']} → {row['correct']}" for row in pair_rows(spec, None)]

    def pairs(self, spec: Spec) -> list[tuple[str, str]]:
        rights = {right["key"]: right["text"] for right in spec["rights"]}
        return [(str(pair["left"]), str(rights[pair["right_key"]])) for pair in spec["pairs"]]

    def stated_texts(self, spec: Spec) -> list[str]:
        rights = {right["key"]: right["text"] for right in spec["rights"]}
        return [f"{pair['left']} {rights[pair['right_key']]}" for pair in spec["pairs"]]

    def paper(self, spec: Spec, rng: random.Random) -> PaperItem:
        pairs = list(spec["pairs"])
        rng.shuffle(pairs)
        rights = list(spec["rights"])
        rng.shuffle(rights)
        letters = LETTERS[: len(rights)]
        keys = {str(n): pair["key"] for n, pair in enumerate(pairs, 1)}
        keys |= {letter: right["key"] for letter, right in zip(letters, rights, strict=True)}
        return PaperItem(
            instruction="Match each numbered item with one lettered item (a letter may be used "
            "more than once, or not at all).",
            rows=[(str(n), str(pair["left"])) for n, pair in enumerate(pairs, 1)],
            choices=[(letter, str(r["text"])) for letter, r in zip(letters, rights, strict=True)],
            keys=keys,
        )

    def paper_answer(self, spec: Spec, paper: PaperItem, value: Any) -> dict[str, Any]:
        """`{1: B, 2: A}`, or "1B 2A" / "1-B, 2-A" in one string."""
        if isinstance(value, str):
            found = re.findall(r"(\d+)\s*[-:=.)]?\s*([A-Za-z])\b", value)
            value = dict(found)
        if not isinstance(value, Mapping):
            raise InvalidAnswer("write each number with a letter, as {1: B, 2: A}")
        given: dict[str, str] = {}
        rows = {number for number, _text in paper.rows}
        for number, letter in value.items():
            number, letter = str(number).strip(), str(letter).strip().upper()
            if number not in rows:
                raise InvalidAnswer(f"there is no item {number}")
            if letter not in paper.keys or letter in rows:
                raise InvalidAnswer(f"no choice {letter} for item {number}")
            given[paper.keys[number]] = paper.keys[letter]
        return {"pairs": given}
