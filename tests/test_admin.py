"""The admin for instructors: roles, permissions, content and results pages, query counts."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from progress.mastery import Level as MasteryLevel
from quizzes.models import Attempt, Quiz, Response
from reports.roles import INSTRUCTORS, ensure_instructors_group, instructor_codenames
from tests.factories import (
    T0,
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    course = make_course("admin-course")
    first, second = objectives_of(course)
    q1 = make_choice_question(first, "q-one")
    q2 = make_truefalse_question(first, "q-two", answer=False)
    quiz = make_quiz(first.course, first)
    other_quiz = make_quiz(second.course, second)
    return course, first, second, q1, q2, quiz, other_quiz


def _perm_names(user):
    return {p.split(".", 1)[1] for p in user.get_all_permissions()}


# --- roles -------------------------------------------------------------------------------


def test_instructors_group_has_exactly_the_listed_permissions():
    group = ensure_instructors_group()
    held = {(p.content_type.app_label, p.codename) for p in group.permissions.all()}
    assert held == instructor_codenames()
    assert ("quizzes", "change_quiz") in held
    assert ("quizzes", "view_response") in held
    assert not {codename for _, codename in held if codename.startswith(("add_", "delete_"))}
    assert not {("quizzes", "change_response"), ("quizzes", "change_mastery")} & held


def test_ensure_instructors_group_is_idempotent_and_repairs_extra_permissions():
    group = ensure_instructors_group()
    group.permissions.add(Permission.objects.get(codename="delete_response"))
    again = ensure_instructors_group()
    assert again.pk == group.pk
    assert Group.objects.filter(name=INSTRUCTORS).count() == 1
    assert not again.permissions.filter(codename="delete_response").exists()


def test_create_instructor_generates_a_password_and_prints_it_once():
    out = io.StringIO()
    call_command("create_instructor", "Grace@Example.com", stdout=out)
    password = re.search(r"Password \(shown once.*\): (\S+)", out.getvalue()).group(1)
    user = get_user_model().objects.get(email="grace@example.com")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name=INSTRUCTORS).exists()
    assert user.check_password(password)
    assert out.getvalue().count(password) == 1


def test_create_instructor_reads_the_password_from_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long and sturdy passphrase\n"))
    out = io.StringIO()
    call_command("create_instructor", "ann@example.com", "--password-stdin", stdout=out)
    user = get_user_model().objects.get(email="ann@example.com")
    assert user.check_password("a long and sturdy passphrase")
    assert "Password" not in out.getvalue()


def test_create_instructor_promotes_an_existing_user_and_keeps_their_password():
    user = make_user("bob", password="bobs own passphrase 42")
    out = io.StringIO()
    call_command("create_instructor", "BOB@example.com", "--promote-existing", stdout=out)
    user.refresh_from_db()
    assert user.is_staff
    assert user.groups.filter(name=INSTRUCTORS).exists()
    assert user.check_password("bobs own passphrase 42")
    assert 'Promoted "bob"' in out.getvalue()
    assert "Password" not in out.getvalue()
    assert get_user_model().objects.count() == 1


def test_create_instructor_rejects_a_bad_email_and_a_weak_password(monkeypatch):
    with pytest.raises(CommandError, match="not an email"):
        call_command("create_instructor", "not-an-email")
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match="too short"):
        call_command("create_instructor", "weak@example.com", "--password-stdin")
    assert not get_user_model().objects.filter(email="weak@example.com").exists()


def test_a_learner_never_reaches_the_admin(learner_client, setup):
    for url in [
        reverse("admin:index"),
        reverse("admin:quizzes_response_changelist"),
        reverse("reports:index"),
        reverse("reports:export_responses"),
    ]:
        response = learner_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_view_permissions_get_403_on_reports(client):
    client.force_login(make_user("staffer", is_staff=True))
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(reverse("reports:export_mastery")).status_code == 403


def test_the_admin_index_links_to_the_reports(instructor_client):
    response = instructor_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert reverse("reports:index").encode() in response.content


# --- learners' records are view-only -------------------------------------------------------


def test_an_instructor_can_view_but_not_change_or_delete_a_response(instructor_client, setup):
    _, _, _, q1, q2, quiz, _ = setup
    attempt = make_attempt(make_user("carl"), quiz, [(q1, "b", 0.0), (q2, "false", 1.0)])
    answer = attempt.responses.get(slot=1)
    url = reverse("admin:quizzes_response_change", args=[answer.pk])
    page = instructor_client.get(url)
    assert page.status_code == 200
    assert b'name="score"' not in page.content  # read-only: no input
    posted = instructor_client.post(url, {"score": "1", "answer_display": "Option A"})
    assert posted.status_code == 403
    answer.refresh_from_db()
    assert answer.score == 0.0
    delete_url = reverse("admin:quizzes_response_delete", args=[answer.pk])
    assert instructor_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert instructor_client.get(reverse("admin:quizzes_response_add")).status_code == 403
    assert Response.objects.filter(pk=answer.pk).exists()


def test_an_instructor_cannot_change_attempts_or_mastery(instructor_client, setup):
    _, first, _, q1, _, quiz, _ = setup
    learner = make_user("dina")
    attempt = make_attempt(learner, quiz, [(q1, "a", 1.0)])
    row = make_mastery(learner, first, MasteryLevel.FAMILIAR)
    attempt_url = reverse("admin:quizzes_attempt_change", args=[attempt.pk])
    assert instructor_client.get(attempt_url).status_code == 200
    assert instructor_client.post(attempt_url, {"score": "0"}).status_code == 403
    mastery_url = reverse("admin:progress_mastery_change", args=[row.pk])
    assert instructor_client.post(mastery_url, {"level": "4"}).status_code == 403
    delete_url = reverse("admin:quizzes_attempt_delete", args=[attempt.pk])
    assert instructor_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Attempt.objects.filter(pk=attempt.pk).exists()


def test_a_superuser_may_delete_learners_records(client, setup):
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    _, _, _, q1, _, quiz, _ = setup
    attempt = make_attempt(make_user("erin"), quiz, [(q1, "a", 1.0)])
    answer = attempt.responses.get()
    url = reverse("admin:quizzes_response_delete", args=[answer.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Response.objects.filter(pk=answer.pk).exists()


# --- content -------------------------------------------------------------------------------


def test_an_instructor_can_edit_quiz_settings_but_not_imported_fields(instructor_client, setup):
    *_, quiz, _ = setup
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    page = instructor_client.get(url)
    assert page.status_code == 200
    assert b"the next import overwrites these fields" in page.content
    posted = instructor_client.post(
        url,
        {
            "questions_per_attempt": "7",
            "attempts_allowed": "3",
            "feedback_mode": "end",
            "pass_mark": "70",
            "title": "Hacked title",
            "slug": "hacked",
        },
    )
    assert posted.status_code == 302
    quiz.refresh_from_db()
    assert (quiz.questions_per_attempt, quiz.attempts_allowed) == (7, 3)
    assert (quiz.feedback_mode, quiz.pass_mark) == ("end", 70)
    assert quiz.title == "Quiz: Objective 1" and quiz.slug == "quiz-objective-1"


def test_an_invalid_quiz_setting_is_refused_with_a_message(instructor_client, setup):
    *_, quiz, _ = setup
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    posted = instructor_client.post(
        url, {"questions_per_attempt": "0", "feedback_mode": "end", "pass_mark": "170"}
    )
    assert posted.status_code == 200
    assert b"errornote" in posted.content
    quiz.refresh_from_db()
    assert quiz.pass_mark == 80


def test_an_instructor_cannot_delete_or_add_content(instructor_client, setup):
    course, *_ = setup
    quiz = Quiz.objects.first()
    assert (
        instructor_client.post(
            reverse("admin:quizzes_quiz_delete", args=[quiz.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert instructor_client.get(reverse("admin:courses_course_add")).status_code == 403


@pytest.mark.parametrize(
    "name", ["courses_course", "courses_objective", "courses_lesson", "quizzes_question"]
)
def test_content_pages_open_and_mark_imported_fields(instructor_client, setup, name):
    course, first, _, q1, *_ = setup
    obj = {
        "courses_course": course,
        "courses_objective": first,
        "courses_lesson": course.lessons.first(),
        "quizzes_question": q1,
    }[name]
    assert instructor_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    page = instructor_client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert b"the next import overwrites these fields" in page.content


def test_the_question_page_shows_its_versions_read_only(instructor_client, setup):
    q1 = setup[3]
    page = instructor_client.get(reverse("admin:quizzes_question_change", args=[q1.pk]))
    assert b"Prompt of q-one" in page.content
    assert b'name="versions-0-prompt_html"' not in page.content


# --- attempts ------------------------------------------------------------------------------


def test_the_attempt_list_shows_learner_quiz_score_duration_and_filters(instructor_client, setup):
    _, first, second, q1, q2, quiz, other_quiz = setup
    fay = make_user("fay", first_name="Fay", last_name="Okafor", email="fay@school.test")
    make_attempt(fay, quiz, [(q1, "a", 1.0), (q2, "true", 0.0)])
    q3 = make_choice_question(second, "q-three")
    make_attempt(make_user("gus"), other_quiz, [(q3, "b", 0.0)], finished=False)
    url = reverse("admin:quizzes_attempt_changelist")
    page = instructor_client.get(url)
    text = page.content.decode()
    assert "Fay Okafor (fay)" in text
    assert "1 / 2 (50%)" in text
    assert "3 min 07 s" in text
    assert "gus" in text

    def learners(query):
        """The learner column of the list (not the whole page, whose random CSRF token could
        hold a name's letters)."""
        html = instructor_client.get(url + query).content.decode()
        return " ".join(re.findall(r'class="field-learner"[^>]*>(?:<a [^>]*>)?([^<]*)<', html))

    assert "gus" in learners("") and "fay" in learners("")
    assert "fay" not in learners("?finished=no")
    assert "gus" not in learners("?finished=yes")
    by_objective = learners(f"?quiz__objective__id__exact={second.pk}")
    assert "gus" in by_objective and "fay" not in by_objective
    by_quiz = learners(f"?quiz__id__exact={quiz.pk}")
    assert "fay" in by_quiz and "gus" not in by_quiz
    by_email = learners("?q=fay@school.test")
    assert "Fay Okafor" in by_email and "gus" not in by_email
    by_name = instructor_client.get(url + "?q=Okafor")
    assert "Fay Okafor" in by_name.content.decode()
    dated = instructor_client.get(url + f"?started_at__year={T0.year}")
    assert dated.status_code == 200 and "fay" in dated.content.decode()


def test_the_attempt_page_lists_prompt_answer_correct_answer_and_score(instructor_client, setup):
    _, _, _, q1, q2, quiz, _ = setup
    attempt = make_attempt(make_user("hal"), quiz, [(q1, "c", 0.0), (q2, "false", 1.0)])
    page = instructor_client.get(reverse("admin:quizzes_attempt_change", args=[attempt.pk]))
    text = page.content.decode()
    assert "Prompt of q-one" in text  # tags stripped
    assert "Option C" in text  # the answer given
    assert "Option A" in text  # the correct answer
    assert "False" in text
    assert 'name="responses-0-score"' not in text


# --- responses and mastery ------------------------------------------------------------------


def test_the_mastery_row_links_to_its_evidence(instructor_client, setup):
    _, first, second, q1, q2, quiz, other_quiz = setup
    ivy, jon = make_user("ivy"), make_user("jon")
    q3 = make_choice_question(second, "q-three")
    make_attempt(ivy, quiz, [(q1, "a", 1.0), (q2, "true", 0.0)])
    make_attempt(ivy, other_quiz, [(q3, "b", 0.0)])
    make_attempt(jon, quiz, [(q1, "d", 0.0)])
    make_mastery(ivy, first, MasteryLevel.FAMILIAR)
    page = instructor_client.get(reverse("admin:progress_mastery_changelist"))
    link = (
        reverse("admin:quizzes_response_changelist")
        + f"?user__id__exact={ivy.pk}&amp;objective__id__exact={first.pk}"
    )
    assert link in page.content.decode()
    evidence = instructor_client.get(link.replace("&amp;", "&"))
    assert evidence.status_code == 200
    assert evidence.context["cl"].result_count == 2
    assert {r.user_id for r in evidence.context["cl"].result_list} == {ivy.pk}
    assert {r.objective_id for r in evidence.context["cl"].result_list} == {first.pk}


def test_responses_and_mastery_filter_by_objective_and_level(instructor_client, setup):
    _, first, second, q1, _, quiz, _ = setup
    kim, lee = make_user("kim"), make_user("lee")
    make_mastery(kim, first, MasteryLevel.PROFICIENT)
    make_mastery(lee, first, MasteryLevel.ATTEMPTED)
    make_mastery(lee, second, MasteryLevel.PROFICIENT)
    url = reverse("admin:progress_mastery_changelist")
    by_level = instructor_client.get(url + f"?level__exact={MasteryLevel.PROFICIENT}")
    assert by_level.context["cl"].result_count == 2
    both = instructor_client.get(
        url + f"?level__exact={MasteryLevel.PROFICIENT}&objective__id__exact={first.pk}"
    )
    assert [m.user_id for m in both.context["cl"].result_list] == [kim.pk]
    attempt = make_attempt(kim, quiz, [(q1, "a", 1.0)])
    attempt.responses.update(level_after=MasteryLevel.FAMILIAR)
    make_attempt(lee, quiz, [(q1, "b", 0.0)]).responses.update(level_after=1)
    responses_url = reverse("admin:quizzes_response_changelist")
    familiar = instructor_client.get(responses_url + f"?level={MasteryLevel.FAMILIAR}")
    assert [r.user_id for r in familiar.context["cl"].result_list] == [kim.pk]
    by_objective = instructor_client.get(responses_url + f"?objective__id__exact={second.pk}")
    assert by_objective.context["cl"].result_count == 0


# --- query counts -------------------------------------------------------------------------


def _fill(quiz, questions, objective, learners):
    for learner in learners:
        make_attempt(learner, quiz, [(q, "a", 1.0) for q in questions])
        make_mastery(learner, objective, MasteryLevel.FAMILIAR)


@pytest.mark.parametrize("name", ["quizzes_attempt", "quizzes_response", "progress_mastery"])
def test_changelist_query_counts_do_not_grow_with_rows(
    client, setup, django_assert_num_queries, name
):
    _, first, _, q1, q2, quiz, _ = setup
    client.force_login(make_staff_instructor())
    url = reverse(f"admin:{name}_changelist")
    _fill(quiz, [q1, q2], first, make_learners(3))
    client.get(url)  # warm the session cache
    # The user and the session come from caches; the user's and the group's permissions;
    # the filters' choices: quizzes and objectives (attempts) or objectives (responses,
    # mastery); the count of all rows and of the filtered rows; the page of rows joined with
    # their users and related rows; attempts only: the date hierarchy's range and its days.
    expected = {"quizzes_attempt": 9, "quizzes_response": 6, "progress_mastery": 6}[name]
    with django_assert_num_queries(expected):
        small = client.get(url)
    _fill(quiz, [q1, q2], first, make_learners(27))
    with django_assert_num_queries(expected):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert large.context["cl"].result_count > small.context["cl"].result_count
