"""Shared helpers: run the CLI in-process, write snapshot records."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "phase2"


@dataclass
class CliRun:
    code: int
    out: str
    err: str


def run_cli(args: Sequence[str]) -> CliRun:
    """Run ``hascan ARGS`` in-process and capture exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return CliRun(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Any:
    return run_cli


def sql_record(name: str = "pg", availability: str = "REGIONAL", **settings: Any) -> dict[str, Any]:
    """A compact Cloud SQL asset record in gcloud asset export form."""
    return {
        "name": f"//cloudsql.googleapis.com/projects/acme-prod/instances/{name}",
        "asset_type": "sqladmin.googleapis.com/Instance",
        "ancestors": ["projects/123456789012", "organizations/987654321098"],
        "resource": {"version": "v1beta4", "location": "us-central1",
                     "data": {"name": name, "settings": {"availabilityType": availability, **settings}}},
    }


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def jsonl(tmp_path: Path) -> Any:
    def make(records: Iterable[Any], name: str = "assets.jsonl") -> Path:
        return write_jsonl(tmp_path / name, records)
    return make
