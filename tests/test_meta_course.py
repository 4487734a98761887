"""The Meta course fixture: its source checks, and a question bank that tests understanding."""

import re
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from authoring.importing import parse_course_file
from courses.models import Course
from quizzes.models import Question
from tests.factories import make_user
from tests.test_bank import answer_on_current_version

pytestmark = pytest.mark.django_db  # parse_course_file reads stored question types

META = Path(__file__).resolve().parent.parent / "fixtures" / "meta-open-source-ai.md"
SOURCE_CHECKS = [
    # (lesson, what the source says, the primary document named, its label, its figure)
    (
        "llama-4-maverick",
        "LMArena Elo: 1,417 — competitive with frontier models",
        'Meta\'s Llama 4 launch post, "The Llama 4 herd"',
        "Primary document says",
        "experimental chat version",
    ),
    (
        "llama-4-maverick",
        "Multilingual and multimodal: Text, images, audio across dozens of languages",
        "Llama 4 model card",
        "Primary document says",
        "12 supported languages; pre-training covered 200 languages",
    ),
    (
        "llama-3-3-70b",
        "Runs on a single high-end GPU (NVIDIA A100 or H100)",
        "Llama 3.3 model card",
        # The model card gives no GPU to run it on: the memory sum is the course's own.
        "Derived from",
        "about 140 GB",
    ),
    (
        "community-licence",
        "there are restrictions on commercial use for companies above a certain size "
        "(1 million+ monthly active users)",
        'Llama 4 Community License Agreement, "Additional Commercial Terms"',
        "Primary document says",
        "may not exercise any of the licence's rights until Meta grants them",
    ),
    (
        "community-licence",
        "For individual developers and most businesses, this is not a barrier.",
        "Llama 4 Acceptable Use Policy",
        "Primary document says",
        "domiciled in the European Union",
    ),
    (
        "muse-spark",
        "AI capital expenditure: Meta's 2026 AI spending is projected at $115 to $135 billion",
        "Meta's fourth-quarter and full-year 2025 results",
        "Primary document says",
        "total capital expenditures in 2026",
    ),
]

