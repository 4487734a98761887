import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lib.dates import iso
from progress.models import CourseCompletion, LessonCompletion, Mastery
from quizzes.models import Attempt, Question, Response
from tests.factories import DAY, T0, answer, make_bank, make_course, make_user

PASSWORD = "correct horse battery staple"


@pytest.fixture
def two_learners(db):
    course = make_course("data-course", objectives=1)
    objective = course.objectives.get()
    questions = make_bank(objective, 2)
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    bob = make_user("bob")
    answer(ada, questions[0], 1.0, T0)
    answer(ada, questions[1], 0.0, T0 + DAY)
    answer(bob, questions[0], 0.0, T0)
    for user in (ada, bob):
        LessonCompletion.objects.create(user=user, lesson=course.lessons.first())
    CourseCompletion.objects.create(user=bob, course=course, completed_at=T0)
    return course, questions, ada, bob


def test_account_page_links_to_the_downloads_and_deletion(client, two_learners):
    course, questions, ada, bob = two_learners
    client.force_login(ada)
    body = client.get(reverse("accounts:settings")).content.decode()
    for name in ("export_answers_csv", "export_mastery_csv", "export_json", "delete"):
        assert reverse(f"accounts:{name}") in body


def test_answers_csv_holds_only_my_answers(client, two_learners):
    course, questions, ada, bob = two_learners
    client.force_login(ada)
    response = client.get(reverse("accounts:export_answers_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["question"], r["score"], r["counted"]) for r in rows] == [
        (questions[0].key, "1.0", "yes"),
        (questions[1].key, "0.0", "yes"),
    ]
    assert rows[0]["course"] == "data-course" and rows[0]["objective"] == "objective-1"
    assert rows[0]["answered_at"] == T0.isoformat()
    assert rows[0]["level_after"] == "Attempted"


def test_mastery_csv_holds_only_my_rows(client, two_learners):
    course, questions, ada, bob = two_learners
    client.force_login(bob)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("accounts:export_mastery_csv")).content.decode())
        )
    )
    stored = Mastery.objects.get(user=bob)
    assert rows == [
        {
            "course": "data-course",
            "objective": "objective-1",
            "objective_text": "Objective 1",
            "level": "Attempted",
            "estimate": f"{round(stored.estimate, 4)}",
            "counted_answers": "1",
            "review_box": "",
            "review_due_at": "",
            "updated_at": iso(stored.updated_at),
        }
    ]


def test_json_export_holds_everything_of_mine_and_nothing_of_others(client, two_learners):
    course, questions, ada, bob = two_learners
    client.force_login(ada)
    response = client.get(reverse("accounts:export_json"))
    data = json.loads(response.content)
    assert data["user"]["username"] == "ada"
    # The name the learner gave, the one printed on the certificate, is their data too.
    assert (data["user"]["first_name"], data["user"]["last_name"]) == ("Ada", "Lovelace")
    assert len(data["answers"]) == 2
    assert [m["objective"] for m in data["mastery"]] == ["objective-1"]
    assert data["mastery"][0]["counted_answers"] == 2
    assert data["lessons_completed"] == [
        {
            "course": "data-course",
            "lesson": "lesson-1",
            "completed_at": iso(LessonCompletion.objects.get(user=ada).completed_at),
        }
    ]
    assert data["courses_completed"] == []  # bob's completion is not in ada's export
    assert "bob" not in response.content.decode()


def test_csv_cells_that_look_like_formulas_are_neutralised(client, two_learners):
    course, questions, ada, bob = two_learners
    Response.objects.filter(user=ada).update(answer_display="=HYPERLINK(1)")
    client.force_login(ada)
    body = client.get(reverse("accounts:export_answers_csv")).content.decode()
    assert "'=HYPERLINK(1)" in body


def test_exports_need_a_login(client, db):
    for name in ("export_answers_csv", "export_mastery_csv", "export_json", "delete"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_delete_asks_for_confirmation_first(client, two_learners):
    course, questions, ada, bob = two_learners
    client.force_login(ada)
    response = client.get(reverse("accounts:delete"))
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert get_user_model().objects.filter(username="ada").exists()


def test_delete_with_a_wrong_password_deletes_nothing(client, two_learners):
    course, questions, ada, bob = two_learners
    client.force_login(ada)
    response = client.post(reverse("accounts:delete"), {"password": "wrong"})
    assert response.status_code == 200
    assert "That is not your password" in response.content.decode()
    assert Response.objects.filter(user=ada).count() == 2


def test_delete_removes_my_data_logs_out_and_leaves_others_untouched(client, two_learners):
    course, questions, ada, bob = two_learners
    bob_before = (
        list(Response.objects.filter(user=bob).values()),
        list(Mastery.objects.filter(user=bob).values()),
        Attempt.objects.filter(user=bob).count(),
        LessonCompletion.objects.filter(user=bob).count(),
        CourseCompletion.objects.filter(user=bob).count(),
    )
    client.force_login(ada)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD}, follow=True)
    assert "Your account and all your data have been deleted." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert not get_user_model().objects.filter(username="ada").exists()
    for model in (Response, Attempt, Mastery, LessonCompletion, CourseCompletion):
        assert not model.objects.filter(user_id=ada.pk).exists()
    assert bob_before == (
        list(Response.objects.filter(user=bob).values()),
        list(Mastery.objects.filter(user=bob).values()),
        Attempt.objects.filter(user=bob).count(),
        LessonCompletion.objects.filter(user=bob).count(),
        CourseCompletion.objects.filter(user=bob).count(),
    )
    assert Question.objects.count() == 2  # the course's questions stay


def test_delete_rejects_other_methods(client, two_learners):
    course, questions, ada, bob = two_learners
    client.force_login(ada)
    assert client.put(reverse("accounts:delete")).status_code == 405
