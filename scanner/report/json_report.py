"""The machine-readable report, format ``hascan/report/v1`` (see ``scanner/schemas/report.schema.json``).

Unlike SARIF it holds every result, passes included, with the values each verdict was based on.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.model import Status
from scanner.report.context import RenderContext
from scanner.results import ScanResult, fingerprint, observed_dict

FORMAT = "hascan/report/v1"


def render_json(scan: ScanResult, context: RenderContext) -> bytes:
    return (json.dumps(report_document(scan, context), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def report_document(scan: ScanResult, context: RenderContext) -> dict[str, Any]:
    by_rule: dict[str, list[str]] = {}
    for result in scan.results:
        by_rule.setdefault(result.rule_id, []).append(result.status.value)
    return {
        "format": FORMAT,
        "tool": {"name": "hascan", "version": scan.tool_version},
        "inputs": {
            "sources": [context.relative(s) or s for s in scan.inputs.sources],
            "records": scan.inputs.records,
            "assetsInScope": scan.inputs.assets_in_scope,
            "provenance": [dict(p) for p in scan.inputs.provenance],
        },
        "summary": {**scan.counts(), "bySeverity": scan.counts_by_severity(),
                    "blocking": len(scan.blocking(context.fail_on)), "failOn": context.fail_on},
        "disabled": [{"rule": rule_id, "reason": reason} for rule_id, reason in scan.disabled],
        "framework": scan.mapping.framework,
        "criteria": [
            {"id": c.id, "title": c.title, "rules": list(c.rule_ids),
             "status": _criterion_status([s for rid in c.rule_ids for s in by_rule.get(rid, [])])}
            for c in scan.mapping.criteria if any(r.id in c.rule_ids for r in scan.rules)
        ],
        "notCheckable": [{"requirement": n.requirement, "reason": n.reason, "criteria": list(n.criteria)}
                         for n in scan.mapping.not_checkable],
        "rules": [
            {"id": r.id, "title": r.title, "severity": r.severity.value, "resourceTypes": list(r.resource_types),
             "criteria": list(r.criteria), "params": dict(r.params),
             "source": context.display(r.origin), "notApplicable": scan.not_applicable.get(r.id, 0),
             "counts": {st.value: by_rule.get(r.id, []).count(st.value) for st in Status}}
            for r in sorted(scan.rules, key=lambda r: r.id)
        ],
        "results": [
            {"rule": r.rule_id, "asset": r.asset_name, "assetType": r.asset_type, "project": r.project,
             "status": r.status.value, "severity": scan.rule(r.rule_id).severity.value, "message": r.message,
             "observed": observed_dict(r), "source": context.display(r.origin), "fingerprint": fingerprint(r)}
            for r in scan.results
        ],
    }


def _criterion_status(statuses: list[str]) -> str:
    if not statuses:
        return "not-evaluated"
    if "error" in statuses:
        return "error"
    return "fail" if "fail" in statuses else "pass"
