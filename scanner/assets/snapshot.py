"""Read Cloud Asset Inventory snapshots from files and directories.

Accepted shapes, each optionally gzipped:

* ``gcloud asset export`` output: newline-delimited JSON, one asset per line (streamed);
* ``gcloud asset list --format=json``: one JSON array of assets;
* saved ListAssets responses: ``{"assets": [...], "nextPageToken": ...}``, one page per
  file, an array of pages, or one page per line.

A directory is read recursively in name order: ``*.json``, ``*.jsonl``, ``*.ndjson``
(and their ``.gz``), plus the extension-less numbered shards that
``--output-path-prefix`` exports write (``<prefix>/<asset type>/0``).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from scanner.assets.records import to_asset
from scanner.assets.writer import HEADER_KEY
from scanner.errors import InputError
from scanner.model import Asset, Origin
from scanner.paths import expand_paths

_SUFFIXES = (".json", ".jsonl", ".ndjson")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class ReadStats:
    """Counts kept while a snapshot is read (for summaries, progress and evidence)."""

    files: list[str] = field(default_factory=list)
    headers: list[dict[str, Any]] = field(default_factory=list)  # hascan_snapshot header lines
    records: int = 0
    kept: int = 0
    bytes_read: int = 0


def snapshot_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand files and directories into the ordered list of snapshot files to read."""
    return expand_paths(paths, _is_snapshot_file, InputError,
                        "snapshot files (*.json, *.jsonl, *.ndjson, optionally .gz)")


def _is_snapshot_file(path: Path) -> bool:
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    return name.endswith(_SUFFIXES) or name.isdigit()


def load_snapshot(
    paths: Iterable[str | os.PathLike[str]],
    wanted: Callable[[str], bool] | None = None,
    stats: ReadStats | None = None,
    progress: Callable[[ReadStats], None] | None = None,
) -> Iterator[Asset]:
    """Yield the assets of every snapshot file, in file and record order.

    ``wanted`` filters by asset type before a record is normalised, so records no rule
    reads cost one JSON parse and are then dropped. Every record is still parsed and
    checked for a name and a type: a damaged snapshot never passes silently.
    """
    stats = stats if stats is not None else ReadStats()
    for path in snapshot_files(paths):
        stats.files.append(str(path))
        for record, line in _records(path, stats, _type_filter(path, wanted, stats, progress)):
            stats.kept += 1
            yield to_asset(record, Origin(str(path), line))
    if progress is not None:
        progress(stats)


def _type_filter(path: Path, wanted: Callable[[str], bool] | None, stats: ReadStats,
                 progress: Callable[[ReadStats], None] | None) -> Skip:
    """Count each record; True for one to drop: a well-formed record of a type no rule reads (not
    normalised), or hascan's own snapshot header (recorded in ``stats.headers``)."""

    def unwanted(record: Any, line: int) -> bool:
        if type(record) is not dict:
            stats.records += 1
            return False  # to_asset reports it
        if line == 1 and set(record) == {HEADER_KEY}:
            stats.headers.append({"file": str(path), **record[HEADER_KEY]})
            return True
        stats.records += 1
        if progress is not None and not stats.records % 5000:
            progress(stats)
        asset_type = record.get("asset_type") or record.get("assetType")
        if wanted is None or type(asset_type) is not str or wanted(asset_type):
            return False
        if type(record.get("name")) is not str:
            raise InputError("asset record has no 'name'", where=f"{path}:{line}")
        return True

    return unwanted


Skip = Callable[[Any, int], bool]


