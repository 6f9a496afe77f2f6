"""`hascan test`: rule test cases in YAML, reported like a test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.policytest import merge_patch
from tests.conftest import run_cli
from tests.report.conftest import MAPPING, POLICY

CASES = """\
fixtures:
  pg:
    name: //cloudsql.googleapis.com/projects/acme/instances/pg
    asset_type: sqladmin.googleapis.com/Instance
    resource: {data: {settings: {availabilityType: REGIONAL, tier: db-custom-1-3840}}}
cases:
  - name: regional passes
    assets: [{fixture: pg}]
    expect: {sql-regional: pass, redis-ha: none}
  - name: zonal fails
    assets:
      - fixture: pg
        patch: {resource: {data: {settings: {availabilityType: ZONAL}}}}
    expect:
      - {rule: sql-regional, asset: //cloudsql.googleapis.com/projects/acme/instances/pg, status: fail}
  - name: missing settings is an error
    assets:
      - fixture: pg
        patch: {resource: {data: {settings: null}}}
    expect: {sql-regional: error}
  - name: params can be overridden per case
    assets:
      - fixture: pg
        patch: {resource: {data: {settings: {availabilityType: ZONAL}}}}
    params: {sql-regional: {unused: 1}}
    expect: {sql-regional: fail}
  - name: from a snapshot file
    snapshot: snap.jsonl
    expect: {redis-ha: pass}
"""


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "rules.yaml").write_text(POLICY)
    (tmp_path / "soc2.yaml").write_text(MAPPING)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "sql.test.yaml").write_text(CASES)
    (tmp_path / "cases" / "snap.jsonl").write_text(json.dumps(
        {"name": "//redis.googleapis.com/projects/acme/locations/r/instances/c", "asset_type": "redis.googleapis.com/Instance",
         "resource": {"data": {"tier": "STANDARD_HA"}}}) + "\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def hascan_test(*paths: str, verbose: bool = False):
    return run_cli(["test", *paths, "--policies", "policies", "--mapping", "soc2.yaml", *(["-v"] if verbose else [])])


def test_passing_cases(ws: Path) -> None:
    run = hascan_test("cases", verbose=True)
    assert run.code == 0, run.out
    assert run.out.count("ok  ") == 5
    assert run.out.rstrip().endswith("policy tests: 5 passed, 0 failed")


def test_failing_case_says_what_was_expected_and_what_happened(ws: Path) -> None:
    (ws / "cases" / "sql.test.yaml").write_text(CASES.replace("expect: {sql-regional: error}", "expect: {sql-regional: pass}"))
    run = hascan_test("cases")
    assert run.code == 1
    assert "FAIL cases/sql.test.yaml:16  missing settings is an error" in run.out
    assert "sql-regional: expected pass, got error on //cloudsql.googleapis.com/projects/acme/instances/pg" in run.out
    assert "4 passed, 1 failed" in run.out


def test_unknown_rule_or_fixture_is_an_input_error(ws: Path) -> None:
    (ws / "cases" / "sql.test.yaml").write_text(CASES.replace("{sql-regional: pass, redis-ha: none}", "{no-such-rule: pass}"))
    run = hascan_test("cases")
    assert run.code == 2 and "unknown rule(s): no-such-rule" in run.err
    (ws / "cases" / "sql.test.yaml").write_text(CASES.replace("assets: [{fixture: pg}]", "assets: [{fixture: nope}]"))
    run = hascan_test("cases")
    assert run.code == 2 and "unknown fixture 'nope'" in run.err


def test_malformed_test_file(ws: Path) -> None:
    (ws / "cases" / "sql.test.yaml").write_text("cases:\n  - name: x\n    expect: {sql-regional: maybe}\n")
    run = hascan_test("cases")
    assert run.code == 2 and "sql.test.yaml:3" in run.err


def test_merge_patch_follows_rfc_7386() -> None:
    assert merge_patch({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": None, "e": 3}, "d": [2]}) == {"a": {"c": 2, "e": 3}, "d": [2]}
    assert merge_patch({"a": 1}, {"a": {"b": 1}}) == {"a": {"b": 1}}