# Keys retired from the bank: trivia, and questions whose meaning changed when the course was
# brought in line with Meta's licence and model cards (a changed meaning gets a new key, so that
# learners' past answers stay tied to the question they answered).
RETIRED_KEYS = [
    "muse-codename",
    "muse-build-time",
    "muse-wang-deal-value",
    "strategy-number-of-reasons",
    "strategy-ceo-name",
    "muse-msl-leader",
    "muse-announcement-date",
    "muse-ai-capex-2026",
    "muse-platforms",
    "maverick-active-params",
    "scout-params-not-stated",
    "licence-llama33-not-stated",
    "licence-growth-scenario",
    "licence-scenarios",
    "licence-large-company-unrestricted",
    "licence-restriction-kind",
    "licence-why-balance",
    # Rewritten after a blind review: options of one kind, no give-aways, honest levels.
    "licence-attribution-terms",
    "licence-derived-model-name",
    "licence-eu-developer",
    "licence-eu-end-user",
    "licence-growth-after-release",
    "licence-llama33-same-clause",
    "licence-muse-not-llama",
    "licence-royalty-claim",
    "licence-threshold-source-check",
    "licence-who-needs-permission",
    "llama33-text-only",
    "maverick-image-assistant",
    "models-choose-on-premise",
    "models-claims-matching",
    "models-context-matching",
    "models-split-codebase",
    "models-trade-off",
    "muse-open-source-plans",
    "muse-payoffs-forgone",
    "muse-reach-at-launch",
    "muse-rival-pressure",
    "muse-timeline-between",
    "muse-why-proprietary",
    "scout-best-for",
    "scout-legal-archive",
    "strategy-public-service",
    "strategy-track-mixup",
    "strategy-what-would-weaken",
    "strategy-whose-business-hurt",
    "strategy-why-not-copy",
    "strategy-why-open-source",
    # Round 3: the strategy pool restated one idea, and its key was the one that sells models.
    "strategy-competitive-moat",
    "strategy-income-shift",
    "strategy-llama-continues",
    "strategy-llama-track-role",
    "strategy-payoff-events",
    "strategy-rival-opens-model",
    "strategy-startup-builds-on-llama",
    "strategy-what-makes-it-affordable",
    "strategy-who-loses-from-free-models",
    "models-choose-on-premise-text",
    "models-choose-fine-tune-images",
    "scout-one-gpu-long-context",
    # Round 3: the quiz heading names the organisation; a key that rested on joint input, an
    # absolute "no plan", and keys that went beyond what the lessons say.
    "muse-which-organisation",
    "muse-reply-scenario",
    "muse-status-and-plan",
    "muse-developer-expectation",
    "muse-rival-pressure-tracks",
    # Round 4: the strategy pool argued one thesis, so each question answered the others; a
    # payoff label that did not match the lesson; options that all presupposed new Llama models.
    "strategy-generosity-reading",
    "strategy-letter-purpose",
    "strategy-payoff-episodes",
    "strategy-finding-that-undercuts",
    "strategy-reason-after-shift",
    "muse-developer-what-to-expect",
    "muse-drop-llama-what-lost",
    "models-switch-trade-off",
    "scout-one-gpu-near-full-context",
    "muse-capex-how-to-cite",
    "muse-reversal-signal",
    "muse-timeline-window",
    "maverick-moe-benefit",
    # Round 5: two items on one fact (the moat against Meta's income), trivia (the letter's date,
    # the shopping mode, Behemoth's figures), recall that general AI news answers, and items that
    # together told which model reads images.
    "strategy-what-sets-meta-apart",
    "strategy-moat-is-not-the-reason",
    "strategy-letter-which-release",
    "strategy-lab-wants-to-inspect",
    "strategy-llama-protects-moat-directly",
    "scout-shares-active-count",
    "scout-smaller-still-multimodal",
    "llama33-why-popular",
    "models-smallest-for-images-and-context",
    "muse-task-mode",
    "muse-voice-note-reply",
    "muse-open-plan-whose-claim",
    "muse-figures-kept-apart",
    "muse-behemoth-active-compared",
    "muse-first-day-surface",
    # Round 6 (after a form-only examinee answered the round-5 bank right from form and general AI
    # news): items whose key was the one sensible, hedged or newsworthy option, items whose
    # distractors common sense eliminates, and items other questions answered.
    "strategy-app-on-llama-serves-meta",
    "strategy-assistant-in-whatsapp",
    "strategy-llama-track-after-shift",
    "strategy-moat-not-llama-lead",
    "strategy-outside-reading-answered",
    "strategy-principle-elsewhere",
    "strategy-size-clause-aims-at",
    "strategy-without-llama-loses-indirect",
    "maverick-per-token-vs-dense",
    "models-audio-input-source-check",
    "models-choose-on-premise-notes",
    "models-choose-tune-on-photos",
    "models-downloads-vs-production",
    "models-elo-caveat",
    "models-gap-filled-by-analogy",
    "scout-one-h100-long-archive",
    "licence-above-line-no-rights",
    "licence-attribution-label",
    "licence-derived-model-names",
    "licence-eu-freelancer-scout",
    "licence-eu-which-model",
    "licence-hotel-end-user",
    "licence-open-weight-vs-osi",
    "licence-size-clause-who",
    "licence-threshold-figure",
    "muse-behemoth-signal",
    "muse-capex-newsletter",
    "muse-developer-downloads-after-shift",
    "muse-launch-day-where",
    "muse-launch-week-plan",
    "muse-open-plan-rely",
    "muse-reach-deck-claim",
    "muse-timeline-between-launches",
    "muse-voice-note-answer-form",
    # Rebuilt after the second form-only examinee: no item settles another, and tone and
    # pairs do not tell.
    "strategy-model-licensor-asks",
    "strategy-payoff-cases",
    "strategy-moat-as-reason",
    "strategy-licence-terms-for-meta",
    "strategy-fine-tuner-sells-model",
    "strategy-giant-later-no-say",
    "models-jobs-matching",
    "models-two-claims-brochure",
    "llama33-8-bit-full-context",
    "licence-eu-who-may-use-maverick",
    "licence-hosted-service-attribution",
    "licence-llama-name-which-models",
    "licence-size-clause-cases",
    "licence-conditions-matching",
    "licence-llama33-same-clause-nov",
    "licence-above-line-research-meanwhile",
    "licence-grew-past-line-later",
    "muse-capex-ai-at-least",
    "muse-deck-launch-reach",
    "muse-launch-week-api-partners",
    "muse-later-release-contradicts",
    # Round 6 (blind review of f1b126952a91): matching items a reader settled by keyword, and items
    # whose options settled others.
    "strategy-payoff-after-release",
    "strategy-licence-terms-what-for",
    "strategy-who-gains-matching",
    "licence-conditions-kinds",
    "muse-capex-ai-forecast",
    "strategy-platforms-not-the-reason",
    # Round 7: guessable from form (the storyline, give-aways between items, a firm mapped to
    # its fate); rebuilt with a new meaning.
    "strategy-finding-against-first-payoff",
    "strategy-licence-no-fee-for-meta",
    "strategy-fine-tuner-first-payoff",
    "strategy-who-gains-three-firms",
    "muse-own-servers-which-model",
    "muse-no-plan-on-weights",
    "muse-capex-covers-core",
    "muse-deck-launch-corrections",
    "muse-rival-prices-after-shift",
    # Round 10 (blind review of 46e45ac46a52): items settled from the course's storyline,
    # mirrored options and other items' stems; rebuilt with a new meaning or a new type.
    "strategy-payoff-rival-design",
    "strategy-three-firms-chip-maker",
    "strategy-rival-free-model-first-payoff",
    "licence-llama33-counted-own-month",
    "muse-march-2026-flagship-download",
    "muse-weights-to-partners-claim",
    "muse-capex-ai-part-not-given",
    "muse-deck-reach-corrections",
    "muse-api-seller-pressure-at-launch",
    "muse-claim-source-alone",
    "muse-msl-same-year-as-spark",
    # Round 11 (blind review of 80ee8f0d55fa): the Muse Spark pool tested the shift only by
    # recall and arithmetic; trivia for the objective retired, scenarios on the shift instead.
    "muse-builder-launch-week-api-who",
    "muse-behemoth-server-times-short",
    "muse-capex-what-results-give",
    "muse-slide-five-places-launch-day",
    "muse-open-track-led-by",
    "muse-reach-figure-billions",
    "strategy-fix-which-payoff",
    "strategy-giant-free-feature",
    "models-brochure-three-claims",
    "models-llama33-card-gpu",
    "models-scout-maverick-per-token",
    "licence-grew-past-line-must-ask",
    "licence-eu-freelancer-which-model",
    # Round 12 (blind review of 0383f40): Muse Spark items that were a story around one stated
    # fact, and whose options stated facts that settled other items.
    "muse-investor-two-track-roles",
    "muse-journalist-open-work-goes-on",
    "muse-roadmap-waits-behemoth",
    "muse-llama-firm-what-changed",
    "muse-try-in-launch-week",
    "muse-agency-on-premises-plans",
    "strategy-model-seller-copies-meta",
    "strategy-licence-no-fee-what-it-buys",
    "licence-not-osi-journalist",
    "licence-group-users-over-line",
    # Round 13 (blind review of 2cc2030): a fifth item on "no Muse Spark weights, Behemoth
    # unreleased", which also gave another item its list of models; replaced by an item on the
    # two-track logic.
    "muse-downloads-count-month-after",
    # Round 14 (blind review of f5680d9): settled from form (the licence term item, whose key was
    # the quiz's running theme; the two-track item, whose options were a mirrored 2x2).
    "licence-not-osi-which-term",
    "muse-ad-platform-new-model-plan",
    # Round 14: the brochure item's right options were the source-critical ones, and one mirrored
    # a wrong one (model cards give no count / a model card reports production).
    "models-brochure-downloads-claim",
    # Round 17 (blind review of efc5796380ab): trivia both readers named (the card's training GPU,
    # the months from the labs to their first product); the two-track item both settled from
    # form; Muse Spark "what can run where" items cut to three, for items on what the shift
    # means; numeric models items replaced by scenarios; two licence true/false items made
    # scenario choices, and one restated so the licence's true/false keys balance.
    "models-llama33-card-training-gpu",
    "models-per-token-gap",
    "models-fewest-params-long-prompt",
    "maverick-16-bit-fewest-gpus",
    "muse-msl-months-to-first-product",
    "muse-video-platform-best-model-plan",
    "muse-own-servers-name-model",
    "muse-agency-own-building-plans",
    "muse-giant-models-without-asking",
    "licence-above-line-no-tests",
    "licence-osi-without-size-line",
    "licence-llama33-whole-2024-may-build",
    # Round 18 (blind review of 4069934): a tuning item whose key was the odd one out and recall
    # of "size the tuning hardware separately"; trivia on which document said "industry-leading"
    # and on which claim rests on the source alone; a licence item whose key alone waited,
    # rebuilt on a user count that crossed the line before the release date.
    "models-tune-70b-on-one-a100",
    "models-scout-longest-claim-backed",
    "licence-giant-lab-trial-plan",
    "muse-claim-on-source-word",
    # Round 19 (blind review of 9ee305cb511f): Muse Spark items settled from form. The pricing
    # note whose key was the one measured option and restated the Llama-builder key; a true/false
    # the quiz heading answered; trivia on what the capital spending range covers.
    "muse-model-seller-pricing-after-shift",
    "muse-textbook-one-closed-model",
    "muse-capex-what-meta-published",
    # Round 20 (round 19's readers): a recall true/false on the open track's reasons after the
    # shift, replaced by a scenario that weighs the payoffs against the closed top.
    "strategy-same-reasons-after-shift",
]


