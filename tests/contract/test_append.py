"""Appending: versions, conflicts, idempotent retries and atomic multi-stream writes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.appending import append_on
from eventstore.errors import EventIdReused, StaleTransaction, WrongExpectedVersion
from eventstore.hashing import GENESIS_HASH
from eventstore.heads import HeadCache
from eventstore.model import NO_STREAM
from eventstore.store import PostgresEventStore
from tests.contract.builders import count, driver, event, events, stream

pytestmark = pytest.mark.contract


async def test_new_stream_gets_versions_from_one_and_a_linked_chain(
    store: PostgresEventStore,
) -> None:
    s = stream()
    recorded = await store.append(events(s, 3), {s: NO_STREAM})

    assert [e.stream_version for e in recorded] == [1, 2, 3]
    assert recorded[0].previous_hash == GENESIS_HASH
    assert [e.previous_hash for e in recorded[1:]] == [e.hash for e in recorded[:2]]
    assert recorded[0].position < recorded[1].position < recorded[2].position
    assert len({e.recorded_at for e in recorded}) == 1
    assert await store.read_stream(s) == recorded
    assert await store.stream_version(s) == 3


async def test_conflict_carries_expected_and_actual_and_writes_nothing(
    store: PostgresEventStore, engine: AsyncEngine,
) -> None:
    s = stream()
    await store.append(events(s, 2), {s: NO_STREAM})

    with pytest.raises(WrongExpectedVersion) as behind:
        await store.append([event(s, 3)], {s: 1})
    assert (behind.value.stream_id, behind.value.expected, behind.value.actual) == (s, 1, 2)

    with pytest.raises(WrongExpectedVersion) as ahead:
        await store.append([event(s, 3)], {s: 5})
    assert (ahead.value.expected, ahead.value.actual) == (5, 2)
    assert await count(engine, s) == 2


async def test_racing_writers_one_wins_the_other_learns_the_actual_version(
    store: PostgresEventStore, engine: AsyncEngine,
) -> None:
    for _ in range(10):
        s = stream()
        results = await asyncio.gather(
            *(store.append([event(s, n)], {s: NO_STREAM}) for n in range(4)),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, list)]
        losers = [r for r in results if isinstance(r, WrongExpectedVersion)]
        assert len(winners) == 1 and len(losers) == 3, results
        assert all((e.expected, e.actual) == (0, 1) for e in losers)
        assert await store.read_stream(s) == winners[0]


async def test_retry_returns_the_original_result_and_writes_nothing(
    store: PostgresEventStore, engine: AsyncEngine,
) -> None:
    s = stream()
    batch = events(s, 2)
    first = await store.append(batch, {s: NO_STREAM})
    rows = await count(engine)

    # Stale expected version (the usual retry), and the current one (a confused retry).
    assert await store.append(batch, {s: NO_STREAM}) == first
    assert await store.append(batch, {s: 2}) == first
    assert await count(engine) == rows

    later = await store.append([event(s, 3)], {s: 2})
    assert await store.append(batch[:1], {s: NO_STREAM}) == first[:1]
    assert await store.read_stream(s) == [*first, *later]


@pytest.mark.parametrize(
    "change",
    [
        {"data": {"n": 1, "step": "buoc-1", "votes": {"yes": 11, "no": 2}}},
        {"metadata": {"actor": "someone.else", "role": "organization_department"}},
        {"event_type": "StepReopened"},
        {"schema_version": 2},
        {"occurred_at": None},
        {"correlation_id": "plan-other"},
    ],
    ids=lambda change: next(iter(change)),
)
async def test_same_id_with_other_content_is_refused_and_writes_nothing(
    store: PostgresEventStore, engine: AsyncEngine, change: dict[str, Any],
) -> None:
    s = stream()
    original = event(s, 1)
    await store.append([original], {s: NO_STREAM})
    if change.get("occurred_at", 0) is None:
        change = {"occurred_at": original.occurred_at + timedelta(microseconds=1)}
    field = next(iter(change))

    with pytest.raises(EventIdReused) as refused:
        await store.append([replace(original, **change)], {s: NO_STREAM})
    assert refused.value.event_id == original.event_id
    assert refused.value.detail.startswith(f"{field} differs")
    assert await count(engine, s) == 1


async def test_same_id_in_another_stream_is_refused(
    store: PostgresEventStore, engine: AsyncEngine,
) -> None:
    s, other = stream(), stream()
    original = event(s, 1)
    await store.append([original], {s: NO_STREAM})

    with pytest.raises(EventIdReused, match="stream_id differs"):
        await store.append([replace(original, stream_id=other)], {other: NO_STREAM})
    assert await count(engine, other) == 0


async def test_retry_with_only_some_ids_stored_is_refused(
    store: PostgresEventStore, engine: AsyncEngine,
) -> None:
    s = stream()
    a, b = event(s, 1), event(s, 2)
    await store.append([a], {s: NO_STREAM})

    with pytest.raises(EventIdReused, match="only 1 of the 2") as refused:
        await store.append([a, b], {s: NO_STREAM})
    assert refused.value.event_id == a.event_id
    assert await count(engine, s) == 1


async def test_event_ids_are_stored_in_canonical_spelling(store: PostgresEventStore) -> None:
    s = stream()
    shouted = event(s, 1, event_id=event(s).event_id.upper())
    [recorded] = await store.append([shouted], {s: NO_STREAM})

    assert recorded.event_id == shouted.event_id.lower()
    assert await store.append([shouted], {s: NO_STREAM}) == [recorded]
    assert (await store.verify(s)).ok


async def test_multi_stream_append_writes_every_stream_in_one_go(
    store: PostgresEventStore,
) -> None:
    plan, nomination = stream("plan"), stream("nomination")
    await store.append([event(nomination, 1)], {nomination: NO_STREAM})

    batch = [event(plan, 1), event(nomination, 2), event(plan, 2)]
    recorded = await store.append(batch, {plan: NO_STREAM, nomination: 1})

    assert [(e.stream_id, e.stream_version) for e in recorded] == [
        (plan, 1), (nomination, 2), (plan, 2)]
    # Positions follow the caller's order across streams, whatever order rows are inserted in.
    assert recorded[0].position < recorded[1].position < recorded[2].position
    assert (await store.read_stream(plan)) == [recorded[0], recorded[2]]
    assert (await store.read_stream(nomination))[1] == recorded[1]


async def test_conflict_on_one_stream_writes_nothing_to_the_others(
    store: PostgresEventStore, engine: AsyncEngine,
) -> None:
    plan, nomination = stream("plan"), stream("nomination")
    await store.append(events(nomination, 1), {nomination: NO_STREAM})
    total = await count(engine)

    # Seen at the head check.
    with pytest.raises(WrongExpectedVersion) as caught:
        await store.append([event(plan, 1), event(nomination, 2)],
                           {plan: NO_STREAM, nomination: NO_STREAM})
    assert (caught.value.stream_id, caught.value.actual) == (nomination, 1)

    # Seen only at INSERT: the head check passes, then a rival commits version 2 first.
    async with driver(engine) as rival:
        async with rival.transaction():
            await append_on(rival, [event(nomination, 2)], {nomination: 1})
            blocked = asyncio.create_task(
                store.append([event(plan, 1), event(nomination, 2)],
                             {plan: NO_STREAM, nomination: 1}))
            await asyncio.sleep(0.3)  # let it pass the head check and wait on the unique index
        with pytest.raises(WrongExpectedVersion) as late:
            await blocked
    assert (late.value.stream_id, late.value.expected, late.value.actual) == (nomination, 1, 2)
    assert await count(engine, plan) == 0
    assert await count(engine) == total + 1


async def test_conflict_inside_a_callers_transaction_leaves_it_usable(
    engine: AsyncEngine, store: PostgresEventStore,
) -> None:
    s, other = stream(), stream()
    await store.append([event(s, 1)], {s: NO_STREAM})
    async with driver(engine) as rival, driver(engine) as conn, conn.transaction():
        async with rival.transaction():
            await append_on(rival, [event(s, 2)], {s: 1})
            mine = asyncio.create_task(append_on(conn, [event(s, 2)], {s: 1}))
            await asyncio.sleep(0.3)  # past the head check, waiting on the unique index
        with pytest.raises(WrongExpectedVersion):
            await mine
        await append_on(conn, [event(other, 1)], {other: NO_STREAM})
    assert await store.stream_version(other) == 1
    assert await store.stream_version(s) == 2


async def test_a_transaction_older_than_the_streams_last_writer_is_refused(
    engine: AsyncEngine, store: PostgresEventStore,
) -> None:
    s = stream()
    async with driver(engine) as conn, conn.transaction():
        await conn.fetchval("SELECT pg_current_xact_id()")
        await store.append([event(s, 1)], {s: NO_STREAM})
        with pytest.raises(StaleTransaction) as refused:
            await append_on(conn, [event(s, 2)], {s: 1})
    assert isinstance(refused.value, WrongExpectedVersion)
    assert await store.stream_version(s) == 1


@pytest.mark.parametrize(
    ("kwargs", "expected", "message"),
    [
        ({"data": {"ratio": 0.5}}, None, "floats"),
        ({"data": {1: "x"}}, None, "not a string"),
        ({"metadata": {"note": "a\x00b"}}, None, "NUL"),
        ({"data": {"when": object()}}, None, "not JSON"),
        ({"schema_version": 0}, None, "schema_version"),
        ({"schema_version": True}, None, "schema_version"),
        ({"event_type": ""}, None, "event_type"),
        ({"correlation_id": "a\x00b"}, None, "correlation_id"),
        ({"event_id": "not-a-uuid"}, None, "badly formed"),
        ({}, {}, "no expected version"),
        ({}, "extra", "without events"),
        ({}, -1, ">= 0"),
    ],
)
async def test_invalid_appends_are_refused_before_writing(
    store: PostgresEventStore, engine: AsyncEngine,
    kwargs: dict[str, Any], expected: object, message: str,
) -> None:
    s = stream()
    versions: dict[str, int] = {s: NO_STREAM}
    if expected == {}:
        versions = {}
    elif expected == "extra":
        versions[stream()] = 0
    elif isinstance(expected, int):
        versions = {s: expected}
    with pytest.raises(ValueError, match=message):
        await store.append([event(s, 1, **kwargs)], versions)
    assert await count(engine, s) == 0


async def test_duplicate_ids_and_naive_times_are_refused(store: PostgresEventStore) -> None:
    s = stream()
    one = event(s, 1)
    with pytest.raises(ValueError, match="twice"):
        await store.append([one, replace(one, data={"n": 2})], {s: NO_STREAM})
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.append([event(s, 1, occurred_at=one.occurred_at.replace(tzinfo=None))],
                           {s: NO_STREAM})
    assert await store.append([], {}) == []
    assert await store.stream_version(s) == 0


async def test_a_writer_with_an_outdated_head_in_memory_is_stopped_by_the_database(
    engine: AsyncEngine,
) -> None:
    # Two store instances stand for two worker processes, each remembering its own heads.
    mine, theirs = PostgresEventStore(engine), PostgresEventStore(engine)
    s = stream()
    await mine.append([event(s, 1)], {s: NO_STREAM})
    await theirs.append([event(s, 2)], {s: 1})

    with pytest.raises(WrongExpectedVersion) as caught:
        await mine.append([event(s, 2)], {s: 1})
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    recorded = await mine.append([event(s, 3)], {s: 2})
    assert recorded[0].previous_hash == (await theirs.read_stream(s))[1].hash
    assert (await mine.verify(s)).ok


async def test_a_cancelled_append_writes_nothing_and_leaves_the_pool_usable(
    engine: AsyncEngine, store: PostgresEventStore,
) -> None:
    s = stream()
    await store.append([event(s, 1)], {s: NO_STREAM})
    async with driver(engine) as rival, rival.transaction():
        await append_on(rival, [event(s, 2, data={"by": "rival"})], {s: 1})
        blocked = asyncio.create_task(store.append([event(s, 2)], {s: 1}))
        await asyncio.sleep(0.3)  # waiting on the rival's row in the unique index
        blocked.cancel()
        with pytest.raises(asyncio.CancelledError):
            await blocked
    assert [e.data.get("by") for e in await store.read_stream(s)] == [None, "rival"]
    # Every pooled connection still works (a half-finished one would fail here).
    for n in range(3, 40):
        await store.append([event(s, n)], {s: n - 1})
    assert (await store.verify(s)).ok


def test_the_head_cache_forgets_the_least_recently_appended_stream() -> None:
    cache = HeadCache(size=2)
    cache.remember("a", 1, "1" * 64)
    cache.remember("b", 1, "2" * 64)
    cache.remember("a", 2, "3" * 64)
    cache.remember("c", 1, "4" * 64)
    assert cache.hash_at("b", 1) is None
    assert cache.hash_at("a", 1) is None and cache.hash_at("a", 2) == "3" * 64
    assert cache.hash_at("c", 1) == "4" * 64
