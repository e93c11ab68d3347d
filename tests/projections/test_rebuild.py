"""Rebuilding a read model from the start of the log gives exactly the rows the live one has
(an order-independent digest of every row); a rebuild finds and repairs rows changed behind
the runner's back; a rebuild swapped in under a running live runner loses and repeats
nothing."""

from __future__ import annotations

import asyncio
import random

import pytest

from eventstore.appending import append_on
from reads.models import runner
from reads.models.connections import driver
from reads.models.sets import read_models
from tests.projections.conftest import Db
from tests.projections.expected import assert_read_models_match
from tests.projections.support import (
    Step,
    append_all,
    delivered,
    final_state,
    full_plan,
    organization,
    small_plan,
)
from tests.projections.test_runner import transaction

pytestmark = pytest.mark.projection


def some_plans(prefix: str) -> dict[str, list[Step]]:
    plans = {f"{prefix}-full-{k}": full_plan(f"{prefix}-full-{k}") for k in range(2)}
    for k, (incumbents, first_time) in enumerate((([1, 2, 3], [4]), ([2, 3, 15], [16]),
                                                  ([5, 7, 8], [9]))):
        plan_id = f"{prefix}-small-{k}"
        plans[plan_id] = small_plan(plan_id, organization(plan_id), incumbents=incumbents,
                                    first_time=first_time, minority=[3, 7],
                                    submitted=k != 1)
    return plans


async def write(db: Db, plans: dict[str, list[Step]], rng: random.Random) -> list[str]:
    """Append every plan's steps, interleaved across plans, some in transactions held open
    for a while; returns the ids of the events appended."""
    ids: list[str] = []

    async def one(steps: list[Step]) -> None:
        for step in steps:
            if rng.random() < 0.3:
                async with transaction(db) as (conn, tx):
                    recorded = await append_on(conn, step.new_events(), step.expected)
                    await asyncio.sleep(rng.uniform(0, 0.02))
                    await tx.commit()
            else:
                recorded = await db.store.append(step.new_events(), step.expected)
            ids.extend(r.event_id for r in recorded)

    await asyncio.gather(*(one(steps) for steps in plans.values()))
    return ids


async def caught_up(db: Db, ids: list[str]) -> int:
    """Wait until every read model stands at the end of the log; that position."""
    log = await delivered(db.store, ids)
    end = log[-1].position

    async def there() -> bool:
        return {p.name: p.position for p in await runner.positions(db.engine)
                if "@" not in p.name} == {p.name: end for p in read_models()}
    async with asyncio.timeout(60):
        while True:
            if await there():
                return end
            await asyncio.sleep(0.02)


async def test_a_rebuild_from_scratch_gives_exactly_the_live_rows(db: Db) -> None:
    rng = random.Random()
    live = asyncio.create_task(runner.run(db.engine, db.store, read_models(),
                                          poll_seconds=0.05, batch_size=rng.choice((1, 9, 100))))
    try:
        plans = some_plans("d")
        ids = await write(db, plans, rng)  # while the live runner follows
        await caught_up(db, ids)
        for projection in read_models():
            fresh = f"fresh_{projection.name}"
            events = await runner.build_fresh(db.engine, db.store, projection, fresh,
                                              batch_size=rng.choice((7, 500)))
            assert events == len(await db.store.read_all(limit=100_000))
            rows, built = await runner.digest(db.engine, projection, fresh)
            live_rows, live_digest = await runner.digest(db.engine, projection)
            assert rows == live_rows > 0 and built == live_digest, projection.name
            await runner.discard_fresh(db.engine, projection, fresh)

            report = await runner.rebuild(db.engine, db.store, projection)  # and swapped in
            assert report.matched_live is True and report.digest == live_digest
            assert await runner.digest(db.engine, projection) == (live_rows, live_digest)
    finally:
        live.cancel()
        await asyncio.gather(live, return_exceptions=True)
    await assert_read_models_match(db, [final_state(s) for s in plans.values()])
    async with driver(db.engine) as conn:
        assert await conn.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname LIKE "
                                   "'fresh_%' OR nspname LIKE 'rebuild_%'") == 0
        assert {r[0] for r in await conn.fetch("SELECT name FROM projection_positions")} == {
            p.name for p in read_models()}


async def test_a_rebuild_finds_and_repairs_rows_changed_behind_the_runner(db: Db) -> None:
    plans = some_plans("t")
    await append_all(db.store, [s for steps in plans.values() for s in steps])
    await runner.catch_up(db.engine, db.store, read_models())
    async with driver(db.engine) as conn:
        await conn.execute("UPDATE rm_structure SET women = women + 1 "
                           "WHERE plan_id = 't-small-0'")
    plans_report = await runner.rebuild(db.engine, db.store, read_models()[0])
    assert plans_report.matched_live is True
    structure_report = await runner.rebuild(db.engine, db.store, read_models()[2])
    assert structure_report.matched_live is False
    await assert_read_models_match(db, [final_state(s) for s in plans.values()])


async def test_a_rebuild_swapped_in_under_a_running_live_runner(db: Db) -> None:
    """Events keep arriving while each read model is rebuilt and swapped in; the live runner
    is fenced out during the swap and continues from the rebuilt position."""
    rng = random.Random()
    plans = some_plans("s")
    live = asyncio.create_task(runner.run(db.engine, db.store, read_models(),
                                          poll_seconds=0.05, batch_size=5))
    try:
        writing = asyncio.create_task(write(db, plans, rng))
        for projection in read_models():
            await asyncio.sleep(rng.uniform(0.05, 0.3))
            await runner.rebuild(db.engine, db.store, projection, batch_size=11)
        ids = await writing
        await caught_up(db, ids)
        assert not live.done()
    finally:
        live.cancel()
        await asyncio.gather(live, return_exceptions=True)
    await assert_read_models_match(db, [final_state(s) for s in plans.values()])


async def test_one_rebuild_of_a_projection_at_a_time(db: Db) -> None:
    projection = read_models()[1]
    async with driver(db.engine) as holder:
        await holder.fetchval("SELECT pg_advisory_lock($1)",
                              runner._lock_key("rebuild", projection.name))
        with pytest.raises(runner.RebuildRunning):
            await runner.rebuild(db.engine, db.store, projection)
        await holder.fetchval("SELECT pg_advisory_unlock($1)",
                              runner._lock_key("rebuild", projection.name))
    report = await runner.rebuild(db.engine, db.store, projection)
    assert report.events == 0 and report.rows == 0
