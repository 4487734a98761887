import pytest

from tests.factories import make_course, make_user


@pytest.fixture
def course(db):
    return make_course("demo-course")


@pytest.fixture
def learner(db):
    return make_user("ada")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client
