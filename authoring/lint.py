"""The course linter: teaching-quality checks on a parsed course and its question bank.

Pure functions over `authoring.importer.CourseDoc` (its lessons, objectives and `bank` of
`authoring.bank.QuestionDoc`), no database. `lint(doc)` returns a `LintResult`: findings, each
naming the file, the line, the question or objective and how to fix it, plus a coverage map and
the balance of each objective. `manage.py lint_course` prints it, `import_course` prints its
findings as warnings, and the admin's course review shows it (docs/course-format.md, "The
course linter").

The checks compare words, not meanings. A question's *answer words* are the distinctive words of
what a learner must produce or pick: the correct option's words that are neither in the prompt
nor shared by every option, an accepted text answer, or a numeric answer (read as a value, so
"400 billion" and "400,000,000,000" are the same). The *fact* a question tests is its answer
words, or for a true/false question its statement and for a matching question its left items.
Words are compared case- and accent-blind, without common English words, on crude stems (no
plural "s", "-ing" or "-ed", at most six letters: "strategy" and "strategic" match).
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nh3

from authoring import formcues
from quizzes import questiontypes
from quizzes.grading import InvalidAnswer, normalise_text, parse_number
from quizzes.models import OBJECTIVE_QUIZ_SIZE
from quizzes.questiontypes.base import FormOption

if TYPE_CHECKING:
    from authoring.bank import QuestionDoc
    from authoring.importer import CourseDoc, LessonDoc, ObjectiveDoc

ERROR, WARNING = "error", "warning"

# Thresholds, documented in docs/course-format.md.
LENGTH_CUE_RATIO = 1.25  # a correct option this many times longer than every distractor...
LENGTH_CUE_MIN_CHARS = 10  # ...and at least this many characters longer is a cue
LENGTH_CUE_OBJECTIVE_SHARE = 0.40  # correct option the longest in more of an objective's choices
LENGTH_CUE_OBJECTIVE_MIN = 3  # choice questions an objective needs before its share is judged
MATCHING_MIN_PAIRS = 3
GIVE_AWAY_LONG_PHRASE = 3  # answer terms that give an answer away without a subject word
DUPLICATE_OVERLAP = 0.6  # share of the smaller answer's words the other question has too
DUPLICATE_CLUSTER_MIN = 2  # questions on one fact (and one section) before they are reported
REPEATED_OPTION_OVERLAP = 0.8  # share of words two options of one question have in common
POINTER_MIN_SHARE = 0.5  # share of the answer words the source section must contain
INFERENCE_MIN_SHARE = 1 / 3  # share of the prompt's words an inference pointer's section has
INFERENCE_MIN_SHARED = 3  # ... or of its explanation's words, and at least this many of them
KEY_LEAN_ALPHA = 0.05  # two-sided binomial test of true/false keys against 50/50
KEY_LEAN_ALL_SAME = 3  # this many true/false keys all on one side are reported whatever p is
RECALL_MAX_SHARE = 0.8  # an objective with more recall questions than this is unbalanced
BALANCE_MIN_QUESTIONS = 3  # questions an objective needs before its balance is judged
QUIZ_SIZE = OBJECTIVE_QUIZ_SIZE  # an objective with fewer questions repeats them in its quiz

_STOPWORDS_TEXT = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each few for
    from further had has have having he her here hers him his how i if in into is it its
    itself just may me might more most much must my no nor not now of off on once only or
    other our out over own same shall she should so some such than that the their them then
    there these they this those through to too under until up upon very was we were what when
    where which while who whom why will with would you your yours one ones use used using per
    via whose s t question lesson course
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
STEM_LENGTH = 6  # words are compared on their first six letters ("strategic", "strategy")
_NUMBER_TEXT = re.compile(
    r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:\s*(?:k|m|mn|bn|b|tn|thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)
_ALL_OF_THE_ABOVE = re.compile(
    r"\b(?:all|none|both|neither)\s+of\s+(?:the\s+)?(?:above|these|them|those)\b", re.IGNORECASE
)
_NEGATIVE = re.compile(r"\b(not|except|least|never)\b", re.IGNORECASE)
_EMPHASISED = re.compile(r"<(strong|em|b|i)>\s*(not|except|least|never)\s*</\1>", re.IGNORECASE)
_HEADING = re.compile(r'<h(?P<level>[23]) id="(?P<id>[^"]+)"[^>]*>', re.IGNORECASE)
_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'(?P<name>[a-z]+)="(?P<value>[^"]*)"')


# --- results -----------------------------------------------------------------------------


@dataclass
class Finding:
    severity: str  # ERROR or WARNING
    check: str  # a short name: length-cue, give-away, ...
    path: str
    line: int
    subject: str  # 'question "key"', 'objective "key"' or ""
    message: str
    fix: str

    def __str__(self) -> str:
        subject = f"{self.subject}: " if self.subject else ""
        return (
            f"{self.path}:{self.line}: {self.severity} [{self.check}] {subject}{self.message}. "
            f"Fix: {self.fix}"
        )


@dataclass
class SectionCoverage:
    source: str  # lesson-slug#section-id
    title: str
    questions: list[str]  # keys of this objective's questions that point here
    any_questions: int = 0  # questions of any objective that point here


@dataclass
class ObjectiveCoverage:
    key: str
    text: str
    lessons: list[str]  # slugs of the lessons that teach it
    sections: list[SectionCoverage]  # the sections of those lessons
    questions: int
    types: dict[str, int]
    levels: dict[str, int]
    elsewhere: list[str] = field(default_factory=list)  # sources outside its lessons
    # The test-wise guesser (authoring/formcues.py) on its choice and true/false questions.
    form_questions: int = 0
    guesser_score: float = 0.0  # expected right answers from form alone
    guesser_chance: float = 0.0  # expected right answers from blind guessing
    guessable: list[str] = field(default_factory=list)  # keys it gets right from form alone

    @property
    def untested(self) -> list[str]:
        """Sections of the objective's lessons that no question at all points at."""
        return [section.source for section in self.sections if not section.any_questions]

    @property
    def share_above_recall(self) -> float | None:
        if not self.questions:
            return None
        return 1 - self.levels.get("recall", 0) / self.questions


