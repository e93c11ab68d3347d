"""What crosses Temporal between the plan workflow and its activities.

Events cross as explicit envelopes (type name, schema version, JSON data), never as a
``list[DomainEvent]``: a parameter typed with a base class silently loses subclass fields.
This module imports nothing heavy so the workflow sandbox can load it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, kw_only=True)
class EventEnvelope:
    event_id: str  # made by the workflow (workflow.uuid4()), so a retry writes nothing twice
    stream_id: str
    event_type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    occurred_at: datetime
    correlation_id: str


@dataclass(frozen=True, kw_only=True)
class AppendRequest:
    events: list[EventEnvelope]
    expected_versions: dict[str, int] = field(default_factory=dict)
    # The same task run again after its append committed (a local activity, see
    # workflows/appending.py): answer with the events stored then, not a refusal.
    accept_recorded: bool = False


@dataclass(frozen=True, kw_only=True)
class AppendResult:
    positions: list[int]
    # Set when the append had been made by an earlier attempt of the same workflow task with
    # other times in it: the events as stored, which the workflow folds instead of its own.
    recorded: list[EventEnvelope] | None = None
