"""Normalise one Cloud Asset Inventory record, whatever export shape it came in.

``gcloud asset export`` writes snake_case envelope keys (``asset_type``, ``iam_policy``);
``gcloud asset list`` and the ListAssets API write camelCase (``assetType``, ``iamPolicy``).
``resource.data`` is camelCase in every shape and is never renamed; only integral doubles
(protobuf ``Struct`` numbers) become ints. IAM policies are normalised to camelCase keys
with enum names as strings.
"""

from __future__ import annotations

from typing import Any

from scanner.errors import InputError
from scanner.model import Asset, Origin

# Audit log types, by their protobuf enum numbers (google.iam.v1.AuditLogConfig.LogType).
_LOG_TYPES = {0: "LOG_TYPE_UNSPECIFIED", 1: "ADMIN_READ", 2: "DATA_WRITE", 3: "DATA_READ"}


def _get(record: dict[str, Any], snake: str, camel: str) -> Any:
    value = record.get(snake)
    return record.get(camel) if value is None else value


def record_type(record: Any) -> str | None:
    """The asset type of a raw record, or None if it has none (checked in ``to_asset``)."""
    if not isinstance(record, dict):
        return None
    value = _get(record, "asset_type", "assetType")
    return value if isinstance(value, str) else None


def to_asset(record: Any, origin: Origin | None, where: str | None = None) -> Asset:
    """Validate and normalise one raw record into an ``Asset``; errors name ``origin`` (or ``where``)."""
    where = f"{origin.path}:{origin.line}" if origin is not None else (where or "asset record")
    if not isinstance(record, dict):
        raise InputError(f"expected an asset object, found {_kind(record)}", where=where)
    name = record.get("name")
    asset_type = record_type(record)
    if not isinstance(name, str) or not name:
        raise InputError("asset record has no 'name'", where=where)
    if asset_type is None:
        raise InputError(f"asset {name} has no 'asset_type' (or 'assetType')", where=where)

    resource = record.get("resource")
    data = None
    location = parent = version = None
    if resource is not None:
        if not isinstance(resource, dict):
            raise InputError(f"asset {name}: 'resource' must be an object, found {_kind(resource)}", where=where)
        data = resource.get("data")
        if data is not None and not isinstance(data, dict):
            raise InputError(f"asset {name}: 'resource.data' must be an object, found {_kind(data)}", where=where)
        location = _optional_str(resource, "location", name, where)
        parent = _optional_str(resource, "parent", name, where)
        version = _optional_str(resource, "version", name, where)
        data = integral_doubles_to_int(data) if data is not None else {}

    iam = _get(record, "iam_policy", "iamPolicy")
    if iam is not None:
        if not isinstance(iam, dict):
            raise InputError(f"asset {name}: 'iam_policy' must be an object, found {_kind(iam)}", where=where)
        iam = normalise_iam_policy(iam, name, where)

    ancestors = record.get("ancestors", [])
    if not isinstance(ancestors, list) or not all(isinstance(a, str) for a in ancestors):
        raise InputError(f"asset {name}: 'ancestors' must be a list of strings", where=where)
    update_time = _get(record, "update_time", "updateTime")

    return Asset(
        name=name,
        asset_type=asset_type,
        data=data,
        iam_policy=iam,
        location=location,
        parent=parent,
        ancestors=tuple(ancestors),
        update_time=update_time if isinstance(update_time, str) else None,
        version=version,
        origin=origin if resource is not None or iam is None else None,
        iam_origin=origin if iam is not None else None,
    )


def normalise_iam_policy(policy: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "version" in policy:
        out["version"] = integral_doubles_to_int(policy["version"])
    if "etag" in policy:
        out["etag"] = policy["etag"]
    bindings = policy.get("bindings", [])
    if not isinstance(bindings, list):
        raise InputError(f"asset {name}: IAM 'bindings' must be a list", where=where)
    out["bindings"] = [integral_doubles_to_int(b) for b in bindings]
    configs = _get(policy, "audit_configs", "auditConfigs") or []
    if not isinstance(configs, list):
        raise InputError(f"asset {name}: IAM 'auditConfigs' must be a list", where=where)
    out["auditConfigs"] = [_audit_config(c, name, where) for c in configs]
    return out


def _audit_config(config: Any, name: str, where: str) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise InputError(f"asset {name}: each IAM audit config must be an object", where=where)
    log_configs = _get(config, "audit_log_configs", "auditLogConfigs") or []
    if not isinstance(log_configs, list):
        raise InputError(f"asset {name}: 'auditLogConfigs' must be a list", where=where)
    out_logs = []
    for entry in log_configs:
        if not isinstance(entry, dict):
            raise InputError(f"asset {name}: each audit log config must be an object", where=where)
        log_type = _get(entry, "log_type", "logType")
        if isinstance(log_type, float) and log_type.is_integer():
            log_type = int(log_type)
        if isinstance(log_type, int) and not isinstance(log_type, bool):
            log_type = _LOG_TYPES.get(log_type, f"LOG_TYPE_{log_type}")
        exempted = _get(entry, "exempted_members", "exemptedMembers") or []
        out_logs.append({"logType": log_type, "exemptedMembers": list(exempted)})
    return {"service": config.get("service"), "auditLogConfigs": out_logs}


def integral_doubles_to_int(value: Any) -> Any:
    """Protobuf Struct numbers are doubles: ``300.0`` becomes ``300``. Other values are kept."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if isinstance(value, dict):
        return {k: integral_doubles_to_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_doubles_to_int(v) for v in value]
    return value


def _optional_str(resource: dict[str, Any], key: str, name: str, where: str) -> str | None:
    value = resource.get(key)
    if value is None or isinstance(value, str):
        return value
    raise InputError(f"asset {name}: 'resource.{key}' must be a string, found {_kind(value)}", where=where)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)
