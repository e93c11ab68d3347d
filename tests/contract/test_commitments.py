"""Private fields kept as salted commitments: the hashed bytes hold no personal value, readers
see the data as written, a retry stays idempotent, and every verification (the fast pass, the
walk, one stream, the split, the incremental) catches an opening altered or removed behind the
store's back."""

from __future__ import annotations

import pytest

from eventstore.commitments import COMMITMENTS, commitment
from eventstore.errors import StoreRefusedValue
from eventstore.hashing import dumps
from eventstore.ledger import LedgerRefused, seal
from eventstore.model import NO_STREAM, NewEvent, RecordedEvent
from eventstore.rows import loads
from eventstore.store import PostgresEventStore
from reads.decoding import hash_matches
from tests.contract.builders import event, events, fetch, stream, tamper
from tests.contract.ledger_support import SIGNER, seal_to
from tests.support.databases import Scratch

pytestmark = pytest.mark.contract

NAME = "Nguyễn Thị Hồng Nhung"
CANDIDATE = {"full_name": NAME, "birth_date": "1979-03-08", "party_card_number": "93.123456"}


def registration(stream_id: str, n: int = 2) -> NewEvent:
    return event(stream_id, n, event_type="CandidateRegistered",
                 data={"nomination_id": "nom-1", "candidate": CANDIDATE, "reason": "tự ứng cử",
                       "position_group": "executive"},
                 private_fields=("candidate", "reason"))


async def _one_private(store: PostgresEventStore) -> tuple[str, RecordedEvent]:
    s = stream()
    await store.append([event(s, 1)], {s: NO_STREAM})
    [recorded] = await store.append([registration(s)], {s: 1})
    await store.append([event(s, 3)], {s: 2})
    return s, recorded


async def test_the_hashed_bytes_hold_commitments_and_readers_see_the_values(
        scratch: Scratch) -> None:
    s, recorded = await _one_private(scratch.store)
    [row] = await fetch(scratch.engine, "SELECT data, openings FROM events WHERE position = $1",
                        recorded.position)
    hashed, openings = loads(row[0]), loads(row[1])
    assert NAME.encode() not in row[0] and b"93.123456" not in row[0]
    assert set(hashed) == {"nomination_id", "position_group", COMMITMENTS}
    assert sorted(hashed[COMMITMENTS]) == ["candidate", "reason"]
    for name, opening in openings.items():
        assert hashed[COMMITMENTS][name] == commitment(opening["salt"], opening["value"])
    assert openings["candidate"]["value"] == CANDIDATE

    [read] = [e for e in await scratch.store.read_stream(s) if e.stream_version == 2]
    assert read == recorded  # what the append answered is what is read back
    assert read.data == registration(s).data
    [view] = await fetch(scratch.engine, "SELECT data FROM events_json WHERE position = $1",
                         recorded.position)
    assert view[0] == registration(s).data  # the pool decodes jsonb
    # Two appends of equal values commit with other salts: equal values, other commitments.
    other = stream()
    [again] = await scratch.store.append([registration(other, 1)], {other: NO_STREAM})
    assert again.openings is not None and recorded.openings is not None
    assert again.openings["candidate"]["salt"] != recorded.openings["candidate"]["salt"]
    assert (await scratch.store.verify()).ok


async def test_a_retry_with_other_salts_is_answered_with_the_original(
        scratch: Scratch) -> None:
    s = stream()
    first = registration(s, 1)
    [original] = await scratch.store.append([first], {s: NO_STREAM})
    [retried] = await scratch.store.append([first], {s: NO_STREAM})  # salts drawn again
    assert retried == original
    assert len(await scratch.store.read_stream(s)) == 1


async def test_the_commitments_key_is_the_stores_own(scratch: Scratch) -> None:
    s = stream()
    with pytest.raises(StoreRefusedValue, match=COMMITMENTS):
        await scratch.store.append([event(s, 1, data={COMMITMENTS: {}, "n": 1})],
                                   {s: NO_STREAM})
    assert await scratch.store.read_stream(s) == []


ALTERED_VALUE = """UPDATE events SET openings = convert_to(jsonb_set(
    convert_from(openings, 'UTF8')::jsonb, '{candidate,value,full_name}', '"Trần Văn B"')::text,
    'UTF8') WHERE position = $1"""
REMOVED = "UPDATE events SET openings = NULL WHERE position = $1"
EMPTIED = "UPDATE events SET openings = convert_to('{}', 'UTF8') WHERE position = $1"


@pytest.mark.parametrize(("statement", "reason"), [
    (ALTERED_VALUE, "the value of 'candidate' is not the one committed to"),
    (REMOVED, "no opening for the committed fields ['candidate', 'reason']"),
    (EMPTIED, "no opening for the committed fields ['candidate', 'reason']"),
])
async def test_an_opening_altered_or_removed_is_caught_by_every_verification(
        scratch: Scratch, statement: str, reason: str) -> None:
    bystander = stream()
    await scratch.store.append(events(bystander, 2), {bystander: NO_STREAM})
    await seal_to(scratch.engine, scratch.store, 2)  # signed before the private event
    s, recorded = await _one_private(scratch.store)
    await tamper(scratch.engine, statement, args=(recorded.position,))
    if statement is ALTERED_VALUE:  # what every reader now sees
        [read] = [e for e in await scratch.store.read_stream(s) if e.stream_version == 2]
        assert read.data["candidate"]["full_name"] == "Trần Văn B"

    expected = (s, 2, recorded.position, f"opening mismatch: {reason}")
    for report in (await scratch.store.verify(), await scratch.store.verify(s),
                   await scratch.store.verify(workers=2)):
        broken = report.first_broken
        assert broken is not None
        assert (broken.stream_id, broken.stream_version, broken.position,
                broken.reason) == expected
    incremental = await scratch.store.verify_since_checkpoint(
        {SIGNER.key_id: SIGNER.public_key})
    assert incremental is not None and incremental.first_broken is not None
    assert incremental.first_broken.reason == f"opening mismatch: {reason}"
    # Nor does a reader take the row as intact, nor the ledger seal it.
    [read] = [e for e in await scratch.store.read_stream(s) if e.stream_version == 2]
    assert hash_matches(read) is False
    with pytest.raises(LedgerRefused, match="its hash does not match its content"):
        await seal(scratch.engine, scratch.store, None)


async def test_events_without_private_fields_are_stored_as_before(scratch: Scratch) -> None:
    s = stream()
    [plain] = await scratch.store.append([event(s, 1)], {s: NO_STREAM})
    [row] = await fetch(scratch.engine, "SELECT data, openings FROM events WHERE position = $1",
                        plain.position)
    assert row[1] is None and plain.openings is None
    assert row[0] == dumps(event(s, 1).data).encode()
    # A private field the data does not have: nothing to commit to.
    [absent] = await scratch.store.append(
        [event(s, 2, private_fields=("candidate",))], {s: 1})
    assert absent.openings is None
