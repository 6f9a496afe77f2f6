"""Configuration: params per rule and per resource selector, rules on and off, found in the working directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli, write_jsonl

POLICY = """\
rules:
  - id: sql-tier
    title: Cloud SQL tier is large enough
    description: d
    severity: high
    resourceTypes: [sqladmin.googleapis.com/Instance]
    condition: resource.settings.cpus >= params.minCpus
    params: {minCpus: 2}
    observe: {cpus: resource.settings.cpus}
    remediation: {text: fix}
    references: [https://cloud.google.com/sql/docs]
  - id: sql-optional
    title: An optional check
    description: d
    severity: low
    enabled: false
    resourceTypes: [sqladmin.googleapis.com/Instance]
    condition: "false"
    remediation: {text: fix}
    references: [https://cloud.google.com/sql/docs]
"""
MAPPING = "framework: SOC 2\ncriteria:\n  A1.2:\n    title: Recovery\n    rules: [sql-tier, sql-optional]\n"


def sql(name: str, cpus: int, **labels: str) -> dict:
    return {"name": f"//cloudsql.googleapis.com/projects/acme/instances/{name}", "asset_type": "sqladmin.googleapis.com/Instance",
            "resource": {"data": {"name": name, "settings": {"cpus": cpus, "userLabels": labels}}}}


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "p.yaml").write_text(POLICY)
    (tmp_path / "m.yaml").write_text(MAPPING)
    write_jsonl(tmp_path / "s.jsonl", [sql("big", 4), sql("mid", 3), sql("small", 1, tier="batch"), sql("tiny", 1)])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def audit_json(*extra: str) -> tuple[int, dict, str]:
    run = run_cli(["audit", "--snapshot", "s.jsonl", "--policies", "p.yaml", "--mapping", "m.yaml", "-f", "json", *extra])
    return run.code, (json.loads(run.out) if run.out else {}), run.err


def statuses(report: dict) -> dict[tuple[str, str], str]:
    return {(r["rule"], r["asset"].rsplit("/", 1)[1]): r["status"] for r in report["results"]}


def test_defaults_without_config(ws: Path) -> None:
    code, report, _ = audit_json()
    assert statuses(report) == {("sql-tier", "big"): "pass", ("sql-tier", "mid"): "pass", ("sql-tier", "small"): "fail",
                                ("sql-tier", "tiny"): "fail"}
    assert report["disabled"] == [{"rule": "sql-optional", "reason": "optional rule, not enabled in the configuration"}]


def test_global_params_overrides_and_enabling(ws: Path) -> None:
    (ws / ".hascan.yaml").write_text("""\
rules:
  sql-tier: {params: {minCpus: 4}}
  sql-optional: {enabled: true}
overrides:
  - description: batch instances may be small
    selector: resource.settings.userLabels.?tier.orValue('') == 'batch'
    rules:
      sql-tier: {params: {minCpus: 1}}
""")
    code, report, _ = audit_json()  # found in the working directory
    assert statuses(report) == {("sql-tier", "big"): "pass", ("sql-tier", "mid"): "fail", ("sql-tier", "small"): "pass",
                                ("sql-tier", "tiny"): "fail", ("sql-optional", "big"): "fail", ("sql-optional", "mid"): "fail",
                                ("sql-optional", "small"): "fail", ("sql-optional", "tiny"): "fail"}
    assert report["disabled"] == []
    rule = next(r for r in report["rules"] if r["id"] == "sql-tier")
    assert rule["params"] == {"minCpus": 4}


def test_disabling_a_rule_needs_a_reason_and_is_reported(ws: Path) -> None:
    (ws / "cfg.yaml").write_text("rules:\n  sql-tier: {enabled: false}\n")
    code, _, err = audit_json("--config", "cfg.yaml")
    assert code == 2 and "cfg.yaml:2" in err and "'reason' is a required property" in err
    (ws / "cfg.yaml").write_text("rules:\n  sql-tier: {enabled: false, reason: 'accepted risk, ticket RISK-12'}\n  sql-optional: {enabled: true}\n")
    run = run_cli(["audit", "--snapshot", "s.jsonl", "--policies", "p.yaml", "--mapping", "m.yaml", "--config", "cfg.yaml"])
    assert "Not run (1): sql-tier: accepted risk, ticket RISK-12" in run.out
    (ws / "cfg.yaml").write_text("rules:\n  sql-tier: {enabled: false, reason: not today}\n")
    run = run_cli(["audit", "--snapshot", "s.jsonl", "--policies", "p.yaml", "--mapping", "m.yaml", "--config", "cfg.yaml"])
    assert run.code == 2 and "no rule is left to run" in run.err


@pytest.mark.parametrize("config,message", [
    ("rules:\n  no-such-rule: {params: {x: 1}}\n", r"cfg.yaml:2: unknown rule 'no-such-rule'"),
    ("rules:\n  sql-tier: {params: {minCPUs: 1}}\n", r"rule sql-tier has no param minCPUs \(its params: minCpus\)"),
    ("overrides:\n  - selector: resource.(\n    rules: {sql-tier: {params: {minCpus: 1}}}\n", r"cfg.yaml:2: selector: CEL does not compile"),
    ("rules: [1, 2]\n", r"cfg.yaml:1: rules: \[1, 2\] is not of type 'object'"),
])
def test_bad_configuration_is_exit_2_with_location(ws: Path, config: str, message: str) -> None:
    import re

    (ws / "cfg.yaml").write_text(config)
    code, _, err = audit_json("--config", "cfg.yaml")
    assert code == 2 and re.search(message, err), err


def test_selector_that_cannot_be_evaluated_fails_closed(ws: Path) -> None:
    (ws / "cfg.yaml").write_text("overrides:\n  - selector: resource.settings.userLabels.tier == 'batch'\n"
                                 "    rules: {sql-tier: {params: {minCpus: 1}}}\n")
    code, report, _ = audit_json("--config", "cfg.yaml")
    assert code == 1
    assert statuses(report)[("sql-tier", "big")] == "error"  # no tier label: the selector errors
    assert statuses(report)[("sql-tier", "small")] == "pass"
    error = next(r for r in report["results"] if r["asset"].endswith("/big"))
    assert "configuration selector at cfg.yaml:2 could not be evaluated" in error["message"]


def test_missing_explicit_config(ws: Path) -> None:
    code, _, err = audit_json("--config", "nope.yaml")
    assert code == 2 and "nope.yaml: no such configuration file" in err


def test_explain_and_rules_show_the_configuration(ws: Path) -> None:
    (ws / ".hascan.yaml").write_text("rules:\n  sql-tier: {params: {minCpus: 8}}\noverrides:\n"
                                     "  - selector: asset.name.endsWith('/tiny')\n    description: the tiny one\n"
                                     "    rules: {sql-tier: {params: {minCpus: 1}}}\n")
    explained = run_cli(["explain", "sql-tier", "--policies", "p.yaml", "--mapping", "m.yaml"])
    assert "minCpus = 2 -> 8  [.hascan.yaml]" in explained.out
    assert "where asset.name.endsWith('/tiny') (the tiny one):" in explained.out and "minCpus = 1" in explained.out
    listing = run_cli(["rules", "--policies", "p.yaml", "--mapping", "m.yaml"])
    assert "An optional check  (off)" in listing.out and "1 off" in listing.out


def test_validate_checks_a_config_too(ws: Path) -> None:
    (ws / "cfg.yaml").write_text("rules:\n  sql-tier: {params: {minCpus: 3}}\n")
    run = run_cli(["validate", "p.yaml", "m.yaml", "--config", "cfg.yaml"])
    assert run.code == 0 and "configuration cfg.yaml is valid" in run.out
