"""Load YAML the safe way: no anchors or aliases (no alias bombs), no duplicate keys, line numbers kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scanner.errors import HascanError

MAX_BYTES = 4 * 1024 * 1024


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping that remembers the 1-based line it starts on."""

    line: int = 0


# libyaml's parser when present (several times faster), else PyYAML's own.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """A safe loader whose mappings remember their line and refuse duplicate keys."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Any:
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.MarkedYAMLError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    data.update(loader.construct_mapping(node, deep=True))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _refuse_aliases(text: str) -> None:
    """Anchors and aliases are refused before anything is built, so an alias bomb never expands."""
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(None, None, "aliases (*name) are not allowed in hascan files",
                                       event.start_mark)
        if getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(None, None, "anchors (&name) are not allowed in hascan files",
                                       event.start_mark)


def load_yaml(path: str | Path, error: type[HascanError]) -> Any:
    """Parse one YAML file; any problem raises ``error`` naming the file and line."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise error(f"file is {size} bytes; the limit is {MAX_BYTES}", where=str(path))
        text = path.read_text(encoding="utf-8")
    except HascanError:
        raise
    except UnicodeDecodeError:
        raise error("not a UTF-8 text file", where=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror or exc}", where=str(path)) from None
    try:
        _refuse_aliases(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(problem, where=f"{path}{line}") from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", where=str(path)) from None


def line_of(document: Any, path: tuple[Any, ...]) -> int | None:
    """The line of the innermost mapping on ``path`` inside a loaded document."""
    line = getattr(document, "line", None)
    node = document
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", line)
    return line


def plain(value: Any) -> Any:
    """A loaded value with every ``LineDict`` turned back into a plain dict (for CEL and JSON)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
