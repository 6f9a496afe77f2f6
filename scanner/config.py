"""Configuration (``.hascan.yaml``): rule params globally and per resource selector, and which rules run.

Effective params for a (rule, asset) pair are the rule's defaults, then the config's
``rules.<id>.params``, then every matching ``overrides`` entry in file order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jsonschema

from scanner.errors import ConfigError, ParamsUnavailable, PolicyError
from scanner.model import Rule
from scanner.policy.cel import RuleEnvironment
from scanner.policy.loader import load_schema
from scanner.policy.yamlfile import line_of, load_yaml, plain

DEFAULT_NAME = ".hascan.yaml"


@dataclass(frozen=True)
class Override:
    selector: str
    params: dict[str, dict[str, Any]]  # rule id -> params
    line: int
    description: str | None = None


@dataclass(frozen=True)
class Config:
    path: str | None = None
    enabled: dict[str, bool] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()

    def active(self, rules: Iterable[Rule]) -> tuple[list[Rule], list[tuple[Rule, str]]]:
        """Rules to run, and rules left out with the reason (config, or optional and not enabled)."""
        run, skipped = [], []
        for rule in rules:
            on = self.enabled.get(rule.id, rule.enabled)
            if on:
                run.append(rule)
            else:
                reason = self.reasons.get(rule.id) or "optional rule, not enabled in the configuration"
                skipped.append((rule, reason))
        return run, skipped

    def with_global_params(self, rule: Rule) -> Rule:
        return replace(rule, params={**rule.params, **self.params.get(rule.id, {})}) if rule.id in self.params else rule


def find_config(explicit: str | None, cwd: Path) -> Path | None:
    if explicit:
        return Path(explicit)
    return Path(DEFAULT_NAME) if (cwd / DEFAULT_NAME).is_file() else None


def load_config(path: str | Path | None, rules: Sequence[Rule]) -> Config:
    """Read and check a config against the loaded rules; ``None`` gives the empty config.

    Selectors are compiled by ``compile_selectors``, once, when the rule set is built.
    """
    if path is None:
        return Config()
    path = Path(path)
    if not path.exists():
        raise ConfigError("no such configuration file", where=str(path))
    document = load_yaml(path, ConfigError) or {}
    errors = sorted(jsonschema.Draft202012Validator(load_schema("config")).iter_errors(document),
                    key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        where = tuple(errors[0].absolute_path)
        raise ConfigError(f"{'.'.join(map(str, where)) or '(top level)'}: {errors[0].message}",
                          where=f"{path}:{line_of(document, where) or 1}")
    by_id = {r.id: r for r in rules}

    def check(rule_id: str, params: dict[str, Any], node: Any, at: tuple[Any, ...]) -> None:
        where = f"{path}:{line_of(document, at) or 1}"
        if rule_id not in by_id:
            raise ConfigError(f"unknown rule {rule_id!r}", where=where)
        unknown = sorted(set(params) - set(by_id[rule_id].params))
        if unknown:
            known = ", ".join(sorted(by_id[rule_id].params)) or "none"
            raise ConfigError(f"rule {rule_id} has no param {', '.join(unknown)} (its params: {known})", where=where)

    settings = document.get("rules", {})
    for rule_id, body in settings.items():
        check(rule_id, body.get("params", {}), body, ("rules", rule_id))
    overrides = []
    for index, item in enumerate(document.get("overrides", [])):
        for rule_id, body in item["rules"].items():
            check(rule_id, body["params"], body, ("overrides", index, "rules", rule_id))
        line = line_of(document, ("overrides", index)) or 1
        overrides.append(Override(selector=item["selector"], line=line, description=item.get("description"),
                                  params={rid: plain(body["params"]) for rid, body in item["rules"].items()}))
    return Config(
        path=str(path),
        enabled={rid: body["enabled"] for rid, body in settings.items() if "enabled" in body},
        reasons={rid: body["reason"] for rid, body in settings.items() if "reason" in body},
        params={rid: plain(body["params"]) for rid, body in settings.items() if "params" in body},
        overrides=tuple(overrides),
    )




def compile_selectors(config: Config, env: RuleEnvironment) -> tuple[Any, ...]:
    """The overrides' selectors as CEL programs; one that does not compile is a ``ConfigError``."""
    try:
        return tuple(env.compile(o.selector, f"{config.path}:{o.line}", "selector", boolean=True)
                     for o in config.overrides)
    except PolicyError as exc:
        raise ConfigError(exc.message, where=exc.where) from None


class ParamsResolver:
    """Effective params for a (rule, asset) in one audit: the rule's params, then matching overrides.

    The rule's params already carry the configuration's global values (``RuleSet.active``).
    A rule no override names gets its own params object back, untouched.
    """

    def __init__(self, config: Config, env: RuleEnvironment, selectors: Sequence[Any]) -> None:
        self._config = config
        self._env = env
        self._selectors = selectors
        self._overrides_of: dict[str, list[int]] = {}
        for index, override in enumerate(config.overrides):
            for rule_id in override.params:
                self._overrides_of.setdefault(rule_id, []).append(index)
        self._matches: dict[tuple[int, str, str], bool] = {}
        self._no_references = env.bind(_no_references, _no_references, _no_references)
        self._activation: tuple[tuple[str, str], Any] | None = None  # the asset selectors last looked at

    def __call__(self, rule: Rule, view: dict[str, Any]) -> Mapping[str, Any]:
        indexes = self._overrides_of.get(rule.id)
        if not indexes:
            return rule.params
        params = dict(rule.params)
        for index in indexes:
            if self._selects(index, view):
                params.update(self._config.overrides[index].params[rule.id])
        return params

    def _selects(self, index: int, view: dict[str, Any]) -> bool:
        asset = (view["assetType"], view["name"])
        key = (index, *asset)
        if key not in self._matches:
            outcome = self._env.evaluate(self._selectors[index], self._activation_for(asset, view))
            if outcome.error is not None or not isinstance(outcome.value, bool):
                override = self._config.overrides[index]
                problem = outcome.error or f"returned {outcome.value!r}, not a boolean"
                raise ParamsUnavailable(f"configuration selector at {self._config.path}:{override.line} "
                                        f"could not be evaluated: {problem}")
            self._matches[key] = outcome.value
        return self._matches[key]

    def _activation_for(self, asset: tuple[str, str], view: dict[str, Any]) -> Any:
        """One activation per asset for all selectors (converting an asset for CEL is the costly part)."""
        if self._activation is None or self._activation[0] != asset:
            activation = self._env.activation({"resource": view["resource"], "asset": view, "params": {}},
                                              self._no_references)
            self._activation = (asset, activation)
        return self._activation[1]


def _no_references(*args: Any) -> Any:
    raise ValueError("selectors cannot follow references (ref, assets, projectAssets)")
