"""The global log never skips an event, however late its transaction commits.

Each test has a database of its own, so that it can assert the whole log. Waits poll rather
than sleep: an open write transaction anywhere on the server (other test sessions included)
legitimately holds delivery back.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

import pytest

from eventstore.appending import append_on
from eventstore.errors import WrongExpectedVersion
from eventstore.model import NO_STREAM, RecordedEvent
from eventstore.store import PostgresEventStore
from tests.contract.builders import driver, event, events, stream
from tests.support.databases import Scratch

pytestmark = pytest.mark.contract


async def _read_until(store: PostgresEventStore, count: int, after: int = 0) -> list[RecordedEvent]:
    seen: list[RecordedEvent] = []
    async with asyncio.timeout(60):
        while len(seen) < count:
            seen += await store.read_all(after_position=seen[-1].position if seen else after)
            await asyncio.sleep(0.005)
    return seen


async def test_a_held_transaction_holds_back_later_commits_then_both_arrive_in_order(
    scratch: Scratch,
) -> None:
    store = scratch.store
    early, late = stream(), stream()
    async with driver(scratch.engine) as held:
        transaction = held.transaction()
        await transaction.start()
        [first] = await append_on(held, [event(early, 1)], {early: NO_STREAM})
        [second] = await store.append([event(late, 1)], {late: NO_STREAM})
        assert first.position < second.position
        assert await store.read_stream(late) == [second]  # streams are read at once
        for _ in range(3):
            assert await store.read_all() == []  # the global log waits for `first`
            await asyncio.sleep(0.05)
        await transaction.commit()

    assert await _read_until(store, 2) == [first, second]
    assert await store.read_all(after_position=second.position) == []


async def test_a_lower_position_committed_later_is_still_delivered(scratch: Scratch) -> None:
    """Positions are drawn at INSERT: `y` draws a lower one than `x` but commits after it.
    A reader that continued from `x`'s position with `position > cursor` would skip `y`."""
    store = scratch.store
    xs, ys = stream("x"), stream("y")
    async with driver(scratch.engine) as x, driver(scratch.engine) as y:
        x_tx, y_tx = x.transaction(), y.transaction()
        await x_tx.start()
        await x.fetchval("SELECT pg_current_xact_id()")  # x takes its transaction id first
        await y_tx.start()
        [y1] = await append_on(y, [event(ys, 1)], {ys: NO_STREAM})
        [x1] = await append_on(x, [event(xs, 1)], {xs: NO_STREAM})
        await x_tx.commit()
        assert y1.position < x1.position

        assert await _read_until(store, 1) == [x1]
        await asyncio.sleep(0.05)
        assert await store.read_all(after_position=x1.position) == []
        await y_tx.commit()

    assert await _read_until(store, 1, after=x1.position) == [y1]


async def test_paging_and_an_unknown_cursor(scratch: Scratch) -> None:
    store = scratch.store
    s = stream()
    recorded = await store.append(events(s, 5), {s: NO_STREAM})
    page = await _read_until(store, 5)
    assert page == recorded
    assert await store.read_all(limit=2) == recorded[:2]
    assert await store.read_all(after_position=recorded[1].position, limit=2) == recorded[2:4]
    with pytest.raises(ValueError, match="no event at position"):
        await store.read_all(after_position=recorded[-1].position + 1000)


async def test_a_tailing_reader_sees_exactly_the_committed_events_under_concurrent_writers(
    scratch: Scratch,
) -> None:
    store, seed = scratch.store, random.randrange(2**32)
    rng = random.Random(seed)
    shared = [stream("shared") for _ in range(3)]
    committed: list[str] = []
    rolled_back: set[str] = set()
    conflicts = 0
    writing = True

    async def writer(k: int) -> None:
        nonlocal conflicts
        own = stream(f"w{k}")
        async with driver(scratch.engine) as conn:
            while writing:
                targets = rng.sample([*shared, own], k=rng.choice((1, 1, 2)))
                transaction = conn.transaction()
                await transaction.start()
                try:
                    if rng.random() < 0.3:  # take a transaction id early, as a busy caller may
                        await conn.fetchval("SELECT pg_current_xact_id()")
                        await asyncio.sleep(rng.uniform(0, 0.01))
                    versions = {t: await conn.fetchval(
                        "SELECT coalesce(max(stream_version), 0) FROM events "
                        "WHERE stream_id = $1", t) for t in targets}
                    batch = [event(t, rng.randint(1, 9)) for t in targets
                             for _ in range(rng.randint(1, 3))]
                    await append_on(conn, batch, versions)
                    await asyncio.sleep(rng.uniform(0, 0.02))
                except WrongExpectedVersion:
                    conflicts += 1
                    await transaction.rollback()
                    continue
                ids = [e.event_id for e in batch]
                if rng.random() < 0.2:
                    await transaction.rollback()
                    rolled_back.update(ids)
                else:
                    await transaction.commit()
                    committed.extend(ids)

    seen: list[RecordedEvent] = []

    async def reader() -> None:
        while writing or len(seen) < len(committed):
            after = seen[-1].position if seen else 0
            seen.extend(await store.read_all(after_position=after, limit=rng.choice((1, 7, 50))))
            await asyncio.sleep(rng.uniform(0, 0.005))

    async with asyncio.timeout(90), asyncio.TaskGroup() as group:
        for k in range(6):
            group.create_task(writer(k))
        group.create_task(reader())
        await asyncio.sleep(3)
        writing = False
    await asyncio.sleep(0.1)
    seen.extend(await store.read_all(after_position=seen[-1].position))

    context = f"seed={seed} committed={len(committed)} rolled back={len(rolled_back)}"
    delivered = [e.event_id for e in seen]
    assert len(committed) > 50 and rolled_back and conflicts, context
    assert len(delivered) == len(set(delivered)), f"duplicates; {context}"
    assert set(delivered) == set(committed), f"skipped or phantom events; {context}"
    versions: dict[str, list[int]] = defaultdict(list)
    for e in seen:
        versions[e.stream_id].append(e.stream_version)
    for stream_id, got in versions.items():
        assert got == list(range(1, len(got) + 1)), f"{stream_id} out of order; {context}"
    assert (await store.verify()).ok
