"""create_instructor never hands staff rights to an account it was not told to promote, and
ends every conflict with a clear message (CommandError: one line, non-zero exit), never an
IntegrityError; nothing is changed then."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from reports.roles import INSTRUCTORS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSPHRASE = "mallorys own passphrase 42"


def create_instructor(*args):
    out = io.StringIO()
    call_command("create_instructor", *args, stdout=out)
    return out.getvalue()


def is_instructor(user):
    user.refresh_from_db()
    return user.is_staff or user.groups.filter(name=INSTRUCTORS).exists()


@pytest.fixture
def mallory(client):
    """A learner who signed up first with the future instructor's address."""
    response = client.post(
        "/accounts/signup/",
        {
            "username": "mallory",
            "email": "Head@School.example",
            "password1": PASSPHRASE,
            "password2": PASSPHRASE,
        },
    )
    assert response.status_code == 302
    return get_user_model().objects.get(username="mallory")


def test_an_account_that_signed_up_with_the_address_is_not_promoted(mallory):
    with pytest.raises(CommandError) as error:
        create_instructor("head@school.example")
    message = str(error.value)
    assert '"mallory" (learner, email head@school.example, signed up ' in message
    assert "--promote-existing" in message
    assert not is_instructor(mallory)
    assert get_user_model().objects.count() == 1
    # So she cannot reach the admin with her own password.
    client = Client()
    assert client.login(username="mallory", password=PASSPHRASE)
    assert client.get("/admin/").status_code == 302


def test_promote_existing_promotes_it_and_says_whose_it_is(mallory):
    output = create_instructor("head@school.example", "--promote-existing")
    joined = f"{mallory.date_joined.astimezone():%Y-%m-%d}"
    assert 'Promoted "mallory" (learner, email head@school.example, signed up ' in output
    assert joined in output
    assert is_instructor(mallory)
    assert "Password" not in output  # keeps their own


def test_a_staff_account_is_promoted_without_asking(db):
    staff = make_user("head", email="head@school.example", is_staff=True)
    output = create_instructor("HEAD@school.example")
    assert 'Promoted "head" (staff' in output and "now staff, in the" in output
    assert staff.groups.filter(name=INSTRUCTORS).exists()


def test_running_it_again_says_the_account_is_already_an_instructor(db):
    create_instructor("teacher@example.org")
    output = create_instructor("teacher@example.org")
    assert output.startswith(
        "teacher@example.org is already an instructor (staff, in the Instructors group)."
    )
    assert "Promoted" not in output and "to staff" not in output


def test_a_learner_holding_the_address_as_username_gets_a_message_not_an_integrity_error(db):
    squatter = make_user("chief@school.example", email="other@example.com")
    with pytest.raises(CommandError, match=r'"chief@school.example" \(learner, email other@'):
        create_instructor("chief@school.example")
    assert not is_instructor(squatter)
    assert get_user_model().objects.count() == 1


def test_two_accounts_claiming_the_address_are_listed_and_neither_is_promoted(db):
    by_email = make_user("ann", email="chief@school.example")
    by_name = make_user("Chief@School.example", email="else@example.com")
    with pytest.raises(CommandError) as error:
        create_instructor("chief@school.example", "--promote-existing")
    message = str(error.value)
    assert message.startswith("2 accounts use chief@school.example")
    assert '"ann"' in message and '"Chief@School.example"' in message
    assert not is_instructor(by_email) and not is_instructor(by_name)


def test_an_address_too_long_for_a_username_is_refused_clearly(db):
    address = "a" * 64 + "@" + "b" * 60 + "." + "c" * 30 + ".example"
    with pytest.raises(CommandError, match="longer than a username may be"):
        create_instructor(address)
    assert not get_user_model().objects.exists()


def test_an_account_made_while_it_runs_gives_a_message_not_an_integrity_error(db, monkeypatch):
    from reports.management.commands import create_instructor as command

    make_user("late@school.example", email="late@school.example")
    # As if the account appeared between the command's check and its save.
    monkeypatch.setattr(command.Command, "existing_account", lambda self, *args: None)
    with pytest.raises(CommandError, match="was taken while this ran"):
        create_instructor("late@school.example")
    assert get_user_model().objects.count() == 1
