"""Live audits through the real google-cloud-asset client (REST), against a local fake Cloud Asset API."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scanner.collect.cai_api import CollectStats, RetryPolicy, collect_assets
from scanner.errors import CollectError
from tests.collect.fake_cai import FakeCai, google_error
from tests.conftest import EXAMPLE, run_cli

FAST = RetryPolicy(initial=0.01, maximum=0.05, deadline=1.0)
SQL = "sqladmin.googleapis.com/Instance"


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def to_rest(record: dict[str, Any]) -> dict[str, Any]:
    """An export record (snake_case envelope) as the REST API returns it (camelCase); data untouched."""
    def convert(value: Any, inside_data: bool = False) -> Any:
        if isinstance(value, dict):
            return {(k if inside_data else camel(k)): convert(v, inside_data or k == "data") for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v, inside_data) for v in value]
        return value
    return convert(record)


def example_inventory() -> dict[str, list[dict[str, Any]]]:
    records = [json.loads(line) for path in sorted(EXAMPLE.glob("*.jsonl")) for line in path.read_text().splitlines() if line]
    return {"projects/acme-prod": [to_rest(r) for r in records]}


def sql_asset(i: int, zone: str = "REGIONAL") -> dict[str, Any]:
    return {"name": f"//cloudsql.googleapis.com/projects/big/instances/db-{i:05d}", "assetType": SQL,
            "ancestors": ["projects/42"], "resource": {"version": "v1beta4", "data": {"settings": {"availabilityType": zone}}}}


@pytest.fixture
def fake():
    server = FakeCai()
    server.endpoint = server.start()
    yield server
    server.stop()


def collect(fake: FakeCai, scopes=("projects/acme-prod",), types=(SQL,), policy=FAST, stats=None) -> list[dict]:
    return list(collect_assets(list(scopes), types, endpoint=fake.endpoint, retry_policy=policy, stats=stats))


def test_pagination_over_thousands_of_assets(fake: FakeCai) -> None:
    fake.inventory = {"projects/big": [sql_asset(i) for i in range(3500)]}
    fake.page_size = 100
    stats = CollectStats()
    records = collect(fake, scopes=["projects/big"], stats=stats)
    assert len(records) == 3500 and len({r["name"] for r in records}) == 3500
    assert stats.pages == 36  # 35 RESOURCE pages and one empty IAM_POLICY page
    assert stats.read_time == "2026-12-01T08:00:00Z"
    assert records[0]["asset_type"] == SQL  # gcloud asset export form


def test_requests_are_restricted_to_the_rules_types_and_both_content_types(fake: FakeCai) -> None:
    fake.inventory = {"projects/acme-prod": []}
    collect(fake, types=["redis.googleapis.com/Instance", SQL])
    assert {r["contentType"] for r in fake.requests} == {"RESOURCE", "IAM_POLICY"}
    assert all(sorted(r["assetTypes"]) == ["redis.googleapis.com/Instance", SQL] for r in fake.requests)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_errors_are_retried_then_succeed(fake: FakeCai, status: int) -> None:
    fake.inventory = {"projects/big": [sql_asset(i) for i in range(250)]}
    fake.script = [(status, google_error(status, "try again")), (status, google_error(status, "try again"))]
    stats = CollectStats()
    assert len(collect(fake, scopes=["projects/big"], stats=stats)) == 250
    assert stats.retries == 2


def test_retries_that_never_succeed_fail_closed(fake: FakeCai) -> None:
    fake.inventory = {"projects/big": [sql_asset(i) for i in range(10)]}
    fake.script = [(503, google_error(503, "down"))] * 500
    with pytest.raises(CollectError, match=r"projects/big: gave up on projects/big \(RESOURCE\) after \d+ retries"):
        collect(fake, scopes=["projects/big"])


@pytest.mark.parametrize("status,reason,expected", [
    (403, None, r"permission denied listing RESOURCE assets: grant the caller roles/cloudasset.viewer on projects/acme-prod"),
    (403, "SERVICE_DISABLED", r"the Cloud Asset API is not enabled: gcloud services enable cloudasset.googleapis.com --project=acme-prod"),
    (404, None, r"projects/acme-prod does not exist or is not visible to the caller"),
    (401, None, r"the credentials were rejected.*: run 'gcloud auth application-default login'"),
])
def test_each_error_class_has_one_clear_message(fake: FakeCai, status: int, reason: str | None, expected: str) -> None:
    fake.inventory = {"projects/acme-prod": []}
    fake.script = [(status, google_error(status, "Cloud Asset API says no", reason))]
    with pytest.raises(CollectError, match=expected):
        collect(fake)


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-key.json"))
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # never probe the metadata server
    monkeypatch.delenv("HASCAN_CAI_ENDPOINT", raising=False)
    with pytest.raises(CollectError, match="no Application Default Credentials found"):
        list(collect_assets(["projects/acme-prod"], [SQL]))


def test_interrupted_collection_does_not_pass_the_gate(fake: FakeCai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.inventory = example_inventory()
    fake.page_size = 5
    fake.drop_after_pages = 3
    monkeypatch.chdir(tmp_path)
    run = run_cli(["audit", "--project", "acme-prod", "--endpoint", fake.endpoint, "--fail-on", "none",
                   "--save-snapshot", "saved.jsonl", "-f", "json", "-o", "report.json"])
    assert run.code == 2
    assert re.search(r"hascan: error: projects/acme-prod: .*(connection|failed).*nothing is reported from a partial read", run.err)
    assert not (tmp_path / "report.json").exists() and not (tmp_path / "saved.jsonl").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary files left behind


def test_live_audit_matches_the_offline_audit_and_saves_a_replayable_snapshot(
        fake: FakeCai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.inventory = example_inventory()
    fake.page_size = 7
    config = str(EXAMPLE / "hascan.yaml") if (EXAMPLE / "hascan.yaml").exists() else None
    extra = ["--config", config] if config else []
    offline = run_cli(["audit", "--snapshot", str(EXAMPLE), "-f", "json", *extra])
    monkeypatch.chdir(tmp_path)
    live = run_cli(["audit", "--project", "acme-prod", "--endpoint", fake.endpoint, "--save-snapshot", "saved.jsonl",
                    "-f", "json", *extra])
    assert live.code == offline.code == 1, live.err

    def verdicts(output: str) -> list[tuple[str, str, str, str]]:
        return [(r["rule"], r["asset"], r["status"], r["message"]) for r in json.loads(output)["results"]]

    assert verdicts(live.out) == verdicts(offline.out)
    provenance = json.loads(live.out)["inputs"]["provenance"]
    assert provenance[0]["scopes"] == ["projects/acme-prod"] and provenance[0]["read_time"] == "2026-12-01T08:00:00Z"

    saved = (tmp_path / "saved.jsonl").read_text().splitlines()
    header = json.loads(saved[0])["hascan_snapshot"]
    assert header["read_time"] == "2026-12-01T08:00:00Z" and header["records"] == len(saved) - 1
    assert all("asset_type" in json.loads(line) for line in saved[1:])
    replay = run_cli(["audit", "--snapshot", "saved.jsonl", "-f", "json", *extra])
    assert verdicts(replay.out) == verdicts(live.out)
    assert json.loads(replay.out)["inputs"]["provenance"][0]["scopes"] == ["projects/acme-prod"]
    sources = {r["source"] for r in json.loads(live.out)["results"]}
    assert all(s.startswith("saved.jsonl:") for s in sources)  # findings point at the saved records


def test_scopes_and_snapshot_are_exclusive() -> None:
    run = run_cli(["audit", "--project", "p", "--snapshot", "x.json"])
    assert run.code == 2 and "not both" in run.err
    assert run_cli(["audit"]).code == 2
    run = run_cli(["audit", "--snapshot", "x.json", "--save-snapshot", "y.jsonl"])
    assert run.code == 2 and "--save-snapshot goes with a live audit" in run.err


def test_several_scopes(fake: FakeCai) -> None:
    fake.inventory = {"projects/a": [sql_asset(1)], "folders/7": [sql_asset(2), sql_asset(3)]}
    assert len(collect(fake, scopes=["projects/a", "folders/7"])) == 3
    assert [r["parent"] for r in fake.requests] == ["projects/a", "projects/a", "folders/7", "folders/7"]


def test_a_scope_with_nothing_to_check_is_an_input_error(fake: FakeCai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.inventory = {"projects/empty": []}
    monkeypatch.chdir(tmp_path)
    run = run_cli(["audit", "--project", "empty", "--endpoint", fake.endpoint])
    assert run.code == 2
    assert "projects/empty: the scope holds no assets of the types the rules check" in run.err


def test_live_report_counts_the_records_read(fake: FakeCai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.inventory = example_inventory()
    monkeypatch.chdir(tmp_path)
    run = run_cli(["audit", "--project", "acme-prod", "--endpoint", fake.endpoint, "-f", "json",
                   "--config", str(EXAMPLE / "hascan.yaml")])
    inputs = json.loads(run.out)["inputs"]
    requested = {t for request in fake.requests for t in request["assetTypes"]}
    assert inputs["records"] == sum(1 for a in fake.inventory["projects/acme-prod"] if a["assetType"] in requested)
    assert inputs["records"] > inputs["assetsInScope"]  # resource and IAM records of one asset merge
