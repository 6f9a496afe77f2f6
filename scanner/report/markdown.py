"""Markdown for a GitHub job summary or a pull-request comment."""

from __future__ import annotations

from scanner.model import Severity, Status
from scanner.report.context import RenderContext
from scanner.report.text import summary_line
from scanner.results import ScanResult

MAX_ROWS = 500  # GitHub job summaries are capped at 1 MiB


def render_markdown(scan: ScanResult, context: RenderContext) -> bytes:
    counts = scan.counts()
    table = scan.counts_by_severity()
    out = [f"## hascan: {counts['fail']} failed, {counts['error']} errors, {counts['pass']} passed", "",
           summary_line(scan, context.fail_on), "",
           "| Severity | Failed | Errors | Passed |", "|---|---:|---:|---:|"]
    for severity in Severity:
        row = table[severity.value]
        out.append(f"| {severity.value} | {row['fail']} | {row['error']} | {row['pass']} |")
    findings = scan.findings()
    if findings:
        out += ["", "### Findings", "", f"| Severity | Rule | Asset | Detail | {scan.mapping.framework} |",
                "|---|---|---|---|---|"]
        for result in findings[:MAX_ROWS]:
            rule = scan.rule(result.rule_id)
            status = " (error)" if result.status is Status.ERROR else ""
            out.append(f"| {rule.severity.value}{status} | `{rule.id}` | `{_cell(result.asset_name)}` "
                       f"| {_cell(result.message)} | {', '.join(rule.criteria)} |")
        if len(findings) > MAX_ROWS:
            out.append(f"\n{len(findings) - MAX_ROWS} more findings are in the SARIF and JSON reports.")
    passed: dict[str, int] = {}
    for result in scan.results:
        if result.status is Status.PASS:
            passed[result.rule_id] = passed.get(result.rule_id, 0) + 1
    if passed:
        out += ["", f"<details><summary>Passing checks ({counts['pass']})</summary>", "",
                "| Rule | Assets passing |", "|---|---:|"]
        out += [f"| `{rule_id}` | {n} |" for rule_id, n in sorted(passed.items())]
        out += ["", "</details>"]
    if scan.mapping.not_checkable:
        out += ["", f"<details><summary>Not checkable from Cloud Asset Inventory "
                    f"({len(scan.mapping.not_checkable)})</summary>", ""]
        out += [f"- **{_cell(n.requirement)}**: {_cell(n.reason)}" for n in scan.mapping.not_checkable]
        out += ["", "</details>"]
    return ("\n".join(out) + "\n").encode("utf-8")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