@dataclass
class LintResult:
    path: str
    findings: list[Finding]
    coverage: list[ObjectiveCoverage]

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == WARNING)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for storing with the course (see LintResult.from_dict)."""
        return {
            "path": self.path,
            "findings": [asdict(finding) for finding in self.findings],
            "coverage": [asdict(item) for item in self.coverage],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LintResult:
        coverage = []
        for item in data.get("coverage", []):
            sections = [SectionCoverage(**section) for section in item.get("sections", [])]
            coverage.append(ObjectiveCoverage(**{**item, "sections": sections}))
        findings = [Finding(**finding) for finding in data.get("findings", [])]
        return cls(path=data.get("path", ""), findings=findings, coverage=coverage)


# --- words -------------------------------------------------------------------------------


def plain(html_text: str) -> str:
    """Text of sanitised HTML, tags dropped and entities decoded."""
    return " ".join(html_lib.unescape(nh3.clean(html_text, tags=set())).split())


def number_term(value: float) -> str:
    """A number as a term: "#" and its value, so "10M" and "10,000,000" are one term."""
    return f"#{value:.12g}"


def _numbers(text: str) -> dict[str, str]:
    """{"#<value>": the number as written} for the numbers in a text, figures or words."""
    found: dict[str, str] = {}
    for match in _NUMBER_TEXT.finditer(text):
        try:
            found.setdefault(number_term(parse_number(match.group(), units=True)), match.group())
        except InvalidAnswer:
            continue
    for word in normalise_text(text).split():
        if word in NUMBER_WORDS:
            found.setdefault(number_term(NUMBER_WORDS[word]), word)
    return found


def stem(word: str) -> str:
    """A crude stem: no plural s, -ing or -ed, and at most the first STEM_LENGTH letters."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    return word[:STEM_LENGTH]


def _words(text: str) -> dict[str, str]:
    """{stem: the word as written} for the content words of a text (no stopwords, no numbers)."""
    found: dict[str, str] = {}
    for word in normalise_text(_NUMBER_TEXT.sub(" ", text)).split():
        if word in STOPWORDS or word in NUMBER_WORDS or len(word) < 3 or word.isdigit():
            continue
        found.setdefault(stem(word), word)
    return found


def words(text: str) -> set[str]:
    """Content words of a text, stemmed, without stopwords and numbers."""
    return set(_words(text))


def terms(text: str) -> set[str]:
    """Words and numbers of a text; numbers as "#<value>" so that their forms compare equal."""
    return set(_words(text)) | set(_numbers(text))


def spelled(found: set[str], *texts: str) -> str:
    """Terms as the texts write them, for messages ("400 billion", not "#4e+11")."""
    written: dict[str, str] = {}
    for text in texts:
        for table in (_numbers(text), _words(text)):
            for term, shown in table.items():
                written.setdefault(term, shown)
    return ", ".join(sorted(written.get(term, term.removeprefix("#")) for term in found))


# --- what a question shows and what it asks ------------------------------------------------


def _qtype(question: QuestionDoc) -> questiontypes.QuestionType:
    return questiontypes.get(question.type)


def _options(question: QuestionDoc) -> list[FormOption]:
    """The author-written options a learner picks from (none for other answers)."""
    return _qtype(question).form_options(question.spec)


