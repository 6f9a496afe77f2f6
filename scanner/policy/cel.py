"""The CEL environment rules run in: variables, hascan's functions, compilation and evaluation.

Every condition sees three variables:

* ``resource``: the asset's ``resource.data`` (the service's REST representation);
* ``asset``: ``name``, ``assetType``, ``location``, ``parent``, ``ancestors``,
  ``updateTime``, ``project``, ``iamPolicy`` (``{}`` if none was exported) and
  ``resource`` (the same map as ``resource``);
* ``params``: the rule's parameters.

and two functions that follow references between assets of the same scan:

* ``ref(reference, assetType)``: the asset (shaped like ``asset``) that a reference names
  (self link, full name, ``projects/...`` path, or a name relative to the referring
  asset's project), or ``null`` if the snapshot does not contain it;
* ``assets(assetType)``: every asset of that type in the scan, shaped like ``asset``;
* ``projectAssets(assetType)``: the same, restricted to the project of the asset (or, for a
  ``scope: project`` rule, the project) being evaluated.

``quantity()`` and ``seconds()`` read units (see ``scanner.policy.functions``). The CEL
standard extensions for strings, math, ``cel.bind`` and optionals are enabled.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_bindings, ext_math, ext_optional, ext_strings

from scanner.errors import PolicyError
from scanner.policy import functions
from scanner.model import Asset, Rule

VARIABLES = ("resource", "asset", "params")

_FUNCTIONS = cel.CelExtension("hascan", [
    cel.FunctionDecl("ref", [cel.Overload("hascan_ref_string_string", return_type=cel.Type.DYN,
                                          parameters=[cel.Type.STRING, cel.Type.STRING])]),
    cel.FunctionDecl("assets", [cel.Overload("hascan_assets_string", return_type=cel.Type.List(cel.Type.DYN),
                                             parameters=[cel.Type.STRING])]),
    cel.FunctionDecl("projectAssets", [cel.Overload("hascan_project_assets_string",
                                                    return_type=cel.Type.List(cel.Type.DYN),
                                                    parameters=[cel.Type.STRING])]),
])

_REF_PARAMS = [cel.Type.STRING, cel.Type.STRING]
_LIST_PARAMS = [cel.Type.STRING]
_LIST_OF_DYN = cel.Type.List(cel.Type.DYN)
_ERROR = cel.Type.ERROR
_SCALARS = frozenset({bool, int, float, str, type(None)})

Resolver = Callable[[str, str], Any]
Lister = Callable[[str], list[Any]]


class Evaluation:
    """The outcome of evaluating one expression: a plain value or an error message."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: str | None = None) -> None:
        self.value = value
        self.error = error


