"""What single choice and multiple select share: a list of options, some of them correct.

Spec: {"options": [{"key": "a", "html": "<p>..</p>", "text": "plain text", "correct": bool,
                    "feedback_html": ""}, ...]}
Input: {"choices": ["a", ...]}
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Mapping
from typing import Any

from courses.rendering import render_inline
from quizzes.questiontypes.base import (
    LETTERS,
    AnswerData,
    AnswerForm,
    FormOption,
    InvalidAnswer,
    PaperItem,
    QuestionType,
    Spec,
    SpecChecker,
    Token,
    paper_letters,
)

OPTION_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
OPTION_FIELDS = {"key", "text", "correct", "feedback"}
NOT_AN_OPTION = "That option is not part of this question. Choose from the list."
_ONE_PARAGRAPH = re.compile(r"^\s*<p>(?P<inner>(?:(?!</?p[\s>]).)*)</p>\s*$", re.DOTALL)

Option = dict[str, Any]


def label_html(html: str) -> str:
    """Sanitised HTML of one paragraph without its <p>, so it can sit inside a <label>."""
    match = _ONE_PARAGRAPH.match(html or "")
    return match["inner"] if match else html


def join_texts(options: list[Option]) -> str:
    """Option texts as one line: "A; B; C" (a full stop before a semicolon is dropped)."""
    texts = [str(option["text"]) for option in options]
    return "; ".join([text.rstrip(".") for text in texts[:-1]] + texts[-1:])


def join_feedback(options: list[Option]) -> str:
    """The feedback of the options picked, each distinct text once (authors often give every
    right option the same "Yes.")."""
    feedback = [str(option["feedback_html"]) for option in options if option.get("feedback_html")]
    return "\n".join(dict.fromkeys(feedback))


def chosen_keys(data: AnswerData) -> list[str]:
    """The option keys in the input, each once, in the order given."""
    raw = data.get("choices")
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple | set | frozenset):
        raise InvalidAnswer("Choose an option from the list.")
    keys: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise InvalidAnswer("Choose an option from the list.")
        if item and item not in keys:
            keys.append(item)
    return keys


def picked_options(spec: Spec, data: AnswerData) -> list[Option]:
    """The spec's options chosen in the input, in author order."""
    chosen = set(chosen_keys(data))
    options: list[Option] = spec["options"]
    if chosen - {option["key"] for option in options}:
        raise InvalidAnswer(NOT_AN_OPTION)
    return [option for option in options if option["key"] in chosen]


