"""A worker that serves no LTI request does not load the LTI protocol library.

pylti1p3 brings requests and the JWT libraries with it: about 14 MB in each worker
(docs/performance.md). The lti app imports them when an LTI view, a score sent or a roster
loaded first needs them, so a worker that only serves learners and instructors starts without
them; the LTI tests (tests/test_lti*.py) exercise every path that imports them.
"""

import subprocess
import sys

from tests.test_production import ROOT, production_env
from tests.waiting import SUBPROCESS_SECONDS

PROTOCOL_MODULES = ("pylti1p3", "requests", "jwt", "jwcrypto")

STARTUP = (
    "import sys, django; django.setup(); "
    "from django.urls import get_resolver; get_resolver().url_patterns; "
    "import config.wsgi; "
    f"print(','.join(m for m in {PROTOCOL_MODULES!r} if m in sys.modules))"
)


def loaded_after(script, tmp_path):
    """The protocol modules loaded once `script` has run in a fresh production process."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_workers_startup_does_not_import_the_protocol_library(tmp_path):
    assert loaded_after(STARTUP, tmp_path) == ""


def test_the_first_lti_request_imports_it(tmp_path):
    script = STARTUP.replace(
        "import config.wsgi; ",
        "import config.wsgi; from lti import views; views.lti_errors(); ",
    )
    loaded = loaded_after(script, tmp_path)
    assert "pylti1p3" in loaded and "requests" in loaded
