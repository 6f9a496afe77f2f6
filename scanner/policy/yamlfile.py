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


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(None, None, "aliases (*name) are not allowed in hascan files",
                                       event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(None, None, "anchors (&name) are not allowed in hascan files",
                                       event.start_mark)
        return super().compose_node(parent, index)


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
