"""Unit helpers available to rule conditions."""

from __future__ import annotations

import pytest

from scanner.policy.functions import quantity, seconds


@pytest.mark.parametrize("text,expected", [
    ("512Mi", 512 * 2**20), ("1Gi", 2**30), ("1G", 10**9), ("2", 2), ("1.5Gi", 3 * 2**29), ("1000m", 1), ("500m", 1),
    ("4", 4), (2, 2), ("128Ki", 128 * 1024),
])
def test_quantity(text, expected) -> None:
    assert quantity(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("300s", 300), ("300", 300), (300, 300), (300.0, 300), ("5m", 300), ("1h30m", 5400), ("1.5s", 1), ("7776000s", 7776000),
])
def test_seconds(text, expected) -> None:
    assert seconds(text) == expected


@pytest.mark.parametrize("bad", ["", "1Gb", "lots", True, "5 minutes"])
def test_unreadable_units_raise(bad) -> None:
    with pytest.raises(ValueError):
        quantity(bad)
    with pytest.raises(ValueError):
        seconds(bad)
