"""Recognising a retried append: the same event ids with the same content."""

from __future__ import annotations

from typing import Any

from eventstore.errors import EventIdReused
from eventstore.hashing import dumps
from eventstore.model import NewEvent, RecordedEvent
from eventstore.rows import COLUMNS, to_recorded

_BY_IDS = f"SELECT {COLUMNS} FROM events WHERE event_id = ANY($1::uuid[])"

# What makes a retry "the same append": everything the caller chose. Versions, positions and
# recorded_at are the store's, so a retry legitimately cannot know them.
_COMPARED = ("stream_id", "event_type", "schema_version", "data", "metadata", "occurred_at",
             "correlation_id")


async def original_result(conn: Any, batch: list[NewEvent]) -> list[RecordedEvent] | None:
    """The stored result if ``batch`` is a retry of an append that already happened; None if
    none of its ids is stored; EventIdReused if it is not a faithful retry."""
    rows = await conn.fetch(_BY_IDS, [e.event_id for e in batch])
    if not rows:
        return None
    stored = {r.event_id: r for r in map(to_recorded, rows)}
    if len(stored) != len(batch):
        first = next(e.event_id for e in batch if e.event_id in stored)
        raise EventIdReused(
            first, f"only {len(stored)} of the {len(batch)} events of this append are stored"
        )
    for e in batch:
        old = stored[e.event_id]
        for name in _COMPARED:
            mine, theirs = getattr(e, name), getattr(old, name)
            if name in ("data", "metadata"):
                mine, theirs = dumps(mine), dumps(theirs)
            if mine != theirs:
                raise EventIdReused(
                    e.event_id, f"{name} differs from the event stored at position {old.position}"
                )
    return [stored[e.event_id] for e in batch]
