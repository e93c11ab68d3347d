"""The runner gives a projection every committed event exactly once, in the global log's
order, however late an event commits: held transactions, a lower position committed after a
higher one, rollbacks, crashes in the middle of a batch, several runners at once, and a
randomised run of concurrent writers with a live runner.

The ``Recording`` projection writes each event it receives into a table whose primary key is
the event id: a second delivery fails its batch, so "exactly once" is checked by the database
itself as well as by the assertions."""

from __future__ import annotations

import asyncio
import os
import random
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from domain.events import DomainEvent
from eventstore.appending import append_on
from eventstore.model import NO_STREAM, RecordedEvent
from reads.models import reading, runner
from reads.models.base import Connection
from reads.models.connections import driver
from reads.models.sets import read_models
from tests.projections.conftest import Db
from tests.projections.expected import assert_read_models_match
from tests.projections.support import (
    Recording,
    Step,
    append_all,
    delivered,
    final_state,
    full_plan,
    noise,
    organization,
    seen,
    small_plan,
)

pytestmark = pytest.mark.projection


@asynccontextmanager
async def transaction(db: Db) -> AsyncIterator[tuple[Any, Any]]:
    """A raw connection inside a transaction the test commits or rolls back itself."""
    async with driver(db.engine) as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            yield conn, tx
        finally:
            if conn.is_in_transaction():
                await tx.rollback()


async def recorded_ids(db: Db) -> list[str]:
    async with driver(db.engine) as conn:
        return [row[0] for row in await seen(conn)]


def ids_of(*appended: list[RecordedEvent]) -> list[str]:
    return [r.event_id for events in appended for r in events]


async def position_of(db: Db, name: str = "recording") -> int:
    async with driver(db.engine) as conn:
        return int(await conn.fetchval(
            "SELECT coalesce(max(position), 0) FROM projection_positions WHERE name = $1", name))


async def test_a_held_transaction_holds_later_commits_back_then_both_arrive_in_order(
        db: Db) -> None:
    [a] = full_plan("a")[:1]  # an opening: the plan's event and its term claim
    [b] = full_plan("b")[:1]
    async with transaction(db) as (held, tx):
        early = await append_on(held, a.new_events(), a.expected)
        late = await db.store.append(b.new_events(), b.expected)
        assert early[-1].position < late[0].position
        for _ in range(3):  # b is committed, but a may still commit before it: b waits
            assert await runner.catch_up(db.engine, db.store, [Recording()]) == 0
            await asyncio.sleep(0.02)
        assert await recorded_ids(db) == [] and await position_of(db) == 0
        await tx.commit()

    await delivered(db.store, ids_of(early, late))
    assert await runner.catch_up(db.engine, db.store, [Recording()]) == len(early) + len(late)
    assert await recorded_ids(db) == ids_of(early, late)
    assert await position_of(db) == late[-1].position


async def test_a_lower_position_committed_later_is_still_delivered(db: Db) -> None:
    """y draws a lower position than x but commits after the runner has passed x: a runner
    that went on with ``position > last`` would have lost y for good."""
    [x] = full_plan("x")[:1]
    [y] = full_plan("y")[:1]
    async with transaction(db) as (x_conn, x_tx), transaction(db) as (y_conn, y_tx):
        await x_conn.fetchval("SELECT pg_current_xact_id()")  # x takes its id first
        y1 = await append_on(y_conn, y.new_events(), y.expected)
        x1 = await append_on(x_conn, x.new_events(), x.expected)
        assert y1[-1].position < x1[0].position
        await x_tx.commit()
        await delivered(db.store, ids_of(x1))
        assert await runner.catch_up(db.engine, db.store, [Recording()]) == len(x1)
        assert await recorded_ids(db) == ids_of(x1)
        assert await position_of(db) == x1[-1].position
        await y_tx.commit()

    await delivered(db.store, ids_of(y1))
    assert await runner.catch_up(db.engine, db.store, [Recording()]) == len(y1)
    assert await recorded_ids(db) == ids_of(x1, y1)


async def test_a_rolled_back_append_is_never_delivered_and_does_not_block(db: Db) -> None:
    steps = full_plan("r")
    async with transaction(db) as (conn, tx):
        await append_on(conn, steps[0].new_events(), steps[0].expected)
        await tx.rollback()
    kept = await db.store.append(steps[0].new_events(), steps[0].expected)
    await delivered(db.store, ids_of(kept))
    assert await runner.catch_up(db.engine, db.store, [Recording()]) == len(kept)
    assert await recorded_ids(db) == ids_of(kept)


