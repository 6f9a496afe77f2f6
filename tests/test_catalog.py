"""Meta-tests over the built-in rule pack and mapping: every rule valid, mapped, documented and tested."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.audit import load_rule_set
from scanner.cli import FORMAT_NAMES
from scanner.policy.pack import builtin_mapping, builtin_policies
from scanner.policytest import run_policy_tests
from scanner.report import FORMATS

REPO = Path(__file__).resolve().parent.parent
POLICY_TESTS = REPO / "tests" / "policies"


@pytest.fixture(scope="module")
def rule_set():
    return load_rule_set([builtin_policies()], builtin_mapping(), strict_mapping=True)


def test_builtin_pack_is_found_in_the_checkout() -> None:
    assert builtin_policies() == REPO / "policies"
    assert builtin_mapping() == REPO / "mappings" / "soc2.yaml"


def test_every_rule_is_mapped_and_documented(rule_set) -> None:
    assert rule_set.rules, "the built-in pack has rules"
    for rule in rule_set.rules:
        assert rule.criteria, rule.id
        assert rule.observe, f"{rule.id} records no observed values"
        assert rule.message, f"{rule.id} has no failure message"
        assert rule.remediation.gcloud and rule.remediation.terraform, f"{rule.id} lacks a gcloud or Terraform fix"
        assert rule.references and rule.rationale, rule.id


def test_every_rule_has_passing_and_failing_fixtures(rule_set) -> None:
    report = run_policy_tests(rule_set, [POLICY_TESTS])
    covered = report.covered()
    missing = {r.id: sorted({"pass", "fail"} - covered.get(r.id, set())) for r in rule_set.rules}
    assert {k: v for k, v in missing.items() if v} == {}


def test_cli_formats_are_exactly_the_registered_renderers() -> None:
    assert set(FORMAT_NAMES) == set(FORMATS)


def test_readme_lists_every_builtin_rule(rule_set) -> None:
    readme = (REPO / "README.md").read_text()
    missing = [r.id for r in rule_set.rules if f"`{r.id}`" not in readme]
    assert missing == []
