"""Every command of the README, and of the author's docs it links, runs as pasted.

The commands are read from the ```sh blocks of the documents in DOCUMENTS: a line is one command
(a `#` comment after it dropped, a line ending in `\\` joined to the next). Each runs exactly as
written through `bash -c`, in a copy of the repository (the working tree's `git ls-files`, with
`.venv` a link to the virtualenv running the suite) that has its own `.env` and `var/` database,
so nothing touches the developer's checkout. The copy is first in the state the README promises
("after a first `make run`": `.env` written, migrated, the courses of `fixtures/` imported), then
the names the docs use as placeholders (`fixtures/my-course.md`, `moodle-export.xml`...) are
made by the setup steps of the command's entry in COMMANDS. The command line itself is never
edited.

A command found in the docs without an entry in COMMANDS fails (`test_command_runs_as_pasted`
says what to add), and an entry whose command left the docs fails too, so the list cannot rot.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.waiting import HTTP_SECONDS, SERVER_START_SECONDS, SUBPROCESS_SECONDS, wait_for

REPO = Path(__file__).resolve().parent.parent
# The virtualenv running the suite: the copies link `.venv` to it, so make installs nothing.
VENV = Path(sys.prefix)

# The README and the docs it links for authors and instructors whose commands can run here.
# docs/deploy.md (a production host: createdb, a remote PostgreSQL, a secret key to export) and
# docs/performance.md (`make bench`, minutes of load) are left out.
DOCUMENTS = ("README.md", "docs/interchange.md", "docs/course-format.md", "docs/lti.md")

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})(?P<info>[^`\n]*)$")

# Every test of this module runs on one pytest-xdist worker (make test uses --dist loadgroup):
# they share one prepared copy of the repository, built once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("readme")]


def fenced_blocks(text):
    """(info string, [lines]) of every fenced block; a block indented in a list item loses the
    fence's indentation."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"].strip()
        body = []
        i += 1
        while i < len(lines):
            closing = FENCE.match(lines[i])
            if closing and closing["fence"] == fence and not closing["info"].strip():
                break
            body.append(lines[i].removeprefix(indent))
            i += 1
        blocks.append((info, body))
        i += 1
    return blocks


