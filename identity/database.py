"""Connections and event envelopes shared by the identity and registry adapters.

Users' and the registry's events are appended with ``eventstore.appending.append_on`` inside a
transaction of ours, so that the rows derived from them (a token's digest, the registry's
lookup rows) commit with them or not at all (see eventstore/README.md, "An append in the
caller's transaction"). The append comes first in each transaction: the transaction then takes
its id when it writes the events, never before a stream's newest event (``StaleTransaction``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.people import Actor
from eventstore.appending import append_on
from eventstore.database import driver as eventstore_driver
from eventstore.model import NewEvent, RecordedEvent

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine



@asynccontextmanager
async def driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled connection's asyncpg driver (eventstore.database.driver: the one place that
    reaches it). A conversation cut short does not go back to the pool."""
    async with eventstore_driver(engine) as conn:
        yield conn


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A connection inside a transaction that commits when the block ends without error."""
    async with driver(engine) as conn, conn.transaction():
        yield conn


def envelope(*, stream_id: str, event_type: str, schema_version: int, data: dict[str, Any],
             actor: Actor, command_id: str, occurred_at: datetime, correlation_id: str,
             metadata: Mapping[str, Any] | None = None) -> NewEvent:
    """An event as the store keeps it, with who acted and why in its metadata, as the plan's
    events have (workflows/envelopes.py)."""
    return NewEvent(
        event_id=str(uuid.uuid4()), stream_id=stream_id, event_type=event_type,
        schema_version=schema_version, data=data,
        metadata={"actor": actor.user_id, "role": str(actor.role),
                  "organization_id": actor.organization_id, "command_id": command_id,
                  **(metadata or {})},
        occurred_at=occurred_at, correlation_id=correlation_id)


async def append_in(conn: Any, events: Sequence[NewEvent],
                    expected_versions: Mapping[str, int]) -> list[RecordedEvent]:
    """Append in ``conn``'s open transaction (optimistic concurrency on every stream, as
    ``PostgresEventStore.append``); raises WrongExpectedVersion when a stream moved on."""
    if not conn.is_in_transaction():
        raise RuntimeError("append_in needs a transaction: the derived rows commit with it")
    return await append_on(conn, events, expected_versions)
