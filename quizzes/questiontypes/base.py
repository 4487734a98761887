"""What every question type provides, and the pieces several types share.

A question type is one subclass of `QuestionType` in one module of this package, registered
with `quizzes.questiontypes.register`. Its author data is stored as JSON on
`QuestionVersion.spec`; the class turns bank YAML into that spec (`build_spec`), builds the
answer form's fields (`build_fields`, drawn by `template`), turns the cleaned form back into
grading input (`answer_data`) and grades it (`grade`). The rest has defaults derived from
those, which a type overrides where it has more to say: the answer in words or part by part
for the feedback, admin and exports, the guess rate for the mastery model and the guessing
baseline for item analysis, the options a learner chose, the texts and facts the course linter
reads, the interchange shape, the printed form of the review pack, a simulated answer for the
demo class.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from django import forms

Spec = Mapping[str, Any]
AnswerData = Mapping[str, Any]
Token = Callable[[str], str]  # option key -> the opaque value sent by the browser
# The answer form (quizzes.forms.AnswerForm): a type adds its fields to it, and the attributes
# its template draws (items, rows...).
AnswerForm = Any

MAX_TEXT_LENGTH = 500  # longer typed answers are refused, never stored


class Shape(StrEnum):
    """What a question is in the vocabulary the interchange formats share (GIFT, Moodle XML,
    QTI: interchange/). A format writes and reads shapes, never our type names: a type says
    which shape its bank items have (`QuestionType.shape`), and a question read from a file
    becomes the first registered type of its shape."""

    ONE_CHOICE = "one-choice"  # options, one of them correct
    SEVERAL_CHOICES = "several-choices"  # options, every correct one to choose, partial credit
    TRUE_FALSE = "true-false"  # a statement; answer true or false
    NUMBER = "number"  # a typed number with a tolerance
    SHORT_TEXT = "short-text"  # a typed text, one of the accepted answers
    PAIRS = "pairs"  # items matched with answers, distractors among them


class InvalidAnswer(ValueError):
    """The input cannot be graded; str(error) is a sentence for the learner, `code` names the
    problem for the answer form's error."""

    def __init__(self, message: str, *, code: str = "invalid_answer") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class FormOption:
    """An option as its form shows it to a learner who does not know the answer: its text, and
    whether it is correct (for the course linter's form cues, authoring/formcues.py)."""

    text: str
    correct: bool


@dataclass
class PaperItem:
    """A question printed for a blind reviewer (`manage.py review_pack`): how to answer, its
    lettered choices or numbered rows in a seeded order, and what each label stands for."""

    instruction: str
    choices: list[tuple[str, str]] = field(default_factory=list)  # (letter, text)
    rows: list[tuple[str, str]] = field(default_factory=list)  # (number, text): matching
    keys: dict[str, str] = field(default_factory=dict)  # letter or number -> key in the spec


@dataclass(frozen=True)
class Grade:
    score: float  # in [0, 1]
    correct: bool  # score == 1
    answer_display: str  # the learner's answer in words, plain text
    correct_display: str  # the correct answer in words, plain text
    feedback_html: str  # author feedback for what was chosen, may be ""
    answer: dict[str, Any] = field(default_factory=dict)  # normalised, JSON-serialisable


@dataclass(frozen=True)
class AnswerTable:
    """An answer shown part by part (a row per pair, per option) rather than in one line: the
    result a learner sees after answering, and the answer's page in the admin."""

    template: str  # the learner's fragment; it reads `table` (rows, rule)
    rows: list[dict[str, Any]]
    rule: dict[str, int] | None = None  # how the parts make the score, when it says more
    shows_feedback: bool = False  # the rows carry the feedback: not shown again below them
    admin_template: str | None = None  # the admin's fragment (reads `rows`); None: one line


class SpecChecker(Protocol):
    """What the question bank parser (authoring.bank) gives `build_spec` to report problems.

    Items are the bank's YAML mappings; `line(item, name)` is the line of a field (of the
    mapping itself when name is None), for messages.
    """

    def add(self, line: int, message: str) -> None: ...

    def text(self, item: Any, name: str, label: str, *, required: bool = True) -> str | None: ...

    def markdown(self, item: Any, name: str, label: str, *, block: bool = False) -> str: ...

    def unknown_fields(self, item: Any, allowed: set[str], label: str) -> None: ...

    def line(self, data: Any, key: str | None = None, default: int = 1) -> int: ...

    def is_mapping(self, value: Any) -> bool: ...

    def inline_html(self, markdown_text: str) -> str: ...

    def plain_text(self, html_text: str) -> str: ...


