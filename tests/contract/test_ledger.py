"""The global ledger: gap-free numbering of every committed event in global-log order, a hash
chain over it, and signed checkpoints; the sealer that builds it under an advisory lock and
refuses to seal or sign over anything broken."""

from __future__ import annotations

import asyncio
import base64
import random
from datetime import timedelta
from typing import Any

import pytest
from asyncpg.exceptions import (
    ForeignKeyViolationError,
    IntegrityConstraintViolationError,
    UniqueViolationError,
)

from audit.spec import key_hash, parse_note
from eventstore.appending import append_on
from eventstore.checkpoints import CHECKPOINT_GENESIS, signature_problem
from eventstore.ledger import SEAL_LOCK_KEY, CheckpointPolicy, LedgerRefused, seal
from eventstore.ledger_chain import LEDGER_GENESIS, ledger_link
from eventstore.ledger_reads import read_checkpoints
from eventstore.model import NO_STREAM, RecordedEvent
from eventstore.store import PostgresEventStore
from tests.contract.builders import driver, event, events, fetch, stream, tamper
from tests.contract.ledger_support import OTHER, SIGNER, seal_to, tamper_all
from tests.support.databases import Scratch

pytestmark = pytest.mark.contract



async def _ledger(scratch: Scratch) -> list[Any]:
    return await fetch(scratch.engine, "SELECT ledger_seq, event_position, ledger_hash "
                                       "FROM ledger ORDER BY ledger_seq")


async def _log(store: PostgresEventStore) -> list[RecordedEvent]:
    seen: list[RecordedEvent] = []
    while batch := await store.read_all(after_position=seen[-1].position if seen else 0):
        seen += batch
    return seen


async def _some_events(store: PostgresEventStore, streams: int = 4, each: int = 3) -> None:
    for _ in range(streams):
        s = stream()
        await store.append(events(s, each), {s: NO_STREAM})


def _recomputed(log: list[RecordedEvent]) -> list[str]:
    link, links = LEDGER_GENESIS, []
    for seq, e in enumerate(log, start=1):
        link = ledger_link(link, event_hash=e.hash, ledger_seq=seq, position=e.position,
                           stream_id=e.stream_id, stream_version=e.stream_version)
        links.append(link)
    return links


async def test_every_event_is_numbered_once_in_global_log_order(scratch: Scratch) -> None:
    await _some_events(scratch.store)
    first = await seal_to(scratch.engine, scratch.store, 12)
    assert not first.busy and first.checkpoint is not None
    again = await seal(scratch.engine, scratch.store, SIGNER)
    assert (again.sealed, again.ledger_size, again.checkpoint) == (0, 12, None)  # nothing new
    await _some_events(scratch.store, streams=2)
    more = await seal_to(scratch.engine, scratch.store, 18)
    assert more.checkpoint is not None and more.checkpoint.ledger_size == 18

    log = await _log(scratch.store)
    rows = await _ledger(scratch)
    assert [r[0] for r in rows] == list(range(1, 19))
    assert [r[1] for r in rows] == [e.position for e in log]
    assert [r[2] for r in rows] == _recomputed(log)


async def test_a_late_commit_is_sealed_in_its_place_never_skipped(scratch: Scratch) -> None:
    store = scratch.store
    early, late = stream("early"), stream("late")
    async with driver(scratch.engine) as held:
        transaction = held.transaction()
        await transaction.start()
        [lower] = await append_on(held, [event(early, 1)], {early: NO_STREAM})
        [higher] = await store.append([event(late, 1)], {late: NO_STREAM})
        assert lower.position < higher.position
        result = await seal(scratch.engine, store, SIGNER)
        # `higher` committed, but the log cannot pass the open transaction holding `lower`.
        assert result.sealed == 0 and await _ledger(scratch) == []
        await transaction.commit()
    await seal_to(scratch.engine, store, 2)
    assert [r[1] for r in await _ledger(scratch)] == [lower.position, higher.position]