class Failing:
    """Wraps a projection and fails once, at the ``at``-th event it is handed: by raising, or
    by killing its own database session in the middle of the batch's transaction."""

    def __init__(self, inner: Any, at: int, how: str) -> None:
        self.inner, self.at, self.how, self.calls = inner, at, how, 0
        self.name, self.tables = inner.name, inner.tables

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        self.calls += 1
        if self.calls == self.at:
            if self.how == "raise":
                raise RuntimeError("projection bug")
            await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        await self.inner.handle(conn, recorded, event)

    async def reset(self, conn: Connection) -> None:
        await self.inner.reset(conn)


async def test_a_batch_cut_off_half_way_leaves_no_trace_and_is_applied_once_later(
        db: Db) -> None:
    """The connection dies in the middle of the third batch: nothing of it stays, and the
    next pass applies it, once."""
    steps = full_plan("crash")
    await append_all(db.store, steps[:20])
    total = sum(len(s.events) for s in steps[:20])

    failing = Failing(Recording(), at=25, how="connection killed")  # in the third batch
    with pytest.raises(Exception):  # noqa: B017 - a lost connection, in whichever form
        await runner.catch_up(db.engine, db.store, [failing, *read_models()], batch_size=10)
    assert len(await recorded_ids(db)) == 20  # two batches committed, the third not at all
    assert {p.name: p.events_processed for p in await runner.positions(db.engine)} == {
        "recording": 20, "plans": 20, "nominations": 20, "structure": 20,
        "committees": 20}

    assert await runner.catch_up(db.engine, db.store, [Recording()], batch_size=10) == total - 20
    ids = await recorded_ids(db)
    log = await db.store.read_all(limit=10_000)
    assert len(log) == total and ids == [e.event_id for e in log]  # each once, in log order
    assert await runner.catch_up(db.engine, db.store, read_models()) == total - 20
    await assert_read_models_match(db, [final_state(steps[:20])])
    assert await reading.set_aside(db.engine) == []


async def test_a_failure_that_does_not_repeat_is_retried_at_once_and_sets_nothing_aside(
        db: Db) -> None:
    """A projection raises once, in the middle of the third batch: the batch's transaction
    rolls back whole, is applied again event by event, and this time every event applies,
    each exactly once (the recording's primary key would refuse a second delivery)."""
    steps = full_plan("once")
    await append_all(db.store, steps[:20])
    total = sum(len(s.events) for s in steps[:20])

    failing = Failing(Recording(), at=25, how="raise")
    assert await runner.catch_up(db.engine, db.store, [failing, *read_models()],
                                 batch_size=10) == total
    assert failing.calls == total + 5  # the rolled-back attempt reached the fifth of ten
    ids = await recorded_ids(db)
    log = await db.store.read_all(limit=10_000)
    assert ids == [e.event_id for e in log]
    assert await reading.set_aside(db.engine) == []
    await assert_read_models_match(db, [final_state(steps[:20])])


async def test_several_runners_at_once_apply_each_event_once(db: Db) -> None:
    log = await append_all(db.store, [*full_plan("s1"), *full_plan("s2")])

    counts = await asyncio.gather(*(
        runner.catch_up(db.engine, db.store, [Recording(), *read_models()], batch_size=size)
        for size in (7, 7, 13, 50)))
    assert sum(counts) == len(log)  # the fenced-out runners applied nothing
    assert await recorded_ids(db) == [e.event_id for e in log]


async def test_a_projection_standing_elsewhere_is_fed_until_it_joins_the_others(
        db: Db) -> None:
    steps = full_plan("late")
    await append_all(db.store, steps[:10])
    await runner.catch_up(db.engine, db.store, read_models())
    await append_all(db.store, steps[10:])
    behind = sum(len(s.events) for s in steps[10:])
    processed = await runner.catch_up(db.engine, db.store, [Recording(), *read_models()],
                                      batch_size=25)
    log = await db.store.read_all(limit=10_000)
    assert processed == len(log) + behind  # the recording alone, then all four together
    assert await recorded_ids(db) == [e.event_id for e in log]
    assert len({p.position for p in await runner.positions(db.engine)}) == 1
    await assert_read_models_match(db, [final_state(steps)])


