"""The blind review pack: a course's questions without their keys, for a colleague to answer.

`write_pack(doc, seed)` turns a parsed course (`authoring.importing.parse_course_file`) into a
Markdown exam and a YAML answer sheet. The exam shows each question as a learner sees it, quiz
by quiz (one per objective), in a seeded order, with its options shuffled by the same seed and
lettered, and nothing else: no keys, levels, feedback, explanations or bank keys. Each question
has a number local to the pack. The sheet has, for each number, blanks for the answer, the level
the reviewer gives the question, whether it is a scenario and whether the answer was guessed
from the options' form.

`score(doc, sheet)` rebuilds the same pack from the seed on the sheet and grades every answer
with the question type's own grader; `format_score` lists every disagreement, every "guessed
from form" mark and every level beside the bank's, and counts them per objective.
docs/course-format.md ("Blind review") describes how an instructor uses it.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml

from authoring.bank import LEVELS, QuestionDoc
from authoring.importer import CourseDoc, ObjectiveDoc
from quizzes import questiontypes
from quizzes.questiontypes.base import InvalidAnswer, PaperItem

YES = {True, "yes", "y", "true"}
NO = {False, None, "", "no", "n", "false"}


class SheetError(ValueError):
    """The answer sheet cannot be scored; `problems` says why, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class PackQuestion:
    number: int
    question: QuestionDoc
    objective: ObjectiveDoc
    paper: PaperItem

    @property
    def from_form(self) -> bool:
        """Whether its answer is picked from options whose form can give it away."""
        qtype = questiontypes.get(self.question.type)
        spec = self.question.spec
        return bool(qtype.form_options(spec)) or qtype.key_side(spec) is not None


def fingerprint(doc: CourseDoc) -> str:
    """A short hash of the bank's content: a sheet is only scored against the bank it was
    written from."""
    content = sorted((q.key, q.content_hash) for q in doc.bank)
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:12]


def build(doc: CourseDoc, seed: int) -> list[PackQuestion]:
    """The pack's questions in order: quiz by quiz, each quiz's questions in a seeded order."""
    pack: list[PackQuestion] = []
    for objective in doc.objectives:
        questions = [q for q in doc.bank if q.objective == objective.key]
        random.Random(f"{seed}:order:{objective.key}").shuffle(questions)
        for question in questions:
            rng = random.Random(f"{seed}:options:{question.key}")
            paper = questiontypes.get(question.type).paper(question.spec, rng)
            pack.append(PackQuestion(len(pack) + 1, question, objective, paper))
    return pack


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def exam_markdown(doc: CourseDoc, pack: list[PackQuestion], seed: int, sheet_name: str) -> str:
    lines = [
        f"# Blind review: {doc.title}",
        "",
        f"{len(pack)} questions, seed {seed}, bank {fingerprint(doc)}.",
        "",
        "Answer every question from the lessons alone, as a learner would. Write your answers on "
        f"the answer sheet, `{sheet_name}`, under each question's number:",
        "",
        "- `answer`: the letter of your choice (`B`); for *Choose every correct option*, every "
        "letter (`A, C`); `true` or `false`; a number; your words; for matching, each number "
        "with a letter (`{1: B, 2: A}`).",
        "- `level`: what the question asks of a learner: `recall` (the lessons state the answer, "
        "even when the question asks why), `apply` (use what the lessons teach in a situation "
        "they do not describe) or `analyse` (compare, weigh or explain something the lessons do "
        "not spell out).",
        "- `scenario`: `yes` if the question puts a situation the lessons do not describe, where "
        "the learner must apply or weigh what they learned.",
        "- `guessed`: `yes` if you could pick the answer from the options' form alone (length, "
        "wording, certainty, an option that repeats the question) rather than from knowing.",
        "- `note`: anything else: an ambiguity, a second defensible answer, a question that "
        "gives another away.",
        "",
    ]
    current = None
    quiz = 0
    for item in pack:
        if item.objective is not current:
            current = item.objective
            quiz += 1
            lines += [f"## Quiz {quiz}: {_one_line(current.text)}", ""]
        lines += [f"### Question {item.number}", "", item.question.prompt.strip(), ""]
        lines += [f"*{item.paper.instruction}*", ""]
        for number, text in item.paper.rows:
            lines.append(f"{number}. {_one_line(text)}")
        if item.paper.rows:
            lines.append("")
        for letter, text in item.paper.choices:
            lines.append(f"- **{letter}.** {_one_line(text)}")
        if item.paper.choices:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def sheet_yaml(doc: CourseDoc, pack: list[PackQuestion], seed: int) -> str:
    lines = [
        f"# Answer sheet for the blind review of {json.dumps(doc.title)}.",
        "# Fill in each question's blanks (see the pack's first page); leave course, seed and",
        "# bank as they are: they rebuild the pack to score it.",
        f"course: {doc.slug}",
        f"seed: {seed}",
        f"bank: {json.dumps(fingerprint(doc))}",
        "answers:",
    ]
    for item in pack:
        lines += [
            f"  {item.number}:",
            "    answer:",
            f"    level:  # {' / '.join(LEVELS)}",
            "    scenario: no",
            "    guessed: no",
            '    note: ""',
        ]
    return "\n".join(lines) + "\n"


