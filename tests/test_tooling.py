"""The project's own tooling leaves authors' course documents alone."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).parent / "ruff"

COURSE = """---
title: HTTP caching
---

# Lesson

```python
response=requests.get( "https://example.org",headers={ "If-None-Match":etag } )
```
"""


@pytest.mark.skipif(not RUFF.exists(), reason="ruff is installed with requirements-dev.txt")
@pytest.mark.parametrize("command", [["format", "--check"], ["check"]])
def test_ruff_leaves_a_course_with_a_python_block_in_fixtures_alone(tmp_path, command):
    """`make test` runs `ruff format --check .` and `ruff check .` over the whole checkout,
    where authors put their courses (fixtures/, the README's path); a Python fence written the
    author's way must not fail the suite."""
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "http-caching.md").write_text(COURSE)
    (tmp_path / "ok.py").write_text("x = 1\n")
    result = subprocess.run(
        [str(RUFF), *command, "."], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