def stated_text(question: QuestionDoc) -> str:
    """What a question presents as true: its prompt, its correct options, its matching pairs.

    (A distractor shows a text as wrong, so a phrase in a distractor gives nothing away.)
    """
    parts = [plain(question.prompt_html)]
    parts += _qtype(question).stated_texts(question.spec)
    return " \n ".join(parts)


def shown_later(question: QuestionDoc) -> list[tuple[str, str]]:
    """(where, plain text) of what a question shows besides its prompt and what it states: its
    distractors before it is answered, its feedback and explanation after."""
    qtype = _qtype(question)
    found = [(f'the option "{text}"', text) for text in qtype.distractor_texts(question.spec)]
    found += [("the feedback", plain(html)) for html in qtype.feedback_texts(question.spec)]
    if question.explanation_html:
        found.append(("the explanation", plain(question.explanation_html)))
    return found


def answer_phrases(question: QuestionDoc) -> list[set[str]]:
    """Each answer a learner must give or pick, as a set of distinctive terms.

    A choice question has one phrase per correct option, without the words of the prompt and
    the words every option shares; a text question one per accepted answer; a numeric one its
    value. True/false and matching questions have none (their answer is not a phrase that can
    be copied from elsewhere).
    """
    qtype = _qtype(question)
    prompt = terms(plain(question.prompt_html))
    options = _options(question)
    if options:
        common = set.intersection(*(terms(option.text) for option in options))
        phrases = [terms(option.text) - prompt - common for option in options if option.correct]
        return [phrase for phrase in phrases if phrase]
    typed = qtype.typed_answers(question.spec)
    if typed:
        phrases = [terms(answer) for answer in typed]
        return [phrase for phrase in phrases if phrase]
    number = qtype.number_answer(question.spec)
    if number is not None:
        return [{number_term(number)}]
    return []


def fact_terms(question: QuestionDoc) -> set[str]:
    """The terms of the fact a question tests, for finding questions that test the same one."""
    texts = _qtype(question).fact_texts(question.spec, plain(question.prompt_html))
    found: set[str] = set()
    if texts is not None:
        for text in texts:
            found |= terms(text)
        return found
    for phrase in answer_phrases(question):
        found |= phrase
    return found


def _subject(question: QuestionDoc) -> set[str]:
    """What a question is about: the content words of its prompt."""
    return words(plain(question.prompt_html))


def _label(question: QuestionDoc) -> str:
    return f'question "{question.key}"'


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _overlap(a: set[str], b: set[str]) -> float:
    """The share of the smaller set that the other one has too."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _answer_text(question: QuestionDoc) -> str:
    """The texts an answer's terms come from, to spell them in messages."""
    qtype = _qtype(question)
    parts = [plain(question.prompt_html)]
    parts += [option.text for option in _options(question)]
    parts += qtype.typed_answers(question.spec)
    number = qtype.number_answer(question.spec)
    if number is not None:
        parts.append(f"{number:,.15g}")
    parts += [left for left, _right in qtype.pairs(question.spec)]
    return " \n ".join(parts)


# --- sections ------------------------------------------------------------------------------


def section_texts(lesson: LessonDoc) -> dict[str, tuple[str, str]]:
    """{section id: (title, plain text)} of a lesson; a level-2 section includes its level-3s."""
    html = lesson.rendered.html
    headings = list(_HEADING.finditer(html))
    titles = {entry["id"]: entry["title"] for entry in lesson.rendered.toc}
    sections: dict[str, tuple[str, str]] = {}
    for index, heading in enumerate(headings):
        level = int(heading["level"])
        end = len(html)
        for later in headings[index + 1 :]:
            if int(later["level"]) <= level:
                end = later.start()
                break
        text = plain(html[heading.start() : end])
        sections[heading["id"]] = (str(titles.get(heading["id"], heading["id"])), text)
    return sections


# --- the checks ----------------------------------------------------------------------------