def write_pack(doc: CourseDoc, seed: int, sheet_name: str) -> tuple[str, str]:
    """(the exam as Markdown, the answer sheet as YAML)."""
    pack = build(doc, seed)
    return exam_markdown(doc, pack, seed, sheet_name), sheet_yaml(doc, pack, seed)


# --- scoring -------------------------------------------------------------------------------


@dataclass
class Marked:
    item: PackQuestion
    answered: bool
    score: float = 0.0
    given: str = ""  # the reviewer's answer in words
    key: str = ""  # the correct answer in words
    level: str | None = None
    scenario: bool = False
    guessed: bool = False
    note: str = ""


@dataclass
class ObjectiveTally:
    key: str
    questions: int = 0
    score: float = 0.0
    answered: int = 0
    scenarios: int = 0
    levelled: int = 0  # questions the reviewer gave a level
    above_recall: int = 0  # ...above recall
    bank_above_recall: int = 0
    level_agreements: int = 0
    form_questions: int = 0  # answered by picking an option
    guessed: int = 0
    disagreements: list[int] = field(default_factory=list)


@dataclass
class ScoreReport:
    title: str
    seed: int
    marked: list[Marked]
    objectives: list[ObjectiveTally]

    @property
    def score(self) -> float:
        return sum(m.score for m in self.marked)


def _flag(value: Any, number: int, name: str, problems: list[str]) -> bool:
    if isinstance(value, str):
        value = value.strip().casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    problems.append(f"question {number}: {name} must be yes or no (not {value!r})")
    return False


