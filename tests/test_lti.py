"""LTI 1.3: registration, key set, login and launch against a real platform implementation
(tests/lti_platform.py, over HTTP), bad launches, the frame's headers and cookies, deep
linking, grade passback through the outbox (with an outage) and the class roster."""

import io
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lti import passback
from lti.models import (
    GradedLearner,
    LtiClass,
    LtiIdentity,
    Member,
    Platform,
    ScoreOutbox,
    ToolKey,
)
from lti.protocol import ToolConf
from quizzes.models import Attempt, Question
from quizzes.signals import attempt_finished
from tests.factories import make_bank, make_course
from tests.lti_platform import LmsPlatform, Message, rsa_pair
from tests.quiz_helpers import answer_url, post_data, start_url

User = get_user_model()
LAUNCH = "/lti/launch"


@pytest.fixture
def platform(db):
    lms = LmsPlatform().start("http://testserver")
    lms.register_in_tool()
    ToolKey.signing()
    lms.tool_jwks = ToolConf().get_jwks()
    yield lms
    lms.stop()


@pytest.fixture
def graded(db):
    """A course whose first objective's quiz has three questions an attempt."""
    course = make_course("lti-course", objectives=1)
    objective = course.objectives.get()
    make_bank(objective, 3)
    quiz = objective.quiz
    quiz.questions_per_attempt = 3
    quiz.save()
    return course, quiz


def login_steps(client, lms, message):
    """The browser's way through login: the platform's redirect to our login, our cookie
    check, our redirect to the platform's OIDC endpoint; returns the platform's answer."""
    response = client.get(lms.login_url(message))
    assert response.status_code == 302, response.content
    assert "cookie_check=1" in response["Location"]
    response = client.get(response["Location"])
    assert response.status_code == 302, response.content
    auth = urlsplit(response["Location"])
    assert f"{auth.scheme}://{auth.netloc}{auth.path}" == f"{lms.url}/auth"
    return lms.id_token_for(dict(parse_qsl(auth.query)))


def launch(client, lms, message):
    data = login_steps(client, lms, message)
    return client.post(LAUNCH, {"id_token": data["id_token"], "state": data["state"]})


def learner_message(**changes):
    return Message(**{"user": "u-ada", "role": "learner", "name": "Ada Lovelace", **changes})


# Registration and keys.


def test_the_command_registers_a_platform_with_its_deployments(db):
    out = io.StringIO()
    call_command(
        "lti_register_platform",
        "--name=Moodle (Acme)",
        "--issuer=https://moodle.acme.example",
        "--client-id=abc123",
        "--oidc-url=https://moodle.acme.example/mod/lti/auth.php",
        "--token-url=https://moodle.acme.example/mod/lti/token.php",
        "--key-set-url=https://moodle.acme.example/mod/lti/certs.php",
        "--deployment=1",
        "--deployment=2",
        stdout=out,
    )
    platform = Platform.objects.get()
    assert sorted(platform.deployments.values_list("deployment_id", flat=True)) == ["1", "2"]
    assert platform.origins() == ["https://moodle.acme.example"]
    assert "Registered Moodle (Acme)" in out.getvalue()
    assert ToolKey.objects.published().count() == 1


def test_the_command_refuses_a_bad_url(db):
    with pytest.raises(CommandError, match="key_set_url"):
        call_command(
            "lti_register_platform",
            "--name=x",
            "--issuer=https://lms.example",
            "--client-id=c",
            "--oidc-url=https://lms.example/auth",
            "--token-url=https://lms.example/token",
            "--key-set-url=not a url",
            "--deployment=1",
            stdout=io.StringIO(),
        )
    assert not Platform.objects.exists()


def test_the_key_set_publishes_the_old_key_until_it_is_retired(client, db):
    old = ToolKey.signing()
    call_command("lti_rotate_key", stdout=io.StringIO())
    new = ToolKey.signing()
    assert new != old
    kids = [key["kid"] for key in client.get(reverse("lti:jwks")).json()["keys"]]
    assert kids == [new.kid, old.kid]
    ToolKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    call_command("lti_rotate_key", "--retire-older-than=24", stdout=io.StringIO())
    kids = [key["kid"] for key in client.get(reverse("lti:jwks")).json()["keys"]]
    assert kids == [new.kid]


