"""Listing, filtering and explaining rules (``hascan rules``, ``hascan explain``, ``hascan validate``)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

from scanner.config import Config
from scanner.errors import MappingError, UsageError
from scanner.model import ComplianceMapping, Rule
from scanner.policy.yamlfile import load_yaml


def filter_rules(rules: Iterable[Rule], severity: str | None = None, criterion: str | None = None,
                 asset_type: str | None = None) -> list[Rule]:
    selected = []
    for rule in rules:
        if severity and rule.severity.value != severity.lower():
            continue
        if criterion and not any(_criterion_matches(c, criterion) for c in rule.criteria):
            continue
        if asset_type and asset_type not in rule.resource_types:
            continue
        selected.append(rule)
    return selected


def _criterion_matches(criterion: str, query: str) -> bool:
    """``CC6.1`` matches ``CC6.1``, ``CC6`` and ``CC``."""
    query = query.strip().upper().rstrip(".")
    return criterion == query or criterion.startswith(query + ".") or (query.isalpha() and criterion.startswith(query))


def render_rule_list(rules: Sequence[Rule], fmt: str, off: dict[str, str] | None = None) -> str:
    """The rule catalog; ``off`` maps rules that will not run to the reason."""
    off = off or {}
    if fmt == "json":
        return json.dumps([
            {"id": r.id, "title": r.title, "severity": r.severity.value, "resourceTypes": list(r.resource_types),
             "criteria": list(r.criteria), "params": dict(r.params), "scope": r.scope,
             "enabled": r.id not in off, **({"disabledReason": off[r.id]} if r.id in off else {})}
            for r in rules], indent=2) + "\n"
    if not rules:
        return "No rules match.\n"
    width = max(len(r.id) for r in rules)
    lines = [f"{'RULE':<{width}}  {'SEVERITY':<8}  {'SOC 2':<12}  TITLE"]
    for r in rules:
        mark = "  (off)" if r.id in off else ""
        lines.append(f"{r.id:<{width}}  {r.severity.value:<8}  {','.join(r.criteria):<12}  {r.title}{mark}")
    summary = f"{len(rules)} rule(s)" + (f", {sum(1 for r in rules if r.id in off)} off" if off else "")
    lines.append(f"\n{summary}. 'hascan explain RULE' shows what a rule checks and how to fix it.")
    return "\n".join(lines) + "\n"


def render_explanation(rules: Sequence[Rule], mapping: ComplianceMapping, rule_id: str,
                       config: Config | None = None) -> str:
    by_id = {r.id: r for r in rules}
    rule = by_id.get(rule_id)
    if rule is None:
        close = sorted(r for r in by_id if rule_id.lower() in r or r in rule_id.lower())[:5]
        hint = f" Did you mean: {', '.join(close)}?" if close else " 'hascan rules' lists them."
        raise UsageError(f"no rule with id {rule_id!r}.{hint}")
    criteria = [c for c in mapping.criteria if c.id in rule.criteria]
    out = [f"{rule.id}: {rule.title}", "",
           f"Severity:     {rule.severity.value}",
           f"Asset types:  {', '.join(rule.resource_types)}"]
    if rule.reads:
        out.append(f"Also reads:   {', '.join(rule.reads)}")
    out += [f"{mapping.framework + ':':<13} " + "; ".join(f"{c.id} {c.title}" for c in criteria),
            f"Defined in:   {_shown_path(rule.origin.path)}:{rule.origin.line}" if rule.origin else "", "",
            "What it checks", _prose(rule.description)]
    if rule.rationale:
        out += ["", "Why", _prose(rule.rationale)]
    out += ["", "Condition (CEL, true when compliant)", _indent(rule.condition.strip())]
    if rule.applies:
        out += ["", "Applies to assets where", _indent(rule.applies.strip())]
    config = config or Config()
    if rule.scope == "project":
        out += ["", "Scope: one result per project; passes if at least one asset of its types satisfies the condition."]
    out += _parameters(rule, config)
    active, skipped = config.active([rule])
    if skipped:
        out += ["", f"Status: off ({skipped[0][1]})"]
    out += ["", "How to fix", _prose(rule.remediation.text)]
    if rule.remediation.gcloud:
        out += ["", "  gcloud:", _indent(rule.remediation.gcloud, 4)]
    if rule.remediation.terraform:
        out += ["", "  Terraform:", _indent(rule.remediation.terraform, 4)]
    if rule.references:
        out += ["", "References"] + [f"  {ref}" for ref in rule.references]
    return "\n".join(line for line in out) + "\n"


def _parameters(rule: Rule, config: Config) -> list[str]:
    """Defaults, then what the configuration sets globally and per selector."""
    if not rule.params:
        return []
    effective = config.with_global_params(rule).params
    out = ["", "Parameters (default -> effective)"]
    for name in sorted(rule.params):
        default, value = rule.params[name], effective[name]
        source = f"  [{config.path}]" if value != default else ""
        out.append(f"  {name} = {json.dumps(default)} -> {json.dumps(value)}{source}")
    for override in config.overrides:
        if rule.id in override.params:
            label = f" ({override.description})" if override.description else ""
            out.append(f"  where {override.selector}{label}:")
            out += [f"    {k} = {json.dumps(v)}" for k, v in sorted(override.params[rule.id].items())]
    return out


def split_validate_paths(paths: Sequence[str]) -> tuple[list[str], str | None]:
    """Sort ``hascan validate`` arguments into policy paths and one mapping file."""
    policies: list[str] = []
    mapping: str | None = None
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.suffix in (".yaml", ".yml") and _is_mapping(path):
            if mapping is not None:
                raise UsageError(f"two mapping files given: {mapping} and {raw}")
            mapping = raw
        else:
            policies.append(raw)
    return policies, mapping


def _is_mapping(path: Path) -> bool:
    document = load_yaml(path, MappingError)
    return isinstance(document, dict) and "criteria" in document


def _prose(text: str, width: int = 96) -> str:
    """A paragraph of prose wrapped for a terminal, indented by two spaces."""
    return "\n".join(textwrap.fill(part, width=width, initial_indent="  ", subsequent_indent="  ")
                     for part in text.split("\n\n"))


def _shown_path(path: str) -> str:
    """A path relative to the working directory when it lies under it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _indent(text: str, spaces: int = 2) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.splitlines())
