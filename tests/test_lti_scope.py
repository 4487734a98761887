"""Instructors from a learning platform see their own classes only: two LTI classes, A and B,
each with a learner who answered; A's instructor (or teaching assistant) sees A's learner and
never B's, in every admin list and detail page, report, export and roster. A global instructor
(and a superuser) still sees everyone; a learner gets no staff access; the data migration moves
the LTI instructors an earlier version put in the global group."""

import csv
import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from lti import launch as launching
from lti.models import LtiClass, LtiIdentity, Member, Platform, ToolKey
from lti.protocol import ToolConf
from progress.mastery import Level
from progress.models import Mastery
from quizzes.models import Attempt, Question, Response
from reports.roles import (
    CLASS_INSTRUCTORS,
    INSTRUCTORS,
    class_instructor_codenames,
    ensure_class_instructors_group,
    ensure_instructors_group,
)
from tests.factories import (
    make_attempt,
    make_choice_question,
    make_course,
    make_learners,
    make_mastery,
    make_quiz,
    make_staff_instructor,
    make_truefalse_question,
    make_user,
    objectives_of,
)
from tests.lti_platform import LmsPlatform
from tests.test_lti import launch, learner_message

User = get_user_model()
pytestmark = pytest.mark.django_db

RECORDS = ["quizzes_attempt", "quizzes_response", "progress_mastery"]


@pytest.fixture
def lms(db):
    """A real platform over HTTP, registered here (as tests/test_lti.py's `platform`)."""
    platform = LmsPlatform().start("http://testserver")
    platform.register_in_tool()
    ToolKey.signing()
    platform.tool_jwks = ToolConf().get_jwks()
    yield platform
    platform.stop()


def lti_class(platform, context_id):
    return LtiClass.objects.create(
        platform=platform,
        context_id=context_id,
        title=f"Class {context_id}",
        group=Group.objects.create(name=f"Class: {context_id}"),
    )


def instruct(user, *classes, role="Instructor"):
    """What a launch as Instructor (or TeachingAssistant) in each class does (lti/launch.py)."""
    roles = launching.Roles(instructor=True, learner=False)
    for each in classes:
        body = {"sub": f"sub-{user.username}", "name": user.username}
        launching.join_class(each, user, body, roles)
    launching.make_instructor(user)
    return user


@pytest.fixture
def two_classes():
    """Class A with learner ann, class B with learner bob; both answered the quiz (two
    questions) and have a mastery row; tess instructs A (through the launch's code)."""
    course = make_course("scope-course")
    first, _ = objectives_of(course)
    q1 = make_choice_question(first, "q-one")
    q2 = make_truefalse_question(first, "q-two", answer=False)
    quiz = make_quiz(course, first)
    platform = Platform.objects.create(
        name="LMS",
        issuer="https://lms.example",
        client_id="c",
        oidc_login_url="https://lms.example/auth",
        token_url="https://lms.example/token",
        key_set_url="https://lms.example/jwks",
    )
    a, b = lti_class(platform, "A"), lti_class(platform, "B")
    ann, bob = make_user("ann"), make_user("bob")
    ann.groups.add(a.group)
    bob.groups.add(b.group)
    attempts = {
        "ann": make_attempt(ann, quiz, [(q1, "a", 1.0), (q2, "false", 1.0)]),
        "bob": make_attempt(bob, quiz, [(q1, "b", 0.0), (q2, "true", 0.0)]),
    }
    make_mastery(ann, first, Level.PROFICIENT, estimate=0.9)
    make_mastery(bob, first, Level.ATTEMPTED, estimate=0.2)
    tess = instruct(make_user("tess"), a)
    return {
        "course": course,
        "quiz": quiz,
        "a": a,
        "b": b,
        "ann": ann,
        "bob": bob,
        "tess": tess,
        "attempts": attempts,
    }


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def listed_learners(client, name):
    response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200
    return {row.user.username for row in response.context["cl"].result_list}


def records_of(learner):
    """(admin name, pk) of one attempt, response and mastery row of `learner`."""
    return [
        ("quizzes_attempt", Attempt.objects.filter(user=learner).first().pk),
        ("quizzes_response", Response.objects.filter(user=learner).first().pk),
        ("progress_mastery", Mastery.objects.filter(user=learner).first().pk),
    ]


def csv_learners(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["learner"] for row in csv.DictReader(io.StringIO(text))}


# --- the role ------------------------------------------------------------------------------