# Launch.


def test_a_learner_launch_makes_the_account_and_lands_on_the_quiz(client, platform, graded):
    course, quiz = graded
    target = f"quiz:{course.slug}/{quiz.slug}"
    response = launch(client, platform, learner_message(target=target))
    assert response.status_code == 302
    assert response["Location"] == reverse("quizzes:quiz", args=[course.slug, quiz.slug])
    identity = LtiIdentity.objects.get()
    assert (identity.issuer, identity.subject) == (platform.issuer, "u-ada")
    assert not identity.user.has_usable_password()
    assert not identity.user.is_staff
    lti_class = LtiClass.objects.get()
    assert lti_class.title == "Biology 101"
    assert identity.user.groups.filter(pk=lti_class.group_id).exists()
    assert client.get(response["Location"]).status_code == 200
    # The next launch finds the same account.
    launch(Client(), platform, learner_message(target=target))
    assert User.objects.count() == 1


def test_an_instructor_launch_opens_the_reports(client, platform, graded):
    response = launch(client, platform, learner_message(user="u-teacher", role="instructor"))
    assert response.status_code == 302
    user = LtiIdentity.objects.get().user
    assert user.is_staff and user.groups.filter(name="Class instructors").exists()
    assert not user.groups.filter(name="Instructors").exists()  # global only by an admin
    assert client.get(reverse("reports:index")).status_code == 200
    assert Member.objects.get().is_instructor


def test_a_target_that_does_not_exist_lands_on_the_catalogue(client, platform, graded):
    response = launch(client, platform, learner_message(target="quiz:nope/nothing"))
    assert response["Location"] == reverse("courses:catalogue")


def retoken(lms, data, *, key=None, **changes):
    """The platform's id_token with claims changed (None removes one), signed again."""
    payload = jwt.decode(data["id_token"], options={"verify_signature": False})
    for name, value in changes.items():
        name = {
            "deployment": "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
            "roles": "https://purl.imsglobal.org/spec/lti/claim/roles",
        }.get(name, name)
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return lms.sign(payload, key)


