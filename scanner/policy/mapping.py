"""Load a compliance mapping (``mappings/soc2.yaml``) and check it against the rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import jsonschema

from scanner.errors import MappingError
from scanner.model import ComplianceMapping, Criterion, NotCheckable, Origin, Rule
from scanner.policy.loader import load_schema
from scanner.policy.yamlfile import line_of, load_yaml


def load_mapping(path: str | Path) -> ComplianceMapping:
    path = Path(path)
    document = load_yaml(path, MappingError)
    validator = jsonschema.Draft202012Validator(load_schema("mapping"))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = errors[0]
        where = tuple(error.absolute_path)
        field = ".".join(map(str, where)) or "(top level)"
        raise MappingError(f"{field}: {error.message}", where=f"{path}:{line_of(document, where) or 1}")
    criteria = tuple(
        Criterion(id=cid, title=body["title"].strip(), rule_ids=tuple(body["rules"]),
                  description=(body.get("description") or "").strip() or None)
        for cid, body in sorted(document["criteria"].items(), key=lambda kv: _criterion_key(kv[0]))
    )
    not_checkable = tuple(
        NotCheckable(requirement=item["requirement"].strip(), reason=" ".join(item["reason"].split()),
                     criteria=tuple(item.get("criteria", [])))
        for item in document.get("notCheckable", [])
    )
    return ComplianceMapping(framework=document["framework"], criteria=criteria,
                             origin=Origin(str(path), 1), not_checkable=not_checkable)


def check_mapping(mapping: ComplianceMapping, rules: Iterable[Rule], strict: bool) -> None:
    """Every rule must map to a criterion; with ``strict``, every mapped id must be a rule."""
    rules = list(rules)
    known = {r.id for r in rules}
    where = mapping.origin.path if mapping.origin else None
    # Rules from GCP custom constraints carry criteria only if the mapping names them.
    unmapped = sorted(r.id for r in rules if not mapping.criteria_for(r.id) and r.kind == "policy")
    if unmapped:
        raise MappingError(f"{len(unmapped)} rule(s) map to no {mapping.framework} criterion: "
                           f"{', '.join(unmapped)}", where=where)
    if strict:
        unknown = sorted({rid for c in mapping.criteria for rid in c.rule_ids} - known)
        if unknown:
            raise MappingError(f"the mapping names unknown rule(s): {', '.join(unknown)}", where=where)


def attach_criteria(mapping: ComplianceMapping, rules: Iterable[Rule]) -> list[Rule]:
    return [replace(rule, criteria=mapping.criteria_for(rule.id)) for rule in rules]


def _criterion_key(criterion_id: str) -> tuple[str, tuple[int, ...]]:
    """Order CC6.1 before CC6.10 and A1.2 before CC1.1."""
    head = criterion_id.rstrip("0123456789.")
    numbers = criterion_id[len(head):]
    return head, tuple(int(n) for n in numbers.split(".") if n)
