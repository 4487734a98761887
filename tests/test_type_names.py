"""Only the question types know their names: no module of the project outside
quizzes/questiontypes/ compares a value with a type's name, and no template does. Code that
needs something of a type asks the registry (`questiontypes.get(question.type)`) for it.

The names come from the registry, so a type added there is covered too.
"""

import re
from pathlib import Path

import pytest

from quizzes import questiontypes

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = sorted(
    path.parent.name
    for path in ROOT.glob("*/__init__.py")
    if path.parent.name not in {"tests", "bench", "docs"}
)
OWNER = ROOT / "quizzes" / "questiontypes"


def _comparisons(names: list[str]) -> re.Pattern[str]:
    quoted = "|".join(re.escape(name) for name in names)
    literal = rf"""(?:"(?:{quoted})"|'(?:{quoted})')"""
    return re.compile(
        rf"(?:==|!=|\bis\b|\bin\b|\bcase\b)\s*[(\[{{]?\s*{literal}"  # x == "matching", in ("a"
        rf"|{literal}\s*(?:==|!=|\bin\b)"  # "matching" == x
        rf"|[(\[{{]\s*{literal}(?:\s*,\s*{literal})+\s*,?\s*[)\]}}]"  # ("single", "multiple")
    )


def _sources() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or path.is_relative_to(OWNER):
                continue
            files.append(path)
    files += sorted((ROOT / "templates").rglob("*.html"))
    return files


def offending_lines(paths: list[Path], names: list[str]) -> list[str]:
    pattern = _comparisons(names)
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path}:{number}: {line.strip()}")
    return found


def test_nothing_outside_the_question_types_compares_a_type_name():
    assert "quizzes" in PACKAGES and "reports" in PACKAGES
    assert offending_lines(_sources(), questiontypes.names()) == []


@pytest.mark.parametrize(
    "line",
    [
        'if question.type == "matching":',
        "if qtype != 'multiple' or response is None:",
        'if info.type in ("single", "multiple"):',
        'CHOICE_TYPES = ("single", "multiple")',
        '{% if question.type == "matching" %}',
        'if "truefalse" == kind:',
        '    case "numeric":',
    ],
)
def test_the_check_finds_a_comparison(tmp_path, line):
    module = tmp_path / "module.py"
    module.write_text(f"x = 1\n{line}\n")
    assert len(offending_lines([module], questiontypes.names())) == 1


def test_the_check_lets_other_strings_through(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        'widget = forms.TextInput(attrs={"type": "text"})\n'
        'rows = [row for row in rows if row["text"]]\n'
        'questiontypes.get("numeric")\n'
    )
    assert offending_lines([module], questiontypes.names()) == []
