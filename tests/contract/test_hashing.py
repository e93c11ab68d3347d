"""The canonical encoding is exactly the documented JSON, whatever shortcuts build it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from eventstore.hashing import GENESIS_HASH, canonical_bytes, chain_hash, dumps, utc_iso

pytestmark = pytest.mark.contract

VALUES = [
    {"b": 1, "a": [1, {"z": None, "y": True, "x": False}]},
    {"tên": "Nguyễn Thị Ánh Tuyết", "quote": 'a "b" \\ c', "ctl": "\n\t\x01", "emoji": "🗳️"},
    {"big": 2**80, "neg": -7, "empty": {}, "list": []},
]


def _reference(**fields: object) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("correlation_id", [None, "kế-hoạch/\"1\""])
def test_canonical_bytes_are_sorted_compact_utf8_json(
    value: dict[str, object], correlation_id: str | None,
) -> None:
    hanoi = timezone(timedelta(hours=7))
    occurred = datetime(2025, 6, 1, 16, 0, 0, 5, tzinfo=hanoi)
    recorded = datetime(2025, 6, 1, 9, 0, 1, tzinfo=UTC)
    fields = {"event_id": "0b6e5b8a-5d43-4b1e-9a43-7c1f1f0f6c01", "stream_id": "plan/Đ-1",
              "stream_version": 3, "event_type": "Bầu\ncử", "schema_version": 2,
              "data": value, "metadata": {"actor": "x"}, "correlation_id": correlation_id}

    canonical = canonical_bytes(occurred_at=occurred, recorded_at=recorded, **fields)  # type: ignore[arg-type]

    assert canonical == _reference(occurred_at="2025-06-01T09:00:00.000005+00:00",
                                   recorded_at="2025-06-01T09:00:01.000000+00:00", **fields)
    assert dumps(value) == json.dumps(value, sort_keys=True, separators=(",", ":"),
                                      ensure_ascii=False)


def test_chain_hash_is_sha256_of_the_previous_hash_bytes_and_the_encoding() -> None:
    assert chain_hash(GENESIS_HASH, b"{}") == hashlib.sha256(bytes(32) + b"{}").hexdigest()


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_iso(datetime(2025, 6, 1, 9, 0))