async def test_randomised_concurrent_writers_rollbacks_and_held_transactions(db: Db) -> None:
    """Writers append plans' commands through the store and through raw connections holding
    their transactions open (some taking a transaction id early, some rolling back and
    retrying); other sessions hold unrelated write transactions open; a live runner (LISTEN
    and a short poll) and competing catch-ups run throughout. At the end the recording holds
    exactly the committed domain events, each stream in version order, the read models agree
    with the fold of every plan, and a rebuild of each gives the live rows."""
    seed = int(os.environ.get("NHANSU_TEST_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    plans: dict[str, list[Step]] = {}
    for k in range(6):
        for j in range(2):
            plan_id = f"w{k}-{j}"
            plans[plan_id] = (full_plan(plan_id) if j == 0 else small_plan(
                plan_id, organization(plan_id), incumbents=[1, 2, 3], first_time=[4 + k]))
    committed: list[str] = []
    done: dict[str, int] = defaultdict(int)  # plan -> steps committed
    rollbacks = held = 0
    writing = True

    async def writer(k: int) -> None:
        nonlocal rollbacks, held
        mine = [p for p in plans if p.startswith(f"w{k}-")]
        for plan_id in mine:
            for n, step in enumerate(plans[plan_id]):
                while True:
                    events = step.new_events()
                    expected = dict(step.expected)
                    if rng.random() < 0.2:
                        extra = f"ledger-{plan_id}-{n}"
                        events.append(noise(extra, n))
                        expected[extra] = NO_STREAM
                    if rng.random() < 0.5:
                        await db.store.append(events, expected)
                        break
                    async with transaction(db) as (conn, tx):
                        held += 1
                        if rng.random() < 0.3:  # takes its transaction id before appending
                            await conn.fetchval("SELECT pg_current_xact_id()")
                            await asyncio.sleep(rng.uniform(0, 0.01))
                        await append_on(conn, events, expected)
                        await asyncio.sleep(rng.uniform(0, 0.03))
                        if rng.random() < 0.15:
                            await tx.rollback()
                            rollbacks += 1
                            continue
                        await tx.commit()
                        break
                committed.extend(e.event_id for e in events[:len(step.events)])
                done[plan_id] += 1

    async def bystander() -> None:
        """Write transactions that touch no event, held open: they hold the log back too."""
        async with driver(db.engine) as conn:
            await conn.execute("CREATE TABLE IF NOT EXISTS scratch (n int)")
            while writing:
                async with conn.transaction():
                    await conn.execute("INSERT INTO scratch VALUES (1)")
                    await asyncio.sleep(rng.uniform(0, 0.05))
                await asyncio.sleep(rng.uniform(0, 0.02))

    async def competitor() -> None:
        while writing:
            await runner.catch_up(db.engine, db.store, [Recording(), *read_models()],
                                  batch_size=rng.choice((3, 20)))
            await asyncio.sleep(rng.uniform(0, 0.1))

    caught_up = asyncio.Event()
    live = asyncio.create_task(runner.run(
        db.engine, db.store, [Recording(), *read_models()], poll_seconds=0.2,
        batch_size=rng.choice((1, 16, 64, 500)), caught_up=caught_up))
    try:
        async with asyncio.timeout(240):
            side = [asyncio.create_task(bystander()), asyncio.create_task(competitor())]
            await asyncio.gather(*(writer(k) for k in range(6)))
            writing = False
            await asyncio.gather(*side)
            while len(await recorded_ids(db)) < len(committed):
                caught_up.clear()
                await caught_up.wait()
        assert not live.done()
    finally:
        live.cancel()
        await asyncio.gather(live, return_exceptions=True)

    context = f"seed={seed} events={len(committed)} rollbacks={rollbacks} held={held}"
    assert rollbacks and held and len(committed) > 1000, context
    async with driver(db.engine) as conn:
        got = await seen(conn)
    ids = [g[0] for g in got]
    assert len(ids) == len(set(ids)), f"delivered twice; {context}"
    assert set(ids) == set(committed), f"skipped or phantom events; {context}"
    log = await db.store.read_all(limit=100_000)
    assert ids == [e.event_id for e in log if e.event_type != "LedgerNoise"], context
    versions: dict[str, list[int]] = defaultdict(list)
    for _, _, stream_id, version in got:
        versions[stream_id].append(version)
    for stream_id, found in versions.items():
        assert found == list(range(1, len(found) + 1)), f"{stream_id} out of order; {context}"

    await assert_read_models_match(db, [final_state(plans[p]) for p in plans])
    for projection in read_models():
        report = await runner.rebuild(db.engine, db.store, projection)
        assert report.matched_live is True, f"{projection.name}; {context}"
