"""GCP custom organization policy constraints evaluated as rules against existing assets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.policy.constraints import rule_id_for
from tests.conftest import run_cli, sql_record, write_jsonl

ALLOW = """\
name: organizations/987654321098/customConstraints/custom.sqlRegional
resourceTypes:
- sqladmin.googleapis.com/Instance
methodTypes:
- CREATE
- UPDATE
condition: "resource.settings.availabilityType == 'REGIONAL'"
actionType: ALLOW
displayName: Cloud SQL must be regional
description: Production databases fail over to a second zone.
"""
DENY = """\
name: organizations/987654321098/customConstraints/custom.noZonalSql
resourceTypes: [sqladmin.googleapis.com/Instance]
methodTypes: [CREATE]
condition: resource.settings.availabilityType == 'ZONAL'
actionType: DENY
displayName: Zonal Cloud SQL is denied
"""
MAPPING = "framework: SOC 2\ncriteria:\n  A1.2:\n    title: Recovery\n    rules: [constraint-custom-sqlregional]\n"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "allow.yaml").write_text(ALLOW)
    (tmp_path / "deny.yaml").write_text(DENY)
    (tmp_path / "m.yaml").write_text(MAPPING)
    write_jsonl(tmp_path / "s.jsonl", [sql_record("regional"), sql_record("zonal", availability="ZONAL"),
                                       {**sql_record("broken"), "resource": {"data": {}}}])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_rule_ids_derive_from_constraint_names() -> None:
    assert rule_id_for("organizations/1/customConstraints/custom.sqlRegional") == "constraint-custom-sqlregional"
    assert rule_id_for("custom.noZonalSql") == "constraint-custom-nozonalsql"


def test_allow_and_deny_constraints_as_rules(ws: Path) -> None:
    run = run_cli(["audit", "--snapshot", "s.jsonl", "--policies", "allow.yaml", "--policies", "deny.yaml",
                   "--mapping", "m.yaml", "-f", "json"])
    assert run.code == 1, run.err
    report = json.loads(run.out)
    verdicts = {(r["rule"], r["asset"].rsplit("/", 1)[1]): r["status"] for r in report["results"]}
    assert verdicts == {
        ("constraint-custom-sqlregional", "regional"): "pass", ("constraint-custom-sqlregional", "zonal"): "fail",
        ("constraint-custom-sqlregional", "broken"): "error",
        ("constraint-custom-nozonalsql", "regional"): "pass", ("constraint-custom-nozonalsql", "zonal"): "fail",
        ("constraint-custom-nozonalsql", "broken"): "error",
    }
    rules = {r["id"]: r for r in report["rules"]}
    assert rules["constraint-custom-sqlregional"]["criteria"] == ["A1.2"]  # mapped by its derived id
    assert rules["constraint-custom-nozonalsql"]["criteria"] == []       # unmapped constraints are allowed
    assert rules["constraint-custom-nozonalsql"]["severity"] == "medium"


def test_explain_a_constraint(ws: Path) -> None:
    run = run_cli(["explain", "constraint-custom-nozonalsql", "--policies", "deny.yaml", "--mapping", "m.yaml"])
    assert run.code == 0
    assert "DENY: it denies resources whose condition is true" in " ".join(run.out.split())  # prose is wrapped
    assert "!(resource.settings.availabilityType == 'ZONAL')" in run.out


@pytest.mark.parametrize("change,message", [
    (("actionType: ALLOW", "actionType: MAYBE"), r"allow.yaml:1: actionType: 'MAYBE' is not one of"),
    (("== 'REGIONAL'", "=== 'REGIONAL'"), r"rule constraint-custom-sqlregional: condition: CEL does not compile"),
])
def test_bad_constraint_files(ws: Path, change: tuple[str, str], message: str) -> None:
    import re

    (ws / "allow.yaml").write_text(ALLOW.replace(*change))
    run = run_cli(["validate", "allow.yaml", "m.yaml"])
    assert run.code == 2 and re.search(message, run.err), run.err
