"""Evaluate compiled rules against an inventory. No I/O: rules and assets in, results out.

An ``asset`` rule gives one result per asset of its types (unless ``applies`` excludes it).
A ``project`` rule gives one result per project: pass if at least one asset of its types in
that project satisfies the condition, fail if none does, error if none does and some could
not be evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from string import Formatter
from typing import Any

from scanner.assets.inventory import PROJECT_TYPE, Inventory
from scanner.errors import ParamsUnavailable
from scanner.model import Asset, Observation, Result, Rule, Status
from scanner.policy.cel import CompiledRule, Evaluation, RuleEnvironment, asset_view

MAX_LISTED = 20  # matching assets named in an existence result

ParamsFor = Callable[[Rule, dict[str, Any]], Mapping[str, Any]]  # (rule, asset view) -> params


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


def default_params(rule: Rule, view: dict[str, Any]) -> Mapping[str, Any]:
    return rule.params


def evaluate(rules: Sequence[CompiledRule], inventory: Inventory, env: RuleEnvironment,
             params_for: ParamsFor = default_params) -> Evaluated:
    """Evaluate every rule; ``params_for`` gives a rule's effective params for an asset (configuration).

    Asset rules run asset by asset, every rule of the asset's type on one activation, so each
    asset's data is converted for CEL once; project rules run after, once per project.
    """
    scope = _Scope(inventory, loaded_types(rules), env, params_for)
    results: list[Result] = []
    not_applicable = {c.rule.id: 0 for c in rules}
    by_type: dict[str, list[CompiledRule]] = {}
    for compiled in sorted(rules, key=lambda c: c.rule.id):
        if compiled.rule.scope == "asset":
            for asset_type in compiled.rule.resource_types:
                by_type.setdefault(asset_type, []).append(compiled)
    for asset_type in sorted(by_type):
        for asset in inventory.of_type(asset_type):
            activation = scope.activation(asset)
            for compiled in by_type[asset_type]:
                result = scope.per_asset(compiled, asset, activation)
                if result is None:
                    not_applicable[compiled.rule.id] += 1
                else:
                    results.append(result)
    for compiled in sorted(rules, key=lambda c: c.rule.id):
        if compiled.rule.scope == "project":
            results.extend(scope.existence(compiled, project) for project in inventory.projects())
    results.sort(key=lambda r: (r.rule_id, r.asset_name, r.asset_type))
    return Evaluated(results=tuple(results), not_applicable=not_applicable)


class _Scope:
    """Asset views, reference functions and evaluation for one scan."""

    def __init__(self, inventory: Inventory, types: frozenset[str], env: RuleEnvironment,
                 params_for: ParamsFor) -> None:
        self.inventory = inventory
        self.types = types
        self.env = env
        self.params_for = params_for
        self._views: dict[tuple[str, str], dict[str, Any]] = {}
        self._functions: dict[tuple[str, str], list[Any]] = {}
        self._variants: dict[tuple[str, str], CompiledRule] = {}
        self._activations: dict[tuple[str, str], Any] = {}  # for project rules' candidates
        self._constants: dict[int, Observation] = {}  # params-only observations, by program

    # --- what CEL sees ---------------------------------------------------------------

    def view(self, asset: Asset) -> dict[str, Any]:
        key = (asset.asset_type, asset.name)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = asset_view(asset, self.inventory.project_of(asset))
        return view

    def _require(self, asset_type: str) -> None:
        if asset_type not in self.types:
            raise _UnreadType(f"asset type {asset_type} is not loaded: name it as a string literal in the rule")

    def activation(self, asset: Asset) -> Any:
        """One activation per asset, shared by its rules (params are bound into each rule's programs)."""
        view = self.view(asset)
        return self.env.activation({"resource": view["resource"], "asset": view, "params": {}}, self._bound(asset))

    def programs(self, compiled: CompiledRule, asset: Asset) -> CompiledRule:
        """The rule compiled for this asset's effective params (the configuration may change them)."""
        params = self.params_for(compiled.rule, self.view(asset))
        if params is compiled.rule.params or params == compiled.rule.params:
            return compiled
        key = (compiled.rule.id, json.dumps(params, sort_keys=True, default=str))
        variant = self._variants.get(key)
        if variant is None:
            variant = self._variants[key] = self.env.with_params(compiled.rule, params)
        return variant

    def _bound(self, asset: Asset) -> list[Any]:
        """ref(), assets() and projectAssets() for one asset, built once and shared by its rules."""
        key = (asset.asset_type, asset.name)
        bound = self._functions.get(key)
        if bound is not None:
            return bound

        def resolve(reference: str, asset_type: str) -> Any:
            self._require(asset_type)
            target = self.inventory.resolve(reference, asset_type, asset)
            return None if target is None else self.view(target)

        def list_all(asset_type: str) -> list[Any]:
            self._require(asset_type)
            return [self.view(a) for a in self.inventory.of_type(asset_type)]

        def list_in_project(asset_type: str) -> list[Any]:
            self._require(asset_type)
            return [self.view(a) for a in self.inventory.in_project(asset_type, asset)]

        bound = self._functions[key] = self.env.bind(resolve, list_all, list_in_project)
        return bound

    def observe(self, compiled: CompiledRule, activation: Any) -> tuple[Observation, ...]:
        """The observed values; those that depend on params only are evaluated once per compiled rule."""
        observed = []
        for name, program in compiled.observe:
            if name in compiled.constant:
                key = id(program)
                if key not in self._constants:
                    self._constants[key] = _observe(name, program, activation, self.env)
                observed.append(self._constants[key])
            else:
                observed.append(_observe(name, program, activation, self.env))
        return tuple(observed)

    # --- verdicts --------------------------------------------------------------------

    def per_asset(self, compiled: CompiledRule, asset: Asset, activation: Any = None,
                  observe: bool = True) -> Result | None:
        """The verdict on one asset; ``observe=False`` skips recording values (existence candidates)."""
        rule = compiled.rule
        origin = (asset.iam_origin or asset.origin) if rule.reads_only_iam_policy else (asset.origin or asset.iam_origin)
        project = self.view(asset)["project"] or None
        observed: tuple[Observation, ...] = ()

        def result(status: Status, message: str) -> Result:
            return Result(rule_id=rule.id, asset_name=asset.name, asset_type=asset.asset_type, status=status,
                          message=message, observed=observed, origin=origin, project=project)

        try:
            compiled = self.programs(compiled, asset)
        except ParamsUnavailable as exc:  # fail closed for this pair, go on with the rest
            return result(Status.ERROR, str(exc))
        if activation is None:
            activation = self.activation(asset)
        applies: bool | str = True
        if compiled.applies is not None:
            applies = _boolean(self.env.evaluate(compiled.applies, activation), "'applies'")
            if applies is False:
                return None  # not about this asset: nothing to observe
        if observe:
            observed = self.observe(compiled, activation)
        if isinstance(applies, str):
            return result(Status.ERROR, applies)
        verdict = _boolean(self.env.evaluate(compiled.condition, activation), "the condition")
        if isinstance(verdict, str):
            return result(Status.ERROR, verdict)
        if verdict:
            return result(Status.PASS, rule.title)
        short = project if asset.asset_type == PROJECT_TYPE and project else asset.name.rsplit("/", 1)[-1]
        return result(Status.FAIL, failure_message(rule.message, rule.title, short, observed))

    def existence(self, compiled: CompiledRule, project: Asset) -> Result:
        rule = compiled.rule
        matching: list[str] = []
        errors: list[str] = []
        candidates = 0
        for asset_type in rule.resource_types:
            for asset in self.inventory.in_project(asset_type, project):
                key = (asset.asset_type, asset.name)
                if key not in self._activations:
                    self._activations[key] = self.activation(asset)
                outcome = self.per_asset(compiled, asset, self._activations[key], observe=False)
                if outcome is None:
                    continue
                candidates += 1
                if outcome.status is Status.PASS:
                    matching.append(asset.name)
                elif outcome.status is Status.ERROR:
                    errors.append(f"{asset.name}: {outcome.message}")
        project_id = self.inventory.project_of(project) or project.name.rsplit("/", 1)[-1]

        def result(status: Status, message: str, observed: tuple[Observation, ...] = ()) -> Result:
            return Result(rule_id=rule.id, asset_name=project.name, asset_type=PROJECT_TYPE, status=status,
                          message=message, observed=observed, origin=project.origin or project.iam_origin,
                          project=project_id)

        try:
            compiled = self.programs(compiled, project)
        except ParamsUnavailable as exc:
            return result(Status.ERROR, str(exc))
        observed = (Observation("candidates", candidates), Observation("matching", sorted(matching)[:MAX_LISTED]),
                    *self.observe(compiled, self.activation(project)))
        if matching:
            return result(Status.PASS, rule.title, observed)
        if errors:
            return result(Status.ERROR, f"no asset in the project passes and {len(errors)} could not be evaluated; "
                                        f"first: {errors[0]}", observed)
        return result(Status.FAIL, failure_message(rule.message, rule.title, project_id, observed), observed)


def _boolean(outcome: Evaluation, what: str) -> bool | str:
    """The boolean an expression returned, or the error message to report."""
    if outcome.error is not None:
        return f"could not evaluate {what}: {outcome.error}"
    if not isinstance(outcome.value, bool):
        return f"{what} returned {_show(outcome.value)}, not a boolean"
    return outcome.value


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
    values = _Values({o.name: _show_observed(o) for o in observed})
    values["asset"] = short
    return Formatter().vformat(template, (), values).strip()


class _Values(dict):  # type: ignore[type-arg]
    """Template values; a name with no value reads "(not set)" (the loader checks names exist)."""

    def __missing__(self, key: str) -> str:
        return "(not set)"


def _show_observed(observation: Observation) -> str:
    return "(not set)" if observation.missing or observation.value is None else _show(observation.value)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))
