"""Rollbacks, truncations, forks and deletions the operator makes with full control of the
database are caught by an auditor holding only the witness's last co-signed checkpoint: the
witness refuses to co-sign, and verifying the database against that note fails."""

from __future__ import annotations

import pytest

from audit import spec
from audit.database import verify_ledger
from audit.witness import ConsistencyProof, WitnessKey, WitnessRefused, cosign
from eventstore import merkle
from eventstore.ledger import LedgerRefused, seal
from eventstore.ledger_reads import latest_checkpoint, leaf_hashes
from eventstore.model import NO_STREAM
from tests.contract.builders import driver, event, events, stream
from tests.contract.ledger_support import SIGNER, seal_to, tamper_all
from tests.support.databases import Scratch

pytestmark = pytest.mark.contract

WITNESS = WitnessKey("kiem-toan", bytes(range(100, 132)))
OPERATOR = {SIGNER.key_id: SIGNER.public_key}


async def _handoff(scratch: Scratch, first_size: int) -> ConsistencyProof:
    """What ``nhansu ledger consistency --from-size`` hands the witness."""
    async with driver(scratch.engine) as conn:
        checkpoint = await latest_checkpoint(conn)
        assert checkpoint is not None and checkpoint.tree_root is not None
        leaves = await leaf_hashes(conn, checkpoint.ledger_size)
    # A rolled-back log cannot prove anything from a size it no longer has: it hands over its
    # checkpoint with an empty proof (the command refuses such a --from-size outright).
    proof = (merkle.consistency_proof(leaves, first_size) if first_size <= len(leaves)
             else [])
    return ConsistencyProof(first_size=first_size, second_size=checkpoint.ledger_size,
                            proof=proof,
                            checkpoint=checkpoint.signed_note(SIGNER.public_key))


async def _witnessed(scratch: Scratch, state: str | None) -> str:
    first = 0 if state is None else spec.parse_note(state).ledger_size
    return cosign(key=WITNESS, operator_keys=OPERATOR, proof=await _handoff(scratch, first),
                  state=state).note


async def _auditor_fails(scratch: Scratch, state: str) -> list[str]:
    report = await verify_ledger(scratch.engine, OPERATOR, trusted=spec.parse_note(state))
    return [f.message for f in report.failures]


async def _grow(scratch: Scratch, size: int, s: str | None = None, after: int = 0) -> str:
    s = s or stream()
    count = 3
    if after == 0:
        await scratch.store.append(events(s, count), {s: NO_STREAM})
    else:
        await scratch.store.append([event(s, after + n) for n in range(1, count + 1)],
                                   {s: after})
    await seal_to(scratch.engine, scratch.store, size)
    return s


async def test_the_witness_cosigns_growth_and_the_auditor_verifies_it(scratch: Scratch) -> None:
    await _grow(scratch, 3)
    state = await _witnessed(scratch, None)
    await _grow(scratch, 6)
    await _grow(scratch, 9)
    state = await _witnessed(scratch, state)
    note = spec.parse_note(state)
    assert note.ledger_size == 9 and len(note.signatures) == 2
    assert {s[0] for s in note.signatures} == {SIGNER.key_id, "kiem-toan"}
    assert await _auditor_fails(scratch, state) == []
    # Co-signing the same checkpoint again is allowed (nothing changed), and idempotent.
    assert await _witnessed(scratch, state) == state


async def test_a_cut_tail_is_caught(scratch: Scratch) -> None:
    """Rollback: the newest events, their ledger entries and the newest checkpoint removed."""
    await _grow(scratch, 3)
    await _grow(scratch, 6)
    state = await _witnessed(scratch, None)
    s = await _grow(scratch, 9)
    state = await _witnessed(scratch, state)
    await tamper_all(scratch.engine, "DELETE FROM checkpoints WHERE ledger_size > 6",
                     "DELETE FROM ledger WHERE ledger_seq > 6",
                     f"DELETE FROM events WHERE stream_id = '{s}'")
    assert (await verify_ledger(scratch.engine, OPERATOR)).ok  # a plain verify: silent
    with pytest.raises(WitnessRefused) as refused:
        await _witnessed(scratch, state)
    assert refused.value.rule == "rollback"
    assert any("rolled back" in m for m in await _auditor_fails(scratch, state))


async def test_a_truncated_and_rebuilt_log_is_caught(scratch: Scratch) -> None:
    await _grow(scratch, 3)
    await _grow(scratch, 6)
    state = await _witnessed(scratch, None)
    await tamper_all(scratch.engine, "DELETE FROM checkpoints", "DELETE FROM ledger",
                     "DELETE FROM events")
    await _grow(scratch, 3)
    with pytest.raises(WitnessRefused) as refused:
        await _witnessed(scratch, state)
    assert refused.value.rule == "rollback"
    assert await _auditor_fails(scratch, state)


