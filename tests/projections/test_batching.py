"""The set-based batch path (``handle_batch``, reads/models/batching.py) gives exactly the
rows of the per-event reference path (``handle``), and a catch-up cancelled in the middle of a
batch leaves rows that equal a rebuild once it is run again."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

import pytest

from domain.events import DomainEvent
from eventstore.model import NO_STREAM, RecordedEvent
from reads.models import reading, runner
from reads.models.base import Connection, Projection
from reads.models.connections import driver
from reads.models.sets import read_models
from tests.projections.conftest import Db
from tests.projections.expected import assert_read_models_match
from tests.projections.support import append_all, final_state, noise
from tests.projections.test_rebuild import some_plans

pytestmark = pytest.mark.projection


class PerEvent:
    """A projection seen without its ``handle_batch``: the runner applies event by event."""

    def __init__(self, inner: Projection) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.tables: Sequence[str] = inner.tables

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        await self.inner.handle(conn, recorded, event)

    async def reset(self, conn: Connection) -> None:
        await self.inner.reset(conn)


class Stalling:
    """Applies its projection's batches, and from the ``at``-th on stalls inside the batch
    (after writing some of its rows) until cancelled."""

    def __init__(self, inner: Projection, at: int, inside: asyncio.Event) -> None:
        self.inner, self.at, self.inside = inner, at, inside
        self.name: str = inner.name
        self.tables: Sequence[str] = inner.tables
        self.batches = 0

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        await self.inner.handle(conn, recorded, event)

    async def handle_batch(self, conn: Connection,
                           items: Sequence[tuple[RecordedEvent, DomainEvent]]) -> None:
        self.batches += 1
        await self.inner.handle_batch(conn, items)  # type: ignore[attr-defined]
        if self.batches >= self.at:
            self.inside.set()
            await asyncio.sleep(3600)

    async def reset(self, conn: Connection) -> None:
        await self.inner.reset(conn)


async def assert_equals_rebuild(db: Db) -> None:
    """Every read model's live rows equal those of a build from the start, event by event."""
    for projection in read_models():
        fresh = f"fresh_{projection.name}"
        await runner.build_fresh(db.engine, db.store, PerEvent(projection), fresh)
        assert await runner.digest(db.engine, projection, fresh) == \
            await runner.digest(db.engine, projection), projection.name
        await runner.discard_fresh(db.engine, projection, fresh)


async def test_batches_give_exactly_the_rows_of_event_by_event(db: Db) -> None:
    rng = random.Random()
    plans = some_plans("b")
    steps = [s for each in plans.values() for s in each]
    rng.shuffle(steps)  # plans interleaved; each plan's own steps stay in order below
    order: dict[str, int] = {}
    ordered = []
    for plan_id in [s.plan_id for s in steps]:
        ordered.append(plans[plan_id][order.setdefault(plan_id, 0)])
        order[plan_id] += 1
    await append_all(db.store, ordered)
    await db.store.append([noise("other-1", 1)], {"other-1": NO_STREAM})
    applied = await runner.catch_up(db.engine, db.store, read_models(),
                                    batch_size=rng.choice((3, 50, 500, 5000)))
    assert applied == len(await db.store.read_all(limit=100_000))
    await assert_read_models_match(db, [final_state(s) for s in plans.values()])
    await assert_equals_rebuild(db)
    assert await reading.set_aside(db.engine) == []


async def test_a_catch_up_cancelled_in_the_middle_of_a_batch_ends_equal_to_a_rebuild(
        db: Db) -> None:
    plans = some_plans("c")
    await append_all(db.store, [s for each in plans.values() for s in each])
    inside = asyncio.Event()
    projections: list[Projection] = [Stalling(p, 3, inside) if p.name == "structure" else p
                                     for p in read_models()]
    task = asyncio.create_task(runner.catch_up(db.engine, db.store, projections, batch_size=40))
    async with asyncio.timeout(60):
        await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stood = {p.name: p.events_processed for p in await runner.positions(db.engine)}
    assert stood == {"plans": 80, "nominations": 80, "structure": 80,
                     "committees": 80}  # two batches each, not three
    async with driver(db.engine) as conn:
        assert await conn.fetchval("SELECT count(*) FROM rm_structure_members") > 0
    await runner.catch_up(db.engine, db.store, read_models(), batch_size=40)
    await assert_read_models_match(db, [final_state(s) for s in plans.values()])
    await assert_equals_rebuild(db)
