"""Expand file and directory arguments into the ordered list of files to read."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from scanner.errors import HascanError


def expand_paths(paths: Iterable[str | os.PathLike[str]], matches: Callable[[Path], bool],
                 error: type[HascanError], what: str) -> list[Path]:
    """Files as given; a directory adds its files that ``matches`` accepts, recursively, in name order.

    Hidden files and directories are skipped. A missing path, or a directory with nothing to
    read, raises ``error`` naming it.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*")
                           if p.is_file() and not _hidden(p, path) and matches(p))
            if not found:
                raise error(f"directory holds no {what}", where=str(path))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise error("no such file or directory", where=str(path))
    return files


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)