async def test_concurrent_writers_and_sealers_leave_no_gap_and_no_duplicate(
    scratch: Scratch,
) -> None:
    store, rng = scratch.store, random.Random(7)
    streams = [stream() for _ in range(12)]
    versions = dict.fromkeys(streams, 0)
    locks = {s: asyncio.Lock() for s in streams}
    busy = 0

    async def writer() -> None:
        for _ in range(25):
            first, second = sorted(rng.sample(streams, 2))
            async with locks[first], locks[second]:  # one writer per stream, in order
                batch = [event(s, versions[s] + 1) for s in (first, second)]
                await store.append(batch, {s: versions[s] for s in (first, second)})
                versions[first] += 1
                versions[second] += 1
            await asyncio.sleep(rng.random() / 200)

    async def sealer() -> None:
        nonlocal busy
        for _ in range(15):
            result = await seal(scratch.engine, store, SIGNER,
                                policy=CheckpointPolicy(every_events=20), batch=7)
            busy += result.busy
            await asyncio.sleep(0.005)

    await asyncio.gather(*(writer() for _ in range(4)), *(sealer() for _ in range(3)))
    await seal_to(scratch.engine, store, 200)

    log = await _log(store)
    rows = await _ledger(scratch)
    assert len(log) == 200
    assert [r[0] for r in rows] == list(range(1, 201))
    assert [r[1] for r in rows] == [e.position for e in log]
    assert [r[2] for r in rows] == _recomputed(log)
    checkpoints = await _checkpoints(scratch)
    assert [c.checkpoint_seq for c in checkpoints] == list(range(1, len(checkpoints) + 1))
    assert checkpoints[-1].ledger_size == 200


async def _checkpoints(scratch: Scratch) -> list[Any]:
    async with driver(scratch.engine) as conn:
        return await read_checkpoints(conn)


async def test_checkpoints_chain_sign_and_read_as_c2sp_notes(scratch: Scratch) -> None:
    for size in (6, 12, 18):
        await _some_events(scratch.store, streams=2)
        await seal_to(scratch.engine, scratch.store, size)
    checkpoints = await _checkpoints(scratch)
    assert [(c.checkpoint_seq, c.ledger_size) for c in checkpoints] == [(1, 6), (2, 12), (3, 18)]
    assert checkpoints[0].previous_hash == CHECKPOINT_GENESIS
    assert [c.previous_hash for c in checkpoints[1:]] == [c.body_hash() for c in checkpoints[:2]]
    links = _recomputed(await _log(scratch.store))
    assert [c.ledger_hash for c in checkpoints] == [links[5], links[11], links[17]]
    keys = {SIGNER.key_id: SIGNER.public_key}
    assert all(signature_problem(c, keys) is None for c in checkpoints)
    assert "not a trusted key" in (signature_problem(checkpoints[0], {}) or "")

    note = parse_note(checkpoints[2].signed_note(SIGNER.public_key))
    assert (note.checkpoint_seq, note.ledger_size, note.ledger_hash) == (3, 18, links[17])
    [(name, hint, signature)] = note.signatures
    assert name == SIGNER.key_id and hint == key_hash(SIGNER.key_id, SIGNER.public_key)
    assert base64.b64encode(signature).decode() == checkpoints[2].signature
    assert note.body.startswith("nhansu.ledger/v1\n18\n")


async def test_the_policy_decides_when_to_sign(scratch: Scratch) -> None:
    await _some_events(scratch.store, streams=1)
    assert (await seal_to(scratch.engine, scratch.store, 3)).checkpoint is not None
    every_ten = CheckpointPolicy(every_events=10, interval=timedelta(hours=1))
    for size, streams in ((9, 2), (12, 1)):  # < 10 uncovered, the last checkpoint is new
        await _some_events(scratch.store, streams=streams)
        assert (await seal_to(scratch.engine, scratch.store, size, policy=every_ten)
                ).checkpoint is None
    await _some_events(scratch.store, streams=1)  # 15: twelve uncovered
    made = (await seal_to(scratch.engine, scratch.store, 15, policy=every_ten)).checkpoint
    assert made is not None and made.ledger_size == 15
    await _some_events(scratch.store, streams=1)  # 18: three uncovered
    assert (await seal_to(scratch.engine, scratch.store, 18, policy=every_ten)).checkpoint \
        is None
    soon = CheckpointPolicy(every_events=10, interval=timedelta(0))  # the interval is over
    made = (await seal(scratch.engine, scratch.store, SIGNER, policy=soon)).checkpoint
    assert made is not None and made.ledger_size == 18
    again = await seal(scratch.engine, scratch.store, SIGNER, policy=soon)
    assert again.checkpoint is None and again.latest_checkpoint == made  # nothing uncovered


