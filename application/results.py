"""What a write returns: the events it wrote, or for a retry the ones it had written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class EventRef:
    """Where a command's event was written."""

    event_id: str
    event_type: str
    stream_id: str
    stream_version: int
    position: int


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """What a write did: the events it wrote (or, for a retry, had written the first time)."""

    command_id: str
    already_applied: bool
    phase: str
    events: tuple[EventRef, ...]

    @property
    def event_types(self) -> list[str]:
        return [e.event_type for e in self.events]

    @property
    def positions(self) -> list[int]:
        return [e.position for e in self.events]
