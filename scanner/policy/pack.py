"""Where the built-in rule pack and mapping live: beside the package when installed, else in the checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[-1]


def builtin_policies() -> Path:
    return _first_existing(_PACKAGE / "_builtin" / "policies", _PACKAGE.parent / "policies")


def builtin_mapping() -> Path:
    return _first_existing(_PACKAGE / "_builtin" / "mappings" / "soc2.yaml", _PACKAGE.parent / "mappings" / "soc2.yaml")
