"""A small audited environment for report tests: two rules, four assets, every status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.audit import audit_snapshot, load_rule_set

POLICY = """\
rules:
  - id: sql-regional
    title: Cloud SQL is REGIONAL
    description: Cloud SQL instances fail over to another zone.
    severity: high
    resourceTypes: [sqladmin.googleapis.com/Instance]
    condition: resource.settings.availabilityType == 'REGIONAL'
    observe:
      availabilityType: resource.settings.availabilityType
    message: "{asset} has availability type {availabilityType}"
    remediation:
      text: Make it regional.
      gcloud: gcloud sql instances patch I --availability-type=REGIONAL
      terraform: 'settings { availability_type = "REGIONAL" }'
    references: [https://cloud.google.com/sql/docs/postgres/high-availability]
  - id: redis-ha
    title: Redis is STANDARD_HA
    description: Memorystore has a replica in another zone.
    severity: low
    resourceTypes: [redis.googleapis.com/Instance]
    condition: resource.tier == 'STANDARD_HA'
    observe:
      tier: resource.tier
    remediation:
      text: Use STANDARD_HA.
    references: [https://cloud.google.com/memorystore/docs/redis/high-availability]
"""

MAPPING = """\
framework: SOC 2
criteria:
  A1.2:
    title: Recovery infrastructure
    rules: [sql-regional, redis-ha]
  CC6.1:
    title: Logical access
    rules: [redis-ha]
"""


def records() -> list[dict]:
    def sql(name: str, availability: str | None) -> dict:
        settings = {"availabilityType": availability} if availability else {}
        return {"name": f"//cloudsql.googleapis.com/projects/acme/instances/{name}", "asset_type": "sqladmin.googleapis.com/Instance",
                "resource": {"data": {"settings": settings}}}
    return [sql("good", "REGIONAL"), sql("zonal", "ZONAL"), sql("broken", None),
            {"name": "//redis.googleapis.com/projects/acme/locations/r/instances/cache", "asset_type": "redis.googleapis.com/Instance",
             "resource": {"data": {"tier": "BASIC"}}}]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "rules.yaml").write_text(POLICY)
    (tmp_path / "soc2.yaml").write_text(MAPPING)
    (tmp_path / "snap").mkdir()
    (tmp_path / "snap" / "assets.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records()))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def scan(workspace: Path):
    rule_set = load_rule_set([workspace / "policies"], workspace / "soc2.yaml")
    return audit_snapshot(rule_set, [workspace / "snap"])
