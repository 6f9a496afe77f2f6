"""The terminal report: findings grouped by severity, then one summary line."""

from __future__ import annotations

import click

from scanner.model import Severity, Status
from scanner.report.context import RenderContext
from scanner.results import ScanResult

_COLOURS = {Severity.CRITICAL: "magenta", Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan"}


def render_text(scan: ScanResult, context: RenderContext) -> bytes:
    def style(text: str, **kwargs: object) -> str:
        return click.style(text, **kwargs) if context.color else text  # type: ignore[arg-type]

    lines: list[str] = []
    sources = ", ".join(context.relative(s) or s for s in scan.inputs.sources)
    lines.append(f"hascan {scan.tool_version}: {len(scan.rules)} rules, {scan.inputs.assets_in_scope} assets "
                 f"in scope ({scan.inputs.records} records read from {sources})")
    findings = scan.findings()
    for severity in Severity:
        group = [r for r in findings if scan.rule(r.rule_id).severity is severity]
        if not group:
            continue
        lines += ["", style(f"{severity.value.upper()} ({len(group)})", fg=_COLOURS[severity], bold=True)]
        for result in group:
            rule = scan.rule(result.rule_id)
            label = "ERROR" if result.status is Status.ERROR else "FAIL "
            lines.append(f"  {style(label, fg=_COLOURS[severity], bold=True)} {rule.id}  {result.asset_name}")
            lines.append(f"        {result.message}")
            criteria = f"  {scan.mapping.framework} {', '.join(rule.criteria)}" if rule.criteria else ""
            lines.append(style(f"        {context.display(result.origin)}{criteria}", dim=True))
    if scan.disabled:
        lines += ["", f"Not run ({len(scan.disabled)}): " + "; ".join(f"{rid}: {why}" for rid, why in scan.disabled)]
    empty = scan.rules_without_assets()
    if empty:
        lines += ["", f"No assets in scope for {len(empty)} rule(s): {', '.join(empty)}"]
    lines += ["", summary_line(scan, context.fail_on)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def summary_line(scan: ScanResult, fail_on: str) -> str:
    counts = scan.counts()
    blocking = len(scan.blocking(fail_on))
    verdict = (f"{blocking} finding(s) at or above '{fail_on}': exit 1" if blocking
               else f"nothing at or above '{fail_on}': exit 0")
    return (f"Summary: {counts['fail']} failed, {counts['error']} could not be evaluated, "
            f"{counts['pass']} passed; {verdict}")
