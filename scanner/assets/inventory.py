"""The assets of one scan, merged and indexed for rules and cross-asset references."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.errors import InputError
from scanner.model import Asset

PROJECT_TYPE = "cloudresourcemanager.googleapis.com/Project"


def reference_tail(reference: str) -> str | None:
    """The ``projects/<p>/...`` part of a full name, self link or relative name; None if it has none.

    ``https://www.googleapis.com/compute/v1/projects/p/global/sslPolicies/x``,
    ``//compute.googleapis.com/projects/p/global/sslPolicies/x`` and
    ``projects/p/global/sslPolicies/x`` all give ``projects/p/global/sslPolicies/x``.
    """
    text = reference.strip()
    if text.startswith("projects/"):
        return text.rstrip("/")
    index = text.find("/projects/")
    if index < 0:
        return None
    return text[index + 1:].rstrip("/")


class Inventory:
    """Assets by type and by reference; RESOURCE and IAM_POLICY records of one asset merged.

    Project ids and numbers are interchangeable in references (compute names use the id,
    Secret Manager and monitoring names the number), using the Project assets in scope.
    """

    def __init__(self, assets: Iterable[Asset]) -> None:
        merged: dict[tuple[str, str], Asset] = {}
        for asset in assets:
            key = (asset.asset_type, asset.name)
            seen = merged.get(key)
            merged[key] = asset if seen is None else _merge(seen, asset)
        self._assets = merged
        self._by_type: dict[str, list[Asset]] = {}
        for (asset_type, _), asset in sorted(merged.items()):
            self._by_type.setdefault(asset_type, []).append(asset)
        self._number_of: dict[str, str] = {}
        self._id_of: dict[str, str] = {}
        for project in self._by_type.get(PROJECT_TYPE, []):
            data = project.data or {}
            number, project_id = str(data.get("projectNumber", "")), data.get("projectId")
            if number and isinstance(project_id, str):
                self._number_of[project_id] = number
                self._id_of[number] = project_id
        self._by_key: dict[tuple[str, str], Asset] = {}
        self._by_project: dict[tuple[str, str | None], list[Asset]] = {}
        for asset_type, assets_of_type in self._by_type.items():
            for asset in assets_of_type:
                tail = reference_tail(asset.name)
                if tail is not None:
                    self._by_key[(asset_type, self._canonical(tail))] = asset
                self._by_project.setdefault((asset_type, self.project_key(asset)), []).append(asset)

    def __len__(self) -> int:
        return len(self._assets)

    def types(self) -> list[str]:
        return sorted(self._by_type)

    def of_type(self, asset_type: str) -> list[Asset]:
        """Every asset of one type, ordered by name."""
        return self._by_type.get(asset_type, [])

    def project_key(self, asset: Asset) -> str | None:
        """The project an asset belongs to, as a number when known (ancestors, Project assets), else an id."""
        number = next((a.split("/", 1)[1] for a in asset.ancestors if a.startswith("projects/")), None)
        if number is not None:
            return number
        tail = reference_tail(asset.name)
        if tail is None or "/" not in tail:
            return None
        spelled = tail.split("/")[1]
        return self._number_of.get(spelled, spelled)

    def projects(self) -> list[Asset]:
        """One Project asset per project in scope; a bare one for projects seen only in other assets' names."""
        found: dict[str, Asset] = {}
        for project in self.of_type(PROJECT_TYPE):
            key = self.project_key(project)
            if key is not None:
                found.setdefault(key, project)
        for asset in self._assets.values():
            key = self.project_key(asset)
            if key is not None and key not in found:
                found[key] = Asset(name=f"//cloudresourcemanager.googleapis.com/projects/{key}",
                                   asset_type=PROJECT_TYPE, data={}, ancestors=(f"projects/{key}",))
        return [found[key] for key in sorted(found)]

    def in_project(self, asset_type: str, member: Asset) -> list[Asset]:
        """Assets of one type in the same project as ``member`` (a Project asset or any other), by name."""
        key = self.project_key(member)
        return self._by_project.get((asset_type, key), []) if key is not None else []

    def project_of(self, asset: Asset) -> str | None:
        """The project id of an asset (the number if the id is not known)."""
        key = self.project_key(asset)
        return None if key is None else self._id_of.get(key, key)

    def resolve(self, reference: str, asset_type: str, context: Asset | None = None) -> Asset | None:
        """The asset of ``asset_type`` that ``reference`` names, or None.

        A reference without ``projects/`` is taken relative to the project (and, for a bare
        name, the location) of ``context``, as Cloud Run does for connector names.
        """
        tail = reference_tail(reference)
        if tail is not None:
            return self._by_key.get((asset_type, self._canonical(tail)))
        relative = reference.strip().strip("/")
        if context is None or not relative:
            return None
        for project in self._projects_of(context):
            if "/" in relative:
                found = self._by_key.get((asset_type, self._canonical(f"projects/{project}/{relative}")))
            else:
                found = self._by_short_name(relative, asset_type, project, context.location)
            if found is not None:
                return found
        return None

    def _projects_of(self, asset: Asset) -> list[str]:
        """Every way the asset's project may be spelled: id and number, from its name and ancestors."""
        tail = reference_tail(asset.name)
        spelled = [tail.split("/")[1]] if tail is not None and "/" in tail else []
        spelled += [a.split("/", 1)[1] for a in asset.ancestors if a.startswith("projects/")]
        spelled += [self._id_of[p] for p in spelled if p in self._id_of]
        return list(dict.fromkeys(spelled))

    def _by_short_name(self, name: str, asset_type: str, project: str, location: str | None) -> Asset | None:
        matches = [
            a for a in self.of_type(asset_type)
            if a.name.rsplit("/", 1)[-1] == name and project in self._projects_of(a)
            and (location is None or a.location in (None, location))
        ]
        return matches[0] if len(matches) == 1 else None

    def _canonical(self, tail: str) -> str:
        parts = tail.split("/")
        if len(parts) > 1 and parts[1] in self._number_of:
            parts[1] = self._number_of[parts[1]]
        return "/".join(parts)


def _merge(first: Asset, second: Asset) -> Asset:
    """Combine the RESOURCE and IAM_POLICY records of one asset."""
    if first.data is not None and second.data is not None and first.data != second.data:
        raise InputError(
            f"asset {first.name} appears twice with different resource data "
            f"(also at {_where(first)})", where=_where(second))
    if first.iam_policy is not None and second.iam_policy is not None and first.iam_policy != second.iam_policy:
        raise InputError(
            f"asset {first.name} appears twice with different IAM policies "
            f"(also at {_where(first)})", where=_where(second))
    resource_side = first if first.data is not None else second
    values: dict[str, Any] = {
        field: getattr(resource_side, field) or getattr(first, field) or getattr(second, field)
        for field in ("data", "location", "parent", "update_time", "version", "origin")
    }
    values["iam_origin"] = first.iam_origin or second.iam_origin
    return Asset(
        name=first.name,
        asset_type=first.asset_type,
        iam_policy=first.iam_policy if first.iam_policy is not None else second.iam_policy,
        ancestors=first.ancestors or second.ancestors,
        **values,
    )


def _where(asset: Asset) -> str:
    origin = asset.origin or asset.iam_origin
    return f"{origin.path}:{origin.line}" if origin else "unknown location"
