"""Damaged files never crash the importer: a few hundred seeded mutations of our own exports
(bytes deleted, replaced or repeated) are each read or refused with an InterchangeError (one
line for the command), never another exception."""

import io
import random
import zipfile

import pytest

from interchange import common, convert
from interchange.common import InterchangeError
from tests.test_interchange import DATA

pytestmark = pytest.mark.django_db


def mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        i = rng.randrange(len(data))
        if kind < 0.4:
            del data[i : i + rng.randint(1, 40)]
        elif kind < 0.7:
            data[i] = rng.choice(b'<>/="{}#~=:%\\ ->\nabc0-9.')
        else:
            j = rng.randrange(len(data))
            data[i:i] = data[j : j + rng.randint(1, 30)]
    return bytes(data)


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "qti-item"])
def test_damaged_files_are_read_or_refused_in_one_line(fmt, tmp_path):
    doc, items = common.load_bank(DATA / "courses" / "quiz-course.md")
    if fmt == "qti-item":
        z = zipfile.ZipFile(io.BytesIO(convert.export_items("x", items, "qti21").content))
        bases = [z.read(n) for n in z.namelist() if n.startswith("items/")]
    else:
        bases = [convert.export_items("x", items, fmt).content]
    rng = random.Random(1)
    bad = []
    for n in range(150):
        data = mutate(rng, rng.choice(bases))
        p = tmp_path / f"f{n}"
        p.write_bytes(data)
        try:
            convert.convert(p, doc, set(), "context")
        except InterchangeError:
            pass
        except Exception as error:  # noqa: BLE001 - what the test looks for
            bad.append(f"{type(error).__name__}: {error}"[:200])
    assert not bad, sorted(set(bad))
