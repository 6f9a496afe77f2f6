"""SARIF: valid against the 2.1.0 schema, and shaped the way GitHub code scanning ingests it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from scanner.report import RenderContext
from scanner.report.sarif import render_sarif

DATA = Path(__file__).resolve().parent.parent / "data"
SHARED_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def sarif_validator() -> jsonschema.Validator:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_bundled_schema_is_the_shared_reference_copy() -> None:
    if not SHARED_SCHEMA.exists():
        pytest.skip("no ../shared/schemas beside this checkout")
    assert (DATA / "sarif-schema-2.1.0.json").read_bytes() == SHARED_SCHEMA.read_bytes()


def test_format_checker_really_checks_uri_references() -> None:
    """Without rfc3986-validator jsonschema silently skips uri-reference; make sure it does not."""
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "no file here"}}}]}]}]}
    assert list(sarif_validator().iter_errors(bad))


def assert_github_ingestible(log: dict) -> None:
    """GitHub's ingestion rules (sarif-sdk GH1001-GH1018, GH2012) and upload limits."""
    assert log["version"] == "2.1.0" and re.search(r"2\.1\.0(\.json)?$", log["$schema"])
    assert 1 <= len(log["runs"]) <= 20
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert driver["name"] and isinstance(driver["rules"], list) and len(driver["rules"]) <= 25_000
        assert "results" in run and len(run["results"]) <= 25_000
        ids = [rule["id"] for rule in driver["rules"]]
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"] and len(rule["shortDescription"]["text"]) <= 1024
            assert rule["fullDescription"]["text"] and len(rule["fullDescription"]["text"]) <= 1024
            assert rule["help"]["text"] and rule["help"]["markdown"]
            props = rule["properties"]
            assert "security" in props["tags"] and len(props["tags"]) <= 20
            assert 0.0 < float(props["security-severity"]) <= 10.0
            assert len(rule.get("name", "")) <= 255
        for result in run["results"]:
            assert result["message"]["text"]
            assert ids[result.get("ruleIndex", ids.index(result["ruleId"]))] == result["ruleId"]
            assert 1 <= len(result["locations"]) <= 1000
            physical = result["locations"][0]["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert uri and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri), "GitHub needs a relative URI"
            assert not uri.startswith("/") and " " not in uri
            assert physical["region"]["startLine"] >= 1
            assert re.fullmatch(r"[0-9a-f]{16}:1", result["partialFingerprints"]["primaryLocationLineHash"])


def test_sarif_is_schema_valid_and_github_ingestible(scan, workspace: Path) -> None:
    log = json.loads(render_sarif(scan, RenderContext(base_dir=workspace)))
    assert list(sarif_validator().iter_errors(log)) == []
    assert_github_ingestible(log)


def test_only_failures_and_errors_are_results_passes_are_counted(scan, workspace: Path) -> None:
    run = json.loads(render_sarif(scan, RenderContext(base_dir=workspace)))["runs"][0]
    statuses = sorted((r["ruleId"], r["properties"]["status"]) for r in run["results"])
    assert statuses == [("redis-ha", "fail"), ("sql-regional", "error"), ("sql-regional", "fail")]
    assert run["properties"]["passed"] == 1 and run["properties"]["failed"] == 2 and run["properties"]["errors"] == 1


def test_result_points_at_snapshot_record_and_names_asset(scan, workspace: Path) -> None:
    run = json.loads(render_sarif(scan, RenderContext(base_dir=workspace)))["runs"][0]
    zonal = next(r for r in run["results"] if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith("/zonal"))
    assert zonal["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "snap/assets.jsonl"}, "region": {"startLine": 2}}
    assert "//cloudsql.googleapis.com/projects/acme/instances/zonal" in zonal["message"]["text"]
    assert "ZONAL" in zonal["message"]["text"]
    assert zonal["properties"]["assetType"] == "sqladmin.googleapis.com/Instance"
    assert zonal["properties"]["soc2"] == ["A1.2"]
    assert zonal["properties"]["observed"] == {"availabilityType": "ZONAL"}
    assert zonal["level"] == "error"


def test_snapshot_outside_working_tree_points_at_the_rule(scan, workspace: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    run = json.loads(render_sarif(scan, RenderContext(base_dir=elsewhere)))["runs"][0]
    redis = next(r for r in run["results"] if r["ruleId"] == "redis-ha")
    location = redis["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "policies/rules.yaml"
    assert location["region"]["startLine"] == 16  # where the redis-ha rule starts


def test_rules_carry_help_severity_and_soc2_tags(scan, workspace: Path) -> None:
    rules = {r["id"]: r for r in json.loads(render_sarif(scan, RenderContext(base_dir=workspace)))["runs"][0]["tool"]["driver"]["rules"]}
    sql = rules["sql-regional"]
    assert sql["properties"]["security-severity"] == "8.0"
    assert "soc2/A1.2" in sql["properties"]["tags"]
    assert "gcloud sql instances patch" in sql["help"]["markdown"] and "availability_type" in sql["help"]["text"]
    assert rules["redis-ha"]["defaultConfiguration"]["level"] == "note"
    assert rules["redis-ha"]["properties"]["soc2"] == ["A1.2", "CC6.1"]


def test_fingerprints_depend_only_on_rule_and_asset(scan, workspace: Path) -> None:
    from dataclasses import replace

    from scanner.results import fingerprint

    result = scan.findings()[0]
    moved = replace(result, message="other", origin=None, observed=())
    assert fingerprint(result) == fingerprint(moved)
    assert fingerprint(result) != fingerprint(replace(result, asset_name=result.asset_name + "x"))