async def test_the_sealer_refuses_an_event_altered_before_it_was_sealed(
    scratch: Scratch,
) -> None:
    s = stream()
    recorded = await scratch.store.append(events(s, 3), {s: NO_STREAM})
    await tamper(scratch.engine, "UPDATE events SET data = convert_to(jsonb_set(convert_from("
                                 "data, 'UTF8')::jsonb, '{n}', '9')::text, 'UTF8') "
                                 f"WHERE position = {recorded[1].position}")
    with pytest.raises(LedgerRefused, match=f"position {recorded[1].position} .*content"):
        async with asyncio.timeout(60):
            while True:  # until the log delivers the batch (see ledger_support)
                await seal(scratch.engine, scratch.store, SIGNER)
                await asyncio.sleep(0.01)
    assert await _ledger(scratch) == []  # all or nothing per batch: nothing sealed past it


async def test_the_sealer_refuses_a_broken_link_between_versions(scratch: Scratch) -> None:
    s = stream()
    recorded = await scratch.store.append(events(s, 2), {s: NO_STREAM})
    await seal_to(scratch.engine, scratch.store, 2)
    [third] = await scratch.store.append([event(s, 3)], {s: 2})
    await tamper(scratch.engine, f"UPDATE events SET hash = '{'a' * 64}' "
                                 f"WHERE position = {recorded[1].position}")
    with pytest.raises(LedgerRefused, match=f"position {third.position} .*previous_hash"):
        async with asyncio.timeout(60):
            while True:
                await seal(scratch.engine, scratch.store, SIGNER)
                await asyncio.sleep(0.01)


async def test_the_sealer_will_not_sign_over_an_altered_ledger_entry(scratch: Scratch) -> None:
    await _some_events(scratch.store, streams=2)
    await seal_to(scratch.engine, scratch.store, 6)
    await _some_events(scratch.store, streams=1)
    await seal_to(scratch.engine, scratch.store, 9, signer=None)  # entries 7..9, unsigned
    await tamper_all(scratch.engine, f"UPDATE ledger SET ledger_hash = '{'b' * 64}' "
                                 "WHERE ledger_seq = 8")
    with pytest.raises(LedgerRefused, match="ledger seq 8"):
        await seal(scratch.engine, scratch.store, SIGNER)
    assert len(await _checkpoints(scratch)) == 1


async def test_the_sealer_extends_only_checkpoints_it_can_verify(scratch: Scratch) -> None:
    await _some_events(scratch.store, streams=1)
    await seal_to(scratch.engine, scratch.store, 3)
    await _some_events(scratch.store, streams=1)
    await seal_to(scratch.engine, scratch.store, 6, signer=None)
    # A new key cannot vouch for the old key's checkpoint until the old public key is given.
    with pytest.raises(LedgerRefused, match="checkpoint 1: signed with key 'test-ledger'"):
        await seal(scratch.engine, scratch.store, OTHER)
    rotated = await seal(scratch.engine, scratch.store, OTHER,
                         trusted_keys={SIGNER.key_id: SIGNER.public_key})
    assert rotated.checkpoint is not None and rotated.checkpoint.key_id == OTHER.key_id

    await _some_events(scratch.store, streams=1)
    await seal_to(scratch.engine, scratch.store, 9, signer=None)
    forged = base64.b64encode(bytes(64)).decode()
    await tamper_all(scratch.engine, f"UPDATE checkpoints SET signature = '{forged}' "
                                 "WHERE checkpoint_seq = 2")
    with pytest.raises(LedgerRefused, match="checkpoint 2: the signature does not verify"):
        await seal(scratch.engine, scratch.store, OTHER)