@pytest.fixture
def bank():
    return parse_course_file(META).bank


def words(html):
    """Page text with tags dropped and spaces collapsed, for phrases that wrap in the source."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&quot;", '"').split())


def test_every_source_check_is_on_its_lesson_page_naming_the_primary_document(client):
    call_command("import_course", str(META), stdout=StringIO())
    course = Course.objects.get(slug="meta-open-source-ai")

    for slug in {check[0] for check in SOURCE_CHECKS}:
        page = client.get(course.lessons.get(slug=slug).get_absolute_url()).content.decode()
        checks = [check for check in SOURCE_CHECKS if check[0] == slug]
        assert page.count('class="admonition source-check"') == len(checks), slug
        text = words(page)
        for _slug, quote, document, label, figure in checks:
            assert f'Source says "{quote}"' in text, (slug, quote)
            assert f"Primary document {document}" in text, (slug, document)
            assert f"{label} " in text, (slug, label)
            assert figure in text, (slug, figure)


def test_the_lessons_teach_what_metas_documents_say_not_what_they_contradict():
    text = words(META.read_text())

    for fact in (
        "Built with Llama",  # licence 1.b.i
        'name that **starts with "Llama"**',
        "The test is made once, on the release date",
        "Above the line, nothing is licensed",
        "**109 billion** parameters in total, **17 billion** active for each token",
        "**16 experts**",
        "fits on a single NVIDIA H100 GPU",
        "text in, text out (including code), in **8 supported languages**",
        "Llama 3.3 Community License Agreement",
        '"in the coming weeks"',
        "one of them FAIR",
        "| December 2024 | Llama 3.3 70B released",
        "| April 2026 | Muse Spark announced",
        # Found by a blind reader: Scout's one H100 holds the weights, not a 10M context; the
        # fine-tuning choice between Scout and Llama 3.3 70B turns on inputs and team; the claims
        # only the source makes are marked; the general form of the "where it earns" argument.
        "One GPU holds the weights, not a 10 million token context",
        "If the tuned model must read images or very long inputs, only Scout of the two can.",
        "Claims that rest on the source alone",
        "Meta's model cards make neither",
        '"Open Source AI Is the Path Forward" (July 2024)',
        "a company that earns its money from something other than selling models loses little",
        # Round 3 blind review: hardware figures are for running, not tuning; one licence
        # trigger and one size test; Maverick's server is not "one H100"; the source's claims
        # are marked where questions test them; the moat is not the reason Meta can open up.
        "The hardware figures in this course are for running a model, not for tuning it",
        "Whoever distributes or makes available a Llama model, or a product or service that "
        "contains one",
        "in the calendar month before a model's release date",
        "A server of several H100 GPUs (one DGX host)",
        "Quality the source calls frontier-competitive",
        "so read it as the source's claim",
        "That moat is what Meta defends",
        "(the modes as the course's source lists them)",
    ):
        assert fact in text, fact
    # The source's "not a barrier" survives only as the quote in its source check.
    assert text.count("not a barrier") == 1
    for wrong in (
        "no obstacle",
        "before your product grows",
        "Do not borrow Maverick's numbers",
        # Muse Spark reached Meta's other apps after launch: no sentence has it running there now.
        "by powering Meta AI in WhatsApp",
        "line, which powers Meta's own products",
        "approach to AI models is unique",
        "H100 server",
        "every product built on Llama",
        "both models fit one GPU only with quantised weights",
        "| Frontier-competitive quality",
    ):
        assert wrong not in text, wrong
    # Every sentence that puts Muse Spark in WhatsApp also says when.
    for sentence in re.split(r"(?<=[.!?])\s", text):
        if "Muse Spark" in sentence and "WhatsApp" in sentence and "power" in sentence:
            assert "coming weeks" in sentence or "built" in sentence, sentence


def test_the_course_home_says_what_the_course_is_built_from(client):
    call_command("import_course", str(META), stdout=StringIO())

    page = words(client.get("/courses/meta-open-source-ai/").content.decode())

    assert "The course is built from one source document" in page
    assert "source check" in page


def test_each_objective_has_ten_questions_four_scenarios_and_thirty_percent_above_recall(bank):
    per_objective = defaultdict(list)
    for question in bank:
        per_objective[question.objective].append(question)

    assert len(per_objective) == 4
    for objective, questions in per_objective.items():
        above_recall = [q for q in questions if q.level in ("apply", "analyse")]
        assert len(questions) >= 10, objective
        assert len(above_recall) >= 4, objective
        assert len(above_recall) / len(questions) >= 0.3, objective


def test_the_correct_option_is_the_longest_in_well_under_forty_percent_of_choice_questions(bank):
    per_objective = defaultdict(lambda: [0, 0])
    for question in bank:
        if question.type not in ("single", "multiple"):
            continue
        options = question.spec["options"]
        longest = max(len(option["text"]) for option in options)
        counts = per_objective[question.objective]
        counts[0] += any(o["correct"] and len(o["text"]) == longest for o in options)
        counts[1] += 1

    for objective, (longest, total) in per_objective.items():
        assert longest / total < 0.4, (objective, longest, total)


def test_trivia_and_changed_questions_are_retired_and_learners_answers_on_them_survive():
    call_command("import_course", str(META), stdout=StringIO())
    question = Question.objects.get(key="muse-helpline-spoken-reply")
    kept = answer_on_current_version(make_user(), question)
    # Bring back a retired key the way an old copy of the bank had it, answered, then re-import.
    question.key = "muse-msl-leader"
    question.save(update_fields=["key"])

    call_command("import_course", str(META), stdout=StringIO())

    retired = Question.objects.get(key="muse-msl-leader")
    assert retired.retired
    assert retired.responses.get() == kept
    live = {q.key for q in parse_course_file(META).bank}
    assert live.isdisjoint(RETIRED_KEYS)


def test_the_behemoth_question_points_at_the_section_about_behemoth(bank):
    question = next(q for q in bank if q.key == "muse-behemoth-plan-a-year-on")

    assert question.source == "muse-spark#behemoth"


def test_no_form_cue_points_to_the_answer_within_an_objective(bank):
    """Neither the longest nor the shortest option, nor one true/false value, gives it away."""
    per_objective = defaultdict(lambda: {"longest": 0, "shortest": 0, "single": 0, "tf": []})
    for question in bank:
        counts = per_objective[question.objective]
        if question.type == "truefalse":
            counts["tf"].append(question.spec["answer"])
        if question.type != "single":
            continue
        lengths = [len(option["text"]) for option in question.spec["options"]]
        correct = next(i for i, o in enumerate(question.spec["options"]) if o["correct"])
        others = lengths[:correct] + lengths[correct + 1 :]
        counts["single"] += 1
        counts["longest"] += lengths[correct] > max(others)
        counts["shortest"] += lengths[correct] < min(others)

    for objective, counts in per_objective.items():
        # Chance is about 1 in 4 for each; 40% would teach learners a rule. An objective with no
        # single-answer item has no option lengths to teach.
        if counts["single"]:
            assert counts["longest"] / counts["single"] < 0.4, (objective, counts)
            assert counts["shortest"] / counts["single"] < 0.4, (objective, counts)
        if len(counts["tf"]) >= 2:
            assert len(set(counts["tf"])) == 2, (objective, counts["tf"])
    assert {answer for counts in per_objective.values() for answer in counts["tf"]} == {
        True,
        False,
    }


def test_no_quiz_heading_or_question_names_the_answer_a_text_question_asks_for(bank):
    """The quiz heading is the objective's text; it must not answer a question of that quiz."""
    course = parse_course_file(META)
    headings = {objective.key: objective.text for objective in course.objectives}
    for question in bank:
        if question.type != "text":
            continue
        for accepted in question.spec["accepted"]:
            assert accepted.lower() not in headings[question.objective].lower(), question.key
            for other in bank:
                if other.key != question.key and other.objective == question.objective:
                    assert accepted.lower() not in other.prompt.lower(), (question.key, other.key)