async def test_a_fork_of_the_same_size_and_a_longer_fork_are_caught(scratch: Scratch) -> None:
    """The tail replaced by other events: first as many (two checkpoints of one size), then
    more (a consistency proof from the witnessed size cannot verify)."""
    await _grow(scratch, 3)
    await _grow(scratch, 6)
    state = await _witnessed(scratch, None)
    s = await _grow(scratch, 9)
    state = await _witnessed(scratch, state)
    await tamper_all(scratch.engine, "DELETE FROM checkpoints WHERE ledger_size > 6",
                     "DELETE FROM ledger WHERE ledger_seq > 6",
                     f"DELETE FROM events WHERE stream_id = '{s}'")
    other = await _grow(scratch, 9)  # another history of the same size, newly signed
    with pytest.raises(WitnessRefused) as refused:
        await _witnessed(scratch, state)
    assert refused.value.rule == "fork"
    assert any("forked" in m for m in await _auditor_fails(scratch, state))
    await _grow(scratch, 12, other, after=3)
    with pytest.raises(WitnessRefused) as refused:
        await _witnessed(scratch, state)
    assert refused.value.rule == "fork"


async def test_a_deleted_sealed_event_is_caught_even_with_the_ledger_rebuilt(
        scratch: Scratch) -> None:
    """An event removed once sealed and witnessed, and the ledger re-sealed without it."""
    first = await _grow(scratch, 3)
    await _grow(scratch, 6)
    state = await _witnessed(scratch, None)
    await tamper_all(scratch.engine, "DELETE FROM checkpoints", "DELETE FROM ledger",
                     f"DELETE FROM events WHERE stream_id = '{first}' AND stream_version = 3")
    await _grow(scratch, 8, first, after=2)  # v3 again, differently, then v4, v5
    with pytest.raises(WitnessRefused) as refused:
        await _witnessed(scratch, state)
    assert refused.value.rule == "fork"
    assert await _auditor_fails(scratch, state)


async def test_the_witness_refuses_a_foreign_state_and_an_unsigned_checkpoint(
        scratch: Scratch) -> None:
    await _grow(scratch, 3)
    handoff = await _handoff(scratch, 0)
    other = WitnessKey("khac", bytes(range(32)))
    foreign = cosign(key=other, operator_keys=OPERATOR, proof=handoff, state=None).note
    with pytest.raises(WitnessRefused) as refused:
        cosign(key=WITNESS, operator_keys=OPERATOR, proof=handoff, state=foreign)
    assert (refused.value.field, refused.value.rule) == ("--state", "own_signature")
    with pytest.raises(WitnessRefused) as refused:
        cosign(key=WITNESS, operator_keys={"x": bytes(32)}, proof=handoff, state=None)
    assert refused.value.rule == "operator_signature"


async def test_an_event_deleted_before_sealing_is_caught_and_never_signed_over(
        scratch: Scratch) -> None:
    """A deletion before sealing inside a stream: the sealer refuses to extend over it (so no
    checkpoint a witness could co-sign exists) and the auditor's verification fails. (The last
    event of a stream deleted before sealing leaves no trace: audit/README.md says so, and the
    sealing interval bounds that window.)"""
    s = await _grow(scratch, 3)
    state = await _witnessed(scratch, None)
    await scratch.store.append([event(s, 4), event(s, 5)], {s: 3})
    await tamper_all(scratch.engine,
                     f"DELETE FROM events WHERE stream_id = '{s}' AND stream_version = 4")
    with pytest.raises(LedgerRefused):
        await seal(scratch.engine, scratch.store, SIGNER)
    async with driver(scratch.engine) as conn:
        latest = await latest_checkpoint(conn)
    assert latest is not None and latest.ledger_size == 3  # nothing new to co-sign
    assert await _witnessed(scratch, state) == state
    report = await verify_ledger(scratch.engine, OPERATOR, trusted=spec.parse_note(state))
    assert not report.ok


async def test_the_sealer_will_not_sign_a_tree_whose_signed_part_was_altered(
        scratch: Scratch) -> None:
    """An event hash changed under an existing checkpoint (the chain check only recomputes
    the entries after it): the tree no longer extends the signed root, so nothing is signed."""
    s = await _grow(scratch, 3)
    await tamper_all(scratch.engine, "UPDATE events SET hash = repeat('ab', 32) "
                                     f"WHERE stream_id = '{s}' AND stream_version = 1")
    other = stream()
    await scratch.store.append(events(other, 2), {other: NO_STREAM})
    await seal_to(scratch.engine, scratch.store, 5, signer=None)
    from eventstore import ledger

    # A sealer that starts now (a new process) re-reads the signed part and refuses.
    kept = dict(ledger._edges)
    ledger._edges.clear()
    with pytest.raises(LedgerRefused, match="tree root differs"):
        await seal(scratch.engine, scratch.store, SIGNER)
    # One that kept the tree's edge does not re-read it: it signs the tree of the history as
    # it was sealed, which the altered event no longer matches, and verification says so.
    ledger._edges.update(kept)
    signed = (await seal(scratch.engine, scratch.store, SIGNER)).checkpoint
    assert signed is not None
    report = await verify_ledger(scratch.engine, {SIGNER.key_id: SIGNER.public_key})
    assert not report.ok
