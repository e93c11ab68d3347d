"""This project's event store, used as the service uses it: ``PostgresEventStore`` over the
project's engine (``eventstore.database.create_engine``)."""

from __future__ import annotations

import uuid
from typing import Any

from bench import payloads
from eventstore.database import create_engine
from eventstore.model import VerificationReport
from eventstore.store import PostgresEventStore
from eventstore.verification import verify_on


class Ours:
    name = "ours"

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.store = PostgresEventStore(self.engine)
        self.full_streams: list[uuid.UUID] = []

    async def close(self) -> None:
        await self.engine.dispose()

    async def append(self, stream: uuid.UUID, first_version: int, count: int) -> int:
        stream_id = f"nomination-{stream}"
        events = [payloads.new_event(stream_id, v)
                  for v in range(first_version, first_version + count)]
        await self.store.append(events, {stream_id: first_version - 1})
        return count

    def remember_full(self, stream: uuid.UUID) -> None:
        self.full_streams.append(stream)

    async def read_stream(self, stream: uuid.UUID) -> int:
        return len(await self.store.read_stream(f"nomination-{stream}"))

    async def read_trail(self, stream_id: str) -> int:
        return len(await self.store.read_stream(stream_id))

    async def scan(self, limit_events: int, page: int) -> int:
        """The global log from the start, page by page, as a projection catching up reads it
        (``read_all``: only settled transactions, in (transaction id, position) order)."""
        seen, cursor = 0, 0
        while seen < limit_events:
            batch = await self.store.read_all(cursor, min(page, limit_events - seen))
            if not batch:
                break
            seen += len(batch)
            cursor = batch[-1].position
        return seen

    async def verify(self) -> VerificationReport:
        return await self.store.verify()

    async def verify_reference(self) -> VerificationReport:
        """The reference walk alone (stream order, RecordedEvents, standard library), as
        ``verify()`` ran before the fast pass."""
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            return await verify_on(raw.driver_connection, None, fast=False)


def projections_catch_up() -> tuple[Any, Any, Any]:
    """(reads.models.runner.catch_up, reads.models.sets.read_models, reads.models.migrate.upgrade)
    if the read models exist in this checkout, else (None, None, None)."""
    try:
        from reads.models import migrate, runner, sets
    except ImportError:
        return None, None, None
    return runner.catch_up, sets.read_models, migrate.upgrade