def test_no_stem_presupposes_how_many_llama_4_models_were_released(bank):
    """ "The two Llama 4 models" told a blind reader that Behemoth was never released."""
    for question in bank:
        assert "two llama 4 models" not in question.prompt.lower(), question.key


def test_the_licence_falls_short_of_the_osi_definition_for_what_it_forbids_not_for_credit():
    """Round 17: a reader disputed that attribution kept the licence from being open source; the
    Open Source Definition allows attribution, and forbids discrimination against persons,
    groups or fields of endeavour."""
    text = words(META.read_text())

    assert "Those three are the reasons." in text
    assert "the definition allows a licence to require attribution" in text
    assert "a use policy and attribution terms" not in text
    assert "and whoever ships a product on Llama must credit it" not in text


def test_the_first_payoff_is_explained_as_its_heading_says():
    """A reviewer read "commoditises AI infrastructure" as chips; round 6: the label is the model
    layer, and the source's wording stays, with what it means."""
    text = words(META.read_text())

    assert 'The course\'s source calls this "commoditizing AI infrastructure"' in text

    assert (
        "It commoditises the model layer**, making it harder for AI model companies to charge"
        " a premium" in text
    )
    assert "not chips or data centres" in text
    assert "cheaper AI infrastructure" not in text
    assert "cheaper model layer" not in text


