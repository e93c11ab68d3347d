"""Turning ``events`` rows into RecordedEvents: one column list shared by every read."""

from __future__ import annotations

import json
from typing import Any

from eventstore.commitments import opened
from eventstore.model import RecordedEvent

try:  # optional accelerator: three to four times faster than json.loads on these documents
    import orjson
except ImportError:  # pragma: no cover - depends on the installation
    orjson = None  # type: ignore[assignment]

_SORTED = orjson.OPT_SORT_KEYS if orjson is not None else 0


def loads(stored: bytes) -> Any:
    """A stored document (canonical JSON bytes) as Python values, exactly as json.loads.
    orjson reads an integer beyond 64 bits as a float; its reading is kept only if encoding
    it again gives the stored bytes (the canonical encoding: sorted keys, raw UTF-8), which a
    float where an integer was cannot. Anything else goes to the standard library."""
    if orjson is not None:
        try:
            value = orjson.loads(stored)
            if orjson.dumps(value, option=_SORTED) == stored:
                return value
        except (TypeError, ValueError):
            pass
    return json.loads(stored)


COLUMNS = (
    "position, stream_id, stream_version, event_id, event_type, schema_version, data, "
    "metadata, occurred_at, recorded_at, correlation_id, previous_hash, hash, openings"
)


def to_recorded(row: Any) -> RecordedEvent:
    """``row`` is an asyncpg Record selected with ``COLUMNS``; data and metadata arrive as
    the stored bytes and are decoded here, with the committed values opened."""
    openings = None if row[13] is None else loads(row[13])
    return RecordedEvent(
        position=row[0],
        stream_id=row[1],
        stream_version=row[2],
        event_id=str(row[3]),
        event_type=row[4],
        schema_version=row[5],
        data=loads(row[6]) if openings is None else opened(loads(row[6]), openings),
        metadata=loads(row[7]),
        occurred_at=row[8],
        recorded_at=row[9],
        correlation_id=row[10],
        previous_hash=row[11],
        hash=row[12],
        openings=openings,
    )