async def test_a_second_sealer_is_told_busy_and_a_cancelled_one_releases_the_lock(
    scratch: Scratch,
) -> None:
    await _some_events(scratch.store, streams=1)
    async with driver(scratch.engine) as other:
        assert await other.fetchval("SELECT pg_try_advisory_lock($1)", SEAL_LOCK_KEY)
        busy = await seal(scratch.engine, scratch.store, SIGNER, wait_seconds=0.2)
        assert busy.busy and busy.sealed == 0
        await other.fetchval("SELECT pg_advisory_unlock($1)", SEAL_LOCK_KEY)

    for _ in range(60):
        await _some_events(scratch.store, streams=10, each=5)  # 3003 events in all
    async with asyncio.timeout(60):
        while True:  # until the log delivers them all
            if len(await _log(scratch.store)) == 3003:
                break
            await asyncio.sleep(0.01)
    task = asyncio.create_task(seal(scratch.engine, scratch.store, SIGNER, batch=5))
    await asyncio.sleep(0.3)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    partial = len(await _ledger(scratch))
    assert 0 < partial < 3003
    done = await seal(scratch.engine, scratch.store, SIGNER)  # the lock was released
    assert not done.busy and done.ledger_size == 3003
    assert [r[0] for r in await _ledger(scratch)] == list(range(1, 3004))


async def test_the_database_itself_refuses_gaps_duplicates_and_dangling_entries(
    scratch: Scratch,
) -> None:
    await _some_events(scratch.store, streams=1)
    await seal_to(scratch.engine, scratch.store, 3)
    log = await _log(scratch.store)
    s = stream()
    [extra] = await scratch.store.append([event(s, 1)], {s: NO_STREAM})
    h = "c" * 64
    async with driver(scratch.engine) as conn:
        with pytest.raises(IntegrityConstraintViolationError,
                           match=r"ledger\.ledger_seq must continue at 4 without gaps, not 5"):
            await conn.execute("INSERT INTO ledger VALUES (5, $1, $2)", extra.position, h)
        with pytest.raises(UniqueViolationError):
            await conn.execute("INSERT INTO ledger VALUES (4, $1, $2)", log[0].position, h)
        with pytest.raises(ForeignKeyViolationError, match="position 999999, which holds no"):
            await conn.execute("INSERT INTO ledger VALUES (4, 999999, $1)", h)
        with pytest.raises(IntegrityConstraintViolationError, match="checkpoint_seq must "
                                                                   "continue at 2"):
            await conn.execute(
                "INSERT INTO checkpoints SELECT 3, ledger_size, ledger_hash, previous_hash, "
                "created_at, key_id, signature FROM checkpoints WHERE checkpoint_seq = 1")
        with pytest.raises(ForeignKeyViolationError):  # a checkpoint beyond the ledger
            await conn.execute(
                "INSERT INTO checkpoints SELECT 2, 4, ledger_hash, previous_hash, "
                "created_at, key_id, signature FROM checkpoints WHERE checkpoint_seq = 1")
    assert len(await _ledger(scratch)) == 3


async def test_a_long_lived_sealer_extends_its_tree_and_never_trusts_a_stale_edge(
        scratch: Scratch) -> None:
    """The sealer keeps the tree's right edge between checkpoints (reading only the new
    entries), and uses it only while its root is the latest signed root: the roots it signs
    are those of the whole tree, kept, rebuilt or handed a wrong edge."""
    from eventstore import ledger, merkle

    store = scratch.store
    s = stream()
    await store.append(events(s, 5), {s: NO_STREAM})
    first = (await seal_to(scratch.engine, store, 5)).checkpoint
    assert first is not None and any(e.size == 5 for e in ledger._edges.values())

    async def whole_tree_root(size: int) -> str:
        rows = await fetch(scratch.engine, "SELECT e.hash FROM ledger l JOIN events e ON "
                           "e.position = l.event_position WHERE l.ledger_seq <= $1 "
                           "ORDER BY l.ledger_seq", size)
        return merkle.root([merkle.leaf_hash(bytes.fromhex(r[0])) for r in rows]).hex()

    assert first.tree_root == await whole_tree_root(5)
    await store.append([event(s, 6), event(s, 7)], {s: 5})
    kept = (await seal_to(scratch.engine, store, 7)).checkpoint
    assert kept is not None and kept.tree_root == await whole_tree_root(7)

    ledger._edges.clear()  # a new process
    await store.append([event(s, 8)], {s: 7})
    rebuilt = (await seal_to(scratch.engine, store, 8)).checkpoint
    assert rebuilt is not None and rebuilt.tree_root == await whole_tree_root(8)

    wrong = merkle.CompactRange()  # an edge of the right size with another root
    for _ in range(8):
        wrong.append(merkle.leaf_hash(b"x"))
    for key in list(ledger._edges):
        ledger._edges[key] = wrong
    await store.append([event(s, 9)], {s: 8})
    handed = (await seal_to(scratch.engine, store, 9)).checkpoint
    assert handed is not None and handed.tree_root == await whole_tree_root(9)


