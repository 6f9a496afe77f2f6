"""Run every built-in policy test case (tests/policies/*.test.yaml) through `hascan test`'s runner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scanner.audit import load_rule_set
from scanner.policy.pack import builtin_mapping, builtin_policies
from scanner.policytest import run_policy_tests

HERE = Path(__file__).resolve().parent

def _cases() -> list[tuple[Path, str]]:
    return [(path, case["name"]) for path in sorted(HERE.glob("*.test.yaml"))
            for case in yaml.safe_load(path.read_text())["cases"]]


CASES = _cases()


@pytest.fixture(scope="module")
def outcomes():
    rule_set = load_rule_set([builtin_policies()], builtin_mapping())
    report = run_policy_tests(rule_set, [HERE])
    return {(Path(o.file).name, o.name): o for o in report.outcomes}


@pytest.mark.parametrize("path,name", CASES, ids=[f"{p.stem}::{n}" for p, n in CASES])
def test_policy_case(outcomes, path: Path, name: str) -> None:
    outcome = outcomes[(path.name, name)]
    assert outcome.ok, "\n".join(outcome.problems)