def test_an_lti_instructor_is_a_class_instructor_with_view_permissions_only(two_classes):
    tess = User.objects.get(pk=two_classes["tess"].pk)
    assert tess.is_staff
    assert set(tess.groups.values_list("name", flat=True)) == {CLASS_INSTRUCTORS}
    held = {(p.content_type.app_label, p.codename) for p in ensure_class_instructors_group()
            .permissions.select_related("content_type")}  # fmt: skip
    assert held == class_instructor_codenames()
    assert all(codename.startswith("view_") for _, codename in held)
    assert ("progress", "view_every_learner") not in held
    assert not tess.has_perm("progress.view_every_learner")
    assert tess.has_perm("quizzes.view_response") and not tess.has_perm("quizzes.change_quiz")


def test_a_class_instructor_cannot_change_course_content_or_quiz_settings(two_classes):
    client = client_of(two_classes["tess"])
    quiz, course = two_classes["quiz"], two_classes["course"]
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    page = client.get(url)
    assert page.status_code == 200  # view only
    assert b'name="_save"' not in page.content
    assert client.post(url, {"questions_per_attempt": 1}).status_code == 403
    assert client.get(reverse("admin:courses_course_change", args=[course.pk])).status_code == 200
    assert (
        client.post(reverse("admin:courses_course_change", args=[course.pk]), {}).status_code
        == 403
    )


# --- the admin's learners' records ----------------------------------------------------------


@pytest.mark.parametrize("name", RECORDS)
def test_a_class_instructor_lists_only_their_classes_learners(two_classes, name):
    assert listed_learners(client_of(two_classes["tess"]), name) == {"ann"}


@pytest.mark.parametrize("name", RECORDS)
def test_a_global_instructor_lists_every_learner(two_classes, name):
    assert listed_learners(client_of(make_staff_instructor()), name) == {"ann", "bob"}


def test_a_class_instructor_opens_their_learners_records_and_gets_404_for_others(two_classes):
    client = client_of(two_classes["tess"])
    for name, pk in records_of(two_classes["ann"]):
        assert client.get(reverse(f"admin:{name}_change", args=[pk])).status_code == 200, name
    for name, pk in records_of(two_classes["bob"]):
        assert client.get(reverse(f"admin:{name}_change", args=[pk])).status_code == 404, name
        assert client.get(reverse(f"admin:{name}_history", args=[pk])).status_code == 404, name
    missing = client.get(reverse("admin:quizzes_attempt_change", args=[999999]))
    assert missing.status_code == 404


def test_a_global_instructor_and_a_superuser_open_any_learners_records(two_classes):
    superuser = User.objects.create_superuser("root", "root@example.com", "x")
    for client in (client_of(make_staff_instructor()), client_of(superuser)):
        for name, pk in records_of(two_classes["bob"]):
            assert client.get(reverse(f"admin:{name}_change", args=[pk])).status_code == 200


def test_the_evidence_link_of_another_class_learner_shows_nothing(two_classes):
    bob = two_classes["bob"]
    url = reverse("admin:quizzes_response_changelist")
    page = client_of(two_classes["tess"]).get(url, {"user__id__exact": bob.pk})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == []


# --- reports ---------------------------------------------------------------------------------


