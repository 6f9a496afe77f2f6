"""The command line as a user meets it: exit codes, outputs, and one clear line for every bad input."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli, sql_record, write_jsonl
from tests.report.conftest import MAPPING, POLICY, records


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "rules.yaml").write_text(POLICY)
    (tmp_path / "soc2.yaml").write_text(MAPPING)
    write_jsonl(tmp_path / "assets.jsonl", records())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def audit(*args: str):
    return run_cli(["audit", "--policies", "policies", "--mapping", "soc2.yaml", *args])


def test_exit_codes_follow_fail_on(ws: Path) -> None:
    assert audit("--snapshot", "assets.jsonl").code == 1
    assert audit("--snapshot", "assets.jsonl", "--fail-on", "high").code == 1  # the SQL error counts as a failure
    assert audit("--snapshot", "assets.jsonl", "--fail-on", "critical").code == 0
    assert audit("--snapshot", "assets.jsonl", "--fail-on", "none").code == 0


def test_clean_environment_exits_zero(ws: Path) -> None:
    write_jsonl(ws / "clean.jsonl", [r for r in records() if r["name"].endswith("/good")])
    run = audit("--snapshot", "clean.jsonl")
    assert run.code == 0, run.err
    assert "1 passed" in run.out


def test_errors_block_like_failures(ws: Path) -> None:
    write_jsonl(ws / "broken.jsonl", [r for r in records() if r["name"].endswith("/broken")])
    run = audit("--snapshot", "broken.jsonl")
    assert run.code == 1 and "ERROR" in run.out


def test_several_formats_in_one_run_are_byte_identical_across_runs(ws: Path) -> None:
    args = ["--snapshot", "assets.jsonl", "-f", "sarif", "-o", "out/a.sarif", "-f", "json", "-o", "out/a.json",
            "-f", "markdown", "-o", "out/a.md", "-f", "text"]
    first = audit(*args)
    outputs = {p.name: p.read_bytes() for p in (ws / "out").iterdir()}
    second = audit(*args)
    assert first.code == second.code == 1
    assert first.out == second.out and "Summary:" in first.out
    assert {p.name: p.read_bytes() for p in (ws / "out").iterdir()} == outputs
    assert set(outputs) == {"a.sarif", "a.json", "a.md"}
    assert json.loads(outputs["a.sarif"])["version"] == "2.1.0"


def test_output_pairing_errors(ws: Path) -> None:
    run = audit("--snapshot", "assets.jsonl", "-f", "json", "-f", "sarif")
    assert run.code == 2 and "only one format can go to stdout" in run.err
    run = audit("--snapshot", "assets.jsonl", "-o", "a", "-o", "b")
    assert run.code == 2 and "give one -f per -o" in run.err


def test_reports_written_to_files_leave_a_summary_on_stderr(ws: Path) -> None:
    run = audit("--snapshot", "assets.jsonl", "-f", "sarif", "-o", "x.sarif")
    assert run.out == "" and "Summary:" in run.err and "wrote sarif report to x.sarif" in run.err
    quiet = audit("--snapshot", "assets.jsonl", "-f", "sarif", "-o", "x.sarif", "--quiet")
    assert quiet.err == ""


def bad_inputs(ws: Path) -> dict[str, tuple[Path, str]]:
    good = json.dumps(sql_record("a")) + "\n"
    (ws / "truncated.jsonl").write_text(good + good[: len(good) // 2])
    (ws / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (ws / "resource-list.jsonl").write_text(json.dumps({**sql_record("a"), "resource": [1, 2]}) + "\n")
    (ws / "empty.jsonl").write_text("")
    data = gzip.compress((good * 500).encode())
    (ws / "cut.jsonl.gz").write_bytes(data[: len(data) // 3])
    return {
        "truncated": (ws / "truncated.jsonl", r"truncated.jsonl:2: JSON ends too early"),
        "garbage": (ws / "garbage.bin", r"garbage.bin: not a JSON snapshot"),
        "resource not object": (ws / "resource-list.jsonl", r"resource-list.jsonl:1: asset .*'resource' must be an object"),
        "empty": (ws / "empty.jsonl", r"empty.jsonl: the snapshot holds no assets"),
        "truncated gzip": (ws / "cut.jsonl.gz", r"cut.jsonl.gz: truncated or corrupt gzip"),
        "missing": (ws / "nope.jsonl", r"nope.jsonl: no such file or directory"),
    }


@pytest.mark.parametrize("case", ["truncated", "garbage", "resource not object", "empty", "truncated gzip", "missing"])
def test_bad_snapshots_exit_2_with_one_line(ws: Path, case: str) -> None:
    import re

    path, pattern = bad_inputs(ws)[case]
    run = audit("--snapshot", str(path))
    assert run.code == 2
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hascan: error: "), run.err
    assert re.search(pattern, lines[0]), lines[0]


def test_snapshot_of_only_unrelated_assets_is_not_a_pass(ws: Path) -> None:
    write_jsonl(ws / "other.jsonl", [{"name": "//storage.googleapis.com/b", "asset_type": "storage.googleapis.com/Bucket",
                                      "resource": {"data": {}}}])
    run = audit("--snapshot", "other.jsonl")
    assert run.code == 2 and "none of the 1 assets is of a type the rules check" in run.err


def test_bad_cel_in_policy_is_exit_2_naming_rule(ws: Path) -> None:
    (ws / "policies" / "rules.yaml").write_text(POLICY.replace("resource.tier == 'STANDARD_HA'", "resource.tier ==="))
    run = audit("--snapshot", "assets.jsonl")
    assert run.code == 2
    assert "rules.yaml:16: rule redis-ha: condition: CEL does not compile" in run.err
    validate = run_cli(["validate", "policies", "soc2.yaml"])
    assert validate.code == 2 and "rule redis-ha" in validate.err


def test_validate_checks_mapping_both_ways(ws: Path) -> None:
    assert run_cli(["validate", "policies", "soc2.yaml"]).code == 0
    (ws / "soc2.yaml").write_text(MAPPING.replace("rules: [redis-ha]", "rules: [redis-ha, ghost-rule]"))
    run = run_cli(["validate", "policies", "soc2.yaml"])
    assert run.code == 2 and "unknown rule(s): ghost-rule" in run.err
    (ws / "soc2.yaml").write_text(MAPPING.replace("rules: [sql-regional, redis-ha]", "rules: [redis-ha]"))
    run = run_cli(["validate", "policies", "soc2.yaml"])
    assert run.code == 2 and "map to no SOC 2 criterion: sql-regional" in run.err


def test_yaml_bomb_policy_exits_2(ws: Path) -> None:
    (ws / "policies" / "rules.yaml").write_text('a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\nrules: []\n')
    run = run_cli(["validate", "policies", "soc2.yaml"])
    assert run.code == 2 and "anchors (&name) are not allowed" in run.err


def test_rules_and_explain(ws: Path) -> None:
    listing = run_cli(["rules", "--policies", "policies", "--mapping", "soc2.yaml"])
    assert listing.code == 0 and "sql-regional" in listing.out and "A1.2" in listing.out
    filtered = run_cli(["rules", "--policies", "policies", "--mapping", "soc2.yaml", "--criterion", "CC6", "-f", "json"])
    assert [r["id"] for r in json.loads(filtered.out)] == ["redis-ha"]
    explained = run_cli(["explain", "sql-regional", "--policies", "policies", "--mapping", "soc2.yaml"])
    assert explained.code == 0
    assert "gcloud sql instances patch" in explained.out and "A1.2 Recovery infrastructure" in explained.out
    unknown = run_cli(["explain", "sql", "--policies", "policies", "--mapping", "soc2.yaml"])
    assert unknown.code == 2 and "Did you mean: sql-regional" in unknown.err


def test_console_script_never_shows_a_traceback(ws: Path) -> None:
    """The installed entry point, end to end, on a damaged snapshot."""
    (ws / "bad.jsonl").write_text('{"name": "//x", "asset_type": "sqladmin.googleapis.com/Instance", "resource": 5}\n')
    proc = subprocess.run([sys.executable, "-m", "scanner", "audit", "--snapshot", "bad.jsonl", "--policies", "policies",
                           "--mapping", "soc2.yaml"], capture_output=True, text=True, cwd=ws)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("hascan: error: bad.jsonl:1:")


def test_version() -> None:
    from scanner import __version__

    run = run_cli(["--version"])
    assert run.code == 0 and __version__ in run.out


def test_progress_shows_on_a_terminal_only(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from scanner.assets.snapshot import ReadStats
    from scanner.cli import _Progress
    from scanner.collect.cai_api import CollectStats

    shown = _Progress(enabled=True)
    shown.update(ReadStats(files=["a.jsonl"], records=15000, kept=300))
    shown.collected(CollectStats(scopes_done=["projects/p"], pages=12, assets=11500, retries=2))
    shown.done()
    hidden = _Progress(enabled=False)
    hidden.update(ReadStats(records=1))
    hidden.collected(CollectStats())
    hidden.done()
    err = capsys.readouterr().err
    assert "\rReading snapshot: 15,000 records, 300 in scope, 1 file(s)" in err
    assert "\rCollecting from Cloud Asset Inventory: 11,500 assets, 12 pages, 1 scope(s) done, 2 retries" in err
    assert err.endswith("\n") and err.count("\r") == 2
    # stderr that is not a terminal gets no progress at all
    run = audit("--snapshot", "assets.jsonl")
    assert "Reading snapshot" not in run.err and "Collecting" not in run.err
