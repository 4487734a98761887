"""Read a local `.env` file into the environment before the settings read it.

`make run` writes `.env` at the repository root (git-ignored) with debug on and a random local
secret key, so every `manage.py` command works in a checkout exactly as under `make run`.
Variables already set in the environment win over the file. DJANGO_ENV_FILE names another
file; set it to an empty value to read none (`make serve` and the test suite do, so production
settings never come from a developer's local file).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def parse(text: str, source: str = ".env") -> dict[str, str]:
    """`NAME=value` lines; blank lines and `#` comments are skipped; quotes around a value
    are removed. Anything else is an error naming the line."""
    values = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line.removeprefix("export ").lstrip()
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.isidentifier():
            raise ImproperlyConfigured(f"{source}, line {number}: expected NAME=value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def load(default: Path) -> Path | None:
    """Set the variables of the env file that the environment does not already set.

    Returns the file read, or None when there is none (or reading is switched off)."""
    name = os.environ.get("DJANGO_ENV_FILE")
    if name == "":
        return None
    path = Path(name) if name else default
    if not path.is_file():
        if name:
            raise ImproperlyConfigured(f"DJANGO_ENV_FILE={name!r}: no such file")
        return None
    for key, value in parse(path.read_text(encoding="utf-8"), str(path)).items():
        os.environ.setdefault(key, value)
    return path
