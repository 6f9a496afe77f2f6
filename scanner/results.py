"""A finished scan: rules, verdicts, counts, gating and stable fingerprints. Reports read only this."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from scanner.model import ComplianceMapping, InputInfo, Result, Rule, Severity, Status

FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "none")


@dataclass(frozen=True)
class ScanResult:
    rules: tuple[Rule, ...]
    results: tuple[Result, ...]
    mapping: ComplianceMapping
    inputs: InputInfo
    not_applicable: dict[str, int] = field(default_factory=dict)
    tool_version: str = ""
    disabled: tuple[tuple[str, str], ...] = ()  # (rule id, reason) of rules that did not run

    @cached_property
    def _rules_by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def rule(self, rule_id: str) -> Rule:
        return self._rules_by_id[rule_id]

    @cached_property
    def _findings(self) -> tuple[Result, ...]:
        found = [r for r in self.results if r.status is not Status.PASS]
        return tuple(sorted(found, key=lambda r: (-self.rule(r.rule_id).severity.rank, r.rule_id, r.asset_name)))

    def findings(self) -> list[Result]:
        """Failing and error results, most severe first, then by rule and asset (sorted once per scan)."""
        return list(self._findings)

    def counts(self) -> dict[str, int]:
        counter = Counter(r.status.value for r in self.results)
        return {status.value: counter.get(status.value, 0) for status in Status}

    def counts_by_severity(self) -> dict[str, dict[str, int]]:
        """For each severity, how many results failed, errored and passed."""
        table = {s.value: {st.value: 0 for st in Status} for s in Severity}
        for r in self.results:
            table[self.rule(r.rule_id).severity.value][r.status.value] += 1
        return table

    def blocking(self, fail_on: str) -> list[Result]:
        """Findings at or above the ``--fail-on`` threshold; errors count as failures."""
        if fail_on == "none":
            return []
        floor = Severity.parse(fail_on).rank
        return [r for r in self.findings() if self.rule(r.rule_id).severity.rank >= floor]

    def exit_code(self, fail_on: str) -> int:
        return 1 if self.blocking(fail_on) else 0

    def rules_without_assets(self) -> list[str]:
        """Rules that had no asset of their types in scope (nothing was checked)."""
        seen = {r.rule_id for r in self.results}
        return sorted(r.id for r in self.rules if r.id not in seen and not self.not_applicable.get(r.id))


def fingerprint(result: Result) -> str:
    """Stable identity of a finding: rule id and asset name only (GitHub's primaryLocationLineHash form)."""
    digest = hashlib.sha256(f"{result.rule_id}\0{result.asset_name}".encode()).hexdigest()
    return f"{digest[:16]}:1"


def observed_dict(result: Result) -> dict[str, Any]:
    return {o.name: (None if o.missing else o.value) for o in result.observed}