async def test_proofs_come_from_stored_subtree_roots_and_a_wrong_one_is_never_handed_out(
        scratch: Scratch, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sealer stores the roots of the perfect subtrees of 16 leaves and more; proofs made
    from them equal proofs from every leaf. Nodes missing (a ledger sealed before they were
    kept) or altered give no proof from them, so the caller falls back to the leaves."""
    from eventstore import ledger, merkle
    from eventstore.ledger_reads import (
        latest_checkpoint,
        stored_consistency_proof,
        stored_inclusion_proofs,
    )

    # Leaves read in windows of 7, across subtree boundaries, as the sealer reads millions.
    monkeypatch.setattr(ledger, "LEAVES_PER_WINDOW", 7)
    ledger._edges.clear()
    store = scratch.store
    for _ in range(7):
        s = stream()
        await store.append(events(s, 20), {s: NO_STREAM})
    checkpoint = (await seal_to(scratch.engine, store, 140)).checkpoint
    assert checkpoint is not None and checkpoint.tree_root is not None
    root = bytes.fromhex(checkpoint.tree_root)
    stored = await fetch(scratch.engine, "SELECT level, idx FROM ledger_nodes")
    assert {(r[0], r[1]) for r in stored} == {(4, i) for i in range(8)} | {
        (5, i) for i in range(4)} | {(6, 0), (6, 1), (7, 0)}
    rows = await fetch(scratch.engine, "SELECT e.hash FROM ledger l JOIN events e ON "
                       "e.position = l.event_position ORDER BY l.ledger_seq")
    tree = merkle.Tree([merkle.leaf_hash(bytes.fromhex(r[0])) for r in rows])
    async with driver(scratch.engine) as conn:
        assert (await latest_checkpoint(conn)) == checkpoint
        proofs = await stored_inclusion_proofs(conn, list(range(140)), 140, root)
    assert proofs == {i: tree.inclusion_proof(i) for i in range(140)}

    async with driver(scratch.engine) as conn:  # the witness's proof, from the same nodes
        for first in (1, 16, 100, 139, 140):
            assert await stored_consistency_proof(conn, first, 140, root) == \
                tree.consistency_proof(first)

    await tamper_all(scratch.engine, "UPDATE ledger_nodes SET hash = sha256(hash) "
                                     "WHERE level = 5 AND idx = 1")
    async with driver(scratch.engine) as conn:
        assert await stored_consistency_proof(conn, 32, 140, root) is None  # needs (5, 1)
        assert await stored_consistency_proof(conn, 100, 140, root) is not None  # does not
    async with driver(scratch.engine) as conn:
        assert await stored_inclusion_proofs(conn, [0], 140, root) is None  # needs (5, 1)
        assert await stored_inclusion_proofs(conn, [139], 140, root) is not None  # does not
    await tamper_all(scratch.engine, "DELETE FROM ledger_nodes WHERE level = 7")
    async with driver(scratch.engine) as conn:
        assert await stored_inclusion_proofs(conn, [139], 140, root) is None

    # A sealer that walks the leaves again (a new process) puts back what is missing.
    ledger._edges.clear()
    s = stream()
    await store.append(events(s, 1), {s: NO_STREAM})
    await seal_to(scratch.engine, store, 141)
    async with driver(scratch.engine) as conn:
        assert await stored_inclusion_proofs(conn, [139], 140, root) is not None
