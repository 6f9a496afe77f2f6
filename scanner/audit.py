"""Wire one audit together: rules and mapping, then assets, then evaluation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.assets.inventory import Inventory
from scanner.assets.snapshot import ReadStats, load_snapshot
from scanner.engine import evaluate, loaded_types
from scanner.errors import InputError, UsageError
from scanner.assets.records import to_asset
from scanner.assets.writer import SnapshotWriter
from scanner.collect.cai_api import CollectStats, RetryPolicy, collect_assets
from scanner.config import Config, ParamsResolver, compile_selectors, load_config
from scanner.model import Asset, ComplianceMapping, InputInfo, Origin, Rule
from scanner.policy.cel import CompiledRule, RuleEnvironment
from scanner.policy.loader import compile_rules, load_rules
from scanner.policy.mapping import attach_criteria, check_mapping, load_mapping
from scanner.results import ScanResult


@dataclass(frozen=True)
class RuleSet:
    """Rules compiled, mapped and configured, ready to evaluate."""

    compiled: tuple[CompiledRule, ...]  # every loaded rule, whether it runs or not
    mapping: ComplianceMapping
    env: RuleEnvironment
    config: Config = field(default_factory=Config)
    selectors: tuple[Any, ...] = ()  # the configuration's override selectors, compiled

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(c.rule for c in self.compiled)

    def active(self) -> tuple[list[CompiledRule], list[tuple[Rule, str]]]:
        """The rules that run (config's global params applied), and those left out with why."""
        run, skipped = self.config.active(self.rules)
        running = {r.id for r in run}
        compiled = [self._configured(c) for c in self.compiled if c.rule.id in running]
        return compiled, skipped


    def _configured(self, compiled: CompiledRule) -> CompiledRule:
        """The rule with the configuration's global params bound into its programs."""
        configured = self.config.with_global_params(compiled.rule)
        if configured.params == compiled.rule.params:
            return compiled
        return self.env.with_params(compiled.rule, configured.params)


def load_rule_set(policy_paths: Iterable[str | Path], mapping_path: str | Path,
                  config_path: str | Path | None = None, strict_mapping: bool = False) -> RuleSet:
    rules = load_rules(policy_paths)
    mapping = load_mapping(mapping_path)
    check_mapping(mapping, rules, strict=strict_mapping)
    env = RuleEnvironment()
    compiled = compile_rules(attach_criteria(mapping, rules), env)
    config = load_config(config_path, rules)
    return RuleSet(compiled=tuple(compiled), mapping=mapping, env=env, config=config,
                   selectors=compile_selectors(config, env))


@dataclass(frozen=True)
class _Plan:
    """What one audit runs: the active rules (configured), those left out and why, the asset types to keep."""

    active: tuple[CompiledRule, ...]
    skipped: tuple[tuple[Rule, str], ...]
    wanted: frozenset[str]


def _plan(rule_set: RuleSet) -> _Plan:
    active, skipped = rule_set.active()
    if not active:
        raise UsageError("no rule is left to run: the configuration turns every loaded rule off",
                         where=rule_set.config.path)
    return _Plan(active=tuple(active), skipped=tuple(skipped), wanted=loaded_types(active))


def audit_assets(rule_set: RuleSet, assets: Iterable[Asset], sources: Sequence[str],
                 stats: ReadStats | CollectStats | None = None, provenance: Sequence[dict[str, Any]] = (),
                 plan: _Plan | None = None) -> ScanResult:
    """Evaluate a rule set against assets from any source."""
    plan = plan or _plan(rule_set)
    inventory = Inventory(assets)
    params = ParamsResolver(rule_set.config, rule_set.env, rule_set.selectors)
    evaluated = evaluate(plan.active, inventory, rule_set.env, params)
    records = stats.records if stats else len(inventory)
    return ScanResult(
        rules=tuple(c.rule for c in plan.active),
        disabled=tuple((rule.id, reason) for rule, reason in plan.skipped),
        results=evaluated.results,
        mapping=rule_set.mapping,
        inputs=InputInfo(sources=tuple(sources), records=records, assets_in_scope=len(inventory),
                         provenance=tuple(tuple(sorted(p.items())) for p in provenance)),
        not_applicable=evaluated.not_applicable,
        tool_version=__version__,
    )


def audit_snapshot(rule_set: RuleSet, snapshot_paths: Sequence[str | Path],
                   progress: Callable[[ReadStats], None] | None = None) -> ScanResult:
    """Audit CAI snapshot files; an empty snapshot, or one no rule reads anything of, is an error."""
    plan = _plan(rule_set)
    stats = ReadStats()
    assets = load_snapshot(snapshot_paths, plan.wanted.__contains__, stats, progress)
    result = audit_assets(rule_set, assets, [str(p) for p in snapshot_paths], stats, stats.headers, plan)
    _check_not_empty(result, stats.records, plan.wanted, ", ".join(str(p) for p in snapshot_paths), "snapshot")
    return result


def audit_live(rule_set: RuleSet, scopes: Sequence[str], endpoint: str | None = None,
               save_path: str | Path | None = None, progress: Callable[[CollectStats], None] | None = None,
               retry_policy: RetryPolicy | None = None) -> ScanResult:
    """Audit live scopes through Cloud Asset Inventory, optionally saving what was read."""
    plan = _plan(rule_set)
    stats = CollectStats()
    records = collect_assets(scopes, plan.wanted, endpoint, retry_policy or RetryPolicy(), stats, progress)
    writer = SnapshotWriter(save_path) if save_path else None
    if writer is not None:
        records = writer.tee(records)
    try:
        # With a saved snapshot, findings point at the saved record's line (the header is line 1).
        assets = [to_asset(record, Origin(str(save_path), index + 2) if save_path else None,
                           where=scope_of(record, scopes))
                  for index, record in enumerate(records)]
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    provenance = {"scopes": list(scopes), "read_time": stats.read_time or "", "asset_types": sorted(plan.wanted),
                  "content_types": ["RESOURCE", "IAM_POLICY"], "tool": f"hascan {__version__}"}
    if writer is not None:
        writer.commit(provenance)
    result = audit_assets(rule_set, assets, list(scopes), stats, [provenance], plan)
    _check_not_empty(result, stats.records, plan.wanted, ", ".join(scopes), "scope")
    return result


def scope_of(record: dict[str, Any], scopes: Sequence[str]) -> str:
    """Which requested scope a record came from, for messages (the first that is an ancestor)."""
    ancestors = record.get("ancestors") or []
    return next((s for s in scopes if s in ancestors), scopes[0])


def _check_not_empty(result: ScanResult, records: int, wanted: frozenset[str], where: str, what: str) -> None:
    if records == 0:
        kind = "assets" if what == "snapshot" else "assets of the types the rules check"  # live reads only those
        raise InputError(f"the {what} holds no {kind}; an empty inventory cannot show compliance", where=where)
    if not result.results and not any(result.not_applicable.values()):
        raise InputError(f"none of the {records} assets is of a type the rules check "
                         f"(for example {', '.join(sorted(wanted)[:3])}); is this the right {what}?", where=where)
