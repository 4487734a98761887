"""Reading course files and question banks safely, whatever file the importer is given.

The importer only ever reads author files through this module:

- `read_text(path)` reads a regular file of at most settings.COURSE_FILE_MAX_BYTES (2 MB by
  default) as UTF-8 text. It refuses a directory, a device, a FIFO or a socket without opening
  it (so /dev/zero or a pipe fails at once instead of being read forever), a larger file, and a
  binary file: bytes that are not UTF-8, a NUL byte or another control character.
- `bank_path(course_path, value)` is the question bank a course file names: a relative path
  that stays inside the course file's folder (no absolute path, no `..`, no symlink leading
  out of it), so a course file cannot make the importer read /etc/shadow.
- `load_yaml(text)` parses YAML with `LimitedSafeLoader`: PyYAML's safe loader (plain data
  only: a `!!python/...` tag is an error) that also refuses nesting deeper than MAX_DEPTH
  levels (deeper input would exhaust Python's recursion limit) and aliases standing for more
  than MAX_ALIASED_NODES values (alias "bombs" make a few lines stand for billions).

Each refusal is a SourceFileError (or a yaml.YAMLError from the loader) with a one-line
message and, where it applies, the 1-based line it concerns.
"""

import os
import re
import stat
from pathlib import Path
from typing import Any, NoReturn

import yaml
from django.conf import settings

MAX_DEPTH = 40
MAX_ALIASED_NODES = 10_000
# Control characters that never belong in a text file (tab, newline, form feed and carriage
# return do).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class SourceFileError(Exception):
    """A course or question-bank file that cannot be read as a course source."""

    def __init__(self, message: str, line: int = 1):
        self.line = line
        super().__init__(message)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def _too_large(size: int, limit: int) -> str:
    return (
        f"is {_megabytes(size)} or more, larger than the limit of {_megabytes(limit)} "
        "(settings.COURSE_FILE_MAX_BYTES)"
    )


def _check_regular(mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise SourceFileError("is a directory, not a file")
    if not stat.S_ISREG(mode):
        raise SourceFileError("is not a regular file (a device, a FIFO or a socket)")


def read_text(path: Path) -> str:
    """The text of a course source file; FileNotFoundError if it does not exist, else
    SourceFileError if it is not a regular UTF-8 text file within the size limit."""
    limit = settings.COURSE_FILE_MAX_BYTES
    try:
        info = os.stat(path)  # follows symlinks: the file that would be read
    except FileNotFoundError:
        raise
    except OSError as error:
        raise SourceFileError(f"cannot be read: {error.strerror}") from None
    _check_regular(info.st_mode)
    if info.st_size > limit:
        raise SourceFileError(_too_large(info.st_size, limit))
    try:
        # O_NONBLOCK: had the file been swapped for a FIFO since the check, opening it must
        # not wait for a writer; the check is repeated on what was opened.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise SourceFileError(f"cannot be read: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as file:
        _check_regular(os.fstat(file.fileno()).st_mode)
        data = file.read(limit + 1)
    if len(data) > limit:  # it grew since the check
        raise SourceFileError(_too_large(len(data), limit))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceFileError("is not UTF-8 text: is it a binary file?", line) from None
    control = CONTROL_RE.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        name = "a NUL byte" if control.group() == "\x00" else f"U+{ord(control.group()):04X}"
        raise SourceFileError(f"contains {name}, a control character: is it a binary file?", line)
    return text


def bank_path(course_path: Path, value: str) -> Path:
    """The question bank `value` names, relative to the course file's folder and inside it."""
    relative = Path(value)
    if relative.is_absolute():
        raise SourceFileError(
            f'questions: "{value}" must be a path relative to the course file\'s folder'
        )
    if ".." in relative.parts:
        raise SourceFileError(f'questions: "{value}" must not leave the course file\'s folder')
    folder = course_path.parent
    path = folder / relative
    if not path.resolve().is_relative_to(folder.resolve()):
        raise SourceFileError(
            f'questions: "{value}" is a link to a file outside the course file\'s folder'
        )
    return path


class LimitedSafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader refusing nesting deeper than MAX_DEPTH and aliases that stand for more
    than MAX_ALIASED_NODES values in all, with a yaml.YAMLError that has the line
    (problem_mark) like any other YAML error.

    An alias (*name) repeats the anchored value without copying it, so ten aliases to a list
    of ten aliases to ... stand for billions of values in a few lines: what counts is the size
    an alias stands for, which is worked out as the nodes are composed (children first).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliased = 0
        self._sizes: dict[int, int] = {}  # id(node) -> number of values it stands for

    def _limit(self, problem: str) -> NoReturn:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        raise yaml.composer.ComposerError(None, None, problem, mark)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self._aliased += self._sizes.get(id(node), 1)
            if self._aliased > MAX_ALIASED_NODES:
                self._limit(f"aliases (*name) stand for more than {MAX_ALIASED_NODES} values")
            return node
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                self._limit(f"nested deeper than {MAX_DEPTH} levels")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        sizes = [self._sizes.get(id(child), 1) for child in _children(node)]
        self._sizes[id(node)] = 1 + sum(sizes)
        return node


def _children(node: yaml.Node | None) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def load_yaml(text: str) -> Any:
    """The data of one YAML document, read with LimitedSafeLoader."""
    loader = LimitedSafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
