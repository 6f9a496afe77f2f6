"""JSON, text and Markdown reports."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from scanner.policy.loader import load_schema
from scanner.report import FORMATS, RenderContext
from scanner.report.json_report import render_json
from scanner.report.markdown import render_markdown
from scanner.report.text import render_text


def test_json_report_holds_every_result_and_matches_its_schema(scan, workspace: Path) -> None:
    document = json.loads(render_json(scan, RenderContext(base_dir=workspace)))
    jsonschema.Draft202012Validator(load_schema("report")).validate(document)
    assert document["format"] == "hascan/report/v1"
    statuses = {(r["asset"].rsplit("/", 1)[1], r["status"]) for r in document["results"]}
    assert statuses == {("good", "pass"), ("zonal", "fail"), ("broken", "error"), ("cache", "fail")}
    good = next(r for r in document["results"] if r["asset"].endswith("/good"))
    assert good["observed"] == {"availabilityType": "REGIONAL"}
    assert good["source"] == "snap/assets.jsonl:1"
    criteria = {c["id"]: c["status"] for c in document["criteria"]}
    assert criteria == {"A1.2": "error", "CC6.1": "fail"}
    assert document["summary"]["blocking"] == 3


def test_text_report_groups_by_severity_and_ends_with_summary(scan, workspace: Path) -> None:
    text = render_text(scan, RenderContext(base_dir=workspace)).decode()
    assert text.index("HIGH (2)") < text.index("LOW (1)")
    assert "zonal has availability type ZONAL" in text
    assert "snap/assets.jsonl:2" in text
    assert text.rstrip().splitlines()[-1] == (
        "Summary: 2 failed, 1 could not be evaluated, 1 passed; 3 finding(s) at or above 'low': exit 1")
    assert "\x1b[" not in text
    assert "\x1b[" in render_text(scan, RenderContext(base_dir=workspace, color=True)).decode()


def test_text_summary_follows_fail_on(scan, workspace: Path) -> None:
    text = render_text(scan, RenderContext(base_dir=workspace, fail_on="critical")).decode()
    assert text.rstrip().endswith("nothing at or above 'critical': exit 0")


def test_markdown_has_table_findings_and_escapes_pipes(scan, workspace: Path) -> None:
    from dataclasses import replace

    first = scan.results[0]
    piped = replace(scan, results=scan.results + (replace(first, asset_name=first.asset_name + "2",
                                                          status=first.status.__class__("fail"), message="a | b"),))
    markdown = render_markdown(piped, RenderContext(base_dir=workspace)).decode()
    assert markdown.startswith("## hascan: 3 failed, 1 errors, 1 passed")
    assert "| high | 1 | 1 | 1 |" in markdown and "| low | 2 | 0 | 0 |" in markdown
    assert "a \\| b" in markdown
    assert "<details><summary>Passing checks (1)</summary>" in markdown


def test_every_format_is_deterministic(scan, workspace: Path) -> None:
    context = RenderContext(base_dir=workspace)
    for name, render in FORMATS.items():
        assert render(scan, context) == render(scan, context), name


def test_requirements_the_inventory_cannot_show_are_stated(scan, workspace: Path) -> None:
    from dataclasses import replace

    from scanner.model import NotCheckable

    mapping = replace(scan.mapping, not_checkable=(NotCheckable("99.9% SLA", "SLOs are not CAI assets", ("A1.1",)),))
    stated = replace(scan, mapping=mapping)
    document = json.loads(render_json(stated, RenderContext(base_dir=workspace)))
    assert document["notCheckable"] == [{"requirement": "99.9% SLA", "reason": "SLOs are not CAI assets", "criteria": ["A1.1"]}]
    assert "- **99.9% SLA**: SLOs are not CAI assets" in render_markdown(stated, RenderContext(base_dir=workspace)).decode()