class _Linter:
    def __init__(self, doc: CourseDoc) -> None:
        self.doc = doc
        self.course_path = str(doc.path)
        self.bank_path = str(doc.questions_path) if doc.questions_path else self.course_path
        self.findings: list[Finding] = []
        self.by_objective: dict[str, list[QuestionDoc]] = defaultdict(list)
        for question in doc.bank:
            self.by_objective[question.objective].append(question)
        self.sections = {lesson.slug: section_texts(lesson) for lesson in doc.lessons}

    def add(
        self,
        severity: str,
        check: str,
        question: QuestionDoc | None,
        message: str,
        fix: str,
        *,
        line: int | None = None,
        subject: str | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                severity=severity,
                check=check,
                path=self.bank_path if question is not None else self.course_path,
                line=line if line is not None else (question.line if question else 1),
                subject=subject if subject is not None else (_label(question) if question else ""),
                message=message,
                fix=fix,
            )
        )

    # option length ------------------------------------------------------------------------

    def length_cue(self) -> None:
        for key, questions in self.by_objective.items():
            choices = [q for q in questions if _options(q)]
            longest_correct = 0
            for question in choices:
                options = _options(question)
                right = [len(o.text) for o in options if o.correct]
                wrong = [len(o.text) for o in options if not o.correct]
                if not wrong:
                    continue
                if max(right) > max(wrong):
                    longest_correct += 1
                if (
                    min(right) >= LENGTH_CUE_RATIO * max(wrong)
                    and min(right) - max(wrong) >= LENGTH_CUE_MIN_CHARS
                ):
                    self.add(
                        WARNING,
                        "length-cue",
                        question,
                        f"the correct option ({min(right)} characters) is notably longer than "
                        f"every distractor (at most {max(wrong)})",
                        "shorten the correct option or give the distractors the same detail",
                    )
            if len(choices) >= LENGTH_CUE_OBJECTIVE_MIN:
                share = longest_correct / len(choices)
                if share > LENGTH_CUE_OBJECTIVE_SHARE:
                    objective = self._objective(key)
                    self.add(
                        WARNING,
                        "length-cue",
                        None,
                        f"the correct option is the longest in {longest_correct} of "
                        f"{len(choices)} choice questions ({share:.0%}; more than "
                        f"{LENGTH_CUE_OBJECTIVE_SHARE:.0%} teaches learners to pick the longest)",
                        "make a distractor the longest option in some of these questions",
                        line=objective.line if objective else 1,
                        subject=f'objective "{key}"',
                    )

    # give-aways -----------------------------------------------------------------------------

    def give_aways(self) -> None:
        for questions in self.by_objective.values():
            stated = {q.key: terms(stated_text(q)) for q in questions}
            # Words most prompts of the quiz share ("Meta", "planet") say nothing of a subject:
            # those of more than two thirds of them.
            prompts = Counter(word for q in questions for word in _subject(q))
            common = {word for word, count in prompts.items() if count > 2 * len(questions) / 3}
            later = {
                q.key: [(where, terms(text)) for where, text in shown_later(q)] for q in questions
            }
            for question in questions:
                found = self._first_give_away(question, questions, stated, later, common)
                if found is None:
                    continue
                phrase, other, where = found
                answer = spelled(phrase, _answer_text(question))
                if where is None:
                    message = (
                        f'its answer ({answer}) is stated by question "{other.key}" (line '
                        f"{other.line}), which the same quiz may show first"
                    )
                else:
                    shown = "after it is answered" if "option" not in where else "as a choice"
                    message = (
                        f'its answer ({answer}) is given by {where} of question "{other.key}" '
                        f"(line {other.line}), shown {shown} in the same quiz"
                    )
                self.add(
                    ERROR,
                    "give-away",
                    question,
                    message,
                    f'reword question "{other.key}" so it does not state the answer, or move one '
                    "of them to another objective",
                )

    @staticmethod
    def _first_give_away(
        question: QuestionDoc,
        pool: list[QuestionDoc],
        stated: dict[str, set[str]],
        later: dict[str, list[tuple[str, set[str]]]],
        common: set[str],
    ) -> tuple[set[str], QuestionDoc, str | None] | None:
        """(answer phrase, other question, where or None) for the first question of the pool
        stating the answer: in its prompt or a correct option (where None), or in one of its
        distractors, feedback or explanation (that text alone names the answer and, unless the
        answer has GIVE_AWAY_LONG_PHRASE terms, a word of the subject that most prompts of the
        quiz do not share)."""
        subject = _subject(question)
        distinct = subject - common or subject
        # An option of another question that says no more than one of this question's own
        # options shows the learner nothing this question does not show already (two scenarios
        # choosing between the same models): it is a choice there, not a statement.
        own = [terms(option.text) for option in _options(question)]
        for phrase in answer_phrases(question):
            for other in pool:
                if other is question:
                    continue
                # The other question states the answer, and is about the same thing.
                if phrase <= stated[other.key] and (not subject or subject & stated[other.key]):
                    return phrase, other, None
            for other in pool:
                if other is question:
                    continue
                for where, found in later[other.key]:
                    if where.startswith("the option ") and any(found <= mine for mine in own):
                        continue
                    if phrase <= found and (
                        len(phrase) >= GIVE_AWAY_LONG_PHRASE or not distinct or distinct & found
                    ):
                        return phrase, other, where
        return None

    # form cues --------------------------------------------------------------------------------

    def form_cues(self) -> None:
        """Cues that point at the key more often than chance, the test-wise guesser, and
        true/false keys that lean to one side (authoring/formcues.py)."""
        cues = []
        sides = defaultdict(list)
        for question in self.doc.bank:
            qtype = _qtype(question)
            prompt = plain(question.prompt_html)
            options = qtype.form_options(question.spec)
            side = qtype.key_side(question.spec)
            args = (question.key, question.objective, question.line)
            if options:
                found = formcues.choice_cues(*args, prompt, options, words)
                if found is not None:
                    cues.append(found)
            elif side is not None:
                cues.append(formcues.statement_cues(*args, prompt, side))
                sides[question.objective].append((question, side))
        self.cues = cues
        self.guesses = {guess.key: guess for guess in formcues.guesser(cues)}
        by_key = {question.key: question for question in self.doc.bank}
        flagged = defaultdict(set)  # question key -> the significant cues that hit it
        scopes = [(f'course "{self.doc.slug}"', self.doc.slug_line, "the course", cues)]
        for objective in self.doc.objectives:
            pool = [c for c in cues if c.objective == objective.key]
            scopes.append((f'objective "{objective.key}"', objective.line, "it", pool))
        for subject, line, where, pool in scopes:
            for tally in formcues.significant_cues(pool):
                label = formcues.CUES[tally.cue][0]
                for key in tally.hit_keys:
                    flagged[key].add(tally.cue)
                self.add(
                    ERROR,
                    "form-cue",
                    None,
                    f"{label} is the correct one in {tally.hits} of the {tally.applies} choice "
                    f"questions it singles out ({tally.expected:.1f} expected by chance; "
                    "one-sided "
                    f"Poisson-binomial p = {tally.p_value:.2g}), so a learner who picks "
                    f"{label} beats chance in {where}: {', '.join(tally.hit_keys)}",
                    f"make {label} a distractor in some of these questions, or rewrite the "
                    "options so that none stands out",
                    line=line,
                    subject=subject,
                )
        for key, names in flagged.items():
            labels = [formcues.CUES[name][0] for name in formcues.CUES if name in names]
            self.add(
                WARNING,
                "form-cue",
                by_key[key],
                f"its correct option is {' and '.join(labels)}, a cue that points at the key "
                "across its objective or the course",
                "make the options alike in length, wording and certainty",
            )
        for objective in self.doc.objectives:
            self._key_lean(
                sides.get(objective.key, []), f'objective "{objective.key}"', objective.line
            )
        self._key_lean(
            [pair for pairs in sides.values() for pair in pairs],
            f'course "{self.doc.slug}"',
            self.doc.slug_line,
        )
        for objective in self.doc.objectives:
            guesses = [g for g in self.guesses.values() if g.objective == objective.key]
            if len(guesses) < formcues.GUESSER_MIN_QUESTIONS:
                continue
            score = sum(g.expected for g in guesses)
            chance = sum(g.chance for g in guesses)
            if (score - chance) / len(guesses) >= formcues.GUESSER_MARGIN:
                sure = [g.key for g in guesses if g.sure]
                self.add(
                    WARNING,
                    "guesser",
                    None,
                    f"a test-wise guesser who reads only the options' form expects "
                    f"{score:.1f} of its {len(guesses)} choice and true/false questions right "
                    f"({score / len(guesses):.0%}; blind guessing {chance / len(guesses):.0%})"
                    + (f"; it is sure of {', '.join(sure)}" if sure else ""),
                    "remove the form cues the form-cue findings name, so that form points nowhere",
                    line=objective.line,
                    subject=f'objective "{objective.key}"',
                )

    def _key_lean(self, pairs: list[tuple[QuestionDoc, str]], subject: str, line: int) -> None:
        lean = formcues.key_lean([side for _question, side in pairs])
        if lean is None:
            return
        side, count, p_value = lean
        if count == len(pairs) >= KEY_LEAN_ALL_SAME or (
            count > len(pairs) / 2 and p_value < KEY_LEAN_ALPHA
        ):
            keys = ", ".join(question.key for question, key in pairs if key == side)
            self.add(
                WARNING,
                "key-lean",
                None,
                f"{count} of its {len(pairs)} true/false questions are {side} "
                f"(two-sided binomial p = {p_value:.2g}), so answering {side} to every one "
                f"pays: {keys}",
                f"turn some of these statements round so that their answer is "
                f"{'true' if side == 'false' else 'false'}",
                line=line,
                subject=subject,
            )

    def matching(self) -> None:
        for question in self.doc.bank:
            pairs = _qtype(question).pairs(question.spec)
            if not pairs:
                continue
            if len(pairs) < MATCHING_MIN_PAIRS:
                self.add(
                    WARNING,
                    "give-away",
                    question,
                    f"a matching question with {len(pairs)} pairs: the last pair is given by the "
                    "others",
                    f"give it at least {MATCHING_MIN_PAIRS} pairs, or add distractors and ask it "
                    "as a single-choice question",
                )
            for left, right in pairs:
                shared = words(left) & words(right)
                if shared:
                    self.add(
                        ERROR,
                        "give-away",
                        question,
                        f'the pair "{left}" / "{right}" shares the '
                        f"words {spelled(shared, left)}, so it can be matched without "
                        "knowing",
                        "reword one side so the pair shares no distinctive word",
                    )

    # duplicates -----------------------------------------------------------------------------

    def duplicates(self) -> None:
        questions = [q for q in self.doc.bank if fact_terms(q)]
        facts = {q.key: fact_terms(q) for q in questions}
        parent = {q.key: q.key for q in questions}

        def root(key: str) -> str:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for index, first in enumerate(questions):
            for second in questions[index + 1 :]:
                if first.source != second.source or not first.lesson_slug:
                    continue
                if _overlap(facts[first.key], facts[second.key]) >= DUPLICATE_OVERLAP:
                    parent[root(first.key)] = root(second.key)
        clusters = defaultdict(list)
        for question in questions:
            clusters[root(question.key)].append(question)
        for cluster in clusters.values():
            if len(cluster) < DUPLICATE_CLUSTER_MIN:
                continue
            first, *rest = cluster
            shared = set.intersection(*(facts[q.key] for q in cluster)) or facts[first.key]
            others = ", ".join(f'"{q.key}" (line {q.line})' for q in rest)
            self.add(
                WARNING,
                "duplicate",
                first,
                f"{len(cluster)} questions test the same fact "
                f"({spelled(shared, *(_answer_text(q) for q in cluster))}) from "
                f"{first.source}: this one and {others}",
                "keep the best one or two and turn the others into questions that apply the fact",
            )

    # weak distractors -----------------------------------------------------------------------

    def weak_distractors(self) -> None:
        for question in self.doc.bank:
            options = _options(question)
            for option in options:
                if _ALL_OF_THE_ABOVE.search(option.text):
                    self.add(
                        ERROR,
                        "weak-distractor",
                        question,
                        f'the option "{option.text}" (options are shuffled, and it can be '
                        "answered by spotting one wrong or two right options)",
                        "replace it with a plausible wrong answer, or use type: multiple",
                    )
            for index, first in enumerate(options):
                for second in options[index + 1 :]:
                    a, b = terms(first.text), terms(second.text)
                    if a and b and _jaccard(a, b) >= REPEATED_OPTION_OVERLAP:
                        self.add(
                            ERROR,
                            "weak-distractor",
                            question,
                            f'the options "{first.text}" and "{second.text}" say the same',
                            "replace one with a different plausible answer",
                        )
            if options:
                prompt = plain(question.prompt_html)
                negative = _NEGATIVE.search(prompt)
                if (
                    negative
                    and not negative.group().isupper()
                    and not _EMPHASISED.search(question.prompt_html)
                ):
                    word = negative.group()
                    self.add(
                        WARNING,
                        "weak-distractor",
                        question,
                        f'the prompt is negatively worded ("{word}") but does not emphasise it',
                        f"ask it positively, or write **{word.upper()}** so nobody misreads it",
                    )

    # pointers -------------------------------------------------------------------------------

    def pointers(self) -> None:
        for question in self.doc.bank:
            if not question.lesson_slug:
                self.add(
                    ERROR,
                    "pointer",
                    question,
                    "it has no source: no lesson section is named as teaching it (a course "
                    "import refuses it)",
                    "add source: lesson-slug#section-id, the section that teaches the answer",
                )
                continue
            section = self.sections.get(question.lesson_slug, {}).get(question.anchor)
            if section is None:
                continue
            section_terms = terms(section[1])
            if question.inference:
                self._inference_pointer(question, section_terms)
                continue
            if _qtype(question).typed_answers(question.spec):  # any accepted answer will do
                phrases = answer_phrases(question)
                if phrases and not any(phrase <= section_terms for phrase in phrases):
                    self._pointer(question, set.union(*phrases) - section_terms)
                continue
            needed = fact_terms(question)
            if not needed:
                continue
            missing = needed - section_terms
            if len(needed & section_terms) < POINTER_MIN_SHARE * len(needed):
                self._pointer(question, missing)

    def _inference_pointer(self, question: QuestionDoc, section_terms: set[str]) -> None:
        """An answer reasoned from a section still needs a section about the question: one
        that has some of the answer's words and a third of the prompt's, or, for a scenario
        whose situation the lessons do not describe (so its prompt and answer need not echo
        them), a third of the words of the explanation that reasons from the section."""
        answer = fact_terms(question)
        prompt = _subject(question)
        shares_answer = not answer or bool(answer & section_terms)
        shares_prompt = not prompt or len(prompt & section_terms) >= INFERENCE_MIN_SHARE * len(
            prompt
        )
        if shares_answer and shares_prompt:
            return
        reasoning = words(plain(question.explanation_html))
        shared = reasoning & section_terms
        if len(shared) >= INFERENCE_MIN_SHARED and len(shared) >= INFERENCE_MIN_SHARE * len(
            reasoning
        ):
            return
        self.add(
            ERROR,
            "pointer",
            question,
            f'its source section "{question.source}" (inference: true) is not about the '
            f"question: it has {len(prompt & section_terms)} of the prompt's {len(prompt)} words "
            f"and {len(answer & section_terms)} of the answer's {len(answer)} "
            f"(missing: {spelled(answer - section_terms, _answer_text(question))})",
            "point source: at the section the answer is reasoned from",
        )

    def _pointer(self, question: QuestionDoc, missing: set[str]) -> None:
        self.add(
            ERROR,
            "pointer",
            question,
            f'its source section "{question.source}" does not contain the answer '
            f"(missing: {spelled(missing, _answer_text(question))})",
            "point source: at the section that teaches the answer, or add inference: true if "
            "the answer is reasoned from that section rather than stated in it",
        )

    # images ---------------------------------------------------------------------------------

    def images(self) -> None:
        """Images the Content-Security-Policy blocks (other sites) or that have no alt text."""
        for lesson in self.doc.lessons:
            for tag in _IMAGE.findall(lesson.rendered.html):
                attributes = {
                    m["name"]: html_lib.unescape(m["value"]) for m in _ATTRIBUTE.finditer(tag)
                }
                src = attributes.get("src", "")
                subject = f'lesson "{lesson.slug}"'
                body = lesson.markdown.split("\n")
                # The line of the image in the file (the body starts two lines below the title).
                line = lesson.line + 2 + next((i for i, text in enumerate(body) if src in text), 0)
                if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", src, re.IGNORECASE):
                    self.add(
                        ERROR,
                        "image",
                        None,
                        f"the image {src} is on another site: the Content-Security-Policy "
                        "blocks it, so learners see nothing",
                        "copy the image into static/courses/<course-slug>/ and write "
                        "![description](/static/courses/<course-slug>/<file>)",
                        line=line,
                        subject=subject,
                    )
                if not attributes.get("alt", "").strip():
                    self.add(
                        WARNING,
                        "image",
                        None,
                        f"the image {src} has no description for screen readers",
                        "write what it shows between the brackets: ![a description](...)",
                        line=line,
                        subject=subject,
                    )

    # coverage and balance -------------------------------------------------------------------

    def _objective(self, key: str) -> ObjectiveDoc | None:
        return next((o for o in self.doc.objectives if o.key == key), None)

    def coverage(self) -> list[ObjectiveCoverage]:
        result = []
        has_bank = self.doc.questions_path is not None
        every = Counter(question.source for question in self.doc.bank)
        for objective in self.doc.objectives:
            lessons = [
                lesson for lesson in self.doc.lessons if objective.key in lesson.objective_keys
            ]
            questions = self.by_objective.get(objective.key, [])
            pointed = defaultdict(list)
            for question in questions:
                pointed[question.source].append(question.key)
            sections = [
                SectionCoverage(
                    source=f"{lesson.slug}#{section_id}",
                    title=title,
                    questions=pointed.get(f"{lesson.slug}#{section_id}", []),
                    any_questions=every[f"{lesson.slug}#{section_id}"],
                )
                for lesson in lessons
                for section_id, (title, _text) in self.sections[lesson.slug].items()
            ]
            slugs = {lesson.slug for lesson in lessons}
            elsewhere = sorted({q.source for q in questions if q.lesson_slug not in slugs})
            item = ObjectiveCoverage(
                key=objective.key,
                text=objective.text,
                lessons=[lesson.slug for lesson in lessons],
                sections=sections,
                questions=len(questions),
                types=dict(Counter(q.type for q in questions)),
                levels=dict(Counter(q.level for q in questions)),
                elsewhere=elsewhere,
            )
            guesses = [g for g in self.guesses.values() if g.objective == objective.key]
            item.form_questions = len(guesses)
            item.guesser_score = round(sum(g.expected for g in guesses), 3)
            item.guesser_chance = round(sum(g.chance for g in guesses), 3)
            item.guessable = [g.key for g in guesses if g.sure]
            result.append(item)
            self._judge_coverage(objective, item, questions, has_bank)
        if has_bank:
            self._untested_sections(every)
        return result

    def _untested_sections(self, every: Counter[str]) -> None:
        for lesson in self.doc.lessons:
            untested = [
                section
                for section in self.sections[lesson.slug]
                if not every[f"{lesson.slug}#{section}"]
            ]
            if untested:
                self.add(
                    WARNING,
                    "coverage",
                    None,
                    f"no question points at {len(untested)} of its "
                    f"{len(self.sections[lesson.slug])} sections: {', '.join(untested)}",
                    "add questions on what those sections teach (or accept that they are "
                    "background)",
                    line=lesson.line,
                    subject=f'lesson "{lesson.slug}"',
                )

    def _judge_coverage(
        self,
        objective: ObjectiveDoc,
        item: ObjectiveCoverage,
        questions: list[QuestionDoc],
        has_bank: bool,
    ) -> None:
        subject = f'objective "{objective.key}"'

        def warn(check: str, message: str, fix: str) -> None:
            self.add(WARNING, check, None, message, fix, line=objective.line, subject=subject)

        if not item.lessons:
            warn("coverage", "no lesson teaches it", "name it in a lesson's objectives=")
        if not has_bank:
            return
        if not questions:
            warn("coverage", "no question tests it", "add questions with this objective")
            return
        for question in questions:
            if question.lesson_slug and question.lesson_slug not in item.lessons:
                self.add(
                    WARNING,
                    "coverage",
                    question,
                    f'its source lesson "{question.lesson_slug}" does not teach its objective '
                    f'"{objective.key}"',
                    f"add {objective.key} to that lesson's objectives=, or point source: at a "
                    "lesson that teaches it",
                )
        if len(questions) < QUIZ_SIZE:
            warn(
                "balance",
                f"{_count(len(questions), 'question')}, fewer than the {QUIZ_SIZE} its quiz "
                "draws: every attempt asks the same questions",
                f"give it at least {2 * QUIZ_SIZE} questions so attempts differ",
            )
        if len(questions) >= BALANCE_MIN_QUESTIONS:
            recall = item.levels.get("recall", 0)
            if recall / len(questions) > RECALL_MAX_SHARE:
                warn(
                    "balance",
                    f"{recall} of its {len(questions)} questions are recall "
                    f"({recall / len(questions):.0%}); it is tested almost only by recall",
                    "add questions that apply or analyse it (scenarios, comparisons) and mark "
                    "them level: apply or level: analyse",
                )
            if len(item.types) == 1:
                warn(
                    "balance",
                    f"all {len(questions)} questions are of type {next(iter(item.types))}",
                    "vary the question types",
                )


