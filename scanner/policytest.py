"""``hascan test``: run rule test cases written in YAML, like a test runner.

A test file (``*.test.yaml``) has optional named ``fixtures`` (CAI records) and a list of
``cases``. Each case lists ``assets`` (records, or a fixture with a JSON merge patch) or
points at a ``snapshot``, and says what each rule must conclude. See README, "Testing rules".
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from scanner.assets.inventory import Inventory
from scanner.assets.records import to_asset
from scanner.assets.snapshot import load_snapshot
from scanner.audit import RuleSet
from scanner.engine import evaluate
from scanner.errors import PolicyTestError
from scanner.model import Asset, Origin, Result
from scanner.paths import expand_paths
from scanner.policy.cel import CompiledRule
from scanner.policy.loader import load_schema
from scanner.policy.yamlfile import line_of, load_yaml, plain

TEST_SUFFIXES = (".test.yaml", ".test.yml")


@dataclass(frozen=True)
class Expectation:
    rule_id: str
    status: str  # pass, fail, error, or none (no result)
    asset: str | None = None


@dataclass(frozen=True)
class CaseOutcome:
    file: str
    line: int
    name: str
    problems: tuple[str, ...]
    expectations: tuple[Expectation, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class PolicyTestReport:
    outcomes: tuple[CaseOutcome, ...]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def covered(self) -> dict[str, set[str]]:
        """For each rule, the statuses the cases expect of it (to check every rule has pass and fail cases)."""
        seen: dict[str, set[str]] = {}
        for outcome in self.outcomes:
            for expectation in outcome.expectations:
                seen.setdefault(expectation.rule_id, set()).add(expectation.status)
        return seen


def policy_test_files(paths: Iterable[str | Path]) -> list[Path]:
    return expand_paths(paths, lambda p: p.name.endswith(TEST_SUFFIXES), PolicyTestError,
                        "policy test files (*.test.yaml)")


def run_policy_tests(rule_set: RuleSet, paths: Iterable[str | Path]) -> PolicyTestReport:
    validator = jsonschema.Draft202012Validator(load_schema("policytest"))
    known = {r.id for r in rule_set.rules}
    outcomes: list[CaseOutcome] = []
    for path in policy_test_files(paths):
        document = load_yaml(path, PolicyTestError)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
        if errors:
            where = tuple(errors[0].absolute_path)
            raise PolicyTestError(f"{'.'.join(map(str, where)) or '(top level)'}: {errors[0].message}",
                                  where=f"{path}:{line_of(document, where) or 1}")
        fixtures = document.get("fixtures", {})
        for case in document["cases"]:
            outcomes.append(_run_case(rule_set, known, path, fixtures, case))
    return PolicyTestReport(outcomes=tuple(outcomes))


def _run_case(rule_set: RuleSet, known: set[str], path: Path, fixtures: dict[str, Any],
              case: dict[str, Any]) -> CaseOutcome:
    line = getattr(case, "line", 1)
    expectations = _expectations(case["expect"])
    unknown = sorted({e.rule_id for e in expectations} - known)
    if unknown:
        raise PolicyTestError(f"case {case['name']!r} expects results of unknown rule(s): {', '.join(unknown)}",
                              where=f"{path}:{line}")
    overrides = case.get("params", {})
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise PolicyTestError(f"case {case['name']!r} sets params of unknown rule(s): {', '.join(unknown)}",
                              where=f"{path}:{line}")
    compiled = [_with_params(rule_set, c, overrides.get(c.rule.id)) for c in rule_set.compiled]
    assets = list(_case_assets(path, fixtures, case))
    evaluated = evaluate(compiled, Inventory(assets), rule_set.env)
    problems = tuple(p for e in expectations for p in _check(e, evaluated.results))
    return CaseOutcome(file=str(path), line=line, name=case["name"], problems=problems,
                       expectations=tuple(expectations))


def _with_params(rule_set: RuleSet, compiled: CompiledRule, params: dict[str, Any] | None) -> CompiledRule:
    if not params:
        return compiled
    return rule_set.env.with_params(compiled.rule, {**compiled.rule.params, **plain(params)})


def _expectations(expect: Any) -> list[Expectation]:
    if isinstance(expect, dict):
        return [Expectation(rule_id=k, status=v) for k, v in expect.items()]
    return [Expectation(rule_id=e["rule"], status=e["status"], asset=e.get("asset")) for e in expect]


def _case_assets(path: Path, fixtures: dict[str, Any], case: dict[str, Any]) -> Iterable[Asset]:
    if "snapshot" in case:
        yield from load_snapshot([path.parent / case["snapshot"]])
    for item in case.get("assets", []):
        line = getattr(item, "line", 1)
        if "fixture" in item:
            base = fixtures.get(item["fixture"])
            if base is None:
                raise PolicyTestError(f"case {case['name']!r} uses unknown fixture {item['fixture']!r}",
                                      where=f"{path}:{line}")
            record = merge_patch(copy.deepcopy(base), item.get("patch", {}))
        else:
            record = item
        yield to_asset(plain(record), Origin(str(path), line))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge_patch(target.get(key), value)
    return target




def _check(expectation: Expectation, results: Sequence[Result]) -> list[str]:
    mine = [r for r in results if r.rule_id == expectation.rule_id
            and (expectation.asset is None or r.asset_name == expectation.asset)]
    target = f"{expectation.rule_id}" + (f" on {expectation.asset}" if expectation.asset else "")
    if expectation.status == "none":
        return [f"{target}: expected no result, got {_describe(r)}" for r in mine]
    if not mine:
        return [f"{target}: expected {expectation.status}, but the rule produced no result"]
    return [f"{target}: expected {expectation.status}, got {_describe(r)}"
            for r in mine if r.status.value != expectation.status]


def _describe(result: Result) -> str:
    return f"{result.status.value} on {result.asset_name} ({result.message})"


def render_test_report(report: PolicyTestReport, verbose: bool = False) -> str:
    lines: list[str] = []
    for outcome in report.outcomes:
        if outcome.ok and not verbose:
            continue
        mark = "ok  " if outcome.ok else "FAIL"
        lines.append(f"{mark} {outcome.file}:{outcome.line}  {outcome.name}")
        lines += [f"       {problem}" for problem in outcome.problems]
    passed = sum(1 for o in report.outcomes if o.ok)
    failed = len(report.outcomes) - passed
    lines.append(f"policy tests: {passed} passed, {failed} failed")
    return "\n".join(lines) + "\n"
