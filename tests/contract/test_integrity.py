"""Tamper evidence: the trigger keeps honest code from rewriting history, and the hash chain
exposes whoever switches the trigger off."""

from __future__ import annotations

import pytest
from asyncpg.exceptions import InsufficientPrivilegeError
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.hashing import canonical_bytes, chain_hash, dumps
from eventstore.model import NO_STREAM, RecordedEvent
from eventstore.store import PostgresEventStore
from tests.contract.builders import count, driver, events, fetch, stream, tamper
from tests.support.databases import Scratch

pytestmark = pytest.mark.contract


async def _three_streams(store: PostgresEventStore) -> tuple[str, list[RecordedEvent]]:
    """Two bystander streams around a target stream of four events."""
    first, target, last = stream("a"), stream("m"), stream("z")
    await store.append(events(first, 2), {first: NO_STREAM})
    recorded = await store.append(events(target, 4), {target: NO_STREAM})
    await store.append(events(last, 3), {last: NO_STREAM})
    return target, recorded


async def test_untouched_data_verifies(scratch: Scratch) -> None:
    _, recorded = await _three_streams(scratch.store)

    report = await scratch.store.verify()
    assert report.ok and report.first_broken is None
    assert (report.streams_checked, report.events_checked) == (3, 9)
    one = await scratch.store.verify(recorded[0].stream_id)
    assert one.ok and (one.streams_checked, one.events_checked) == (1, 4)
    assert (await scratch.store.verify("no-such-stream")).events_checked == 0


async def test_altered_payload_is_caught_at_its_position(scratch: Scratch) -> None:
    target, recorded = await _three_streams(scratch.store)
    victim = recorded[1]
    await tamper(scratch.engine, f"""UPDATE events SET data = convert_to(jsonb_set(
        convert_from(data, 'UTF8')::jsonb, '{{votes,yes}}', '99')::text, 'UTF8')
        WHERE position = {victim.position}""")
    assert (await scratch.store.read_stream(target))[1].data["votes"]["yes"] == 99

    report = await scratch.store.verify()
    assert not report.ok and report.first_broken is not None
    broken = report.first_broken
    assert (broken.stream_id, broken.stream_version, broken.position) == (
        target, 2, victim.position)
    assert broken.reason == "hash mismatch: stored event was altered"
    assert (await scratch.store.verify(target)).first_broken == broken


async def test_altered_payload_with_a_recomputed_hash_breaks_the_next_link(
    scratch: Scratch,
) -> None:
    target, recorded = await _three_streams(scratch.store)
    victim = recorded[1]
    forged = canonical_bytes(
        event_id=victim.event_id, stream_id=target, stream_version=2,
        event_type=victim.event_type, schema_version=1, data={**victim.data, "n": 42},
        metadata=victim.metadata, occurred_at=victim.occurred_at,
        recorded_at=victim.recorded_at, correlation_id=None)
    forged_hash = chain_hash(victim.previous_hash, forged)
    # The forger stores the canonical bytes of the altered payload, as the store would.
    await tamper(scratch.engine, f"""UPDATE events SET data = convert_to($1, 'UTF8'),
        hash = '{forged_hash}' WHERE position = {victim.position}""",
                 args=(dumps({**victim.data, "n": 42}),))

    broken = (await scratch.store.verify()).first_broken
    assert broken is not None
    assert (broken.stream_version, broken.position) == (3, recorded[2].position)
    assert broken.reason == "previous_hash does not match the hash of version 2"


async def test_metadata_and_time_edits_are_caught(scratch: Scratch) -> None:
    target, recorded = await _three_streams(scratch.store)
    await tamper(scratch.engine, f"""UPDATE events SET recorded_at = recorded_at - interval
        '1 microsecond' WHERE position = {recorded[3].position}""")
    broken = (await scratch.store.verify(target)).first_broken
    assert broken is not None and broken.position == recorded[3].position
    assert broken.reason.startswith("hash mismatch")


async def test_deleted_event_is_caught_as_a_version_gap(scratch: Scratch) -> None:
    target, recorded = await _three_streams(scratch.store)
    await tamper(scratch.engine, f"DELETE FROM events WHERE position = {recorded[1].position}")

    broken = (await scratch.store.verify()).first_broken
    assert broken is not None
    assert (broken.stream_id, broken.stream_version, broken.position) == (
        target, 3, recorded[2].position)
    assert broken.reason == "version gap: expected 2, found 3"


async def test_deleted_first_event_is_caught(scratch: Scratch) -> None:
    target, recorded = await _three_streams(scratch.store)
    await tamper(scratch.engine, f"DELETE FROM events WHERE position = {recorded[0].position}")
    broken = (await scratch.store.verify(target)).first_broken
    assert broken is not None and broken.reason == "version gap: expected 1, found 2"


async def test_swapped_versions_are_caught(scratch: Scratch) -> None:
    target, recorded = await _three_streams(scratch.store)
    two, three = recorded[1].position, recorded[2].position
    await tamper(
        scratch.engine,
        f"UPDATE events SET stream_version = 1000 WHERE position = {two}",
        f"UPDATE events SET stream_version = 2 WHERE position = {three}",
        f"UPDATE events SET stream_version = 3 WHERE position = {two}",
    )

    broken = (await scratch.store.verify()).first_broken
    assert broken is not None
    assert (broken.stream_id, broken.stream_version, broken.position) == (target, 2, three)
    assert broken.reason == "previous_hash does not match the hash of version 1"


async def test_moved_position_is_caught(scratch: Scratch) -> None:
    target, recorded = await _three_streams(scratch.store)
    await tamper(scratch.engine,
                 f"UPDATE events SET position = DEFAULT WHERE position = {recorded[0].position}")
    broken = (await scratch.store.verify(target)).first_broken
    assert broken is not None and broken.stream_version == 2
    assert broken.reason == "position order does not match version order"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET data = convert_to('{}', 'UTF8') WHERE stream_id = $1",
     "DELETE FROM events WHERE stream_id = $1",
     "TRUNCATE events"],
    ids=["update", "delete", "truncate"],
)
async def test_the_trigger_refuses_to_rewrite_history(
    store: PostgresEventStore, engine: AsyncEngine, statement: str,
) -> None:
    s = stream()
    recorded = await store.append(events(s, 2), {s: NO_STREAM})
    rows = await count(engine)

    async with driver(engine) as conn:
        args = (s,) if "$1" in statement else ()
        with pytest.raises(InsufficientPrivilegeError, match="events are append-only"):
            await conn.execute(statement, *args)
    assert await store.read_stream(s) == recorded
    assert await count(engine) == rows


async def test_the_guard_is_enabled_after_migration(engine: AsyncEngine) -> None:
    [row] = await fetch(engine, """SELECT tgenabled::text FROM pg_trigger
        WHERE tgname = 'events_append_only' AND tgrelid = 'events'::regclass""")
    assert row[0] == "O"  # fires in normal (origin) sessions
