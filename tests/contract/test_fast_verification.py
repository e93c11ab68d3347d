"""The fast pass of verify() (eventstore/fast_verification.py) says "intact" exactly when the
reference walk does, on every kind of content the store accepts; a broken store always goes
to the walk, which describes the break (tests/contract/test_integrity.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from eventstore import fast_verification
from eventstore.fast_verification import verify_all_fast
from eventstore.hashing import dumps
from eventstore.model import NO_STREAM, NewEvent, VerificationReport
from eventstore.verification import verify_on
from tests.contract.builders import driver, events, fetch, stream, tamper
from tests.support.databases import Scratch

pytestmark = pytest.mark.contract

AWKWARD_TEXT = 'Bầu "cử"\\ \n\t\b\f\r \x01\x1f \x7f \u2028 \U0001f600 /'


def awkward(stream_id: str, n: int) -> NewEvent:
    """Content that tests the fixed parts PostgreSQL spells out and the JSON re-encoding."""
    return NewEvent(
        event_id=str(uuid.uuid4()), stream_id=stream_id, event_type=f"Sự kiện {AWKWARD_TEXT}",
        schema_version=7,
        data={"text": AWKWARD_TEXT, "big": 10**30, "negative_big": -(2**64), "int": -5,
              "nested": [{"é": 1, "e": 2, "z": [], "": {}}, None, True, False, ""],
              "\U0001f600 key": "x", "É": "upper accented key"},
        metadata={"actor": "nguyễn.văn.a", "quote": '"', "step": 3},
        occurred_at=datetime(1, 1, 1, tzinfo=UTC) + timedelta(days=n),
        correlation_id=None if n % 2 else f"plan-{AWKWARD_TEXT}",
    )


async def _both(scratch: Scratch) -> tuple[VerificationReport | None, VerificationReport]:
    async with driver(scratch.engine) as conn:
        fast = await verify_all_fast(conn)
        reference = await verify_on(conn, None, fast=False)
    return fast, reference


async def _awkward_store(scratch: Scratch) -> None:
    odd = f'nomination-"{AWKWARD_TEXT}"'
    await scratch.store.append([awkward(odd, n) for n in range(1, 4)], {odd: NO_STREAM})
    plain = stream()
    await scratch.store.append(events(plain, 5), {plain: NO_STREAM})
    late = stream("late")
    await scratch.store.append(
        [NewEvent(event_id=str(uuid.uuid4()), stream_id=late, event_type="Late", schema_version=1,
                  data={}, metadata={},
                  occurred_at=datetime(2025, 6, 1, 16, 0, 0, 999999,
                                       tzinfo=timezone(timedelta(hours=7))))],
        {late: NO_STREAM})


async def test_an_intact_store_passes_the_fast_pass_with_the_walks_counts(
    scratch: Scratch,
) -> None:
    await _awkward_store(scratch)

    fast, reference = await _both(scratch)

    assert reference.ok and (reference.streams_checked, reference.events_checked) == (3, 9)
    assert fast == reference


async def test_the_stored_bytes_are_the_canonical_encoding_that_was_hashed(
    scratch: Scratch,
) -> None:
    await _awkward_store(scratch)
    for event in await scratch.store.read_all(limit=100):
        [row] = await fetch(scratch.engine, "SELECT data, metadata FROM events "
                                            "WHERE position = $1", event.position)
        assert (row[0], row[1]) == (dumps(event.data).encode(), dumps(event.metadata).encode())


async def test_a_store_split_into_passes_gives_the_same_answer(
    scratch: Scratch, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(4):
        s = stream()
        await scratch.store.append(events(s, 3), {s: NO_STREAM})
    async with driver(scratch.engine) as conn:
        await conn.execute("ANALYZE events")
    monkeypatch.setattr(fast_verification, "STREAMS_PER_PASS", 5)  # 12 rows: 3 passes

    fast, reference = await _both(scratch)

    assert fast == reference and reference.events_checked == 12


async def test_pages_smaller_than_the_store_give_the_same_answer(scratch: Scratch) -> None:
    await _awkward_store(scratch)
    async with driver(scratch.engine) as conn:
        fast = await verify_all_fast(conn, page=2)
        reference = await verify_on(conn, None, fast=False)

    assert fast == reference


@pytest.mark.parametrize("statement", [
    "UPDATE events SET data = convert_to(jsonb_set(convert_from(data, 'UTF8')::jsonb, '{n}', "
    "'42')::text, 'UTF8') WHERE stream_version = 2",
    # The same value in other bytes (jsonb's spacing): not what was hashed.
    "UPDATE events SET data = convert_to(convert_from(data, 'UTF8')::jsonb::text, 'UTF8') "
    "WHERE stream_version = 2",
    "UPDATE events SET recorded_at = recorded_at + interval '1 microsecond' "
    "WHERE stream_version = 3",
    "UPDATE events SET metadata = convert_to('{}', 'UTF8') WHERE stream_version = 1",
    "DELETE FROM events WHERE stream_version = 2",
    "UPDATE events SET position = DEFAULT WHERE stream_version = 1",
    "UPDATE events SET hash = repeat('a', 64) WHERE stream_version = 4",
], ids=["data", "data_respaced", "recorded_at", "metadata", "deleted", "moved", "hash"])
async def test_any_alteration_sends_verify_to_the_walk(scratch: Scratch, statement: str) -> None:
    s = stream()
    await scratch.store.append(events(s, 4), {s: NO_STREAM})
    await tamper(scratch.engine, statement)

    fast, reference = await _both(scratch)

    assert fast is None
    assert not reference.ok
    assert await scratch.store.verify() == reference
