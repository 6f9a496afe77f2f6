"""Load policy files: YAML shape, then JSON Schema, then semantics (unique ids, CEL compiles)."""

from __future__ import annotations

import json
from string import Formatter
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from scanner.errors import PolicyError
from scanner.model import Origin, Remediation, Rule, Severity
from scanner.paths import expand_paths
from scanner.policy.cel import CompiledRule, RuleEnvironment
from scanner.policy.constraints import constraint_to_rule, is_constraint
from scanner.policy.yamlfile import line_of, load_yaml, plain

POLICY_SUFFIXES = (".yaml", ".yml")


def load_schema(name: str) -> dict[str, Any]:
    """One of hascan's JSON Schemas (``policy``, ``mapping``, ``report``...)."""
    text = resources.files("scanner.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def policy_files(paths: Iterable[str | Path]) -> list[Path]:
    return expand_paths(paths, lambda p: p.suffix in POLICY_SUFFIXES, PolicyError, "policy files (*.yaml)")


def load_rules(paths: Iterable[str | Path]) -> list[Rule]:
    """Every rule in the given files and directories, checked against the policy schema."""
    validator = jsonschema.Draft202012Validator(load_schema("policy"),
                                                format_checker=jsonschema.FormatChecker())
    constraint_validator = jsonschema.Draft202012Validator(load_schema("constraint"))
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for path in policy_files(paths):
        document = load_yaml(path, PolicyError)
        if is_constraint(document):
            _check_schema(constraint_validator, document, path)
            found = [constraint_to_rule(document, path)]
        else:
            _check_schema(validator, document, path)
            found = [_to_rule(item, path) for item in document["rules"]]
        for rule in found:
            if rule.id in seen:
                first = seen[rule.id].origin
                raise PolicyError(f"rule id {rule.id!r} is defined twice (first at {first.path}:{first.line})",
                                  where=f"{path}:{rule.origin.line}")
            seen[rule.id] = rule
            rules.append(rule)
    return sorted(rules, key=lambda r: r.id)


def compile_rules(rules: Iterable[Rule], env: RuleEnvironment) -> list[CompiledRule]:
    """Compile every rule's CEL; the first that does not compile raises ``PolicyError``."""
    compiled = []
    for rule in rules:
        _check_message(rule)
        compiled.append(env.compile_rule(rule))
    return compiled


def _check_schema(validator: jsonschema.Validator, document: Any, path: Path) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return
    error = errors[0]
    location = tuple(error.absolute_path)
    line = line_of(document, location) or 1
    rule_id = None
    if len(location) >= 2 and location[0] == "rules":
        item = document["rules"][location[1]]
        rule_id = item.get("id") if isinstance(item, dict) else None
    field = ".".join(str(p) for p in location) or "(top level)"
    prefix = f"rule {rule_id}: " if rule_id else ""
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise PolicyError(f"{prefix}{field}: {error.message}{more}", where=f"{path}:{line}")


def _to_rule(item: dict[str, Any], path: Path) -> Rule:
    remediation = item["remediation"]
    return Rule(
        id=item["id"],
        title=item["title"].strip(),
        description=item["description"].strip(),
        rationale=item.get("rationale", "").strip() or None,
        severity=Severity.parse(item["severity"]),
        resource_types=tuple(item["resourceTypes"]),
        condition=item["condition"],
        applies=item.get("applies"),
        params=plain(item.get("params", {})),
        observe=tuple(item.get("observe", {}).items()),
        message=item.get("message"),
        remediation=Remediation(
            text=remediation["text"].strip(),
            gcloud=(remediation.get("gcloud") or "").strip() or None,
            terraform=(remediation.get("terraform") or "").strip() or None,
        ),
        references=tuple(item.get("references", [])),
        origin=Origin(str(path), getattr(item, "line", 1)),
        enabled=item.get("enabled", True),
        scope=item.get("scope", "asset"),
    )


def _check_message(rule: Rule) -> None:
    """A failure message may only name observed values and ``asset``."""
    if rule.message is None:
        return
    allowed = {name for name, _ in rule.observe} | {"asset"}
    if rule.scope == "project":
        allowed |= {"candidates", "matching"}
    try:
        fields = {name for _, name, _, _ in Formatter().parse(rule.message) if name is not None}
    except ValueError as exc:
        raise PolicyError(f"rule {rule.id}: message: {exc}", where=_where(rule)) from None
    unknown = sorted(fields - allowed)
    if unknown:
        raise PolicyError(f"rule {rule.id}: message names {', '.join(unknown)}, which "
                          f"{'is' if len(unknown) == 1 else 'are'} not in observe", where=_where(rule))


def _where(rule: Rule) -> str:
    return f"{rule.origin.path}:{rule.origin.line}" if rule.origin else rule.id
