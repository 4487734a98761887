"""The bottom layer of helpers (lib/): CSV cells, ISO dates, keyed rows kept in step."""

import csv
import io
from datetime import UTC, datetime

import pytest

from courses.models import Objective
from lib.csvfiles import csv_text, safe_cell, streaming_csv
from lib.dates import iso
from lib.sync import retire_missing, save_changed
from tests.factories import make_course


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_would_run_as_a_formula_is_quoted(start):
    assert safe_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


def test_other_cells_are_written_as_they_are():
    assert safe_cell("plain = text") == "plain = text"
    assert safe_cell(None) == ""
    assert (safe_cell(True), safe_cell(False)) == ("yes", "no")
    assert safe_cell(-2) == -2  # a number is not a formula


def test_csv_text_has_a_header_and_safe_cells():
    text = csv_text([{"a": "=1+1", "b": None}, {"a": "x", "b": 3}], ["a", "b"])
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["'=1+1", ""], ["x", "3"]]


def test_a_streamed_csv_is_a_download_written_row_by_row():
    response = streaming_csv("rows.csv", ["name"], iter([["@evil"], ["ok"]]))
    assert response["Content-Disposition"] == 'attachment; filename="rows.csv"'
    body = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(body))) == [["name"], ["'@evil"], ["ok"]]


def test_iso_is_local_time_to_the_second(settings):
    settings.TIME_ZONE = "Europe/London"
    assert iso(datetime(2026, 7, 1, 9, 0, 30, 123456, tzinfo=UTC)) == "2026-07-01T10:00:30+01:00"
    assert iso(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) == "2026-03-02T09:00:00+00:00"
    assert iso(None) is None


@pytest.mark.django_db
def test_save_changed_writes_only_the_fields_that_changed(django_assert_num_queries):
    course = make_course()
    objective = Objective.objects.create(course=course, key="k", title="T", text="x", position=0)
    with django_assert_num_queries(0):
        assert save_changed(objective, title="T", text="x") == []
    with django_assert_num_queries(1):  # one UPDATE of the changed column
        assert save_changed(objective, title="New", text="x") == ["title"]
    assert Objective.objects.get(pk=objective.pk).title == "New"


@pytest.mark.django_db
def test_retire_missing_retires_the_rows_whose_key_has_gone_once():
    course = make_course()
    rows = {
        key: Objective.objects.create(course=course, key=key, title=key, text=key, position=i)
        for i, key in enumerate(("kept", "gone", "old"))
    }
    rows["old"].retired = True
    rows["old"].save(update_fields=["retired"])
    assert retire_missing(rows, {"kept"}) == ["gone"]
    assert retire_missing(rows, {"kept"}) == []
    assert set(Objective.objects.filter(retired=True).values_list("key", flat=True)) == {
        "gone",
        "old",
    }
