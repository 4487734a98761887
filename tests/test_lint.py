"""The course linter (authoring/lint.py), its command, its report on import and in the admin."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from authoring import lint
from authoring.importer import CourseFileError
from authoring.importing import parse_course_file
from courses.models import Course
from quizzes.models import CourseReview, Question
from tests.factories import make_staff_instructor, make_user

DATA = Path(__file__).parent / "data" / "lint"
pytestmark = pytest.mark.django_db  # parsing a bank reads the database (type changes)


def copy_course(tmp_path, name):
    shutil.copy(DATA / f"{name}.md", tmp_path / f"{name}.md")
    shutil.copy(DATA / f"{name}.questions.yaml", tmp_path / f"{name}.questions.yaml")
    return tmp_path / f"{name}.md"


def findings_of(name):
    result = lint.lint(parse_course_file(DATA / f"{name}.md"))
    return result, {(f.check, f.subject, f.severity): f for f in result.findings}


def test_a_clean_course_has_no_findings():
    result, _ = findings_of("clean")
    assert result.findings == []
    (boiling,) = result.coverage
    assert boiling.questions == 5
    assert boiling.share_above_recall == pytest.approx(0.4)
    assert [(s.source, s.questions) for s in boiling.sections] == [
        ("boiling-point#sea-level", ["sea-level-boiling-point", "bubble-gas"]),
        (
            "boiling-point#mountain",
            ["soup-on-a-summit", "pressure-with-height", "effects-of-height"],
        ),
    ]


def test_a_flawed_course_gets_every_check():
    result, found = findings_of("flawed")
    checks = {(check, subject) for check, subject, _severity in found}
    expected = {
        # option length cue, per question and across an objective
        ("length-cue", 'question "closest-planet"'),
        ("length-cue", 'objective "planets"'),
        # give-aways: an answer stated by another question, two pairs, pairs sharing words
        ("give-away", 'question "largest-planet"'),
        ("give-away", 'question "order-pairs"'),
        # duplicates
        ("duplicate", 'question "largest-planet"'),
        # weak distractors: all of the above, repeated options, an unemphasised NOT
        ("weak-distractor", 'question "ringed-planet"'),
        ("weak-distractor", 'question "not-a-planet"'),
        # pointers
        ("pointer", 'question "titan-host"'),
        # coverage: an untested section, a lesson-less objective, a question-less objective,
        # a question whose source lesson does not teach its objective
        ("coverage", 'lesson "planets"'),
        ("coverage", 'objective "comets"'),
        ("coverage", 'objective "galaxies"'),
        ("coverage", 'question "comet-tail"'),
        # images from another site (blocked by the CSP), without a description
        ("image", 'lesson "planets"'),
        # balance: too few questions, almost only recall, a single type
        ("balance", 'objective "moons"'),
        ("balance", 'objective "stars"'),
        ("balance", 'objective "planets"'),
    }
    assert expected <= checks
    messages = [str(f) for f in result.findings]
    bank = f"{DATA / 'flawed.questions.yaml'}"
    assert (
        f'{bank}:15: error [give-away] question "largest-planet": its answer (jupiter) is stated '
        'by question "ringed-planet" (line 35), which the same quiz may show first. Fix: reword '
        'question "ringed-planet" so it does not state the answer, or move one of them to '
        "another objective"
    ) in messages
    assert any('the option "All of the above"' in m for m in messages)
    assert any('"The planet Venus" and "Venus, the planet" say the same' in m for m in messages)
    assert any('negatively worded ("not")' in m for m in messages)
    assert any("matching question with 2 pairs" in m for m in messages)
    assert any('"Venus planet" / "Second planet" shares the words planet' in m for m in messages)
    assert any("2 questions test the same fact (jupiter)" in m for m in messages)
    assert any('source section "moons#big-moons" does not contain the answer (missing: saturn)'
               in m for m in messages)  # fmt: skip
    assert any(
        "correct option is the longest in 3 of 4 choice questions (75%" in m for m in messages
    )
    assert any("no question points at 1 of its 3 sections: history" in m for m in messages)
    assert any("all 3 questions are of type text" in m for m in messages)
    course = DATA / "flawed.md"
    assert (
        f'{course}:37: error [image] lesson "planets": the image https://example.com/pluto.png '
        "is on another site: the Content-Security-Policy blocks it, so learners see nothing"
    ) in "\n".join(messages)
    assert any("has no description for screen readers" in m for m in messages)
    assert any("3 of its 3 questions are recall" in m for m in messages)
    # Every finding names its file, line and subject, and says how to fix it.
    for finding in result.findings:
        assert finding.path.endswith((".md", ".questions.yaml"))
        assert finding.line >= 1 and finding.subject and finding.fix


def test_an_inference_pointer_must_still_name_a_section_about_the_question(tmp_path):
    # star-matter ("What is a star made of?", inference: true) points at stars#fusion, which
    # says only that the Sun fuses hydrogen: nothing about stars or what they are made of.
    result, _found = findings_of("flawed")
    (finding,) = [f for f in result.findings if f.subject == 'question "star-matter"']
    assert (finding.severity, finding.check) == ("error", "pointer")
    assert 'source section "stars#fusion" (inference: true) is not about the question' in str(
        finding
    )
    assert "0 of the prompt's 3 words and 0 of the answer's 2 (missing: gas, hot)" in str(finding)
    # A section about stars' gas is enough for an inference, though it does not state "hot
    # gas" (without inference: true the answer must be in it).
    course = copy_course(tmp_path, "flawed")
    course.write_text(
        course.read_text().replace(
            "The Sun fuses hydrogen into helium.",
            "A star's gas is hotter than anything on Earth; it fuses hydrogen into helium.",
        )
    )
    result = lint.lint(parse_course_file(course))
    assert not [f for f in result.findings if f.subject == 'question "star-matter"']
    bank = tmp_path / "flawed.questions.yaml"
    bank.write_text(bank.read_text().replace("  inference: true\n", "", 1))
    result = lint.lint(parse_course_file(course))
    (finding,) = [f for f in result.findings if f.subject == 'question "star-matter"']
    assert "does not contain the answer (missing: hot)" in finding.message


def test_a_scenario_is_about_the_section_its_explanation_reasons_from(tmp_path):
    # A scenario's prompt and answer describe a situation the lessons do not, so they need not
    # echo the section; its explanation, which reasons from the section, must.
    course = copy_course(tmp_path, "flawed")
    bank = tmp_path / "flawed.questions.yaml"
    scenario = (
        "  prompt: A probe reports that a faraway body turns one element into another in its "
        "core. What does it do?\n"
        "  accepted: [shine]\n"
        "  explanation: {explanation}\n"
    )
    original = (
        "  prompt: What is a star made of? (two words)\n"
        "  accepted: [hot gas]\n"
        "  explanation: A ball of hot gas.\n"
    )
    assert original in bank.read_text()

    def finding_for(explanation):
        bank.write_text(
            bank.read_text().replace(original, scenario.format(explanation=explanation))
        )
        result = lint.lint(parse_course_file(course))
        bank.write_text(
            bank.read_text().replace(scenario.format(explanation=explanation), original)
        )
        return [f for f in result.findings if f.subject == 'question "star-matter"']

    # An explanation that reasons from what the section says (the Sun fuses hydrogen into
    # helium): the pointer stands.
    assert not finding_for("Like the Sun, which fuses hydrogen into helium, it shines.")
    # An explanation about something the section does not say: still an error.
    (finding,) = finding_for("Bodies that convert matter glow brightly.")
    assert (finding.severity, finding.check) == ("error", "pointer")


def test_an_emphasised_not_is_fine(tmp_path):
    course = copy_course(tmp_path, "flawed")
    bank = tmp_path / "flawed.questions.yaml"
    bank.write_text(
        bank.read_text().replace("Which of these is not a planet?", "Which is **NOT** a planet?")
    )
    result = lint.lint(parse_course_file(course))
    assert not any("negatively worded" in f.message for f in result.findings)


def test_numbers_compare_by_value_in_any_form():
    assert lint.terms("400 billion") == lint.terms("400,000,000,000") == {"#400000000000"}
    assert lint.terms("1,417") != lint.terms("1,418")
    assert "#4" in lint.terms("the four reasons")
    assert lint.stem("strategic") == lint.stem("strategy")
    assert lint.words("Climbing the mountains") == {"climb", "mounta"}


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_lint_course_prints_findings_and_the_coverage_map():
    out, _ = run("lint_course", str(DATA / "flawed.md"))
    assert 'error [give-away] question "largest-planet"' in out
    assert 'Objective "planets": 6 questions (1 matching, 4 single, 1 text)' in out
    assert "    planets#history" in out and "NO QUESTION" in out
    assert out.rstrip().endswith("flawed.md: 12 error(s), 17 warning(s).")


def test_strict_fails_on_any_error_and_passes_a_clean_course():
    with pytest.raises(CommandError) as info:
        run("lint_course", "--strict", str(DATA / "flawed.md"))
    assert info.value.returncode == 1
    out, _ = run("lint_course", "--strict", str(DATA / "clean.md"))
    assert "0 error(s), 0 warning(s)" in out


@pytest.mark.django_db
def test_the_documented_example_course_passes_its_own_linter():
    """docs/course-format.md offers docs/example/ as the course to copy: it must start clean.
    Its only warnings are the size of an example (three questions per objective)."""
    example = Path(__file__).resolve().parent.parent / "docs" / "example" / "example-course.md"
    out, _ = run("lint_course", "--strict", str(example))
    assert " error [" not in out
    assert out.rstrip().endswith("example-course.md: 0 error(s), 2 warning(s).")
    assert out.count("warning [balance]") == 2 and "fewer than the 5 its quiz draws" in out


def test_lint_course_reports_a_course_that_does_not_import(tmp_path):
    course = copy_course(tmp_path, "clean")
    course.write_text(course.read_text().replace("slug=boiling-point", "slug=Bad Slug"))
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("lint_course", str(course), stdout=StringIO(), stderr=err)
    assert info.value.returncode == 2
    assert f"{course}:12:" in err.getvalue()


def test_every_import_runs_the_linter_and_keeps_its_report(tmp_path):
    course_path = copy_course(tmp_path, "flawed")
    _out, err = run("import_course", str(course_path), "--dry-run")
    assert "the course linter found 12 error(s) and 17 warning(s)" in err
    assert 'error [give-away] question "largest-planet"' in err
    assert not CourseReview.objects.exists()  # a dry run writes nothing
    run("import_course", str(course_path))
    review = CourseReview.objects.get(course__slug="flawed-course")
    assert (review.errors, review.warnings) == (12, 17)
    stored = lint.LintResult.from_dict(review.report)
    assert [str(f) for f in stored.findings] == [
        str(f) for f in lint.lint(parse_course_file(course_path)).findings
    ]
    # A clean course imports without a word from the linter.
    _out, err = run("import_course", str(copy_course(tmp_path, "clean")))
    assert err == ""
    assert CourseReview.objects.get(course__slug="boiling-water").errors == 0


def test_level_and_inference_are_kept_on_the_question(tmp_path):
    course_path = copy_course(tmp_path, "clean")
    run("import_course", str(course_path))
    soup = Question.objects.get(key="soup-on-a-summit")
    assert (soup.level, soup.inference) == ("apply", False)
    assert Question.objects.get(key="bubble-gas").level == "recall"
    # A new level is not new content: no new version for learners.
    bank = tmp_path / "clean.questions.yaml"
    bank.write_text(bank.read_text().replace("level: apply", "level: analyse\n  inference: true"))
    out, _ = run("import_course", str(course_path), "-v", "2")
    assert 'updated question "soup-on-a-summit" (level, inference)' in out
    soup.refresh_from_db()
    assert (soup.level, soup.inference, soup.current_version.number) == ("analyse", True, 1)


def test_bad_level_and_inference_values_are_import_errors(tmp_path):
    course_path = copy_course(tmp_path, "clean")
    bank = tmp_path / "clean.questions.yaml"
    bank.write_text(
        bank.read_text()
        .replace("level: apply", "level: evaluate")
        .replace("level: analyse", "level: analyse\n  inference: maybe")
    )
    with pytest.raises(CourseFileError) as info:
        parse_course_file(course_path)
    assert [str(p) for p in info.value.problems] == [
        f'{bank}:15: question "soup-on-a-summit": level must be one of recall, apply, analyse '
        "(not 'evaluate')",
        f'{bank}:45: question "effects-of-height": inference must be true or false',
    ]


def test_instructors_see_the_course_review_in_the_admin(tmp_path, client):
    run("import_course", str(copy_course(tmp_path, "flawed")))
    course = Course.objects.get(slug="flawed-course")
    client.force_login(make_staff_instructor())
    index = client.get(reverse("reports:index")).content.decode()
    url = reverse("reports:course_review", args=[course.pk])
    assert f'href="{url}"' in index
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "12 errors, 17 warnings." in html
    assert "planets#history" in html and 'class="flag">none' in html
    # The test-wise guesser, beside blind guessing, for each objective with choice questions.
    assert (
        "a test-wise guesser expects 1.0 of 4 choice and true/false questions (blind guessing 1.3)"
    ) in html
    assert "Replace it with a plausible wrong answer, or use type: multiple" in html
    assert 'id="review-errors"' in html and 'id="review-warnings"' in html
    assert " style=" not in html and "<script>" not in html
    # What to fix comes first: the summary, the errors, the warnings, then the coverage tables;
    # one balance row per objective, its values in their own columns.
    order = [
        html.index('id="review-summary"'),
        html.index('id="review-errors"'),
        html.index('id="review-warnings"'),
        html.index('id="review-balance"'),
        html.index('class="report-table coverage-table"'),
    ]
    assert order == sorted(order)
    balance = html.split('id="review-balance"', 1)[1].split("</table>", 1)[0]
    assert '<a href="#objective-planets">planets</a>' in balance
    assert "<tfoot>" not in html


def test_the_course_review_needs_the_permission_to_view_questions(tmp_path, client):
    run("import_course", str(copy_course(tmp_path, "clean")))
    course = Course.objects.get(slug="boiling-water")
    client.force_login(make_user("staffer", is_staff=True))
    response = client.get(reverse("reports:course_review", args=[course.pk]))
    assert response.status_code == 403


def test_a_fault_in_the_linter_never_stops_an_import(tmp_path, monkeypatch, caplog):
    def broken(doc):
        raise RuntimeError("a bug in a check")

    monkeypatch.setattr(lint, "lint", broken)
    out, _ = run("import_course", str(copy_course(tmp_path, "clean")), "-v", "2")
    assert "created course" in out
    assert Course.objects.filter(slug="boiling-water").exists()
    assert "the course linter failed" in caplog.text


# --- test-wiseness: form cues, the guesser, true/false keys, give-aways, inference ----------

NEW_CHECKS = {"form-cue", "guesser", "key-lean", "give-away", "pointer"}


def test_a_course_planted_with_test_wise_cues_is_caught_on_every_one():
    result, found = findings_of("cues")
    checks = {(check, subject, severity) for check, subject, severity in found}
    messages = "\n".join(str(f) for f in result.findings)
    # The key is the shortest option in every "dough" question, the longest in every "loaf"
    # question, and the only one without an absolute word in every "salt" question.
    for subject, label in [
        ('objective "dough"', "the shortest option"),
        ('objective "loaf"', "the longest option"),
        ('objective "salt"', "the only option without an absolute word"),
    ]:
        assert ("form-cue", subject, "error") in checks
        assert ("guesser", subject, "warning") in checks
        assert (
            f"{subject}: {label} is the correct one in 5 of the 5 choice questions it singles "
            "out (1.2 expected by chance; one-sided Poisson-binomial p = 0.00098)"
        ) in messages
    assert "the odd one out in length is the correct one in 10 of the 12" in messages
    # ...and each question it hits is named, so the author knows which to fix.
    for key, cue in [
        ("yeast-gas", "the shortest option"),
        ("oven-heat", "the longest option"),
        ("salt-gluten", "the only option without an absolute word"),
    ]:
        finding = found[("form-cue", f'question "{key}"', "warning")]
        assert f"its correct option is {cue}" in finding.message
    # The guesser, reading only form, gets every cued question right.
    guesser = {item.key: item for item in result.coverage}
    assert guesser["dough"].guesser_score == 5.0 and guesser["dough"].guesser_chance == 1.25
    assert guesser["salt"].guessable == [
        "salt-amount", "warm-water", "too-much-salt", "salt-gluten", "boiling-water-yeast"
    ]  # fmt: skip
    # Every true/false key is false, in the objective and in the course.
    assert ("key-lean", 'objective "myths"', "warning") in checks
    assert ("key-lean", 'course "baking-bread"', "warning") in checks
    assert "3 of its 3 true/false questions are false" in messages
    # A distractor of one question and the feedback of another answer a third and a fourth.
    assert (
        'question "rising-gas": its answer (carbon, dioxide) is given by the option "Carbon '
        'dioxide, the gas that makes the dough rise" of question "yeast-feeds-on"'
    ) in messages
    assert (
        'question "gas-trap-name": its answer (gluten) is given by the feedback of question '
        '"why-knead" (line 267), shown after it is answered in the same quiz'
    ) in messages
    # An explanation that answers another question of the quiz.
    assert 'its answer (eats, sugar) is given by the explanation of question "yeast-gas"' in (
        messages
    )
    # An inference pointer at a section about something else.
    assert (
        'question "cold-kitchen": its source section "history#egypt" (inference: true) is not '
        "about the question"
    ) in messages


def test_the_same_course_without_its_cues_gets_none_of_them(tmp_path):
    shutil.copy(DATA / "cues-fixed.questions.yaml", tmp_path / "cues-fixed.questions.yaml")
    course = tmp_path / "cues.md"
    course.write_text(
        (DATA / "cues.md")
        .read_text()
        .replace("questions: cues.questions.yaml", "questions: cues-fixed.questions.yaml")
    )
    result = lint.lint(parse_course_file(course))
    assert [str(f) for f in result.findings if f.check in NEW_CHECKS] == []
    for item in result.coverage:
        assert item.guessable == []
        assert item.guesser_score <= item.guesser_chance


def test_two_scenarios_choosing_between_the_same_options_do_not_give_each_other_away(tmp_path):
    # Two questions that choose between the same three places, with different keys: each one's
    # key is a distractor of the other, which shows nothing the question does not show itself.
    course = copy_course(tmp_path, "clean")
    bank = tmp_path / "clean.questions.yaml"
    pair = """
