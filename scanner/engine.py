"""Evaluate compiled rules against an inventory. No I/O: rules and assets in, results out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from string import Formatter
from typing import Any

from scanner.assets.inventory import PROJECT_TYPE, Inventory
from scanner.model import Asset, Observation, Result, Status
from scanner.policy.cel import CompiledRule, RuleEnvironment, asset_view


@dataclass(frozen=True)
class Evaluated:
    """Every verdict, plus how many assets of each rule's types its ``applies`` excluded."""

    results: tuple[Result, ...]
    not_applicable: dict[str, int]


class _UnreadType(Exception):
    pass


def loaded_types(rules: Iterable[CompiledRule]) -> frozenset[str]:
    """The asset types a scan must keep for these rules."""
    types: set[str] = {PROJECT_TYPE}
    for compiled in rules:
        types |= compiled.rule.asset_types
    return frozenset(types)


def evaluate(rules: Sequence[CompiledRule], inventory: Inventory, env: RuleEnvironment) -> Evaluated:
    scope = _Scope(inventory, loaded_types(rules))
    results: list[Result] = []
    not_applicable: dict[str, int] = {}
    for compiled in sorted(rules, key=lambda c: c.rule.id):
        skipped = 0
        for asset_type in compiled.rule.resource_types:
            for asset in inventory.of_type(asset_type):
                result = _evaluate_one(compiled, asset, scope, env)
                if result is None:
                    skipped += 1
                else:
                    results.append(result)
        not_applicable[compiled.rule.id] = skipped
    results.sort(key=lambda r: (r.rule_id, r.asset_name, r.asset_type))
    return Evaluated(results=tuple(results), not_applicable=not_applicable)


class _Scope:
    """Asset views and reference functions for one scan."""

    def __init__(self, inventory: Inventory, types: frozenset[str]) -> None:
        self.inventory = inventory
        self.types = types
        self._views: dict[tuple[str, str], dict[str, Any]] = {}

    def view(self, asset: Asset) -> dict[str, Any]:
        key = (asset.asset_type, asset.name)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = asset_view(asset, self.inventory.project_of(asset))
        return view

    def _require(self, asset_type: str) -> None:
        if asset_type not in self.types:
            raise _UnreadType(f"asset type {asset_type} is not loaded: name it as a string literal in the rule")

    def resolver(self, context: Asset) -> Any:
        def resolve(reference: str, asset_type: str) -> Any:
            self._require(asset_type)
            target = self.inventory.resolve(reference, asset_type, context)
            return None if target is None else self.view(target)
        return resolve

    def lister(self, asset_type: str) -> list[Any]:
        self._require(asset_type)
        return [self.view(a) for a in self.inventory.of_type(asset_type)]


def _evaluate_one(compiled: CompiledRule, asset: Asset, scope: _Scope, env: RuleEnvironment) -> Result | None:
    rule = compiled.rule
    view = scope.view(asset)
    activation = env.activation({"resource": view["resource"], "asset": view, "params": dict(rule.params)},
                                scope.resolver(asset), scope.lister)
    observed = tuple(_observe(name, program, activation, env) for name, program in compiled.observe)

    origin = (asset.iam_origin or asset.origin) if rule.reads_only_iam_policy else (asset.origin or asset.iam_origin)
    project = scope.inventory.project_of(asset)

    def result(status: Status, message: str) -> Result:
        return Result(rule_id=rule.id, asset_name=asset.name, asset_type=asset.asset_type, status=status,
                      message=message, observed=observed, origin=origin, project=project)

    if compiled.applies is not None:
        applies = env.evaluate(compiled.applies, activation)
        if applies.error is not None:
            return result(Status.ERROR, f"could not evaluate 'applies': {applies.error}")
        if not isinstance(applies.value, bool):
            return result(Status.ERROR, f"'applies' returned {_show(applies.value)}, not a boolean")
        if not applies.value:
            return None
    verdict = env.evaluate(compiled.condition, activation)
    if verdict.error is not None:
        return result(Status.ERROR, f"could not evaluate the condition: {verdict.error}")
    if not isinstance(verdict.value, bool):
        return result(Status.ERROR, f"the condition returned {_show(verdict.value)}, not a boolean")
    if verdict.value:
        return result(Status.PASS, rule.title)
    short = project if asset.asset_type == PROJECT_TYPE and project else asset.name.rsplit("/", 1)[-1]
    return result(Status.FAIL, failure_message(rule.message, rule.title, short, observed))


def _observe(name: str, program: Any, activation: Any, env: RuleEnvironment) -> Observation:
    outcome = env.evaluate(program, activation)
    if outcome.error is not None:
        return Observation(name=name, missing=True)
    return Observation(name=name, value=outcome.value)


def failure_message(template: str | None, title: str, short: str, observed: tuple[Observation, ...]) -> str:
    """The failure message: the rule's template filled with observed values and the asset's short name."""
    if template is None:
        details = ", ".join(f"{o.name}={_show_observed(o)}" for o in observed)
        return f"{title}: not met" + (f" ({details})" if details else "")
    values = {o.name: _show_observed(o) for o in observed}
    values["asset"] = short
    return Formatter().vformat(template, (), values).strip()


def _show_observed(observation: Observation) -> str:
    return "(not set)" if observation.missing or observation.value is None else _show(observation.value)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))