def strip_comment(line):
    """The line without a trailing shell comment: a `#` at the start or after a blank, outside
    quotes."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def commands_of(text):
    """The commands of the ```sh blocks of a Markdown text, in order."""
    commands = []
    for info, body in fenced_blocks(text):
        if info not in ("sh", "bash", "shell", "console"):
            continue
        pending = ""
        for raw in body:
            line = raw.rstrip()
            if line.endswith("\\"):
                pending += line[:-1].rstrip() + " "
                continue
            command = strip_comment(pending + (line.lstrip() if pending else line)).strip()
            pending = ""
            if command:
                commands.append(command)
    return commands


def documented_commands():
    """(document, command) for every command of DOCUMENTS, each pair once."""
    found = []
    for document in DOCUMENTS:
        for command in commands_of((REPO / document).read_text(encoding="utf-8")):
            if (document, command) not in found:
                found.append((document, command))
    return found


# ---- The placeholders' setup steps: each gets the copy and runs manage.py there. ----

ManagePy = Callable[..., str]


def my_course(copy: Path, manage: ManagePy) -> None:
    """`fixtures/my-course.md`: the complete small example of docs/example under the name the
    docs use, beside its bank `fixtures/my-course.questions.yaml`."""
    source = (REPO / "docs/example/example-course.md").read_text(encoding="utf-8")
    renamed = source.replace("\nslug: example-course\n", "\nslug: my-course\n").replace(
        "\nquestions: example-course.questions.yaml\n", "\nquestions: my-course.questions.yaml\n"
    )
    assert renamed.count("my-course") == 2, "docs/example's front matter changed shape"
    (copy / "fixtures/my-course.md").write_text(renamed, encoding="utf-8")
    shutil.copy(
        REPO / "docs/example/example-course.questions.yaml",
        copy / "fixtures/my-course.questions.yaml",
    )


def my_course_imported(copy: Path, manage: ManagePy) -> None:
    my_course(copy, manage)
    manage("import_course", "fixtures/my-course.md")


def moodle_bank_for(name: str) -> Callable[[Path, ManagePy], None]:
    """`name`: a bank exported from Moodle for my-course (docs/interchange.md's walk-through),
    made here by exporting the example course's bank as Moodle XML; my-course starts with an
    empty bank (`[]`) for it to fill."""

    def setup(copy: Path, manage: ManagePy) -> None:
        my_course(copy, manage)
        manage("import_course", "docs/example/example-course.md")
        manage("export_bank", "example-course", "--format", "moodle-xml", "-o", name)
        (copy / "fixtures/my-course.questions.yaml").write_text("[]\n", encoding="utf-8")

    return setup


def review_pack_written(copy: Path, manage: ManagePy) -> None:
    """The blind review pack of my-course with seed 42, its answer sheet as it comes back."""
    my_course(copy, manage)
    manage("review_pack", "fixtures/my-course.md", "-o", "my-course-review.md", "--seed", "42")


@dataclass(frozen=True)
class Command:
    """What a documented command needs and shows.

    `output`: a regular expression its output (stdout and stderr) must match. `serves`: the path
    of a page the command serves with 200 when it runs forever (it gets a free PORT, is stopped
    once the page answers). `fresh`: it runs in a fresh copy (no `.env`, no database), not in
    one after a first `make run`. `excluded`: why the suite does not run it."""

    output: str = ""
    setup: tuple[Callable[[Path, ManagePy], None], ...] = ()
    serves: str = ""
    creates: tuple[str, ...] = field(default=())
    fresh: bool = False
    excluded: str = ""


COMMANDS = {
    # docs/lti.md: registering an LMS, sending the scores, rotating the tool's key.
    (
        '.venv/bin/python manage.py lti_register_platform --name "Moodle (Example U)"'
        " --issuer https://moodle.example.edu --client-id abc123"
        " --oidc-url https://moodle.example.edu/mod/lti/auth.php"
        " --token-url https://moodle.example.edu/mod/lti/token.php"
        " --key-set-url https://moodle.example.edu/mod/lti/certs.php --deployment 1"
    ): Command(
        output=r"Registered Moodle \(Example U\) \(https://moodle\.example\.edu, client abc123\)"
    ),
    ".venv/bin/python manage.py lti_send_scores": Command(
        output=r"0 score\(s\) sent, 0 to retry, 0 queued by the sweep\."
    ),
    ".venv/bin/python manage.py lti_rotate_key": Command(
        output=r"New signing key \S+ published\."
    ),
    ".venv/bin/python manage.py lti_rotate_key --retire-older-than 48": Command(
        output=r"Retired 0 key\(s\)"
    ),
    # The one exception: make test runs this suite, so running it inside the suite would recurse.
    # CI runs it (.ci/run).
    "make test": Command(excluded="make test runs this suite itself (CI runs it)"),
    # A newcomer's first run: it writes .env, migrates, imports and serves.
    "make run": Command(
        fresh=True,
        output=r"Wrote \.env .*\n(?:.*\n)*.*The course is served on http://127\.0\.0\.1:{port}/",
        serves="/courses/meta-open-source-ai/lessons/why-meta-open-sources/",
    ),
    ".venv/bin/python manage.py import_course fixtures/my-course.md --dry-run": Command(
        setup=(my_course,),
        output=r"fixtures/my-course\.md: would have created 1 course, 2 objectives, 2 lessons",
    ),
    ".venv/bin/python manage.py import_course fixtures/my-course.md": Command(
        setup=(my_course,),
        output=r"fixtures/my-course\.md: created 1 course, 2 objectives, 2 lessons",
    ),
    ".venv/bin/python manage.py export_bank meta-open-source-ai --format moodle-xml -o bank.xml": (
        Command(output=r"wrote bank\.xml \(\d+ bytes\)", creates=("bank.xml",))
    ),
    (
        ".venv/bin/python manage.py import_bank moodle-export.xml"
        " --course fixtures/my-course.md --dry-run"
    ): Command(
        setup=(moodle_bank_for("moodle-export.xml"),),
        output=r"6 question\(s\) read, 0 not converted",
    ),
    ".venv/bin/python manage.py create_instructor teacher@example.org": Command(
        output=r"Created teacher@example\.org .*\n.*Password \(shown once",
    ),
    ".venv/bin/python manage.py seed_demo_data --learners 25 --seed 1": Command(
        output=r"Seeded meta-open-source-ai: 25 learners",
    ),
    (
        ".venv/bin/python manage.py import_bank questions.xml"
        " --course fixtures/my-course.md --dry-run"
    ): Command(
        setup=(moodle_bank_for("questions.xml"),),
        output=r"6 question\(s\) read, 0 not converted",
    ),
    ".venv/bin/python manage.py import_bank questions.xml --course fixtures/my-course.md": Command(
        setup=(moodle_bank_for("questions.xml"),),
        output=r"6 question\(s\) added to fixtures/my-course\.questions\.yaml, 0 not converted",
    ),
    ".venv/bin/python manage.py lint_course fixtures/my-course.md": Command(
        setup=(my_course,),
        output=r"fixtures/my-course\.md: 0 error\(s\)",
    ),
    ".venv/bin/python manage.py export_bank my-course --format moodle-xml -o my-course.xml": (
        Command(
            setup=(my_course_imported,),
            output=r"wrote my-course\.xml \(\d+ bytes\)",
            creates=("my-course.xml",),
        )
    ),
    (
        ".venv/bin/python manage.py review_pack fixtures/my-course.md"
        " -o my-course-review.md --seed 42"
    ): Command(
        setup=(my_course,),
        output=r"Wrote my-course-review\.md \(6 questions, seed 42\)",
        creates=("my-course-review.md", "my-course-review.answers.yaml"),
    ),
    (
        ".venv/bin/python manage.py review_pack fixtures/my-course.md"
        " --score my-course-review.answers.yaml"
    ): Command(
        setup=(review_pack_written,),
        output=r"Blind review of Reading a model card \(seed 42\)",
    ),
    "make author COURSE=fixtures/my-course.md": Command(
        setup=(my_course,),
        output=r"Previewing fixtures/my-course\.md on http://127\.0\.0\.1:{port}/",
        serves="/courses/my-course/lessons/what-a-model-card-is/",
    ),
}


def case_id(document, command):
    """A stable id (the same in every xdist worker): the document and the command's words."""
    words = re.sub(r"[^A-Za-z0-9_.@=-]+", "-", command).strip("-")
    return f"{document}:{words}"


DOCUMENTED = documented_commands()


# ---- The copy of the repository. ----


def clean_environment(**extra):
    """The environment of someone pasting the command in a fresh shell: none of the suite's
    Django, database, cache or mail settings, no make recursion flags (make test runs pytest)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EMAIL_", "PYTEST_", "CLUSTER_"))
        and key not in ("DATABASE_URL", "REDIS_URL", "PORT", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
        and key not in ("TEST_WORKERS", "TEST_DATABASE_URL", "REDIS_TEST_URL", "COURSE")
    }
    env.update(extra)
    return env


def copy_repository(destination: Path) -> Path:
    """The tracked files of the working tree (as they are now, edits included), with `.venv`
    linked to the suite's virtualenv and the requirement files no newer than its install stamps
    (so make sees the virtualenv up to date and installs nothing into it)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    destination.mkdir()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if not source.is_file() or name == ".venv":
            continue  # deleted in the working tree, or the checkout's own virtualenv link
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    (destination / ".venv").symlink_to(VENV)
    stamps = [VENV / ".installed-serve", VENV / ".installed-dev"]
    oldest = min((s.stat().st_mtime for s in stamps if s.exists()), default=None)
    if oldest is not None:
        for name in ("requirements.txt", "requirements-dev.txt"):
            os.utime(destination / name, (oldest, oldest))
    return destination


def run_manage(copy: Path):
    def manage(*args: str) -> str:
        result = subprocess.run(
            [str(copy / ".venv/bin/python"), "manage.py", *args],
            cwd=copy,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_SECONDS,
        )
        assert result.returncode == 0, f"setup: manage.py {' '.join(args)}:\n" + (
            result.stdout + result.stderr
        )
        return result.stdout + result.stderr

    return manage


@pytest.fixture(scope="module")
def prepared_copy(tmp_path_factory):
    """A copy of the repository after a first `make run`: `.env` written, the database migrated
    and the courses of fixtures/ imported (the steps of the Makefile's run target, without
    serving)."""
    copy = copy_repository(tmp_path_factory.mktemp("readme") / "repo")
    make = subprocess.run(
        ["make", "--no-print-directory", ".env"],
        cwd=copy,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )
    assert make.returncode == 0, make.stdout + make.stderr
    manage = run_manage(copy)
    manage("migrate", "--no-input")
    # The Makefile's `import_course fixtures/*.md`, the shell's glob expanded here.
    manage("import_course", *sorted(str(p.relative_to(copy)) for p in copy.glob("fixtures/*.md")))
    return copy


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=HTTP_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def serve_until_page_answers(command, copy, spec):
    """Start a command that serves forever with a free PORT, wait until `spec.serves` answers
    200, stop its whole process group; its output."""
    port = _free_port()
    log_path = copy / "command.log"
    with log_path.open("w+") as log:
        process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=copy,
            env=clean_environment(PORT=str(port)),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:

            def page_answers():
                if process.poll() is not None:
                    raise AssertionError(
                        f"{command!r} exited ({process.returncode}): {log_path.read_text()}"
                    )
                return _status(f"http://127.0.0.1:{port}{spec.serves}") == 200

            wait_for(
                page_answers,
                what=f"{command!r} to serve {spec.serves}",
                timeout=SERVER_START_SECONDS,
                ignore=(OSError,),
            )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return log_path.read_text(), port


@pytest.mark.parametrize(
    ("document", "command"),
    DOCUMENTED,
    ids=[case_id(document, command) for document, command in DOCUMENTED],
)
def test_command_runs_as_pasted(document, command, prepared_copy, tmp_path):
    spec = COMMANDS.get(command)
    assert spec is not None, (
        f"{document} shows the command {command!r}, which tests/test_readme.py does not know: "
        "add it to COMMANDS with the setup its placeholders need and the output it shows "
        "(or exclude it there, with the reason)"
    )
    if spec.excluded:
        pytest.skip(spec.excluded)
    if spec.fresh:
        copy = copy_repository(tmp_path / "repo")
    else:
        copy = tmp_path / "repo"
        shutil.copytree(prepared_copy, copy, symlinks=True)
    manage = run_manage(copy)
    for step in spec.setup:
        step(copy, manage)

    if spec.serves:
        output, port = serve_until_page_answers(command, copy, spec)
        assert re.search(spec.output.format(port=port), output), output
        return

    result = subprocess.run(
        ["bash", "-c", command],
        cwd=copy,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{command!r} exited {result.returncode}:\n{output}"
    assert re.search(spec.output, output), output
    for name in spec.creates:
        assert (copy / name).is_file() and (copy / name).stat().st_size > 0, name


def test_every_entry_is_a_documented_command():
    """An entry for a command the docs no longer show is removed with it."""
    shown = {command for _, command in DOCUMENTED}
    assert sorted(set(COMMANDS) - shown) == []


def test_commands_in_the_docs_are_in_sh_blocks():
    """A command outside a ```sh block would be skipped by this module: every line of an
    unlabeled block that starts like a command fails here (a usage synopsis is a ```text
    block)."""
    starts = ("make ", ".venv/", "manage.py ", "./manage.py ", "python ", "python3 ")
    hidden = []
    for document in DOCUMENTS:
        for info, body in fenced_blocks((REPO / document).read_text(encoding="utf-8")):
            if info:
                continue
            hidden += [f"{document}: {line}" for line in body if line.lstrip().startswith(starts)]
    assert hidden == []


def test_commands_are_read_as_a_shell_reads_them():
    text = (
        "```sh\n"
        "make run     # serves it\n"
        "# a comment line\n"
        "\n"
        ".venv/bin/python manage.py import_course \\\n"
        "    fixtures/a.md   # two lines\n"
        "echo 'a # in quotes' x#y\n"
        "```\n"
        "```\n"
        "make hidden\n"
        "```\n"
        "1. A step:\n"
        "\n"
        "   ```sh\n"
        "   make author COURSE=fixtures/a.md\n"
        "   ```\n"
    )
    assert commands_of(text) == [
        "make run",
        ".venv/bin/python manage.py import_course fixtures/a.md",
        "echo 'a # in quotes' x#y",
        "make author COURSE=fixtures/a.md",
    ]
