"""Reading back: time travel by version and by recorded time, correlation, Vietnamese text."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.hashing import canonical_bytes, chain_hash
from eventstore.model import NO_STREAM
from eventstore.store import PostgresEventStore
from tests.contract.builders import event, events, fetch, stream

pytestmark = pytest.mark.contract


async def test_as_of_version(store: PostgresEventStore) -> None:
    s = stream()
    recorded = await store.append(events(s, 5), {s: NO_STREAM})

    assert await store.read_stream(s, to_version=2) == recorded[:2]
    assert await store.read_stream(s, to_version=0) == []
    assert await store.read_stream(s, to_version=99) == recorded
    assert await store.read_stream("no-such-stream") == []


async def test_as_of_recorded_time(store: PostgresEventStore) -> None:
    s = stream()
    first = await store.append(events(s, 2), {s: NO_STREAM})
    await asyncio.sleep(0.01)
    second = await store.append([event(s, 3)], {s: 2})
    moment = first[0].recorded_at
    assert second[0].recorded_at > moment

    assert await store.read_stream(s, as_of=moment) == first
    assert await store.read_stream(s, as_of=moment - timedelta(microseconds=1)) == []
    assert await store.read_stream(s, as_of=second[0].recorded_at) == [*first, *second]
    assert await store.read_stream(s, to_version=1, as_of=second[0].recorded_at) == first[:1]


async def test_correlated_streams_read_together_in_position_order(
    store: PostgresEventStore,
) -> None:
    plan_id = stream("plan")
    plan, nomination, unrelated = plan_id, stream("nomination"), stream("nomination")
    a = await store.append([event(plan, 1, correlation_id=plan_id)], {plan: NO_STREAM})
    await store.append([event(unrelated, 1)], {unrelated: NO_STREAM})
    b = await store.append(
        [event(nomination, 1, correlation_id=plan_id), event(plan, 2, correlation_id=plan_id)],
        {nomination: NO_STREAM, plan: 1})
    await asyncio.sleep(0.01)
    c = await store.append([event(nomination, 2, correlation_id=plan_id)], {nomination: 1})

    assert await store.read_correlated(plan_id) == [*a, *b, *c]
    assert await store.read_correlated(plan_id, as_of=b[0].recorded_at) == [*a, *b]
    assert await store.read_correlated("no-such-plan") == []


async def test_stream_versions_and_listing(store: PostgresEventStore) -> None:
    prefix = stream("listing")
    names = [f"{prefix}/{n}" for n in ("b", "a", "c")]
    for n, name in enumerate(names, start=1):
        await store.append(events(name, n), {name: NO_STREAM})

    assert [await store.stream_version(name) for name in names] == [1, 2, 3]
    assert await store.stream_version(f"{prefix}/none") == 0
    assert await store.list_streams(prefix) == sorted(names)
    assert set(names) <= set(await store.list_streams())


VIETNAMESE = {
    "tổ_chức": "Đảng bộ xã An Bình, huyện Thuận An",
    "ứng_viên": ["Nguyễn Thị Ánh Tuyết", "Trần Văn Đức", "Lê Hoàng Yến", "Phạm Ngọc Ẩn"],
    "bước": "Bước 3: Hội nghị Ban Thường vụ cấp ủy",
    "ghi_chú": "Giới thiệu nhân sự tái cử — đủ tiêu chuẩn, điều kiện",
    "số_phiếu": {"đồng_ý": 15, "không_đồng_ý": 0},
}


async def test_vietnamese_text_round_trips_and_verifies(
    store: PostgresEventStore, engine: AsyncEngine,
) -> None:
    s = stream("kế-hoạch-nhân-sự")
    meta = {"actor": "nguyễn.văn.tổ-chức", "role": "Ban Tổ chức Huyện ủy"}
    [recorded] = await store.append(
        [event(s, 1, event_type="NhânSựĐượcGiớiThiệu", data=VIETNAMESE, metadata=meta,
               correlation_id="kế-hoạch-Đại-hội")], {s: NO_STREAM})

    [read] = await store.read_stream(s)
    assert read == recorded and read.data == VIETNAMESE and read.metadata == meta
    assert await store.read_correlated("kế-hoạch-Đại-hội") == [recorded]
    # Stored as text, not as \u escapes, so SQL users see the names.
    [row] = await fetch(engine, "SELECT data->>'tổ_chức', event_type FROM events_json "
                                "WHERE position = $1", recorded.position)
    assert tuple(row) == (VIETNAMESE["tổ_chức"], "NhânSựĐượcGiớiThiệu")
    canonical = canonical_bytes(
        event_id=read.event_id, stream_id=s, stream_version=1, event_type=read.event_type,
        schema_version=1, data=read.data, metadata=read.metadata, occurred_at=read.occurred_at,
        recorded_at=read.recorded_at, correlation_id=read.correlation_id)
    assert "Nguyễn Thị Ánh Tuyết".encode() in canonical
    assert chain_hash(read.previous_hash, canonical) == read.hash
    assert (await store.verify(s)).ok


async def test_json_edge_values_round_trip_and_verify(store: PostgresEventStore) -> None:
    s = stream()
    data = {"big": 2**70, "neg": -(2**63), "empty": {}, "list": [], "nested": [[None, True]],
            "quote": 'a "b" \\ c', "tab": "x\ty", "emoji": "🗳️"}
    [recorded] = await store.append([event(s, 1, data=data)], {s: NO_STREAM})
    [read] = await store.read_stream(s)
    assert read.data == data and read == recorded
    assert (await store.verify(s)).ok