class _Activation:
    """A CEL activation and the functions bound into it, kept referenced together while in use."""

    __slots__ = ("native", "functions")

    def __init__(self, native: Any, functions: list[Any]) -> None:
        self.native = native
        self.functions = functions


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its CEL expressions compiled for one set of params.

    The params are bound into the programs as constants (``cel.bind(params, {...}, expr)``),
    so one activation per asset serves every rule: converting an asset's data into CEL values
    costs far more than evaluating an expression on it.
    """

    rule: Rule
    condition: Any
    applies: Any | None
    observe: tuple[tuple[str, Any], ...]
    constant: frozenset[str] = frozenset()  # observe names that depend on params only (same for every asset)


class RuleEnvironment:
    """Compiles rule expressions and evaluates them against assets."""

    def __init__(self) -> None:
        self._env = cel.NewEnv(
            variables={name: cel.Type.DYN for name in VARIABLES},
            extensions=[ext_strings.ExtStrings(), ext_math.ExtMath(), ext_bindings.ExtBindings(),
                        ext_optional.ExtOptional(), _FUNCTIONS, functions.EXTENSION],
        )

    def compile(self, expression: str, where: str, label: str, boolean: bool = False) -> Any:
        try:
            program = self._env.compile(expression)
        except RuntimeError as exc:
            raise PolicyError(f"{label}: CEL does not compile:\n{_clean_compile_error(str(exc), label)}",
                              where=where) from None
        kind = program.return_type().name()
        if boolean and kind not in ("bool", "dyn", "BOOL", "DYN"):
            raise PolicyError(f"{label}: must be a boolean expression, but it returns {kind}", where=where)
        if kind.startswith("optional_type"):
            # An optional cannot leave the runtime; an observed optional records its value or null.
            return self.compile(_unwrapped(expression), where, label)
        return program

    def compile_rule(self, rule: Rule) -> CompiledRule:
        """Check every expression as written (errors point into it), then compile it with the params bound."""
        where = _where(rule)
        label = f"rule {rule.id}"
        checked = CompiledRule(
            rule=rule,
            condition=self.compile(rule.condition, where, f"{label}: condition", boolean=True),
            applies=self.compile(rule.applies, where, f"{label}: applies", boolean=True) if rule.applies else None,
            observe=tuple((name, self.compile(expr, where, f"{label}: observe.{name}")) for name, expr in rule.observe),
            constant=_params_only(rule),
        )
        # Without params the programs as written are the programs to run (the activation binds params to {}).
        return checked if not rule.params else self.with_params(rule, rule.params)

    def with_params(self, rule: Rule, params: Mapping[str, Any]) -> CompiledRule:
        """The rule's programs with ``params`` bound as constants (the rule itself already compiled)."""
        where = _where(rule)
        label = f"rule {rule.id}"
        try:
            literal = _cel_literal(params)
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"{label}: params cannot be expressed in CEL: {exc}", where=where) from None

        def bound(expression: str) -> str:
            return f"cel.bind(params, {literal},\n{expression}\n)"

        return CompiledRule(
            rule=rule if params == rule.params else replace(rule, params=dict(params)),
            condition=self.compile(bound(rule.condition), where, f"{label}: condition", boolean=True),
            applies=self.compile(bound(rule.applies), where, f"{label}: applies", boolean=True) if rule.applies else None,
            observe=tuple((name, self.compile(bound(expr), where, f"{label}: observe.{name}"))
                          for name, expr in rule.observe),
            constant=_params_only(rule),
        )

    @staticmethod
    def bind(resolve: Resolver, list_assets: Lister, list_project_assets: Lister) -> list[Any]:
        """The late-bound functions for one asset (reusable across that asset's activations)."""
        return [
            cel.Function("ref", _REF_PARAMS, False, resolve, cel.Type.DYN),
            cel.Function("assets", _LIST_PARAMS, False, list_assets, _LIST_OF_DYN),
            cel.Function("projectAssets", _LIST_PARAMS, False, list_project_assets, _LIST_OF_DYN),
        ]

    def activation(self, variables: Mapping[str, Any], bound: list[Any]) -> _Activation:
        return _Activation(self._env.Activation(dict(variables), bound), bound)

    @staticmethod
    def evaluate(program: Any, activation: _Activation) -> Evaluation:
        try:
            result = program.eval(activation.native)
        except Exception as exc:  # the runtime reports most problems as error values; be safe
            return Evaluation(error=_clean_runtime_error(str(exc)))
        try:
            if result.type() == _ERROR:
                return Evaluation(error=_clean_runtime_error(str(result.value())))
            value = result.plain_value()
            return Evaluation(value=value if type(value) in _SCALARS else _plain(value))
        except TypeError:  # e.g. optionals nested in a list: the runtime cannot convert them
            return Evaluation(error="the result cannot be converted to a plain value")


_READS_ASSET = re.compile(r"\b(resource|asset|ref|assets|projectAssets)\b")


def _params_only(rule: Rule) -> frozenset[str]:
    """Observe expressions that read neither the asset nor other assets: their value depends on params only."""
    return frozenset(name for name, expr in rule.observe if _READS_ASSET.search(expr) is None)


def _cel_literal(value: Any) -> str:
    """A params value as a CEL literal: JSON's syntax for maps, lists, strings, numbers, booleans and null
    is CEL's too."""
    return json.dumps(value, allow_nan=False, ensure_ascii=True, sort_keys=True)


def _unwrapped(expression: str) -> str:
    return f"({expression}).orValue(null)"


def asset_view(asset: Asset, project: str | None) -> dict[str, Any]:
    """The ``asset`` variable: the envelope of an asset, with its data under ``resource``."""
    return {
        "name": asset.name,
        "assetType": asset.asset_type,
        "location": asset.location or "",
        "parent": asset.parent or "",
        "ancestors": list(asset.ancestors),
        "updateTime": asset.update_time or "",
        "project": project or "",
        "iamPolicy": asset.iam_policy or {},
        "resource": asset.data or {},
    }


def _plain(value: Any) -> Any:
    """CEL results as JSON-compatible values; map keys sorted (CEL maps have no stable order)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.timedelta):
        total = value.total_seconds()
        return f"{int(total)}s" if total.is_integer() else f"{total}s"
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


_STATUS_PREFIX = re.compile(r"^[A-Z_]+: ")


def _clean_compile_error(text: str, label: str) -> str:
    text = _STATUS_PREFIX.sub("", text.strip())
    text = re.sub(r"\s*\[[A-Z_]+\]$", "", text)
    text = text.replace("ERROR: <input>:", "  at ")
    return text


def _clean_runtime_error(text: str) -> str:
    text = _STATUS_PREFIX.sub("", text.strip())
    match = re.match(r'Key not found in map : "(.*)"$', text)
    if match:
        return f"field '{match.group(1)}' is missing (guard it with has())"
    return text


def _where(rule: Rule) -> str:
    return f"{rule.origin.path}:{rule.origin.line}" if rule.origin else rule.id