class QuestionType(ABC):
    """One kind of question. Subclasses set the class attributes and implement the abstract
    methods (registering a class that lacks one fails with TypeError); the other methods have
    defaults that suit most types."""

    name: ClassVar[str]  # stored in Question.type and written as `type:` in the bank
    label: ClassVar[str]  # for people: "Single choice"
    fields: ClassVar[frozenset[str]]  # the bank YAML fields of this type, beside the common ones
    guess_rate: ClassVar[float]  # chance of a right answer without knowing (mastery G)
    # Whether item analysis counts which options were chosen (see `option_keys`, `chosen`).
    analyses_options: ClassVar[bool] = False
    # The shape of its bank items in the interchange formats; None: they cannot hold it.
    shape: ClassVar[Shape | None] = None

    @property
    def template(self) -> str:
        """The answer form's markup for this type."""
        return f"quizzes/fields/{self.name}.html"

    # --- authoring ------------------------------------------------------------------------

    @abstractmethod
    def build_spec(self, check: SpecChecker, item: Any, label: str) -> dict[str, Any] | None:
        """The spec for one bank item, or None after reporting each problem to `check`."""

    # --- taking the question ----------------------------------------------------------------

    @abstractmethod
    def build_fields(self, form: AnswerForm, spec: Spec, rng: random.Random, token: Token) -> None:
        """Add the answer form's fields (and what `template` draws) to `form`.

        Nothing sent to the browser may reveal the answer: shuffle with `rng`, and send
        `token(key)` rather than an option's key."""

    @abstractmethod
    def answer_data(self, form: AnswerForm, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        """The form's cleaned data as grading input (option keys instead of tokens)."""

    @abstractmethod
    def grade(self, spec: Spec, data: AnswerData) -> Grade:
        """Grade input `data`; raise InvalidAnswer (a sentence for the learner) if it cannot
        be graded. The returned `answer` grades the same when passed back in."""

    @abstractmethod
    def model_answer(self, spec: Spec) -> dict[str, Any]:
        """Input that answers the question fully correctly."""

    def check_answer(self, spec: Spec, data: AnswerData) -> None:
        """Refuse input the form accepts but that is certainly a slip, before grading it (a
        matching answer choosing one option for two items when each fits one only): raise
        InvalidAnswer with a sentence for the learner and a `code`. Most types have none."""
        return None

    def guess(self, spec: Spec) -> float:
        """The mastery model's guess parameter G for this question."""
        return self.guess_rate

    def guess_score(self, spec: Spec) -> float | None:
        """The expected score in [0, 1] of a learner who answers at random, item analysis's
        guessing baseline; None when there is no meaningful one (a typed answer, a choice of
        several options)."""
        return None

    # --- showing it to instructors ------------------------------------------------------------

    def correct_display(self, spec: Spec) -> str:
        """The correct answer in words, plain text, as the learner's feedback shows it."""
        return self.grade(spec, self.model_answer(spec)).correct_display

    def answer_key(self, spec: Spec) -> str:
        """The correct answer in words for instructors (admin, reports): `correct_display`
        unless the type has more to tell, such as every accepted spelling."""
        return self.correct_display(spec)

    def answer_table(self, spec: Spec, answer: Mapping[str, Any] | None) -> AnswerTable | None:
        """The answer (the correct one alone when `answer` is None) shown part by part, or
        None when one line says it all (`answer_display` and `correct_display`)."""
        return None

    def answer_lines(self, spec: Spec, answer: Mapping[str, Any], *, marked: bool) -> list[str]:
        """A stored answer in words, plain text, one part a line; each part marked right or
        wrong when `marked` (CSV exports, the admin). One line for most types: the caller's
        `answer_display`, the empty list here, says it all."""
        return []

    def answer_summary(self, spec: Spec, answer: Mapping[str, Any]) -> str | None:
        """A short account of an answer for a table column ("2 of 3 pairs right"), or None
        for the answer itself."""
        return None

    def answer_key_lines(self, spec: Spec) -> list[str]:
        """`answer_key` one part a line, for the admin."""
        return [self.answer_key(spec)]

    def option_keys(self, spec: Spec) -> tuple[str, ...]:
        """The options item analysis counts, in author order (empty for typed answers)."""
        return ()

    def option_marks(self, spec: Spec) -> tuple[float, ...]:
        """The mark of each of `option_keys` chosen alone (for the random guess score)."""
        return ()

    def option_labels(self, spec: Spec) -> dict[str, str]:
        """Option key -> its text, for the item analysis table."""
        return {}

    def correct_keys(self, spec: Spec) -> set[str]:
        """The keys of the correct options."""
        return set()

    def chosen(self, answer: Mapping[str, Any]) -> tuple[str, ...]:
        """The option keys a stored answer chose (empty for typed answers)."""
        return ()

    # --- what the course linter reads (authoring/lint.py, authoring/formcues.py) ---------------

    def form_options(self, spec: Spec) -> list[FormOption]:
        """The author-written options a learner picks from, for the form cues (longest,
        shortest, hedged...); empty when the answer is not picked from author texts."""
        return []

    def stated_texts(self, spec: Spec) -> list[str]:
        """Texts the question shows as true before it is answered (a correct option, a
        matching pair), plain text: another question's answer must not be among them."""
        return []

    def distractor_texts(self, spec: Spec) -> list[str]:
        """Texts the question shows as wrong answers, plain text."""
        return []

    def feedback_texts(self, spec: Spec) -> list[str]:
        """Feedback (HTML) a learner may see after answering, before a later question."""
        return []

    def key_side(self, spec: Spec) -> str | None:
        """For a question with two fixed answers (true/false), the side of its key; else None."""
        return None

    def typed_answers(self, spec: Spec) -> list[str]:
        """The accepted answers of a typed text answer, any one of which is right (the linter
        looks for each in the lessons and in other questions); empty for other answers."""
        return []

    def number_answer(self, spec: Spec) -> float | None:
        """The value a typed numeric answer must give, or None."""
        return None

    def pairs(self, spec: Spec) -> list[tuple[str, str]]:
        """(left, right) texts of a question answered by pairing items (the linter's pair
        checks: enough pairs, no pair matchable by a shared word); empty otherwise."""
        return []

    def fact_texts(self, spec: Spec, prompt: str) -> list[str] | None:
        """The texts of the fact the question tests when that is not its answer (a true/false
        statement is its prompt, plain text); None when the answer words are the fact."""
        pairs = self.pairs(spec)
        return [left for left, _right in pairs] if pairs else None

    # --- the blind review pack (authoring/review_pack.py) -------------------------------------

    def paper(self, spec: Spec, rng: random.Random) -> PaperItem:
        """The question's answer part printed for a reviewer, choices shuffled with `rng`."""
        return PaperItem(instruction="Write your answer.")

    def paper_answer(self, spec: Spec, paper: PaperItem, value: Any) -> dict[str, Any]:
        """Grading input for what a reviewer wrote on the answer sheet; InvalidAnswer if it
        cannot be read."""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise InvalidAnswer("write the answer as text")
        return {"text": str(value)}

    # --- the demo class -------------------------------------------------------------------------

    @abstractmethod
    def simulated_answer(self, rng: random.Random, spec: Spec, correct: bool) -> dict[str, Any]:
        """Input for `grade`: the right answer when `correct`, else a plausible wrong one."""


# --- helpers shared by several types ----------------------------------------------------------


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def paper_letters(value: Any, paper: PaperItem) -> list[str]:
    """The choice letters a reviewer wrote ("B", "a, c", ["A", "C"]), upper case, each once;
    InvalidAnswer for a letter the question does not print."""
    if isinstance(value, str):
        raw = [part for part in value.replace(",", " ").split() if part]
    elif isinstance(value, list | tuple):
        raw = [str(part).strip() for part in value]
    else:
        raise InvalidAnswer("write the letter of your choice")
    letters = list(dict.fromkeys(part.upper().rstrip(".)") for part in raw))
    unknown = [letter for letter in letters if letter not in paper.keys]
    if unknown:
        raise InvalidAnswer(f"no choice {', '.join(unknown)}; choose from {', '.join(paper.keys)}")
    return letters


def typed_text(data: AnswerData, empty_message: str) -> str:
    """The learner's typed text with spaces collapsed; InvalidAnswer if empty or too long."""
    raw = data.get("text")
    if not isinstance(raw, str):
        raise InvalidAnswer(empty_message)
    text = " ".join(raw.split())
    if not text:
        raise InvalidAnswer(empty_message)
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidAnswer(f"Keep your answer under {MAX_TEXT_LENGTH} characters.")
    return text


def text_field(form: AnswerForm, *, inputmode: str, required: str) -> forms.CharField:
    """The single-line input of a typed answer (numeric, text)."""
    return forms.CharField(
        max_length=MAX_TEXT_LENGTH,
        error_messages={
            "required": required,
            "max_length": f"Keep your answer under {MAX_TEXT_LENGTH} characters.",
        },
        widget=forms.TextInput(
            attrs={
                "inputmode": inputmode,
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "id": f"{form.html_id}-text",
            }
        ),
    )
