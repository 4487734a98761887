"""The question types, one class per module, found by name in this registry.

    from quizzes import questiontypes
    questiontypes.get("numeric").grade(spec, data)

Every per-type rule lives in the type's class (quizzes/questiontypes/base.py says which):
the bank's spec validation, the answer form's fields and checks, grading, the model answer,
the guess rate and guessing baseline, the display in the feedback, admin, reports and exports,
what the linter reads, and its shape in the interchange formats. Nothing outside this package
compares a type's name (tests/test_type_names.py). Adding a type means one module here
(registered below), one template `templates/quizzes/fields/<name>.html`, and its tests; see
"Adding a question type" in docs/course-format.md.
"""

from __future__ import annotations

from quizzes.questiontypes.base import Grade, InvalidAnswer, QuestionType, Shape

_REGISTRY: dict[str, QuestionType] = {}


def register[T: type[QuestionType]](cls: T) -> T:
    """Register a question type class by its `name` (usable as a class decorator)."""
    if cls.name in _REGISTRY:
        raise ValueError(f"question type {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls()
    return cls


def unregister(name: str) -> None:
    """Remove a registered type (for tests that add one of their own)."""
    del _REGISTRY[name]


def get(name: str) -> QuestionType:
    """The type called `name`; ValueError if there is none (a data or programming error)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown question type {name!r}") from None


def all() -> list[QuestionType]:
    """Every registered type, in registration order."""
    return list(_REGISTRY.values())


def for_shape(shape: Shape) -> QuestionType:
    """The first registered type of `shape` (what a question read from a GIFT, Moodle XML or
    QTI file becomes); ValueError if none has it."""
    for qtype in _REGISTRY.values():
        if qtype.shape is shape:
            return qtype
    raise ValueError(f"no question type has the shape {shape.value!r}")


def shape_of(name: object) -> Shape | None:
    """The shape of the type called `name`, None for a type the formats cannot hold or an
    unknown name."""
    qtype = _REGISTRY.get(name) if isinstance(name, str) else None
    return qtype.shape if qtype is not None else None


def names() -> list[str]:
    """The names of the registered types, in registration order."""
    return list(_REGISTRY)


def choices() -> list[tuple[str, str]]:
    """(name, label) of each type: the choices of Question.type."""
    return [(qtype.name, qtype.label) for qtype in _REGISTRY.values()]


# The built-in types register themselves (@register) when imported, in this order: the order
# the importer's messages and the admin's filter list them.
# isort: off
from quizzes.questiontypes import single, multiple, truefalse, numeric, text, matching  # noqa: E402, F401
# isort: on

__all__ = [
    "Grade",
    "InvalidAnswer",
    "QuestionType",
    "Shape",
    "all",
    "choices",
    "for_shape",
    "get",
    "names",
    "register",
    "shape_of",
]