class OptionsType(QuestionType):
    """A question answered by choosing among the author's options."""

    fields = frozenset({"options"})
    analyses_options = True
    several_correct: bool  # whether the bank may mark more than one option correct

    def build_spec(self, check: SpecChecker, item: Any, label: str) -> dict[str, Any] | None:
        raw = item.get("options")
        if not isinstance(raw, list) or len(raw) < 2:
            check.add(
                check.line(item, "options"), f"{label}: options must be a list of at least two"
            )
            return None
        options: list[Option] = []
        keys: set[str] = set()
        texts: set[str] = set()
        ok = True
        for index, entry in enumerate(raw):
            if not check.is_mapping(entry):
                check.add(
                    check.line(item, "options"), f"{label}: option {index + 1} must have a text"
                )
                ok = False
                continue
            option_label = f"{label}, option {index + 1}"
            check.unknown_fields(entry, OPTION_FIELDS, option_label)
            text = check.text(entry, "text", option_label)
            key = entry.get("key", string.ascii_lowercase[index] if index < 26 else str(index + 1))
            if not isinstance(key, str) or not OPTION_KEY_RE.match(key):
                check.add(
                    check.line(entry, "key"),
                    f"{option_label}: key {key!r} must be letters, digits, - or _ (20 at most)",
                )
                ok = False
            elif key in keys:
                check.add(check.line(entry, "key"), f'{label}: duplicate option key "{key}"')
                ok = False
            keys.add(key)
            correct = entry.get("correct", False)
            if not isinstance(correct, bool):
                check.add(
                    check.line(entry, "correct"), f"{option_label}: correct must be true or false"
                )
                ok = False
            feedback = check.text(entry, "feedback", option_label, required=False)
            if text is None:
                ok = False
                continue
            option_html = check.markdown(entry, "text", option_label)
            option_text = check.plain_text(option_html)
            if option_text in texts:
                check.add(check.line(entry, "text"), f'{label}: two options read "{option_text}"')
                ok = False
            texts.add(option_text)
            options.append(
                {
                    "key": key,
                    "html": option_html,
                    "text": option_text,
                    "correct": correct is True,
                    "feedback_html": render_inline(feedback) if feedback else "",
                }
            )
        if not ok:
            return None
        correct_count = sum(1 for option in options if option["correct"])
        if correct_count == 0:
            check.add(check.line(item, "options"), f"{label}: no option is marked correct: true")
            return None
        if not self.several_correct and correct_count > 1:
            check.add(
                check.line(item, "options"),
                f"{label}: {correct_count} options are correct; a {self.name} question needs "
                "exactly one (use type: multiple for several)",
            )
            return None
        return {"options": options}

    # --- the form ---------------------------------------------------------------------------

    def choice_items(self, form: AnswerForm, options: list[Option], token: Token) -> list[Any]:
        """Set the form's option tokens and the items its template draws; the field choices."""
        form.option_keys = {token(option["key"]): option["key"] for option in options}
        selected = set(form.data.getlist("choice")) if form.is_bound else set()
        form.items = [
            {
                "value": value,
                "id": f"{form.html_id}-option-{index}",
                "html": label_html(option.get("html") or option["text"]),
                "checked": value in selected,
            }
            for index, (value, option) in enumerate(zip(form.option_keys, options, strict=True), 1)
        ]
        return [
            (item["value"], option["text"])
            for item, option in zip(form.items, options, strict=True)
        ]

    def shuffled(self, spec: Spec, rng: random.Random) -> list[Option]:
        options = list(spec["options"])
        rng.shuffle(options)
        return options

    def answer_data(self, form: AnswerForm, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        values = cleaned["choice"]
        values = [values] if isinstance(values, str) else values
        return {"choices": [form.option_keys[value] for value in values]}

    # --- grading ----------------------------------------------------------------------------

    def model_answer(self, spec: Spec) -> dict[str, Any]:
        return {"choices": [option["key"] for option in spec["options"] if option["correct"]]}

    def correct_display(self, spec: Spec) -> str:
        return join_texts([option for option in spec["options"] if option["correct"]])

    # --- item analysis ----------------------------------------------------------------------

    def option_keys(self, spec: Spec) -> tuple[str, ...]:
        return tuple(option["key"] for option in spec.get("options", []))

    def option_marks(self, spec: Spec) -> tuple[float, ...]:
        return tuple(1.0 if option.get("correct") else 0.0 for option in spec.get("options", []))

    def option_labels(self, spec: Spec) -> dict[str, str]:
        return {option["key"]: option.get("text", "") for option in spec.get("options", [])}

    def correct_keys(self, spec: Spec) -> set[str]:
        return {option["key"] for option in spec.get("options", []) if option.get("correct")}

    def chosen(self, answer: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(answer.get("choices", ()))

    # --- the course linter and the review pack ----------------------------------------------

    def form_options(self, spec: Spec) -> list[FormOption]:
        return [FormOption(str(o["text"]), bool(o["correct"])) for o in spec.get("options", [])]

    def stated_texts(self, spec: Spec) -> list[str]:
        return [str(o["text"]) for o in spec.get("options", []) if o.get("correct")]

    def distractor_texts(self, spec: Spec) -> list[str]:
        return [str(o["text"]) for o in spec.get("options", []) if not o.get("correct")]

    def feedback_texts(self, spec: Spec) -> list[str]:
        return [str(o["feedback_html"]) for o in spec.get("options", []) if o.get("feedback_html")]

    paper_instruction = "Choose one."

    def paper(self, spec: Spec, rng: random.Random) -> PaperItem:
        options = self.shuffled(spec, rng)
        letters = LETTERS[: len(options)]
        return PaperItem(
            instruction=self.paper_instruction,
            choices=[(letter, str(o["text"])) for letter, o in zip(letters, options, strict=True)],
            keys={letter: o["key"] for letter, o in zip(letters, options, strict=True)},
        )

    def paper_answer(self, spec: Spec, paper: PaperItem, value: Any) -> dict[str, Any]:
        letters = paper_letters(value, paper)
        if not letters:
            raise InvalidAnswer("write the letter of your choice")
        if not self.several_correct and len(letters) > 1:
            raise InvalidAnswer("choose only one letter")
        return {"choices": [paper.keys[letter] for letter in letters]}

    # --- the demo class ---------------------------------------------------------------------

    def right_and_wrong(self, spec: Spec) -> tuple[list[str], list[str]]:
        """The keys of the right options and of the wrong ones, in author order."""
        options = spec["options"]
        right = [option["key"] for option in options if option.get("correct")]
        wrong = [option["key"] for option in options if not option.get("correct")]
        return right, wrong


def misconception(rng: random.Random, wrong: list[str]) -> str:
    """A wrong option, the first three times as often as each other (a plausible mistake)."""
    return rng.choices(wrong, weights=[3] + [1] * (len(wrong) - 1))[0]
