"""The event store's contract types: what goes in, what comes out.

These are the store's own types, independent of the domain: the store keeps JSON documents
with a type name and a schema version, and knows nothing of plans or nominations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

JSON = dict[str, Any]

#: The version of a stream that does not exist yet. Appending to a new stream expects it.
NO_STREAM = 0


@dataclass(frozen=True, kw_only=True)
class NewEvent:
    """An event to append. ``event_id`` is made by the caller (a Temporal workflow makes it
    deterministically), so a retried append can be recognised and answered with the original
    result instead of writing twice."""

    event_id: str  # UUID text
    stream_id: str
    event_type: str
    schema_version: int
    data: JSON  # JSON-safe: str, int, bool, None, lists, dicts (no floats: they do not round-trip)
    metadata: JSON  # actor, role, organization_id, causation_id, workflow_id, step, ...
    occurred_at: datetime  # business time, timezone-aware
    correlation_id: str | None = None  # groups streams that belong together (a plan's streams)
    #: Top-level fields of ``data`` hashed as salted commitments and stored apart, so that an
    #: export can leave their values out and still verify (eventstore/commitments.py).
    private_fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RecordedEvent:
    position: int  # global position: no reader of the global log skips a committed event
    stream_id: str
    stream_version: int  # 1, 2, 3, ... within the stream
    event_id: str
    event_type: str
    schema_version: int
    data: JSON
    metadata: JSON
    occurred_at: datetime
    recorded_at: datetime
    correlation_id: str | None
    previous_hash: str  # hex sha256; 64 zeros for a stream's first event
    hash: str  # hex sha256 over previous_hash and the canonical encoding of the event
    #: The salts and values of the fields committed to (eventstore/commitments.py), which
    #: ``data`` shows opened; None when the event has none.
    openings: JSON | None = None


@dataclass(frozen=True, kw_only=True)
class BrokenLink:
    stream_id: str
    stream_version: int
    position: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class VerificationReport:
    streams_checked: int
    events_checked: int
    first_broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None