def read_sheet(text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SheetError([f"the answer sheet is not valid YAML{where}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise SheetError(["the answer sheet needs course, seed, bank and answers"])
    return data


def score(doc: CourseDoc, data: dict[str, Any]) -> ScoreReport:
    """Grade a filled answer sheet (`read_sheet`) against the bank; SheetError if it cannot be."""
    problems: list[str] = []
    if data.get("course") != doc.slug:
        problems.append(f"the sheet is for course {data.get('course')!r}, not {doc.slug!r}")
    seed = data.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.append("the sheet's seed must be the whole number the pack was written with")
    elif data.get("bank") != fingerprint(doc):
        problems.append(
            f"the bank has changed since this pack was written (bank {data.get('bank')!r}, now "
            f"{fingerprint(doc)!r}): write a new pack for the reviewer"
        )
    if problems or not isinstance(seed, int):
        raise SheetError(problems)
    pack = build(doc, seed)
    answers = {
        int(number) if isinstance(number, str) and number.strip().isdigit() else number: entry
        for number, entry in data["answers"].items()
    }
    numbers = {item.number for item in pack}
    for number in answers:
        if number not in numbers:
            problems.append(f"question {number}: there is no such question in the pack")
    marked = []
    for item in pack:
        entry = answers.get(item.number) or {}
        if not isinstance(entry, dict):
            problems.append(f"question {item.number}: write answer, level, scenario, guessed")
            continue
        qtype = questiontypes.get(item.question.type)
        spec = item.question.spec
        level = entry.get("level")
        if isinstance(level, str):
            level = level.strip().casefold() or None
        if level is not None and level not in LEVELS:
            problems.append(
                f"question {item.number}: level must be one of {', '.join(LEVELS)} (not {level!r})"
            )
            level = None
        mark = Marked(
            item=item,
            answered=False,
            key=qtype.correct_display(spec),
            level=level,
            scenario=_flag(entry.get("scenario"), item.number, "scenario", problems),
            guessed=_flag(entry.get("guessed"), item.number, "guessed", problems),
            note=_one_line(entry.get("note") or ""),
        )
        value = entry.get("answer")
        if value is not None and value != "":
            try:
                grade = qtype.grade(spec, qtype.paper_answer(spec, item.paper, value))
            except InvalidAnswer as error:
                problems.append(f"question {item.number}: {error} (answer {value!r})")
            else:
                mark.answered, mark.score, mark.given = True, grade.score, grade.answer_display
        marked.append(mark)
    if problems:
        raise SheetError(problems)
    return ScoreReport(doc.title, seed, marked, _tally(doc, marked))


def _tally(doc: CourseDoc, marked: list[Marked]) -> list[ObjectiveTally]:
    tallies = {objective.key: ObjectiveTally(objective.key) for objective in doc.objectives}
    for mark in marked:
        tally = tallies[mark.item.objective.key]
        question = mark.item.question
        tally.questions += 1
        tally.score += mark.score
        tally.answered += mark.answered
        tally.scenarios += mark.scenario
        tally.bank_above_recall += question.level != "recall"
        if mark.level is not None:
            tally.levelled += 1
            tally.above_recall += mark.level != "recall"
            tally.level_agreements += mark.level == question.level
        if mark.item.from_form:
            tally.form_questions += 1
            tally.guessed += mark.guessed
        if not mark.answered or mark.score < 1:
            tally.disagreements.append(mark.item.number)
    return list(tallies.values())


def _share(part: float, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _score(value: float) -> str:
    return f"{value:g}"


def format_score(report: ScoreReport) -> str:
    marked = report.marked
    total = len(marked)
    answered = sum(1 for m in marked if m.answered)
    lines = [
        f"Blind review of {report.title} (seed {report.seed}): {answered} of {total} answered, "
        f"score {_score(round(report.score, 2))} of {total} ({_share(report.score, total)}).",
        "",
        "Disagreements (the reviewer's answer against the key):",
    ]
    wrong = [m for m in marked if not m.answered or m.score < 1]
    for m in wrong:
        q = m.item.question
        given = f'answered "{m.given}"' if m.answered else "not answered"
        partly = f" (scored {_score(round(m.score, 2))})" if m.answered and m.score > 0 else ""
        lines.append(f'  {m.item.number}. {q.key} [{q.objective}]: {given}{partly}; key "{m.key}"')
        if m.note:
            lines.append(f"      note: {m.note}")
    if not wrong:
        lines.append("  none")
    lines += ["", "Guessed from form (the reviewer could pick the answer from the options' form):"]
    guessed = [m for m in marked if m.guessed]
    for m in guessed:
        result = "right" if m.answered and m.score == 1 else "wrong"
        lines.append(f"  {m.item.number}. {m.item.question.key} [{m.item.question.objective}]: "
                     f"{result}")  # fmt: skip
    if not guessed:
        lines.append("  none")
    lines += ["", "Levels (the reviewer's beside the bank's):"]
    for m in marked:
        q = m.item.question
        if m.level is None:
            mark = "not given"
        elif m.level == q.level:
            mark = "agree"
        else:
            mark = "DISAGREE"
        scenario = ", scenario" if m.scenario else ""
        lines.append(
            f"  {m.item.number}. {q.key}: reviewer {m.level or '-'}, bank {q.level} ({mark})"
            f"{scenario}"
        )
    lines += ["", "Per objective:"]
    for tally in report.objectives:
        levels = Counter(m.level for m in marked if m.item.objective.key == tally.key and m.level)
        spread = ", ".join(f"{levels[level]} {level}" for level in LEVELS if levels[level])
        lines.append(
            f"  {tally.key}: {tally.questions} questions, score {_score(round(tally.score, 2))} "
            f"of {tally.questions} ({_share(tally.score, tally.questions)}), "
            f"{len(tally.disagreements)} disagreement(s)"
        )
        lines.append(
            f"    levels by the reviewer: {spread or 'none given'}; above recall "
            f"{_share(tally.above_recall, tally.levelled)} (bank "
            f"{_share(tally.bank_above_recall, tally.questions)}); level agreement "
            f"{tally.level_agreements} of {tally.levelled}"
        )
        lines.append(
            f"    scenarios: {tally.scenarios}; guessable from form: {tally.guessed} of "
            f"{tally.form_questions} choice and true/false questions "
            f"({_share(tally.guessed, tally.form_questions)})"
        )
    return "\n".join(lines)
