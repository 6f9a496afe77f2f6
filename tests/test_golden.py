"""The example environment's reports, byte for byte (update with HASCAN_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner import __version__
from tests.conftest import EXAMPLE, REPO, run_cli
from tests.report.test_sarif import assert_github_ingestible, sarif_validator

GOLDEN = Path(__file__).resolve().parent / "golden"
FORMATS = {"sarif": "phase2.sarif", "json": "phase2.json", "markdown": "phase2.md"}


def scrub(data: bytes) -> bytes:
    """The tool version is the only field that changes without the results changing."""
    return data.replace(f'"{__version__}"'.encode(), b'"VERSION"')


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("golden")
    cwd = Path.cwd()
    os.chdir(REPO)
    try:
        args = ["audit", "--snapshot", "examples/phase2/", "--config", "examples/phase2/hascan.yaml", "--quiet"]
        for fmt, name in FORMATS.items():
            args += ["-f", fmt, "-o", str(out / name)]
        run = run_cli(args)
    finally:
        os.chdir(cwd)
    assert run.code == 1, run.err  # the example has deliberate violations
    return {fmt: scrub((out / name).read_bytes()) for fmt, name in FORMATS.items()}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_example_reports_match_golden_files(outputs: dict[str, bytes], fmt: str) -> None:
    golden = GOLDEN / FORMATS[fmt]
    if os.environ.get("HASCAN_UPDATE_GOLDEN"):
        golden.write_bytes(outputs[fmt])
    assert outputs[fmt] == golden.read_bytes(), f"{golden.name} differs; review and regenerate with HASCAN_UPDATE_GOLDEN=1"


def test_golden_sarif_is_valid_and_ingestible() -> None:
    log = json.loads((GOLDEN / "phase2.sarif").read_text())
    assert list(sarif_validator().iter_errors(log)) == []
    assert_github_ingestible(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    # each finding points at the record it is about: resource data, or the IAM policy export
    assert uris == {"examples/phase2/resources.jsonl", "examples/phase2/iam_policies.jsonl"}


def test_example_finds_exactly_the_documented_violations() -> None:
    document = json.loads((GOLDEN / "phase2.json").read_text())
    failing = sorted((r["rule"], r["asset"].rsplit("/", 1)[1]) for r in document["results"] if r["status"] != "pass")
    assert failing == [("armor-policy-attached", "support-bs"), ("armor-waf-xss", "acme-armor"),
                       ("audit-logs-data-access", "123456789012"), ("cloudsql-backup-retention", "acme-pg")]
    readme = (EXAMPLE / "README.md").read_text()
    for rule_id, _ in failing:
        assert rule_id in readme


def test_readme_quickstart_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [block.split("```", 1)[0].strip() for block in quickstart.split("```sh\n")[1:]]
    assert len(commands) == 2
    assert "hascan audit --snapshot examples/phase2/ --config examples/phase2/hascan.yaml" in commands[0]
    ci = (REPO / ".ci" / "run").read_text()
    install, test = commands[1].split(" && ")
    assert install.replace("python3 -m pip install", "") .strip() in ci
    assert test in ci
