"""Turning ``events`` rows into RecordedEvents: one column list shared by every read."""

from __future__ import annotations

from typing import Any

from eventstore.model import RecordedEvent

COLUMNS = (
    "position, stream_id, stream_version, event_id, event_type, schema_version, data, "
    "metadata, occurred_at, recorded_at, correlation_id, previous_hash, hash"
)


def to_recorded(row: Any) -> RecordedEvent:
    """``row`` is an asyncpg Record selected with ``COLUMNS``; jsonb arrives decoded (the
    SQLAlchemy asyncpg dialect installs the codec on every pooled connection)."""
    return RecordedEvent(
        position=row[0],
        stream_id=row[1],
        stream_version=row[2],
        event_id=str(row[3]),
        event_type=row[4],
        schema_version=row[5],
        data=row[6],
        metadata=row[7],
        occurred_at=row[8],
        recorded_at=row[9],
        correlation_id=row[10],
        previous_hash=row[11],
        hash=row[12],
    )
