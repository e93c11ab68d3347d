"""What a projection is, and how the runner hands it events.

A projection turns domain events into rows of its own tables. The runner calls ``handle`` for
every domain event of the global log, in log order, inside a transaction that also moves the
projection's position: a batch of events and its position commit together or not at all, so
each event takes effect exactly once, whatever crashes. A projection therefore:

- writes only its own tables, through ``conn``, with unqualified table names (the runner sets
  the ``search_path`` to the schema being written: the live one, or a rebuild's fresh one);
- derives every column from events (no ``now()``, no random ids), so that a rebuild from the
  start gives exactly the rows the live projection has;
- ignores event types it does not handle (the log carries many).

An event a projection cannot apply (its ``handle`` raises for that event, or the event cannot
be decoded) is set aside for that projection (``runner``, ``projection_quarantine``): the
projection moves past it and the others are not held back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from domain.events import EVENT_TYPES, DomainEvent
from eventstore.model import RecordedEvent
from reads import decoding
from reads.errors import CorruptRecord, ReadError


class Connection(Protocol):
    """The part of an asyncpg connection that projections use (asyncpg ships no types)."""

    async def execute(self, query: str, *args: Any) -> str: ...

    async def executemany(self, command: str, args: Any) -> None: ...

    async def fetch(self, query: str, *args: Any) -> list[Any]: ...

    async def fetchrow(self, query: str, *args: Any) -> Any: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...


class Projection(Protocol):
    @property
    def name(self) -> str:
        """Key of its position in ``projection_positions``; also names it on the CLI."""
        ...

    @property
    def tables(self) -> Sequence[str]:
        """Its tables (unqualified): rebuilt, compared and swapped together."""
        ...

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        """Apply one event. Called in log order, in the runner's transaction."""
        ...

    async def reset(self, conn: Connection) -> None:
        """Bring its tables to the state before any event (usually: empty them)."""
        ...


class UnreadableEvent(ReadError, RuntimeError):
    """A domain event written by a newer release (its schema version is newer than this code
    reads, and the row matches its hash): the runner stops in front of it and waits for an
    upgrade, rather than set aside an event that nothing is wrong with."""

    def __init__(self, recorded: RecordedEvent, cause: Exception) -> None:
        super().__init__(f"event at position {recorded.position} ({recorded.event_type} "
                         f"v{recorded.schema_version}, stream {recorded.stream_id}) cannot be "
                         f"read by this release: {cause}")
        self.position = recorded.position


def decode(recorded: RecordedEvent) -> DomainEvent | None:
    """The domain event, or None for a type the domain does not define (not a domain event:
    projections have nothing to do with it, and the runner moves past it). Raises
    ``CorruptRecord`` for an event that cannot be read (the runner sets it aside), and
    ``UnreadableEvent`` for one written by a newer release (the runner stops)."""
    if recorded.event_type not in EVENT_TYPES:
        return None
    try:
        return decoding.decode(recorded)
    except CorruptRecord as error:
        if error.newer_schema:
            raise UnreadableEvent(recorded, error) from error
        raise
