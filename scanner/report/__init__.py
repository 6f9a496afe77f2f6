"""Output formats. Each is a function ``render(scan, context) -> bytes``; the CLI's --format choices come from here."""

from __future__ import annotations

from collections.abc import Callable

from scanner.report.context import RenderContext
from scanner.report.json_report import render_json
from scanner.report.markdown import render_markdown
from scanner.report.sarif import render_sarif
from scanner.report.text import render_text
from scanner.results import ScanResult

Renderer = Callable[[ScanResult, RenderContext], bytes]

FORMATS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "markdown": render_markdown,
}

__all__ = ["FORMATS", "RenderContext", "Renderer"]