BAD = {
    "wrong audience": {"aud": "someone-else"},
    "expired token": {"exp": 1_600_000_000},
    "unknown deployment": {"deployment": "deployment-999"},
    "missing role": {"roles": None},
    "a role we do not serve": {
        "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]
    },
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_launch_is_refused_and_makes_no_account(client, platform, graded, case):
    data = login_steps(client, platform, learner_message())
    token = retoken(platform, data, **BAD[case])
    response = client.post(LAUNCH, {"id_token": token, "state": data["state"]})
    assert response.status_code == 403
    assert b"This launch was refused" in response.content
    assert not User.objects.exists() and not LtiIdentity.objects.exists()


def test_a_signature_from_another_key_is_refused(client, platform, graded):
    data = login_steps(client, platform, learner_message())
    other_private, _ = rsa_pair()
    token = retoken(platform, data, key=other_private)
    response = client.post(LAUNCH, {"id_token": token, "state": data["state"]})
    assert response.status_code == 403
    assert b"Signature verification failed" in response.content
    assert not User.objects.exists()


def test_a_replayed_launch_is_refused(client, platform, graded):
    data = login_steps(client, platform, learner_message())
    first = client.post(LAUNCH, {"id_token": data["id_token"], "state": data["state"]})
    assert first.status_code == 302
    again = Client()
    again.cookies = client.cookies
    replay = again.post(LAUNCH, {"id_token": data["id_token"], "state": data["state"]})
    assert replay.status_code == 403
    assert b"Nonce" in replay.content
    assert User.objects.count() == 1


def test_a_launch_without_the_state_cookie_is_refused(client, platform, graded):
    data = login_steps(client, platform, learner_message())
    stranger = Client()  # another browser: no state cookie
    response = stranger.post(LAUNCH, {"id_token": data["id_token"], "state": data["state"]})
    assert response.status_code == 403
    assert not User.objects.exists()


def test_a_garbage_launch_is_a_4xx(client, platform):
    assert client.post(LAUNCH, {"id_token": "x.y.z", "state": "s"}).status_code == 403
    assert client.post(LAUNCH, {}).status_code == 403
    assert client.get(LAUNCH).status_code == 405


def test_a_login_from_an_unknown_platform_is_refused(client, db):
    response = client.get(
        reverse("lti:login"), {"iss": "https://nobody.example", "login_hint": "x"}
    )
    assert response.status_code == 400
    assert b"not registered" in response.content


# Inside the frame.


def test_lti_pages_may_be_framed_by_the_platform_only(client, platform, graded):
    course, quiz = graded
    response = launch(client, platform, learner_message(target=f"course:{course.slug}"))
    cookie = response.cookies["sessionid"]
    assert cookie["samesite"] == "None" and cookie["secure"]
    page = client.get(response["Location"])
    assert f"frame-ancestors {platform.url}" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page
    # Anyone else: framing stays forbidden.
    plain = Client().get(reverse("courses:course", args=[course.slug]))
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"]
    assert plain["X-Frame-Options"] == "DENY"


def test_blocked_cookies_get_an_open_in_a_new_window_link(client, platform):
    first = client.get(platform.login_url(learner_message()))
    no_cookies = Client()  # the browser dropped the check cookie
    page = no_cookies.get(first["Location"])
    assert page.status_code == 200
    assert b"Open in a new window" in page.content
    link = page.context["url"]
    assert "lti1p3_new_window=1" in link
    assert f"frame-ancestors {platform.url}" in page["Content-Security-Policy"]
    # The new window (first-party, cookies allowed) goes straight to the platform.
    onward = Client().get(link)
    assert onward.status_code == 302
    assert onward["Location"].startswith(f"{platform.url}/auth?")


# Grade passback.


def answer_quiz(client, quiz, *, right):
    client.post(start_url(quiz))
    attempt = Attempt.objects.filter(quiz=quiz).latest("pk")
    for slot in range(1, len(attempt.question_ids) + 1):
        attempt.refresh_from_db()
        question = Question.objects.select_related("current_version").get(
            pk=attempt.question_ids[slot - 1]
        )
        client.post(
            answer_url(attempt, slot),
            post_data(attempt, question, correct=slot <= right),
        )
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    return attempt


def graded_launch(lms, quiz, user, lineitem):
    client = Client()
    message = learner_message(
        user=user, target=f"quiz:{quiz.course.slug}/{quiz.slug}", lineitem=lineitem
    )
    assert launch(client, lms, message).status_code == 302
    return client


def test_scores_reach_the_line_item_exactly_once_through_an_outage(
    platform, graded, django_capture_on_commit_callbacks
):
    course, quiz = graded
    lineitem = platform.add_lineitem("Quiz")
    ada = graded_launch(platform, quiz, "u-ada", lineitem)
    bob = graded_launch(platform, quiz, "u-bob", lineitem)
    assert GradedLearner.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        answer_quiz(ada, quiz, right=3)
        answer_quiz(bob, quiz, right=1)
    assert ScoreOutbox.objects.count() == 2
    assert platform.gradebook.scores == []  # the answer path sent nothing

    platform.gradebook.fail_scores = 3  # the platform's score endpoint is down
    first = passback.drain()
    assert first.sent == 0 and len(first.failed) == 2
    row = ScoreOutbox.objects.order_by("pk").first()
    assert row.tries == 1 and "503" in row.last_error
    assert row.next_try_at > timezone.now()
    assert passback.drain().sent == 0  # nothing is due before its back-off
    later = timezone.now() + timedelta(hours=7)
    second = passback.drain(later)  # one more 503, then the platform recovers
    assert second.sent == 1 and len(second.failed) == 1
    third = passback.drain(later + timedelta(hours=7))
    assert third.sent == 1
    assert passback.drain(later + timedelta(days=1)).sent == 0

    received = sorted((s.user, s.given, s.maximum, s.lineitem) for s in platform.gradebook.scores)
    assert received == [("u-ada", 3.0, 3.0, lineitem), ("u-bob", 1.0, 3.0, lineitem)]
    assert platform.gradebook.refused == 3


def test_the_sweep_queues_an_attempt_whose_receiver_never_ran(platform, graded):
    course, quiz = graded
    lineitem = platform.add_lineitem("Quiz")
    ada = graded_launch(platform, quiz, "u-ada", lineitem)
    attempt_finished.disconnect(dispatch_uid="lti-passback", sender=Attempt)
    try:
        answer_quiz(ada, quiz, right=2)  # the process "died" before the receiver
    finally:
        passback.connect()
    assert not ScoreOutbox.objects.exists()
    out = io.StringIO()
    call_command("lti_send_scores", stdout=out, stderr=io.StringIO())
    assert "1 score(s) sent" in out.getvalue() and "1 queued by the sweep" in out.getvalue()
    assert [(s.user, s.given) for s in platform.gradebook.scores] == [("u-ada", 2.0)]
    call_command("lti_send_scores", stdout=io.StringIO(), stderr=io.StringIO())
    assert len(platform.gradebook.scores) == 1


def test_two_drains_never_send_one_score_twice(
    platform, graded, django_capture_on_commit_callbacks
):
    course, quiz = graded
    lineitem = platform.add_lineitem("Quiz")
    ada = graded_launch(platform, quiz, "u-ada", lineitem)
    with django_capture_on_commit_callbacks(execute=True):
        answer_quiz(ada, quiz, right=3)
    row = ScoreOutbox.objects.get()
    now = timezone.now()
    assert passback.claim(row, now)
    assert not passback.claim(row, now)  # a second drain finds it taken
    assert passback.drain(now).sent == 0


def test_a_launch_without_a_line_item_grades_nothing(platform, graded):
    course, quiz = graded
    client = Client()
    launch(client, platform, learner_message(target=f"quiz:{course.slug}/{quiz.slug}"))
    assert not GradedLearner.objects.exists()  # no line item in that launch


# Deep linking.


def test_deep_linking_answers_one_signed_link_per_pick(client, platform, graded):
    course, quiz = graded
    response = launch(
        client, platform, learner_message(user="u-teacher", role="instructor", kind="deep")
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    values = [value for value, _course, _quiz in page.context["choices"]]
    assert f"quiz:{course.slug}/{quiz.slug}" in values
    empty = client.post(response["Location"], {"pick": []})
    assert empty.status_code == 400
    answer = client.post(
        response["Location"],
        {"pick": [f"course:{course.slug}", f"quiz:{course.slug}/{quiz.slug}"]},
    )
    assert answer.status_code == 200
    assert f"form-action 'self' {platform.url}" in answer["Content-Security-Policy"]
    return_url, token = answer.context["return_url"], answer.context["jwt"]
    assert return_url == f"{platform.url}/deep-link-return"
    # The platform checks our signature against our key set and keeps the items.
    assert requests.post(return_url, data={"JWT": token}, timeout=30).status_code == 200
    items = {item["title"]: item for item in platform.deep_link_items}
    course_item = items[course.title]
    quiz_item = items[f"{course.title}: {quiz.title}"]
    assert course_item["custom"] == {"coursework_target": f"course:{course.slug}"}
    assert "lineItem" not in course_item
    assert quiz_item["lineItem"]["scoreMaximum"] == 100
    assert quiz_item["url"] == "http://testserver/lti/launch"
    # The page cannot be used again, nor by a learner.
    assert client.get(response["Location"]).status_code == 403


def test_a_learner_cannot_deep_link(client, platform, graded):
    response = launch(client, platform, learner_message(kind="deep"))
    assert response.status_code == 403
    assert b"Only instructors" in response.content


# Names and roles.


def test_the_roster_comes_from_the_platform_and_shows_who_has_not_started(
    platform, graded, django_capture_on_commit_callbacks
):
    course, quiz = graded
    ada = graded_launch(platform, quiz, "u-ada", None)
    answer_quiz(ada, quiz, right=1)
    teacher = Client()
    launch(teacher, platform, learner_message(user="u-teacher", role="instructor"))
    platform.members = [
        {"user_id": "u-ada", "name": "Ada Lovelace", "roles": ["Learner"], "status": "Active"},
        {"user_id": "u-cy", "name": "Cy Young", "roles": ["Learner"], "status": "Active"},
        {
            "user_id": "u-teacher",
            "name": "Tess Teacher",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
        },
    ]
    lti_class = LtiClass.objects.get()
    url = reverse("lti_reports:roster", args=[lti_class.pk])
    loaded = teacher.post(url)
    assert loaded.status_code == 302
    page = teacher.get(url)
    rows = [(row.name, row.started, row.is_instructor) for row in page.context["rows"]]
    assert rows == [
        ("Cy Young", False, False),
        ("Ada Lovelace", True, False),
        ("Tess Teacher", False, True),
    ]
    assert b"Not started" in page.content
    assert Client().get(url).status_code == 302  # to the admin's login


def test_a_roster_without_the_service_says_so(platform, graded, instructor_client):
    lms_class = LtiClass.objects.create(
        platform=Platform.objects.get(),
        context_id="c",
        title="No NRPS",
        group=Group.objects.create(name="Class: No NRPS"),
    )
    response = instructor_client.post(reverse("lti_reports:roster", args=[lms_class.pk]))
    assert response.status_code == 502
    assert b"did not offer its roster service" in response.content


def test_the_class_mastery_report_filters_by_the_lti_class(
    platform, graded, instructor_client, django_assert_max_num_queries
):
    course, quiz = graded
    ada = graded_launch(platform, quiz, "u-ada", None)
    answer_quiz(ada, quiz, right=3)
    other = Client()
    other.force_login(User.objects.create_user("outsider"))
    answer_quiz(other, quiz, right=1)
    lti_class = LtiClass.objects.get()
    url = reverse("reports:mastery", args=[course.pk])
    everyone = instructor_client.get(url)
    assert everyone.context["page"].paginator.count == 2
    assert lti_class.group in list(everyone.context["classes"])
    one_class = instructor_client.get(url, {"class": lti_class.group_id})
    assert one_class.context["page"].paginator.count == 1
    assert lti_class.group.name.encode() in one_class.content
    assert instructor_client.get(url, {"class": "x"}).status_code == 404
    assert instructor_client.get(url, {"class": "99999"}).status_code == 404


def test_a_login_without_a_client_id_finds_the_issuers_only_registration(client, platform):
    response = client.get(
        reverse("lti:login"),
        {"iss": platform.issuer, "login_hint": "u-ada", "lti_message_hint": "x"},
        follow=False,
    )
    assert response.status_code == 302 and "cookie_check=1" in response["Location"]
    onward = client.get(response["Location"])
    assert onward.status_code == 302
    assert onward["Location"].startswith(f"{platform.url}/auth?")


def test_targets_name_a_course_a_lesson_or_a_quiz(graded):
    from lti.launch import parse_target

    course, quiz = graded
    lesson = course.lessons.order_by("position").first()
    assert parse_target(f"course:{course.slug}").url() == course.get_absolute_url()
    assert parse_target(f"lesson:{course.slug}/{lesson.slug}").url() == lesson.get_absolute_url()
    assert parse_target(f"quiz:{course.slug}/{quiz.slug}").url() == quiz.get_absolute_url()
    for bad in (
        "",
        "course:",
        "course:nope",
        f"lesson:{course.slug}/nope",
        f"quiz:{course.slug}",
        f"course:{course.slug}/extra",
        "zebra:x",
    ):
        assert parse_target(bad) is None, bad