def test_class_mastery_offers_only_their_classes_and_never_every_learner(two_classes):
    client = client_of(two_classes["tess"])
    a, b = two_classes["a"], two_classes["b"]
    url = reverse("reports:mastery", args=[two_classes["course"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["classes"]) == [a.group]
    assert page.context["chosen"] == a.group  # their class, not every learner
    assert page.context["page"].paginator.count == 1
    assert b"All learners" not in page.content
    assert b"bob" not in page.content and b"ann" in page.content
    assert client.get(url, {"class": a.group_id}).status_code == 200
    assert client.get(url, {"class": b.group_id}).status_code == 404


def test_class_mastery_for_a_global_instructor_still_offers_every_learner(two_classes):
    url = reverse("reports:mastery", args=[two_classes["course"].pk])
    page = client_of(make_staff_instructor()).get(url)
    assert page.context["chosen"] is None and page.context["page"].paginator.count == 2
    assert b"All learners" in page.content
    offered = list(page.context["classes"])
    assert two_classes["a"].group in offered and two_classes["b"].group in offered
    assert not {group.name for group in offered} & {INSTRUCTORS, CLASS_INSTRUCTORS}


def test_item_analysis_counts_only_their_classes_attempts(two_classes):
    url = reverse("reports:items", args=[two_classes["quiz"].pk])
    scoped = client_of(two_classes["tess"]).get(url)
    assert scoped.status_code == 200
    assert (scoped.context["stats"].S, scoped.context["learners"]) == (1, 1)
    assert scoped.context["table"][0]["stats"].facility.value == pytest.approx(100.0)
    assert b"classes you instruct" in scoped.content
    everyone = client_of(make_staff_instructor()).get(url)
    assert (everyone.context["stats"].S, everyone.context["learners"]) == (2, 2)
    assert everyone.context["table"][0]["stats"].facility.value == pytest.approx(50.0)


def test_the_objectives_report_counts_only_their_classes_learners(two_classes):
    url = reverse("reports:objectives", args=[two_classes["course"].pk])
    scoped = client_of(two_classes["tess"]).get(url).context["figures"][0]
    assert scoped.learners == 1 and scoped.counts[Level.PROFICIENT] == 1
    assert scoped.alpha_attempts == 1
    assert scoped.misconceptions == []  # ann made no mistake; bob's are not shown
    everyone = client_of(make_staff_instructor()).get(url).context["figures"][0]
    assert everyone.learners == 2 and everyone.alpha_attempts == 2


@pytest.mark.parametrize("name", ["export_responses", "export_mastery"])
def test_the_exports_hold_only_their_classes_learners(two_classes, name):
    url = reverse(f"reports:{name}")
    course = {"course": two_classes["course"].pk}
    tess = client_of(two_classes["tess"])
    assert csv_learners(tess.get(url)) == {"ann"}
    assert csv_learners(tess.get(url, course)) == {"ann"}
    assert csv_learners(client_of(make_staff_instructor()).get(url)) == {"ann", "bob"}


def test_the_rosters_are_their_classes_only(two_classes):
    client = client_of(two_classes["tess"])
    listed = client.get(reverse("lti_reports:classes")).context["classes"]
    assert list(listed) == [two_classes["a"]]
    assert client.get(reverse("lti_reports:roster", args=[two_classes["a"].pk])).status_code == 200
    assert client.get(reverse("lti_reports:roster", args=[two_classes["b"].pk])).status_code == 404
    everyone = client_of(make_staff_instructor()).get(reverse("lti_reports:classes"))
    assert len(everyone.context["classes"]) == 2


def test_an_instructor_of_both_classes_sees_both(two_classes):
    both = instruct(make_user("tom"), two_classes["a"], two_classes["b"])
    client = client_of(both)
    assert listed_learners(client, "progress_mastery") == {"ann", "bob"}
    url = reverse("reports:mastery", args=[two_classes["course"].pk])
    page = client.get(url)
    assert len(page.context["classes"]) == 2 and page.context["page"].paginator.count == 1
    other = client.get(url, {"class": two_classes["b"].group_id})
    assert other.context["page"].paginator.count == 1
    assert b"All learners" not in page.content


def test_a_class_instructor_of_no_class_sees_no_learner(two_classes):
    Member.objects.filter(user=two_classes["tess"]).delete()  # e.g. removed from the roster
    client = client_of(two_classes["tess"])
    for name in RECORDS:
        assert listed_learners(client, name) == set()
    url = reverse("reports:mastery", args=[two_classes["course"].pk])
    assert client.get(url).status_code == 403
    assert csv_learners(client.get(reverse("reports:export_mastery"))) == set()


def test_an_administrator_can_make_an_lti_instructor_global(two_classes):
    tess = two_classes["tess"]
    tess.groups.add(ensure_instructors_group())
    client = client_of(tess)
    assert listed_learners(client, "quizzes_response") == {"ann", "bob"}
    url = reverse("reports:mastery", args=[two_classes["course"].pk])
    assert client.get(url).context["page"].paginator.count == 2
    # A later launch keeps the administrator's choice.
    instruct(tess, two_classes["a"])
    assert User.objects.get(pk=tess.pk).groups.filter(name=INSTRUCTORS).exists()


# --- through real launches -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["instructor", "ta"])
def test_an_instructor_or_teaching_assistant_launch_is_scoped_to_its_class(lms, role):
    course = make_course("lti-scope", objectives=1)
    objective = course.objectives.get()
    quiz = make_quiz(course, objective)
    question = make_choice_question(objective, "q-1")
    learners = {}
    for context in ("A", "B"):
        learner = Client()
        message = learner_message(user=f"u-{context}", name=f"Learner {context}",
                                  context_id=context)  # fmt: skip
        assert launch(learner, lms, message).status_code == 302
        user = LtiIdentity.objects.get(subject=f"u-{context}").user
        make_attempt(user, quiz, [(question, "a", 1.0)])
        make_mastery(user, objective, Level.FAMILIAR)
        learners[context] = user.username
    staff = Client()
    message = learner_message(user="u-staff", role=role, name="Staff", context_id="A")
    assert launch(staff, lms, message).status_code == 302
    user = LtiIdentity.objects.get(subject="u-staff").user
    assert user.is_staff and not user.groups.filter(name=INSTRUCTORS).exists()
    assert Member.objects.get(user=user).is_instructor
    for name in RECORDS:
        assert listed_learners(staff, name) == {learners["A"]}
    page = staff.get(reverse("reports:mastery", args=[course.pk]))
    assert page.context["page"].paginator.count == 1
    assert page.context["chosen"] == LtiClass.objects.get(context_id="A").group
    items = staff.get(reverse("reports:items", args=[quiz.pk]))
    assert items.context["learners"] == 1
    mastery_csv = staff.get(reverse("reports:export_mastery"))
    assert csv_learners(mastery_csv) == {learners["A"]}


def test_a_learner_launch_gives_no_staff_access(lms, two_classes):
    client = Client()
    assert launch(client, lms, learner_message()).status_code == 302
    user = LtiIdentity.objects.get(subject="u-ada").user
    assert not user.is_staff and not user.get_all_permissions()
    admin_page = client.get(reverse("admin:quizzes_response_changelist"))
    assert admin_page.status_code == 302 and "/login/" in admin_page["Location"]
    report = client.get(reverse("reports:mastery", args=[two_classes["course"].pk]))
    assert report.status_code == 302


# --- existing LTI instructors --------------------------------------------------------------


def test_the_migration_moves_lti_instructors_out_of_the_global_group(two_classes):
    migration = importlib.import_module("lti.migrations.0002_class_instructors")
    instructors = ensure_instructors_group()
    # As an earlier version left them: tess (an LTI account instructing A) in the global group.
    tess = two_classes["tess"]
    tess.groups.set([instructors])
    LtiIdentity.objects.create(
        platform=two_classes["a"].platform, issuer="https://lms.example", subject="t", user=tess
    )
    local = make_staff_instructor()  # made by create_instructor: no LTI identity, stays
    root = User.objects.create_superuser("root", "root@example.com", "x")
    root.groups.add(instructors)
    LtiIdentity.objects.create(
        platform=two_classes["a"].platform, issuer="https://lms.example", subject="r", user=root
    )
    Member.objects.create(lti_class=two_classes["a"], subject="r", user=root, is_instructor=True)
    # The group of an earlier version lacked the new permission.
    instructors.permissions.remove(*instructors.permissions.filter(codename="view_every_learner"))
    migration.forwards(apps, None)
    tess = User.objects.get(pk=tess.pk)
    assert set(tess.groups.values_list("name", flat=True)) == {CLASS_INSTRUCTORS}
    assert listed_learners(client_of(tess), "quizzes_response") == {"ann"}
    assert User.objects.get(pk=local.pk).has_perm("progress.view_every_learner")
    assert listed_learners(client_of(local), "quizzes_response") == {"ann", "bob"}
    assert User.objects.get(pk=root.pk).groups.filter(name=INSTRUCTORS).exists()
    migration.forwards(apps, None)  # again: nothing more moves
    assert set(tess.groups.values_list("name", flat=True)) == {CLASS_INSTRUCTORS}


@pytest.mark.parametrize(
    ("name", "expected"),
    # As for a global instructor (tests/test_admin.py): the scope is a subquery of the list's
    # own queries, and the permission that decides it is read with the others.
    [("quizzes_attempt", 9), ("quizzes_response", 6), ("progress_mastery", 6)],
)
def test_a_class_instructors_lists_cost_as_many_queries_whatever_the_class_size(
    two_classes, django_assert_num_queries, name, expected
):
    client = client_of(two_classes["tess"])
    url = reverse(f"admin:{name}_changelist")
    quiz, group = two_classes["quiz"], two_classes["a"].group
    questions = list(Question.objects.filter(objective=quiz.objective))

    def grow(n):
        for learner in make_learners(n):
            learner.groups.add(group)
            make_attempt(learner, quiz, [(q, "a", 1.0) for q in questions])
            make_mastery(learner, quiz.objective, Level.FAMILIAR)

    client.get(url)  # warm the session cache
    with django_assert_num_queries(expected):
        small = client.get(url)
    grow(20)
    with django_assert_num_queries(expected):
        large = client.get(url)
    added = 20 * (len(questions) if name == "quizzes_response" else 1)
    assert large.context["cl"].result_count == small.context["cl"].result_count + added
