"""Verification that scales: incremental from the latest signed checkpoint finds tampering
after it (and, by design, not before it, which the full verification finds); the full
verification split over several processes reports exactly what the serial one does."""

from __future__ import annotations

import random

import pytest

from eventstore.model import NO_STREAM
from eventstore.store import PostgresEventStore
from tests.contract.builders import events, stream, tamper
from tests.contract.ledger_support import OTHER, SIGNER, seal_to, tamper_all
from tests.support.databases import Scratch

pytestmark = pytest.mark.contract

KEYS = {SIGNER.key_id: SIGNER.public_key}


def set_n(value: int) -> str:
    """SQL that sets the payload's "n" (the payload is stored as bytes)."""
    return (f"UPDATE events SET data = convert_to(jsonb_set(convert_from(data, 'UTF8')::jsonb, "
            f"'{{n}}', '{value}')::text, 'UTF8')")


async def _streams(store: PostgresEventStore, count: int, each: int) -> list[str]:
    made = []
    for _ in range(count):
        s = stream()
        await store.append(events(s, each), {s: NO_STREAM})
        made.append(s)
    return made


async def _before_and_after(scratch: Scratch) -> tuple[list[str], list[str]]:
    """Six streams of 3 sealed and covered by a checkpoint at 18; then two more events on
    each of two of them and two new streams (sealed, not covered) and one unsealed stream."""
    store = scratch.store
    old = await _streams(store, 6, 3)
    await seal_to(scratch.engine, store, 18)
    for s in old[:2]:
        await store.append(events(s, 5)[3:], {s: 3})
    new = await _streams(store, 2, 2)
    await seal_to(scratch.engine, store, 26, signer=None)
    new += await _streams(store, 1, 3)
    return old, new


async def test_incremental_checks_only_what_the_checkpoint_does_not_cover(
        scratch: Scratch) -> None:
    await _before_and_after(scratch)
    report = await scratch.store.verify_since_checkpoint(KEYS)
    assert report is not None and report.ok, report
    assert (report.checkpoint_seq, report.covered, report.events_checked,
            report.sealed_checked, report.streams_checked) == (1, 18, 11, 8, 5)
    seen: list[tuple[int, int | None]] = []
    await scratch.store.verify_since_checkpoint(KEYS, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (11, 11)


async def test_without_a_checkpoint_there_is_nothing_to_start_from(scratch: Scratch) -> None:
    await _streams(scratch.store, 2, 2)
    assert await scratch.store.verify_since_checkpoint(KEYS) is None


@pytest.mark.parametrize("where", ["continued stream", "new sealed stream", "unsealed stream"])
async def test_tampering_after_the_checkpoint_is_found_by_both_modes(
        scratch: Scratch, where: str) -> None:
    old, new = await _before_and_after(scratch)
    target, version = {"continued stream": (old[0], 5), "new sealed stream": (new[1], 2),
                       "unsealed stream": (new[2], 2)}[where]
    await tamper(scratch.engine,
                 set_n(42) + f" WHERE stream_id = '{target}' AND stream_version = {version}")
    incremental = await scratch.store.verify_since_checkpoint(KEYS)
    assert incremental is not None and incremental.first_broken is not None
    assert (incremental.first_broken.stream_id, incremental.first_broken.stream_version) == (
        target, version)
    full = await scratch.store.verify()
    assert full.first_broken is not None and full.first_broken.stream_id == target


async def test_tampering_before_the_checkpoint_is_left_to_the_full_verification(
        scratch: Scratch) -> None:
    old, _ = await _before_and_after(scratch)
    await tamper(scratch.engine,
                 set_n(42) + f" WHERE stream_id = '{old[3]}' AND stream_version = 2")
    incremental = await scratch.store.verify_since_checkpoint(KEYS)
    assert incremental is not None and incremental.ok  # covered by the signature: not redone
    full = await scratch.store.verify()
    assert full.first_broken is not None
    assert (full.first_broken.stream_id, full.first_broken.stream_version) == (old[3], 2)


async def test_a_broken_link_into_the_covered_range_is_found(scratch: Scratch) -> None:
    old, _ = await _before_and_after(scratch)
    # The first event after the checkpoint of a continued stream names another predecessor.
    await tamper(scratch.engine, f"UPDATE events SET previous_hash = repeat('a', 64) "
                                 f"WHERE stream_id = '{old[1]}' AND stream_version = 4")
    incremental = await scratch.store.verify_since_checkpoint(KEYS)
    assert incremental is not None and incremental.first_broken is not None
    assert incremental.first_broken.stream_id == old[1]


async def test_the_ledger_and_the_checkpoint_after_it_are_checked(scratch: Scratch) -> None:
    await _before_and_after(scratch)
    await tamper_all(scratch.engine, "UPDATE ledger SET ledger_hash = repeat('b', 64) "
                                     "WHERE ledger_seq = 22")
    report = await scratch.store.verify_since_checkpoint(KEYS)
    assert report is not None and report.problem is not None and "22" in report.problem
    await tamper_all(scratch.engine, "UPDATE ledger SET ledger_hash = repeat('c', 64) "
                                     "WHERE ledger_seq = 18")
    report = await scratch.store.verify_since_checkpoint(KEYS)
    assert report is not None and report.problem is not None and "18" in report.problem
    other = await scratch.store.verify_since_checkpoint({OTHER.key_id: OTHER.public_key})
    assert other is not None and other.problem is not None and "checkpoint 1" in other.problem


async def test_the_split_verification_equals_the_serial_one(scratch: Scratch) -> None:
    made = await _streams(scratch.store, 12, 4)
    serial = await scratch.store.verify()
    seen: list[tuple[int, int | None]] = []
    split = await scratch.store.verify(workers=3, progress=lambda d, t: seen.append((d, t)))
    assert split == serial and split.ok and split.events_checked == 48
    assert seen[-1] == (48, 48)

    victim = random.choice(made)
    await tamper(scratch.engine, set_n(7) + f" WHERE stream_id = '{victim}' AND stream_version = 3")
    serial = await scratch.store.verify()
    split = await scratch.store.verify(workers=2)
    assert split == serial and split.first_broken is not None
    assert (split.first_broken.stream_id, split.first_broken.stream_version) == (victim, 3)
