"""The answer form, built for one question of one attempt from its version's spec.

Nothing in the form tells which option is correct: options are shown in an order drawn from
the attempt's seed (quizzes.draw.option_rng), and their values are HMAC tokens of the attempt,
question and option key, so neither the order nor the values nor the keys an author wrote
("a" first...) leak the answer. The same attempt and question always give the same order and
tokens, so a reload or a re-render after an error shows exactly the same form.

Each type's markup is its own template fragment, templates/quizzes/fields/<type>.html; the
form gives it `items` (radio buttons and checkboxes) or `rows` (matching) to draw.
"""

import re

from django import forms
from django.utils.crypto import salted_hmac

from quizzes import grading
from quizzes.draw import option_rng
from quizzes.matching_display import duplicate_choice, rights_unique
from quizzes.models import QuestionType

NOT_AN_OPTION = "That option is not part of this question. Choose from the list."
_ONE_PARAGRAPH = re.compile(r"^\s*<p>(?P<inner>(?:(?!</?p[\s>]).)*)</p>\s*$", re.DOTALL)


def inline_html(html):
    """Sanitised HTML of one paragraph without its <p>, so it can sit inside a <label>."""
    match = _ONE_PARAGRAPH.match(html or "")
    return match["inner"] if match else html


def option_token(attempt, question_id, key):
    """The value sent for one option: opaque, stable for the attempt, unguessable."""
    message = f"{attempt.pk}:{attempt.seed}:{question_id}:{key}"
    return "o" + salted_hmac("quizzes.option", message, algorithm="sha256").hexdigest()[:20]


