"""Plain data types shared by every layer: assets, rules, results."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from collections.abc import Mapping


# An asset type passed to ref(), assets() or projectAssets(): a quoted 'service.googleapis.com/Kind'
# that is a whole call argument (so map keys such as 'run.googleapis.com/minScale' never count).
ASSET_TYPE_LITERAL = re.compile(r"""[(,]\s*['"]([a-z0-9.-]+\.googleapis\.com/[A-Z][A-Za-z0-9]*)['"]\s*\)""")


class Severity(enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is more severe."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        return cls(value.lower())


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


class Status(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, order=True)
class Origin:
    """Where something was declared: a file and the 1-based line its record starts on.

    Sources set it for assets (snapshot record, later a Terraform file); the loader sets
    it for rules. Reports decide how to show it.
    """

    path: str
    line: int = 1


@dataclass(frozen=True)
class Asset:
    """One Cloud Asset Inventory asset, RESOURCE and IAM_POLICY content merged.

    ``data`` is the service's REST representation (``resource.data``), untouched except
    that integral doubles are ints. ``iam_policy`` is normalised to camelCase keys with
    enum names as strings.
    """

    name: str
    asset_type: str
    data: Mapping[str, Any] | None = None
    iam_policy: Mapping[str, Any] | None = None
    location: str | None = None
    parent: str | None = None
    ancestors: tuple[str, ...] = ()
    update_time: str | None = None
    version: str | None = None
    origin: Origin | None = None
    iam_origin: Origin | None = None  # where the IAM_POLICY record was read, when separate


@dataclass(frozen=True)
class Remediation:
    text: str
    gcloud: str | None = None
    terraform: str | None = None


@dataclass(frozen=True)
class Rule:
    """A declarative check: a CEL condition over every asset of some types."""

    id: str
    title: str
    description: str
    severity: Severity
    resource_types: tuple[str, ...]
    condition: str
    remediation: Remediation
    references: tuple[str, ...] = ()
    applies: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    observe: tuple[tuple[str, str], ...] = ()
    message: str | None = None
    rationale: str | None = None
    origin: Origin | None = None
    criteria: tuple[str, ...] = ()  # compliance criteria, attached from the mapping
    enabled: bool = True  # False: optional, off unless configuration turns it on
    scope: str = "asset"  # "asset": a result per asset; "project": an existence check per project
    kind: str = "policy"  # "policy": a hascan rule; "gcp-constraint": from a GCP custom constraint file

    @cached_property
    def reads(self) -> tuple[str, ...]:
        """Asset types named as string literals in the expressions (for ``ref`` and ``assets``)."""
        texts = [self.condition, self.applies or ""] + [expr for _, expr in self.observe]
        found = {m.group(1) for text in texts for m in ASSET_TYPE_LITERAL.finditer(text)}
        return tuple(sorted(found - set(self.resource_types)))

    @cached_property
    def reads_only_iam_policy(self) -> bool:
        """True if the rule looks at the IAM policy and not the resource data (for locations)."""
        texts = " ".join([self.condition, self.applies or ""] + [expr for _, expr in self.observe])
        return "iamPolicy" in texts and re.search(r"\bresource\b", texts) is None

    @cached_property
    def asset_types(self) -> frozenset[str]:
        """Every asset type this rule needs in the inventory."""
        return frozenset(self.resource_types) | frozenset(self.reads)


@dataclass(frozen=True)
class Observation:
    """A value a rule looked at. ``value`` is JSON-compatible; ``missing`` if it could not be read."""

    name: str
    value: Any = None
    missing: bool = False


@dataclass(frozen=True)
class Result:
    """The verdict of one rule on one asset, with the values that decided it."""

    rule_id: str
    asset_name: str
    asset_type: str
    status: Status
    message: str
    observed: tuple[Observation, ...] = ()
    origin: Origin | None = None
    project: str | None = None


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    rule_ids: tuple[str, ...]
    description: str | None = None


@dataclass(frozen=True)
class NotCheckable:
    """A requirement the inventory cannot show, and why: stated, not pretended."""

    requirement: str
    reason: str
    criteria: tuple[str, ...] = ()


@dataclass(frozen=True)
class ComplianceMapping:
    """A compliance framework mapping (e.g. SOC 2 Trust Services Criteria) to rule ids."""

    framework: str
    criteria: tuple[Criterion, ...]
    origin: Origin | None = None
    not_checkable: tuple[NotCheckable, ...] = ()

    def criteria_for(self, rule_id: str) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria if rule_id in c.rule_ids)


@dataclass(frozen=True)
class InputInfo:
    """What was read: for evidence and reports."""

    sources: tuple[str, ...]
    records: int
    assets_in_scope: int
    provenance: tuple[tuple[tuple[str, Any], ...], ...] = ()  # per snapshot: read time, scopes... (sorted pairs)
