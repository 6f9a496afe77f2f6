"""SARIF 2.1.0 for GitHub code scanning, built with the ``sarif-om`` object model.

GitHub needs a physical location with a relative URI and a start line on every result, or it
rejects the whole file. A cloud asset has no file of its own, so each result points at the
snapshot record it was read from when the snapshot lies under the working directory, else at
the rule in its policy file. The full asset name is the logical location and is in the message.
Fingerprints come from rule id and asset name only, so alerts stay stable between runs.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import attr
import sarif_om as om

from scanner.model import Result, Rule, Severity, Status
from scanner.report.context import RenderContext, uri_for
from scanner.results import ScanResult, fingerprint, observed_dict

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_TEXT = 1024

LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub labels: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. Stay clear of the boundaries.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "2.0"}


def render_sarif(scan: ScanResult, context: RenderContext) -> bytes:
    rules = sorted(scan.rules, key=lambda r: r.id)
    index = {rule.id: i for i, rule in enumerate(rules)}
    counts = scan.counts()
    run = om.Run(
        tool=om.Tool(driver=om.ToolComponent(
            name="hascan",
            version=scan.tool_version,
            semantic_version=scan.tool_version,
            rules=[_descriptor(rule, scan) for rule in rules],
        )),
        results=[_result(r, scan.rule(r.rule_id), index[r.rule_id], context) for r in scan.findings()],
        column_kind="unicodeCodePoints",
        properties={
            "passed": counts["pass"],
            "failed": counts["fail"],
            "errors": counts["error"],
            "assetsInScope": scan.inputs.assets_in_scope,
            "recordsRead": scan.inputs.records,
            "framework": scan.mapping.framework,
            "provenance": [dict(p) for p in scan.inputs.provenance],
            "disabledRules": [{"rule": rule_id, "reason": reason} for rule_id, reason in scan.disabled],
        },
    )
    log = om.SarifLog(runs=[run], version="2.1.0", schema_uri=SCHEMA_URI)
    document = _to_json(log)
    ordered = {"$schema": document.pop("$schema"), "version": document.pop("version"), **document}
    # Compact separators keep json's C encoder (indenting falls back to pure Python: seconds on big runs).
    return (json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _descriptor(rule: Rule, scan: ScanResult) -> om.ReportingDescriptor:
    tags = ["security", "compliance", f"severity/{rule.severity.value}"]
    tags += [f"soc2/{criterion}" for criterion in rule.criteria]
    return om.ReportingDescriptor(
        id=rule.id,
        name=_pascal(rule.id),
        short_description=om.MultiformatMessageString(text=_clip(rule.title)),
        full_description=om.MultiformatMessageString(text=_clip(rule.description)),
        help=om.MultiformatMessageString(text=_help_text(rule), markdown=_help_markdown(rule, scan)),
        help_uri=rule.references[0] if rule.references else None,
        default_configuration=om.ReportingConfiguration(level=LEVEL[rule.severity]),
        properties={
            "tags": tags[:20],
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "problem.severity": {"error": "error", "warning": "warning", "note": "recommendation"}[LEVEL[rule.severity]],
            "soc2": list(rule.criteria),
            "resourceTypes": list(rule.resource_types),
        },
    )


def _result(result: Result, rule: Rule, rule_index: int, context: RenderContext) -> om.Result:
    uri, line = _physical(result, rule, context)
    prefix = "Could not evaluate" if result.status is Status.ERROR else "Fails"
    text = f"{prefix} {rule.id} on {result.asset_name}: {result.message}"
    return om.Result(
        rule_id=rule.id,
        rule_index=rule_index,
        level=LEVEL[rule.severity],
        message=om.Message(text=text),
        locations=[om.Location(
            physical_location=om.PhysicalLocation(
                artifact_location=om.ArtifactLocation(uri=uri),
                region=om.Region(start_line=line),
            ),
            logical_locations=[om.LogicalLocation(fully_qualified_name=result.asset_name, kind="resource")],
        )],
        partial_fingerprints={"primaryLocationLineHash": fingerprint(result)},
        properties={
            "status": result.status.value,
            "assetType": result.asset_type,
            "project": result.project or "",
            "soc2": list(rule.criteria),
            "observed": observed_dict(result),
        },
    )


def _physical(result: Result, rule: Rule, context: RenderContext) -> tuple[str, int]:
    if result.origin is not None:
        relative = context.relative(result.origin.path)
        if relative is not None:
            return uri_for(relative), result.origin.line
    line = rule.origin.line if rule.origin else 1
    if rule.origin is None:
        return "policies", 1
    relative = context.relative(rule.origin.path)
    if relative is None:  # a rule pack outside the working tree, e.g. the installed built-in pack
        relative = str(PurePosixPath("policies", Path(rule.origin.path).name))
    return uri_for(relative), line


def _help_text(rule: Rule) -> str:
    parts = [rule.description, "", "How to fix: " + rule.remediation.text]
    if rule.remediation.gcloud:
        parts += ["", "gcloud:", rule.remediation.gcloud]
    if rule.remediation.terraform:
        parts += ["", "Terraform:", rule.remediation.terraform]
    if rule.references:
        parts += ["", "References:"] + [f"- {ref}" for ref in rule.references]
    return "\n".join(parts)


def _help_markdown(rule: Rule, scan: ScanResult) -> str:
    criteria = ", ".join(f"{c.id} {c.title}" for c in scan.mapping.criteria if c.id in rule.criteria)
    parts = [f"**{rule.title}** ({rule.severity.value})", "", rule.description, ""]
    if criteria:
        parts += [f"{scan.mapping.framework}: {criteria}", ""]
    parts += ["### How to fix", "", rule.remediation.text]
    if rule.remediation.gcloud:
        parts += ["", "```sh", rule.remediation.gcloud, "```"]
    if rule.remediation.terraform:
        parts += ["", "```hcl", rule.remediation.terraform, "```"]
    if rule.references:
        parts += ["", "### References", ""] + [f"- <{ref}>" for ref in rule.references]
    return "\n".join(parts)


@cache
def _schema_fields(cls: type) -> tuple[tuple[str, str, Any], ...] | None:
    """(attribute, SARIF property name, default) per field of a sarif-om class; None for other types."""
    if not attr.has(cls):
        return None
    fields = []
    for field in attr.fields(cls):
        default = field.default.factory() if isinstance(field.default, attr.Factory) else field.default  # type: ignore[arg-type]
        fields.append((field.name, field.metadata.get("schema_property_name", field.name), default))
    return tuple(fields)


def _to_json(obj: Any) -> Any:
    """Serialise sarif-om objects: schema property names, no None, no field left at its default."""
    fields = _schema_fields(type(obj))
    if fields is not None:
        out: dict[str, Any] = {}
        for name, prop, default in fields:
            value = getattr(obj, name)
            if value is None or (default is not attr.NOTHING and value == default):
                continue
            out[prop] = _to_json(value)
        return out
    if isinstance(obj, dict):
        return {key: _to_json(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_json(value) for value in obj]
    return obj


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))
