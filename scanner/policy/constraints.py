"""GCP custom organization policy constraints, evaluated as hascan rules against existing assets.

A constraint file (the format of ``gcloud org-policies set-custom-constraint``) names
resource types, a CEL ``condition`` over ``resource`` and an ``actionType``:

* ``ALLOW``: a resource complies when the condition is true;
* ``DENY``: a resource complies when the condition is false.

So teams can audit what their preventive constraints would block among resources that
already exist. The differences from Organization Policy are listed in the README.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scanner.model import Origin, Remediation, Rule, Severity

CONSTRAINT_KEYS = frozenset({"resourceTypes", "condition", "actionType"})
DEFAULT_SEVERITY = Severity.MEDIUM


def is_constraint(document: Any) -> bool:
    return isinstance(document, dict) and set(document) >= CONSTRAINT_KEYS and "rules" not in document


def rule_id_for(name: str) -> str:
    """``organizations/1/customConstraints/custom.sqlRegional`` becomes ``constraint-custom-sqlregional``."""
    tail = name.rsplit("/", 1)[-1]
    return "constraint-" + re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")


def constraint_to_rule(document: dict[str, Any], path: Path) -> Rule:
    name = document["name"]
    action = document["actionType"]
    condition = document["condition"].strip()
    title = (document.get("displayName") or name.rsplit("/", 1)[-1]).strip()
    description = (document.get("description") or f"Custom constraint {name}.").strip()
    verb = "allows" if action == "ALLOW" else "denies"
    return Rule(
        id=rule_id_for(name),
        title=title,
        description=f"{description} (GCP custom constraint {name}, {action}: it {verb} resources whose "
                    f"condition is true.)",
        severity=DEFAULT_SEVERITY,
        resource_types=tuple(document["resourceTypes"]),
        condition=condition if action == "ALLOW" else f"!({condition})",
        remediation=Remediation(text=f"Change the resource so custom constraint {name} would "
                                     f"{'allow' if action == 'ALLOW' else 'not deny'} it: {description}"),
        message=("the custom constraint would block this resource: its ALLOW condition is false"
                 if action == "ALLOW" else "the custom constraint would block this resource: its DENY condition is true"),
        rationale=f"Preventive control {name} (methods: {', '.join(document.get('methodTypes', [])) or 'unspecified'}); "
                  "hascan checks the resources that already exist.",
        origin=Origin(str(path), getattr(document, "line", 1)),
        kind="gcp-constraint",
    )
