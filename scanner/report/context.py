"""What a report needs besides the results: where paths are relative to, and terminal styling."""

from __future__ import annotations

import os
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from scanner.model import Origin


@dataclass(frozen=True)
class RenderContext:
    base_dir: Path
    color: bool = False
    fail_on: str = "low"

    def relative(self, path: str) -> str | None:
        """``path`` relative to the base directory, in POSIX form, or None if it lies outside."""
        return _relative(path, str(self.base_dir))

    def display(self, origin: Origin | None) -> str:
        """A short human form of a location: relative when possible."""
        if origin is None:
            return "-"
        return f"{self.relative(origin.path) or origin.path}:{origin.line}"


def uri_for(path: str) -> str:
    """A relative path as a URI reference (percent-encoded, ``/`` kept)."""
    return quote(path, safe="/")


@lru_cache(maxsize=1024)
def _relative(path: str, base_dir: str) -> str | None:
    absolute = Path(os.path.abspath(path))
    base = Path(os.path.abspath(base_dir))
    try:
        return PurePosixPath(absolute.relative_to(base)).as_posix()
    except ValueError:
        return None