def lint(doc: CourseDoc) -> LintResult:
    """Every check on a parsed course (`authoring.importing.parse_course_file`) and its bank."""
    linter = _Linter(doc)
    linter.length_cue()
    linter.form_cues()
    linter.give_aways()
    linter.matching()
    linter.duplicates()
    linter.weak_distractors()
    linter.pointers()
    linter.images()
    coverage = linter.coverage()
    order = {ERROR: 0, WARNING: 1}
    findings = sorted(
        linter.findings, key=lambda f: (f.path != linter.course_path, f.line, order[f.severity])
    )
    return LintResult(path=str(doc.path), findings=findings, coverage=coverage)


# --- text report -------------------------------------------------------------------------


def coverage_lines(result: LintResult) -> list[str]:
    """The coverage map and balance as text, one block per objective."""
    lines = []
    for item in result.coverage:
        types = ", ".join(f"{count} {name}" for name, count in sorted(item.types.items()))
        above = item.share_above_recall
        share = f"{above:.0%} above recall" if above is not None else "no questions"
        levels = ", ".join(f"{count} {name}" for name, count in sorted(item.levels.items()))
        lines.append(
            f'Objective "{item.key}": {_count(item.questions, "question")} ({types or "none"})'
        )
        lines.append(f"  levels: {levels or 'none'} ({share})")
        if item.form_questions:
            lines.append(
                f"  test-wise guesser: {item.guesser_score:.1f} of {item.form_questions} "
                f"choice and true/false questions from form alone (blind guessing "
                f"{item.guesser_chance:.1f}); sure of {len(item.guessable)}"
                + (f": {', '.join(item.guessable)}" if item.guessable else "")
            )
        lines.append(f"  taught by: {', '.join(item.lessons) or 'no lesson'}")
        for section in item.sections:
            count = len(section.questions)
            if count:
                mark = _count(count, "question")
            elif section.any_questions:
                mark = f"0 (questions of other objectives: {section.any_questions})"
            else:
                mark = "NO QUESTION"
            lines.append(f"    {section.source:<52} {mark}")
        for source in item.elsewhere:
            lines.append(f"    {source:<52} (outside its lessons)")
    return lines


def format_text(result: LintResult, path: Path | str | None = None) -> str:
    lines = [str(finding) for finding in result.findings]
    lines.append("")
    lines.extend(coverage_lines(result))
    lines.append("")
    lines.append(f"{path or result.path}: {result.errors} error(s), {result.warnings} warning(s).")
    return "\n".join(lines)
