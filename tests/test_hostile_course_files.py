"""import_course given hostile or absurd files: each fails at once with a one-line problem and a
non-zero exit, never a traceback, and the database is left exactly as it was.

The files come from authoring/sourcefiles.py's rules: only regular UTF-8 text files within the
size limit, YAML with bounded nesting and aliases and no Python tags, and a question bank inside
the course file's folder.
"""

import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from authoring.importer import CourseFileError
from authoring.importing import parse_course_file
from tests.waiting import SUBPROCESS_SECONDS, CpuTime

DATA = Path(__file__).parent / "data" / "courses"
ROOT = Path(__file__).resolve().parent.parent
COURSE, BANK = "quiz-course.md", "quiz-course.questions.yaml"
BILLION_LAUGHS = (
    'lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(f"lol{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 10))
)


@pytest.fixture
def folder(tmp_path):
    """A folder with the quiz course and its bank, imported once (the state to keep)."""
    folder = tmp_path / "course"
    folder.mkdir()
    for name in (COURSE, BANK):
        shutil.copy(DATA / name, folder / name)
    return folder


@pytest.fixture
def imported(folder, db):
    call_command("import_course", str(folder / COURSE), stdout=io.StringIO())
    return folder


def database_digest():
    """A digest of every row of every model: equal digests, untouched database."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def set_questions(folder: Path, value: str) -> Path:
    edit(folder / COURSE, f"questions: {BANK}", f"questions: {value}")
    return folder / COURSE


def add_to_front_matter(folder: Path, yaml_text: str) -> Path:
    edit(folder / COURSE, "objectives:\n", yaml_text.rstrip("\n") + "\nobjectives:\n")
    return folder / COURSE


def add_to_bank(folder: Path, yaml_text: str) -> Path:
    with (folder / BANK).open("a") as bank:
        bank.write("\n" + yaml_text)
    return folder / COURSE


def written(path: Path, data: bytes, course: Path | None = None) -> Path:
    """Write `data` to `path`; return the course file to import (`path` itself by default)."""
    path.write_bytes(data)
    return course or path


def outside_file(folder: Path) -> Path:
    outside = folder.parent / "outside.yaml"
    shutil.copy(DATA / BANK, outside)
    return outside


BANK_BOMB = "- key: bomb\n" + "".join(f"  {line}\n" for line in BILLION_LAUGHS.splitlines())


def bomb_as_title(folder: Path) -> Path:
    edit(folder / COURSE, "title: A quiz course\n", "")
    return add_to_front_matter(folder, BILLION_LAUGHS.replace("lol9:", "title:"))


def nested_mapping(depth: int) -> str:
    return "".join(f"{'  ' * level}k:\n" for level in range(depth)) + "  " * depth + "x\n"


# name: (make the hostile input in the course folder, return the course path; the problem)
CASES = {
    "course is a directory": (lambda f: f, "the file is a directory, not a file"),
    "bank is a directory": (lambda f: set_questions(f, "."), "question bank is a directory"),
    "course is /dev/zero": (lambda f: Path("/dev/zero"), "is not a regular file (a device"),
    "course is /dev/urandom": (lambda f: Path("/dev/urandom"), "is not a regular file"),
    "course is a link to /dev/zero": (
        lambda f: (f / "zero.md").symlink_to("/dev/zero") or f / "zero.md",
        "is not a regular file",
    ),
    "course is a FIFO": (
        lambda f: os.mkfifo(f / "pipe.md") or f / "pipe.md",
        "is not a regular file (a device, a FIFO or a socket)",
    ),
    "bank is a FIFO": (
        lambda f: os.mkfifo(f / "pipe.yaml") or set_questions(f, "pipe.yaml"),
        "question bank is not a regular file",
    ),
    "course over the size limit": (
        lambda f: (
            edit(f / COURSE, "Sample-Small reads", "word " * 430_000 + "Sample-Small reads")
            or f / COURSE
        ),
        "larger than the limit of 2 MB",
    ),
    "bank over the size limit": (
        lambda f: add_to_bank(f, "# " + "x" * 2 * 1024 * 1024 + "\n"),
        "question bank is 2 MB or more, larger than the limit of 2 MB",
    ),
    "binary course": (
        lambda f: written(f / "image.md", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64),
        "is it a binary file?",
    ),
    "course not UTF-8": (
        lambda f: written(f / "latin1.md", (DATA / COURSE).read_bytes() + b"caf\xe9\n"),
        "the file is not UTF-8 text: is it a binary file?",
    ),
    "binary bank": (
        lambda f: written(f / BANK, bytes(range(256)) * 64, f / COURSE),
        "the question bank is not UTF-8 text: is it a binary file?",
    ),
    "NUL byte in a lesson": (
        lambda f: edit(f / COURSE, "Sample-Small reads", "Sample-Small\x00 reads") or f / COURSE,
        f"{COURSE}:16: the file contains a NUL byte, a control character",
    ),
    "NUL byte in the bank": (
        lambda f: edit(f / BANK, "What is Sample-Large", "What\x00 is Sample-Large") or f / COURSE,
        f"{BANK}:7: the question bank contains a NUL byte",
    ),
    "front matter nested 50,000 deep": (
        lambda f: add_to_front_matter(f, "nested: " + "[" * 50_000 + "]" * 50_000),
        "malformed front matter: nested deeper than 40 levels",
    ),
    "bank nested 50,000 deep": (
        lambda f: add_to_bank(f, "- " + "[" * 50_000 + "]" * 50_000),
        "malformed YAML: nested deeper than 40 levels",
    ),
    "bank mapping nested 500 deep": (
        lambda f: add_to_bank(f, "- " + nested_mapping(500).replace("\n", "\n  ")),
        "malformed YAML: nested deeper than 40 levels",
    ),
    "alias bomb in the front matter": (
        lambda f: add_to_front_matter(f, BILLION_LAUGHS),
        "malformed front matter: aliases (*name) stand for more than 10000 values",
    ),
    "alias bomb as the title": (
        lambda f: bomb_as_title(f),
        "aliases (*name) stand for more than 10000 values",
    ),
    "alias bomb in the bank": (
        lambda f: written(f / BANK, BANK_BOMB.encode(), f / COURSE),
        "malformed YAML: aliases (*name) stand for more than 10000 values",
    ),
    "bank path with ..": (
        lambda f: outside_file(f) and set_questions(f, "../outside.yaml"),
        'questions: "../outside.yaml" must not leave the course file\'s folder',
    ),
    "bank path absolute": (
        lambda f: set_questions(f, "/etc/passwd"),
        'questions: "/etc/passwd" must be a path relative to the course file\'s folder',
    ),
    "bank path absolute inside the folder": (
        lambda f: set_questions(f, str(f / BANK)),
        "must be a path relative to the course file's folder",
    ),
    "bank is a link to a file outside": (
        lambda f: (f / "link.yaml").symlink_to(outside_file(f)) or set_questions(f, "link.yaml"),
        'questions: "link.yaml" is a link to a file outside the course file\'s folder',
    ),
    "bank in a linked folder outside": (
        lambda f: (
            (f / "banks").symlink_to(outside_file(f).parent)
            or set_questions(f, "banks/outside.yaml")
        ),
        "is a link to a file outside the course file's folder",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_one_clear_problem_and_changes_nothing(imported, case):
    make, problem = CASES[case]
    course_path = make(imported)
    before = database_digest()
    errors = io.StringIO()
    with CpuTime() as cpu, pytest.raises(CommandError, match="nothing was imported") as failure:
        call_command("import_course", str(course_path), stdout=io.StringIO(), stderr=errors)
    assert cpu.seconds < 5  # bounded work (this thread's CPU time: other jobs cannot inflate it)
    assert failure.value.returncode == 1
    lines = errors.getvalue().splitlines()
    assert len(lines) == 1 and problem in lines[0], lines
    assert "Traceback" not in errors.getvalue()
    assert database_digest() == before


@pytest.mark.django_db
@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/name:os.system"])
def test_python_tags_are_refused_and_never_run(imported, tag):
    marker = imported / "ran"
    python = f"{tag} ['touch {marker}']" if "apply" in tag else f"{tag} ''"
    original = (imported / COURSE).read_text()
    for put_payload in (
        lambda: add_to_front_matter(imported, f"payload: {python}"),
        lambda: add_to_bank(imported, f"- key: payload\n  prompt: {python}\n"),
    ):
        (imported / COURSE).write_text(original)
        course_path = put_payload()
        before = database_digest()
        errors = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_course", str(course_path), stdout=io.StringIO(), stderr=errors)
        assert "could not determine a constructor for the tag" in errors.getvalue()
        assert database_digest() == before
    assert not marker.exists()


def test_reading_dev_zero_fails_in_under_a_second():
    with CpuTime() as cpu, pytest.raises(CourseFileError, match="not a regular file"):
        parse_course_file("/dev/zero")
    assert cpu.seconds < 1  # refused before reading (CPU time: a busy machine cannot flip it)


@pytest.mark.django_db
def test_the_size_limit_is_a_setting(folder, settings):
    settings.COURSE_FILE_MAX_BYTES = 1000
    with pytest.raises(CourseFileError, match="larger than the limit of 0"):
        parse_course_file(folder / COURSE)
    settings.COURSE_FILE_MAX_BYTES = 1024 * 1024
    assert parse_course_file(folder / COURSE).slug == "quiz-course"


@pytest.mark.django_db
def test_a_bank_in_a_subfolder_or_linked_from_inside_the_folder_is_fine(folder):
    (folder / "banks").mkdir()
    shutil.move(folder / BANK, folder / "banks" / BANK)
    assert len(parse_course_file(set_questions(folder, f"banks/{BANK}")).bank) > 1
    (folder / "bank.yaml").symlink_to(Path("banks") / BANK)
    edit(folder / COURSE, f"questions: banks/{BANK}", "questions: bank.yaml")
    assert len(parse_course_file(folder / COURSE).bank) > 1


def test_the_command_line_shows_one_line_per_problem_and_exits_non_zero(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DJANGO_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)  # nothing is written: no database needed
    result = subprocess.run(
        [sys.executable, "manage.py", "import_course", "/dev/zero", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "/dev/zero:1: the file is not a regular file (a device, a FIFO or a socket)",
        f"{tmp_path}:1: the file is a directory, not a file",
        "CommandError: 2 problem(s) found; nothing was imported.",
    ]
