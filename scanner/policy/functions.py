"""Pure helper functions for rule conditions: units GCP writes in more than one way.

* ``quantity(value)``: a Kubernetes quantity as an int number of bytes (or units):
  ``"512Mi"`` is 536870912, ``"1Gi"`` 1073741824, ``"1G"`` 1000000000, ``"1000m"`` 1.
  Cloud Run memory and CPU limits are written this way.
* ``seconds(value)``: a duration as int seconds, from a number (``300``, ``300.0``), a
  protobuf duration string (``"300s"``, ``"1.5s"`` is rounded down) or a Go-style duration
  (``"5m"``, ``"1h30m"``). Cloud Run v1 writes ``timeoutSeconds: 300``, v2 ``timeout: "300s"``.

Both raise on input they cannot read, which makes the result an evaluation error.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from cel_expr_python import cel

_QUANTITY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E|m)?\s*$")
_FACTORS = {
    None: Decimal(1), "m": Decimal("0.001"),
    "k": Decimal(10) ** 3, "K": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(h|ms|m|s)")
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def quantity(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"quantity() takes a string or number, not {value!r}")
    if isinstance(value, (int, float)):
        return math.floor(value)
    match = _QUANTITY.match(str(value))
    if not match:
        raise ValueError(f"quantity(): {value!r} is not a quantity such as '512Mi' or '1Gi'")
    try:
        amount = Decimal(match.group(1)) * _FACTORS[match.group(2)]
    except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
        raise ValueError(f"quantity(): {value!r} is not a number") from None
    return math.ceil(amount) if match.group(2) == "m" else int(amount)


def seconds(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"seconds() takes a duration or number, not {value!r}")
    if isinstance(value, (int, float)):
        return math.floor(value)
    text = str(value).strip()
    try:
        return math.floor(float(text))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(a + u for a, u in parts) != text:
        raise ValueError(f"seconds(): {value!r} is not a duration such as '300s' or '5m'")
    return math.floor(sum(float(amount) * _DURATION_UNITS[unit] for amount, unit in parts))


EXTENSION = cel.CelExtension("hascan-units", [
    cel.FunctionDecl("quantity", [cel.Overload("hascan_quantity_dyn", return_type=cel.Type.INT,
                                               parameters=[cel.Type.DYN], impl=quantity)]),
    cel.FunctionDecl("seconds", [cel.Overload("hascan_seconds_dyn", return_type=cel.Type.INT,
                                              parameters=[cel.Type.DYN], impl=seconds)]),
])
