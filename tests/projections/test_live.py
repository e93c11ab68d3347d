"""The live runner: a NOTIFY after each commit brings new events to the read models at once,
polling covers what NOTIFY does not (appends from elsewhere, a lost LISTEN connection, a
wake-up that came while older transactions still held the log back), one runner per set
works while another stands by, and the worker's background task stops cleanly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

import bootstrap
from eventstore.model import RecordedEvent
from reads.models import runner
from reads.models.base import Projection
from reads.models.connections import driver
from reads.models.notify import CHANNEL, NotifyingEventStore
from settings import Settings
from tests.projections.conftest import Db
from tests.projections.support import Recording, full_plan

pytestmark = pytest.mark.projection


async def eventually(check: Callable[[], Awaitable[bool]], within: float) -> float:
    """Seconds until ``check`` holds; fails after ``within`` seconds."""
    started = time.monotonic()
    async with asyncio.timeout(within):
        while True:
            if await check():
                return time.monotonic() - started
            await asyncio.sleep(0.01)


async def count_seen(db: Db) -> int:
    async with driver(db.engine) as conn:
        return int(await conn.fetchval("SELECT count(*) FROM test_seen"))


async def lock_holders(db: Db) -> set[int]:
    """Backends of this database holding an advisory lock (a runner's leader lock)."""
    async with driver(db.engine) as conn:
        rows = await conn.fetch(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())")
    return {r[0] for r in rows}


@asynccontextmanager
async def running(db: Db, projections: list[Projection], *,
                  poll: float) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(runner.run(db.engine, db.store, projections, poll_seconds=poll))
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def until_leading(db: Db, *, not_by: int | None = None) -> int:
    """The backend of the one runner holding the lock (once it is not ``not_by``)."""
    holders: set[int] = set()

    async def one() -> bool:
        nonlocal holders
        holders = await lock_holders(db)
        return len(holders) == 1 and not_by not in holders
    await eventually(one, 30)
    return holders.pop()


async def append_plan(store: Any, plan_id: str, steps: int = 3) -> list[RecordedEvent]:
    return [r for step in full_plan(plan_id)[:steps]
            for r in await store.append(step.new_events(), step.expected)]


async def test_a_notify_after_the_commit_brings_events_at_once(db: Db) -> None:
    store = NotifyingEventStore(db.engine)
    try:
        async with running(db, [Recording()], poll=60):
            await until_leading(db)
            added = await append_plan(store, "n1")
            took = await eventually(lambda: _seen(db, len(added)), within=10)
    finally:
        await store.aclose()
    assert took < 5 and store.notifier.sent >= 1


async def _seen(db: Db, n: int) -> bool:
    return await count_seen(db) >= n


async def test_without_a_notification_the_poll_brings_them(db: Db) -> None:
    async with running(db, [Recording()], poll=0.3):
        await until_leading(db)
        added = await append_plan(db.store, "p1")  # a plain store: no NOTIFY
        await eventually(lambda: _seen(db, len(added)), within=30)
    assert await count_seen(db) == len(added)


async def test_notifications_are_coalesced_and_the_last_commit_is_followed_by_one(
        db: Db) -> None:
    store = NotifyingEventStore(db.engine)
    received: list[str] = []

    def heard(*args: Any) -> None:
        received.append(args[2])

    async def heard_one() -> bool:
        return bool(received)

    async with driver(db.engine) as listener:
        await listener.add_listener(CHANNEL, heard)
        try:
            steps = [full_plan(f"c{k}")[0] for k in range(30)]
            await asyncio.gather(*(store.append(s.new_events(), s.expected) for s in steps))
            await store.aclose()
            await eventually(heard_one, within=10)
            await asyncio.sleep(0.2)
        finally:
            await listener.remove_listener(CHANNEL, heard)
    assert 1 <= store.notifier.sent == len(received) <= 30


async def test_a_killed_listen_connection_is_made_again(db: Db) -> None:
    store = NotifyingEventStore(db.engine)
    try:
        async with running(db, [Recording()], poll=60):
            first = await until_leading(db)
            async with driver(db.engine) as conn:
                assert await conn.fetchval("SELECT pg_terminate_backend($1)", first)
            await until_leading(db, not_by=first)  # it left, and a new session leads
            added = await append_plan(store, "k1")
            took = await eventually(lambda: _seen(db, len(added)), within=10)
    finally:
        await store.aclose()
    assert took < 5


async def test_a_wake_up_held_back_by_an_older_transaction_looks_again_soon(db: Db) -> None:
    """The NOTIFY arrives while an older transaction (one that writes no event) is still
    open: read_all rightly holds the new events back, and nothing will notify again when
    that transaction ends. The runner looks again after short delays instead of waiting for
    the next poll (60 s here)."""
    store = NotifyingEventStore(db.engine)
    try:
        async with running(db, [Recording()], poll=60), driver(db.engine) as older:
            await until_leading(db)
            async with older.transaction():
                await older.fetchval("SELECT pg_current_xact_id()")
                added = await append_plan(store, "h1")
                await asyncio.sleep(0.5)
                assert await count_seen(db) == 0
            took = await eventually(lambda: _seen(db, len(added)), within=10)
    finally:
        await store.aclose()
    assert took < 5


async def test_one_runner_per_set_works_and_another_takes_over_when_it_stops(db: Db) -> None:
    async with running(db, [Recording()], poll=0.1) as first:
        leader = await until_leading(db)
        async with running(db, [Recording()], poll=0.1):
            await asyncio.sleep(0.5)
            assert await lock_holders(db) == {leader}  # the second one stands by
            added = await append_plan(db.store, "l1")
            await eventually(lambda: _seen(db, len(added)), within=30)

            first.cancel()
            await asyncio.gather(first, return_exceptions=True)
            await until_leading(db, not_by=leader)  # the one standing by took over
            added += await append_plan(db.store, "l2")
            await eventually(lambda: _seen(db, len(added)), within=30)
    assert await count_seen(db) == len(added)


async def test_the_workers_background_projector_is_prompt_and_stops_cleanly(db: Db) -> None:
    settings = Settings(projection_poll_seconds=60)
    async with bootstrap.database(settings, url=db.url, notify_projections=True) as worker_db:
        assert isinstance(worker_db.store, NotifyingEventStore)
        async with bootstrap.projector(settings, worker_db) as task:
            await until_leading(db)
            await append_plan(worker_db.store, "worker-plan", steps=2)

            async def listed() -> bool:
                async with driver(db.engine) as conn:
                    return bool(await conn.fetchval(
                        "SELECT candidates FROM rm_plans WHERE plan_id = 'worker-plan'"))
            # Notified, not polled: well before the 60 s poll would come round, with room
            # for a machine busy with other tests.
            took = await eventually(listed, within=40)
        assert task.done() and task.cancelled()
    assert took < 40
    assert await lock_holders(db) == set()  # its connection is gone with it