def _records(path: Path, stats: ReadStats, skip: Skip) -> Iterator[tuple[Any, int]]:
    """Yield (record, line) pairs from one file, expanding ListAssets pages."""
    try:
        with _open_text(path) as text:
            first = _peek_nonspace(text)
            if first == "":
                return
            if first == "{":
                yield from _jsonl_or_document(path, text, stats, skip)
            elif first == "[":
                yield from _document(path, text.read(), stats, skip)
            else:
                raise InputError(f"not a JSON snapshot: it starts with {first!r}, expected '{{' or '['",
                                 where=str(path))
    except InputError:
        raise
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputError(f"truncated or corrupt gzip file ({exc})", where=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not a text file: invalid UTF-8 at byte {exc.start} (binary data?)",
                         where=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", where=str(path)) from None


def _open_text(path: Path) -> TextIO:
    with open(path, "rb") as probe:
        magic = probe.read(2)
    binary = gzip.open(path, "rb") if magic == _GZIP_MAGIC else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict")


def _peek_nonspace(text: TextIO) -> str:
    """The first non-whitespace character, without consuming it ("" for an empty file)."""
    head: bytes = text.buffer.peek(4096)[:4096]  # type: ignore[attr-defined]
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not stripped:
        return ""
    first = stripped[:1]
    return first.decode("ascii") if first.isascii() else f"byte 0x{first.hex()}"


def _jsonl_or_document(path: Path, text: TextIO, stats: ReadStats, skip: Skip) -> Iterator[tuple[Any, int]]:
    """One object per line (streamed), or, if the first line is not a whole object, one document."""
    first_line = text.readline()
    stats.bytes_read += len(first_line)
    try:
        first = json.loads(first_line)
    except json.JSONDecodeError:
        yield from _document(path, first_line + text.read(), stats, skip)
        return
    yield from _expand(first, path, 1, skip)
    loads = json.loads
    for line_no, line in enumerate(text, start=2):  # the hot loop of a large export: keep it lean
        stats.bytes_read += len(line)
        try:
            record = loads(line)
        except json.JSONDecodeError as exc:
            if not line.strip():
                continue
            raise InputError(_json_problem(exc, line, last=not line.endswith("\n")),
                             where=f"{path}:{line_no}") from None
        if type(record) is dict and "assets" not in record:
            if not skip(record, line_no):  # records no rule reads stop here, not two generators up
                yield record, line_no
        else:
            yield from _expand(record, path, line_no, skip)


def _document(path: Path, content: str, stats: ReadStats, skip: Skip) -> Iterator[tuple[Any, int]]:
    """A whole JSON document: an array of assets or pages, a page, or one asset."""
    stats.bytes_read += len(content)
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise InputError(_json_problem(exc, content, last=True), where=f"{path}:{exc.lineno}") from None
    items = document if isinstance(document, list) else [document]
    finder = _LineFinder(content)
    for item in items:
        for record, _ in _expand(item, path, 1, _never):
            line = finder.line_of(record)
            if not skip(record, line):
                yield record, line


def _expand(item: Any, path: Path, line: int, skip: Skip) -> Iterator[tuple[Any, int]]:
    """A ListAssets page yields its assets; anything else is one record."""
    if isinstance(item, dict) and "assets" in item and "name" not in item:
        assets = item["assets"]
        if not isinstance(assets, list):
            raise InputError("'assets' in a ListAssets page must be a list", where=f"{path}:{line}")
        records = assets
    else:
        records = [item]
    for record in records:
        if not skip(record, line):
            yield record, line


def _never(record: Any, line: int) -> bool:
    return False


class _LineFinder:
    """Find the line of each record in a pretty-printed document by its full name, in order."""

    def __init__(self, content: str) -> None:
        self._content = content
        self._pos = 0
        self._line = 1

    def line_of(self, record: Any) -> int:
        name = record.get("name") if isinstance(record, dict) else None
        if not isinstance(name, str):
            return self._line
        index = self._content.find(json.dumps(name), self._pos)
        if index < 0:
            index = self._content.find(json.dumps(name))
            return self._content.count("\n", 0, index) + 1 if index >= 0 else 1
        self._line += self._content.count("\n", self._pos, index)
        self._pos = index + 1
        return self._line


def _json_problem(exc: json.JSONDecodeError, text: str, last: bool) -> str:
    """Describe a parse error; say "truncated" when the text simply stops."""
    ends_early = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
    if last and ends_early:
        return f"JSON ends too early ({exc.msg}): the record or file is truncated"
    return f"invalid JSON: {exc.msg} at column {exc.colno}"
