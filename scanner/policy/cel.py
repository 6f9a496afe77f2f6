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

``quantity()`` and ``seconds()`` read units (see ``scanner.policy.functions``). The CEL standard extensions for strings, math, ``cel.bind`` and optionals are enabled.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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

Resolver = Callable[[str, str], Any]
Lister = Callable[[str], list[Any]]


class Evaluation:
    """The outcome of evaluating one expression: a plain value or an error message."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: str | None = None) -> None:
        self.value = value
        self.error = error


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its CEL expressions compiled once, at load."""

    rule: Rule
    condition: Any
    applies: Any | None
    observe: tuple[tuple[str, Any], ...]


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
            return self.compile(f"({expression}).orValue(null)", where, label)
        return program

    def compile_rule(self, rule: Rule) -> CompiledRule:
        where = _where(rule)
        label = f"rule {rule.id}"
        return CompiledRule(
            rule=rule,
            condition=self.compile(rule.condition, where, f"{label}: condition", boolean=True),
            applies=self.compile(rule.applies, where, f"{label}: applies", boolean=True) if rule.applies else None,
            observe=tuple((name, self.compile(expr, where, f"{label}: observe.{name}")) for name, expr in rule.observe),
        )

    def activation(self, variables: Mapping[str, Any], resolve: Resolver, list_assets: Lister,
                   list_project_assets: Lister) -> Any:
        bound = [
            cel.Function("ref", [cel.Type.STRING, cel.Type.STRING], False, resolve, cel.Type.DYN),
            cel.Function("assets", [cel.Type.STRING], False, list_assets, cel.Type.List(cel.Type.DYN)),
            cel.Function("projectAssets", [cel.Type.STRING], False, list_project_assets,
                         cel.Type.List(cel.Type.DYN)),
        ]
        return self._env.Activation(dict(variables), bound)

    @staticmethod
    def evaluate(program: Any, activation: Any) -> Evaluation:
        try:
            result = program.eval(activation)
        except Exception as exc:  # the runtime reports most problems as error values; be safe
            return Evaluation(error=_clean_runtime_error(str(exc)))
        try:
            if result.type() == cel.Type.ERROR:
                return Evaluation(error=_clean_runtime_error(str(result.value())))
            return Evaluation(value=_plain(result.plain_value()))
        except TypeError:  # e.g. optionals nested in a list: the runtime cannot convert them
            return Evaluation(error="the result cannot be converted to a plain value")


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