- key: lowest-boil
  objective: boiling
  type: single
  level: apply
  source: boiling-point#mountain
  prompt: A cook wants her water to boil at the lowest temperature. Where should she boil it?
  options:
    - text: Everest base camp
      correct: true
    - text: Dead Sea shore
    - text: {distractor}
  explanation: The higher the place, the lower the air pressure and the boiling point.

- key: highest-boil
  objective: boiling
  type: single
  level: apply
  source: boiling-point#mountain
  prompt: A cook wants her water to boil at the highest temperature. Where should she boil it?
  options:
    - text: Everest base camp
    - text: Dead Sea shore
      correct: true
    - text: Lake Titicaca dock
  explanation: The lower the place, the higher the air pressure and the boiling point.
"""
    original = bank.read_text()

    def give_aways(distractor):
        bank.write_text(original + pair.format(distractor=distractor))
        result = lint.lint(parse_course_file(course))
        return [str(f) for f in result.findings if f.check == "give-away"]

    assert give_aways("Lake Titicaca dock") == []
    # A distractor that says more than an option of the question does still gives it away.
    (finding,) = give_aways("Dead Sea shore, where the air pressure is highest")
    assert 'question "highest-boil": its answer (dead, sea, shore) is given by the option' in (
        finding
    )


def test_the_clean_course_has_a_guesser_score_at_chance():
    result, _ = findings_of("clean")
    (boiling,) = result.coverage
    assert boiling.form_questions == 3  # two choice questions and a true/false one
    assert boiling.guesser_score == pytest.approx(boiling.guesser_chance, abs=0.01)


def test_poisson_binomial_tail_is_exact():
    from authoring.formcues import upper_tail

    assert upper_tail([0.25] * 5, 5) == pytest.approx(0.25**5)
    assert upper_tail([0.5, 0.25], 1) == pytest.approx(1 - 0.5 * 0.75)
    assert upper_tail([0.5, 0.25], 0) == pytest.approx(1.0)
    # Equal rates: the binomial tail, P(X >= 3) for n = 4, p = 1/3.
    assert upper_tail([1 / 3] * 4, 3) == pytest.approx(4 * (1 / 3) ** 3 * (2 / 3) + (1 / 3) ** 4)


def test_cue_words():
    from authoring import formcues

    assert formcues.is_absolute("It never works") and formcues.is_absolute("no effect at all")
    assert formcues.is_absolute("You can't") and not formcues.is_hedged("You can't")
    assert formcues.is_hedged("It may help") and not formcues.is_absolute("It may help")
    texts = ["It rises", "It always falls", "It never moves", "It only sinks"]
    assert formcues.no_absolute("", texts, lint.words) == 0
    assert formcues.odd_grammar("", ["The bran", "Salt", "Yeast", "Sugar"], lint.words) == 0
    assert formcues.odd_length("", ["A much longer option here", "Short", "Brief", "Tiny"],
                               lint.words) == 0  # fmt: skip
    assert formcues.odd_length("", ["Some", "Alike", "Equal", "Level"], lint.words) is None


@pytest.mark.django_db
def test_a_question_without_a_lesson_pointer_is_a_finding_and_a_clear_import_error(tmp_path):
    course = copy_course(tmp_path, "clean")
    bank = tmp_path / "clean.questions.yaml"
    lines = bank.read_text().split("\n")
    first = next(n for n, line in enumerate(lines) if line.strip().startswith("source:"))
    del lines[first]
    bank.write_text("\n".join(lines))

    # The linter reads it and reports it, beside its other findings and its coverage map.
    out, _err = run("lint_course", str(course))
    assert "error [pointer]" in out and "it has no source" in out
    assert out.rstrip().endswith("clean.md: 1 error(s), 0 warning(s).")  # nothing else

    # The import refuses it with the file and line, and writes nothing: never a traceback.
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_course", str(course), stdout=StringIO(), stderr=err)
    assert 'missing required field "source"' in err.getvalue()
    assert str(bank) in err.getvalue()
    assert not Course.objects.exists()
