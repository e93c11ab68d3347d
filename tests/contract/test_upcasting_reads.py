"""Events stored in an old shape are read in the current one, and their hashes still verify:
upcasting happens on read, the stored bytes never change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from domain import upcasting
from domain.events import EVENT_TYPES, NominationAdvanced, event_to_data
from eventstore.model import NO_STREAM, NewEvent, RecordedEvent
from eventstore.store import PostgresEventStore
from eventstore.verification import recompute_hash
from reads.errors import CorruptRecord
from reads.plans import to_domain
from tests.support.golden import load, path_of
from tests.unit.test_upcasting import _as_v1, _example_registry, _lost

pytestmark = pytest.mark.contract


def stored(doc: dict[str, Any], data: dict[str, Any] | None = None,
           version: int | None = None) -> tuple[str, NewEvent]:
    stream_id = f"{doc['stream_id']}-{uuid.uuid4().hex[:8]}"
    return stream_id, NewEvent(
        event_id=str(uuid.uuid4()), stream_id=stream_id, event_type=doc["event_type"],
        schema_version=doc["schema_version"] if version is None else version,
        data=doc["data"] if data is None else data, metadata=doc["metadata"],
        occurred_at=datetime.fromisoformat(doc["occurred_at"]),
        correlation_id=doc["correlation_id"])


async def _read_back(store: PostgresEventStore, stream_id: str,
                     event: NewEvent) -> RecordedEvent:
    await store.append([event], {stream_id: NO_STREAM})
    [read] = await store.read_stream(stream_id)
    return read


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
async def test_every_golden_fixture_reads_back_and_verifies(
    store: PostgresEventStore, event_type: str,
) -> None:
    doc = load(path_of(event_type, 1))
    stream_id, event = stored(doc)

    read = await _read_back(store, stream_id, event)
    decoded = to_domain(read)

    assert type(decoded) is EVENT_TYPES[event_type]
    assert read.data == doc["data"]
    assert recompute_hash(read, read.previous_hash) == read.hash
    assert (await store.verify(stream_id)).ok


async def test_an_old_version_is_upcast_on_read_and_its_hash_still_verifies(
    store: PostgresEventStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stored as v1 of the example in tests/unit/test_upcasting.py; read while the code is at
    v3 (today's shape), through the example's upcasters."""
    doc = load(path_of("NominationAdvanced", 1))
    old = _as_v1(doc["data"])
    stream_id, event = stored(doc, data=old, version=1)
    read = await _read_back(store, stream_id, event)
    monkeypatch.setattr(upcasting, "UPCASTERS", _example_registry())
    monkeypatch.setattr(NominationAdvanced, "SCHEMA_VERSION", 3)

    decoded = to_domain(read)

    assert isinstance(decoded, NominationAdvanced)
    assert _lost(doc["data"], event_to_data(decoded)) == []  # the current shape
    assert read.data == old and read.schema_version == 1  # what is stored did not change
    [again] = await store.read_stream(stream_id)
    assert again == read
    assert recompute_hash(again, again.previous_hash) == again.hash
    assert (await store.verify(stream_id)).ok


async def test_a_version_from_the_future_is_refused_on_read(store: PostgresEventStore) -> None:
    doc = load(path_of("NominationAdvanced", 1))
    stream_id, event = stored(doc, version=NominationAdvanced.SCHEMA_VERSION + 1)
    read = await _read_back(store, stream_id, event)

    with pytest.raises(CorruptRecord) as caught:  # the read side's one error
        to_domain(read)
    assert isinstance(caught.value.__cause__, upcasting.UnknownSchemaVersion)
    assert "newer than this code" in str(caught.value.__cause__)
    assert caught.value.newer_schema and caught.value.hash_matches  # as written: upgrade
    assert "nâng cấp nhansu" in str(caught.value)
    assert (await store.verify(stream_id)).ok