class AnswerForm(forms.Form):
    """Validates a learner's answer and grades it: after is_valid(), `self.grade` is set.

    Bad input (nothing chosen, an unknown option token, text for a numeric question...)
    becomes a form error with a sentence for the learner; grading.InvalidAnswer is one too.
    """

    def __init__(self, data=None, *, attempt, question, version):
        super().__init__(data)
        self.qtype = question.type
        self.spec = version.spec
        self.html_id = f"q{question.pk}"
        self.grade = None
        rng = option_rng(attempt.seed, question.pk)

        def token(key):
            return option_token(attempt, question.pk, key)

        getattr(self, f"_build_{self.qtype}")(rng, token)

    # --- building the fields for each type -----------------------------------------------

    def _choice_items(self, options, token):
        self.option_keys = {token(option["key"]): option["key"] for option in options}
        selected = set(self.data.getlist("choice")) if self.is_bound else set()
        self.items = [
            {
                "value": value,
                "id": f"{self.html_id}-option-{index}",
                "html": inline_html(option.get("html") or option["text"]),
                "checked": value in selected,
            }
            for index, (value, option) in enumerate(zip(self.option_keys, options, strict=True), 1)
        ]
        return [
            (item["value"], option["text"])
            for item, option in zip(self.items, options, strict=True)
        ]

    def _build_single(self, rng, token):
        options = list(self.spec["options"])
        rng.shuffle(options)
        self.fields["choice"] = forms.ChoiceField(
            choices=self._choice_items(options, token),
            error_messages={"required": "Choose one option.", "invalid_choice": NOT_AN_OPTION},
        )

    def _build_multiple(self, rng, token):
        options = list(self.spec["options"])
        rng.shuffle(options)
        self.fields["choice"] = forms.MultipleChoiceField(
            choices=self._choice_items(options, token),
            error_messages={
                "required": "Choose at least one option.",
                "invalid_choice": NOT_AN_OPTION,
                "invalid_list": NOT_AN_OPTION,
            },
        )

    def _build_truefalse(self, rng, token):
        chosen = self.data.get("value") if self.is_bound else None
        self.items = [
            {
                "value": value,
                "id": f"{self.html_id}-{value}",
                "html": label,
                "checked": chosen == value,
            }
            for value, label in (("true", "True"), ("false", "False"))
        ]
        self.fields["value"] = forms.ChoiceField(
            choices=[("true", "True"), ("false", "False")],
            error_messages={
                "required": "Choose true or false.",
                "invalid_choice": "Choose true or false.",
            },
        )

    def _text_field(self, *, inputmode, required):
        return forms.CharField(
            max_length=grading.MAX_TEXT_LENGTH,
            error_messages={
                "required": required,
                "max_length": f"Keep your answer under {grading.MAX_TEXT_LENGTH} characters.",
            },
            widget=forms.TextInput(
                attrs={
                    "inputmode": inputmode,
                    "autocomplete": "off",
                    "spellcheck": "false",
                    "autocapitalize": "off",
                    "id": f"{self.html_id}-text",
                }
            ),
        )

    def _build_numeric(self, rng, token):
        # No example numbers in the messages or the hint: one could be the answer.
        self.units = bool(self.spec.get("units"))
        self.fields["text"] = self._text_field(inputmode="decimal", required="Enter a number.")
        self.unit_label = self.spec.get("unit_label") or ""

    def _build_text(self, rng, token):
        self.fields["text"] = self._text_field(inputmode="text", required="Type your answer.")

    def _build_matching(self, rng, token):
        pairs = list(self.spec["pairs"])
        rng.shuffle(pairs)
        rights = list(self.spec["rights"])
        rng.shuffle(rights)
        self.right_keys = {token(f"right:{right['key']}"): right["key"] for right in rights}
        choices = [
            (value, right["text"]) for value, right in zip(self.right_keys, rights, strict=True)
        ]
        self.left_keys = {}
        self.rows = []
        for index, pair in enumerate(pairs, 1):
            name = f"pair-{index}"
            self.left_keys[name] = pair["key"]
            self.fields[name] = forms.ChoiceField(
                choices=[("", "Choose…"), *choices],
                error_messages={
                    "required": "Match every item on the left.",
                    "invalid_choice": NOT_AN_OPTION,
                },
            )
            chosen = self.data.get(name) if self.is_bound else None
            self.rows.append(
                {
                    "name": name,
                    "id": f"{self.html_id}-{name}",
                    "left_html": inline_html(pair.get("left_html") or pair["left"]),
                    "options": [
                        {"value": value, "text": text, "selected": value == chosen}
                        for value, text in choices
                    ],
                }
            )

    # --- validation -----------------------------------------------------------------------

    def answer_data(self):
        """The cleaned input in grading's shape, with option keys instead of tokens."""
        data = self.cleaned_data
        match self.qtype:
            case QuestionType.SINGLE:
                return {"choices": [self.option_keys[data["choice"]]]}
            case QuestionType.MULTIPLE:
                return {"choices": [self.option_keys[value] for value in data["choice"]]}
            case QuestionType.TRUEFALSE:
                return {"value": data["value"]}
            case QuestionType.MATCHING:
                return {
                    "pairs": {
                        left: self.right_keys[data[name]] for name, left in self.left_keys.items()
                    }
                }
            case _:
                return {"text": data["text"]}

    def clean(self):
        cleaned = super().clean()
        if not self.errors and self.qtype == "matching":
            twice = duplicate_choice(self.spec, self.answer_data()["pairs"])
            if twice:
                raise forms.ValidationError(
                    f"You chose “{twice}” for more than one item. Each option fits one item "
                    "only: choose a different one for each.",
                    code="duplicate_choice",
                )
        if not self.errors:
            try:
                self.grade = grading.grade(self.qtype, self.spec, self.answer_data())
            except grading.InvalidAnswer as error:
                raise forms.ValidationError(str(error), code="invalid_answer") from None
        return cleaned

    @property
    def messages(self):
        """Every error as one flat list of sentences (each said once)."""
        seen = []
        for errors in self.errors.values():
            for message in errors:
                if message not in seen:
                    seen.append(message)
        return seen

    @property
    def rights_unique(self):
        """Matching: whether each right-hand option fits one item only (the legend says so)."""
        return rights_unique(self.spec)
