"""`make bench-compare REF=<ref>` (bench/compare.py): what runs in seconds, without a server or
wrk: the arguments, the extraction of a ref's tree, the check of its requirements against this
virtualenv, the paired ratios and the report."""

import statistics
import subprocess
from importlib import metadata

import pytest

from bench import compare


def git(*args):
    return subprocess.run(
        ["git", *args], cwd=compare.ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def repository():
    if git("rev-parse", "HEAD").returncode != 0:
        pytest.skip("not in a git checkout")


def test_a_ref_is_required(capsys):
    with pytest.raises(SystemExit) as exit_:
        compare.parse_args([])
    assert exit_.value.code == 2
    assert "ref" in capsys.readouterr().err
    assert compare.parse_args(["main"]).ref == "main"


def test_a_ref_is_extracted_with_git_archive_and_no_worktree_is_left(repository, tmp_path):
    worktrees = git("worktree", "list", "--porcelain").stdout
    commit = compare.extract("HEAD", tmp_path / "tree")
    assert commit == git("rev-parse", "HEAD").stdout.strip()
    tree = tmp_path / "tree"
    assert (tree / "manage.py").read_text() == git("show", "HEAD:manage.py").stdout
    assert (tree / "bench" / "prepare.py").exists() and (tree / "requirements.txt").exists()
    assert not (tree / ".git").exists() and not (tree / ".venv").exists()
    assert git("worktree", "list", "--porcelain").stdout == worktrees


def test_an_unknown_ref_is_refused_before_anything_is_written(repository, tmp_path):
    with pytest.raises(SystemExit, match="not a commit"):
        compare.extract("no-such-ref-anywhere", tmp_path / "tree")
    assert not (tmp_path / "tree").exists()


def test_a_refs_pins_are_checked_against_this_virtualenv():
    django = metadata.version("django")
    text = f"# pinned\ndjango=={django}\n    # via coursework\n--no-binary :none:\n"
    assert compare.unmet_requirements(text) == []
    assert compare.unmet_requirements("Django==0.1\n") == [f"Django==0.1 (installed: {django})"]
    missing = "surely-not-installed-here==1.0 ; python_version >= '3'\n"
    assert compare.unmet_requirements(missing) == [
        "surely-not-installed-here==1.0 (installed: none)"
    ]


def test_the_ratio_is_current_over_ref_in_each_round_and_the_median_is_read():
    current = [{"rps": 100.0}, {"rps": 90.0}, {"rps": 50.0}]
    ref = [{"rps": 50.0}, {"rps": 100.0}, {"rps": 50.0}]
    ratios = compare.paired_ratios(current, ref)
    assert ratios == [2.0, 0.9, 1.0]
    assert statistics.median(ratios) == 1.0
    assert compare.reading(ratios) == "no worse (1.00x REF); the rounds straddle 1 (0.90-2.00)"
    assert compare.reading([0.9, 0.8, 0.85]) == "worse by 15% in every round"
    assert compare.reading([0.998, 1.0]) == "no worse (1.00x REF)"
    with pytest.raises(ValueError):  # a round that ran on one side only is an error
        compare.paired_ratios(current, ref[:2])


def wrk_result(rps, p99, load=1.0):
    return {
        "rps": rps, "p50": p99 / 2, "p99": p99, "requests": int(rps * 10), "non2xx": 0,
        "socket_errors": 0, "repeated": 0, "unmarked": 0, "load": load,
    }  # fmt: skip


def test_the_report_gives_both_rates_the_paired_median_and_a_skipped_endpoint():
    runs = {
        "current a": {"baseline": [wrk_result(200, 10, 0.5), wrk_result(100, 20, 3.0)]},
        "REF b": {"baseline": [wrk_result(100, 12), wrk_result(100, 30)]},
    }
    worker = [{"pid": 1, "rss_mb": 70.0, "peak_mb": 71.0}]
    outcome = {
        "labels": ["current a", "REF b"], "ref_python": "the project's virtualenv",
        "runs": runs, "skipped": {
            "question page": "REF b answered 404 for /q", "answer POST": "x", "progress page": "y",
        },
        "queries": {"current a": {"baseline": {"first": 0, "other": 0, "again": 0}},
                    "REF b": {"baseline": {"failed": "ImportError"}}},
        "memory": {"current a": worker, "REF b": worker}, "errors": {"current a": [], "REF b": []},
    }  # fmt: skip
    text = compare.report(outcome)
    assert "load average before the runs: 0.50 to 3.00" in text
    # Rates: medians of the rounds (150 and 100); ratios 2.0 and 1.0, their median 1.5.
    assert (
        "| baseline (/bench/baseline, the trivial view) | 150 | 100 | 1.500 | 2.000, 1.000 "
        "| 15.0 | 21.0 | 0 | no worse (1.50x REF) |" in text
    )
    assert "| question page | skipped: REF b answered 404 for /q |" in text
    assert "current a worker 1: 70.0 MB resident" in text
    assert "| baseline | 0 / 0 / 0 | failed: ImportError |" in text
    assert "| progress page | failed: not counted | failed: not counted |" in text
