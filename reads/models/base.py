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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from domain.events import EVENT_TYPES, DomainEvent, event_from_data
from eventstore.model import RecordedEvent


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


class UnreadableEvent(RuntimeError):
    """A domain event this code cannot decode (e.g. a schema version written by a newer
    release): the runner stops in front of it instead of skipping it for good."""

    def __init__(self, recorded: RecordedEvent, cause: Exception) -> None:
        super().__init__(f"event at position {recorded.position} ({recorded.event_type} "
                         f"v{recorded.schema_version}, stream {recorded.stream_id}) cannot be "
                         f"read: {cause}")
        self.position = recorded.position


def decode(recorded: RecordedEvent) -> DomainEvent | None:
    """The domain event, or None for a type the domain does not define (not a domain event:
    projections have nothing to do with it, and the runner moves past it)."""
    if recorded.event_type not in EVENT_TYPES:
        return None
    try:
        return event_from_data(recorded.event_type, recorded.schema_version, recorded.data)
    except Exception as error:  # any decoding failure: the event must not be skipped
        raise UnreadableEvent(recorded, error) from error
