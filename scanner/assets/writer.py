"""Write collected assets as a snapshot file in ``gcloud asset export`` form, with a header line.

The first line is ``{"hascan_snapshot": {...}}``: when the assets were read, from which
scopes, which asset and content types, and by which hascan. hascan's reader records it and
reads the rest like any export, so a live audit can be re-run offline and handed to an
auditor. The file appears only when the collection completed: it is written beside the
target and renamed into place.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from scanner.errors import UsageError

HEADER_KEY = "hascan_snapshot"


class SnapshotWriter:
    """Tee records into a temporary file; ``commit`` writes header plus records to the target."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.count = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except OSError as exc:
            raise UsageError(f"cannot write the snapshot: {exc.strerror or exc}", where=str(path)) from None
        self._body = Path(name)
        self._file = os.fdopen(handle, "w", encoding="utf-8")

    def tee(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for record in records:
            self._file.write(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")
            self.count += 1
            yield record

    def commit(self, header: dict[str, Any]) -> None:
        self._file.close()
        final = self.path.with_name(f".{self.path.name}.final")
        try:
            with open(final, "w", encoding="utf-8") as out, open(self._body, encoding="utf-8") as body:
                out.write(json.dumps({HEADER_KEY: {**header, "records": self.count}}, sort_keys=True) + "\n")
                for line in body:
                    out.write(line)
            os.replace(final, self.path)
        except OSError as exc:
            raise UsageError(f"cannot write the snapshot: {exc.strerror or exc}", where=str(self.path)) from None
        finally:
            self._body.unlink(missing_ok=True)
            final.unlink(missing_ok=True)

    def discard(self) -> None:
        self._file.close()
        self._body.unlink(missing_ok=True)