def test_no_question_presupposes_a_fact_in_every_option(bank):
    """Four options that all began "New Llama models will come" forced an untaught premise."""
    for question in bank:
        if question.type not in ("single", "multiple"):
            continue
        openings = {
            " ".join(option["text"].split()[:5]).lower() for option in question.spec["options"]
        }
        assert len(openings) > 1, question.key


def test_the_payoff_options_are_the_lessons_not_a_paraphrase_that_misleads(bank):
    """ "Cheaper AI infrastructure" fitted a chip maker as well as the model layer: a payoff
    label that says "infrastructure" keeps the source's own verb, and says nothing of prices."""
    question = next(q for q in bank if q.key == "strategy-events-which-payoffs")
    labels = [option["text"] for option in question.spec["options"]]

    for label in labels:
        assert "cheaper" not in label.lower(), label
        if "infrastructure" in label.lower():
            assert "commoditizes ai infrastructure" in label.lower(), label
    assert len(labels) == len(set(labels))


def test_the_end_user_exception_covers_companies_as_well_as_people():
    """A blind reviewer found the hotel-chain item stretched a lesson that spoke of a person."""
    text = words(META.read_text())

    assert "end users of a product or service, people and companies alike" in text


def test_behemoth_and_the_two_flagships_are_taught_as_metas_documents_have_them():
    """Round 4: Behemoth's total and experts are in Meta's launch post; "flagship" had two uses."""
    text = words(META.read_text())

    assert "Meta's Llama 4 launch post" in text
    assert "nearly **two trillion** parameters in total, across **16 experts**" in text
    assert "Only its active parameter count is known" not in text
    assert "Maverick is the flagship of the Llama series" in text
    assert "Muse Spark, announced in April 2026, is Meta's flagship overall" in text


def test_only_one_models_question_turns_on_which_model_reads_images(bank):
    """Round 4: several models items together told a blind reader which model reads images."""
    about_images = [
        question.key
        for question in bank
        if question.objective == "compare-models"
        and re.search(
            r"\b(images?|photos?|multimodal)\b",
            " ".join(
                [question.prompt] + [option["text"] for option in question.spec.get("options", [])]
            ),
            re.I,
        )
    ]

    assert about_images == ["models-tune-for-photos-which"]
