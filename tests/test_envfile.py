"""The local `.env` that make run writes: read before the settings, never over the environment,
and never in production (a missing key there still stops the app)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import envfile
from tests.waiting import SUBPROCESS_SECONDS

ROOT = Path(__file__).resolve().parent.parent


def test_it_parses_names_values_comments_and_quotes():
    text = "# local\n\nDJANGO_DEBUG=true\nexport A = 'quoted value'\nB=\"x=y\"\n"
    assert envfile.parse(text) == {"DJANGO_DEBUG": "true", "A": "quoted value", "B": "x=y"}


def test_a_line_that_is_not_a_setting_is_an_error_naming_it():
    with pytest.raises(ImproperlyConfigured, match=r"\.env, line 2"):
        envfile.parse("A=1\nthis is not a setting\n")


def test_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    path = tmp_path / ".env"
    path.write_text("ENVFILE_TEST_A=from-file\nENVFILE_TEST_B=from-file\n")
    monkeypatch.delenv("DJANGO_ENV_FILE", raising=False)
    monkeypatch.setenv("ENVFILE_TEST_A", "from-environment")
    monkeypatch.delenv("ENVFILE_TEST_B", raising=False)
    assert envfile.load(path) == path
    assert os.environ["ENVFILE_TEST_A"] == "from-environment"
    assert os.environ["ENVFILE_TEST_B"] == "from-file"
    monkeypatch.delenv("ENVFILE_TEST_B")


def test_an_empty_django_env_file_reads_nothing(tmp_path, monkeypatch):
    path = tmp_path / ".env"
    path.write_text("ENVFILE_TEST_C=1\n")
    monkeypatch.setenv("DJANGO_ENV_FILE", "")
    assert envfile.load(path) is None
    assert "ENVFILE_TEST_C" not in os.environ


def test_a_named_env_file_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DJANGO_ENV_FILE", str(tmp_path / "missing.env"))
    with pytest.raises(ImproperlyConfigured, match="no such file"):
        envfile.load(tmp_path / ".env")


def _manage(args, tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_VAR_DIR=str(tmp_path / "var"))
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )


def test_management_commands_work_with_the_file_make_run_writes(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DJANGO_DEBUG=true\nDJANGO_SECRET_KEY=local-test-key-" + "k" * 40 + "\n")
    result = _manage(["seed_demo_data", "--help"], tmp_path, DJANGO_ENV_FILE=str(path))
    assert result.returncode == 0, result.stderr
    assert "--learners" in result.stdout


def test_without_the_file_and_without_a_key_the_app_still_refuses_to_start(tmp_path):
    result = _manage(["check"], tmp_path, DJANGO_ENV_FILE="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr
