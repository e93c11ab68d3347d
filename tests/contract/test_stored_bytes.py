"""Revision 0003_stored_bytes: data and metadata stored as the canonical bytes that were hashed.
A store written under revision 0002 (jsonb, as the store wrote it then) verifies before the
migration (by the algorithm of then: jsonb decoded, encoded canonically, hashed), after it (by
the store's verification over the stored bytes, which must equal the canonical encoding), after
a downgrade and after upgrading again; the view ``events_json`` decodes the payloads for SQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from eventstore.database import create_engine, to_asyncpg_dsn
from eventstore.hashing import GENESIS_HASH, canonical_bytes, chain_hash, dumps
from eventstore.migrate import downgrade, upgrade
from eventstore.model import NO_STREAM
from eventstore.store import PostgresEventStore
from tests.contract.builders import events, stream
from tests.contract.test_fast_verification import AWKWARD_TEXT
from tests.support.databases import fresh_database

pytestmark = pytest.mark.contract

T0 = datetime(2025, 4, 1, 8, 0, tzinfo=UTC)


def _documents(n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    data = {"text": AWKWARD_TEXT, "big": 10**30, "negative_big": -(2**64), "n": n,
            "nested": [{"é": 1, "e": 2, "z": [], "": {}}, None, True, False, ""],
            "\U0001f600 key": "x", "É": "upper accented key", "ｚ": "fullwidth",
            "\ue000": "private use", "a\u2028b": [[], {}, [1, [2, {"k": "v"}]]]}
    metadata = {"actor": "nguyễn.văn.a", "quote": '"', "step": n, "empty": {}}
    return data, metadata


async def _write_as_0002(conn: asyncpg.Connection, streams: int, each: int) -> int:
    """Rows as the store wrote them under revision 0002: jsonb, hashes over the canonical
    encoding of the values."""
    written = 0
    for s in range(streams):
        stream_id = f"nomination-{s}-\"{AWKWARD_TEXT}\"" if s == 0 else f"nomination-{s}"
        previous = GENESIS_HASH
        for version in range(1, each + 1):
            data, metadata = _documents(version)
            event_id = str(uuid.uuid4())
            occurred = T0 + timedelta(minutes=version, microseconds=7)
            recorded = T0 + timedelta(hours=1, microseconds=version)
            correlation = None if version % 2 else f"plan-{s}"
            digest = chain_hash(previous, canonical_bytes(
                event_id=event_id, stream_id=stream_id, stream_version=version,
                event_type="StepCompleted", schema_version=1, data=data, metadata=metadata,
                occurred_at=occurred, recorded_at=recorded, correlation_id=correlation))
            await conn.execute(
                "INSERT INTO events (stream_id, stream_version, event_id, event_type, "
                "schema_version, data, metadata, correlation_id, occurred_at, recorded_at, "
                "previous_hash, hash) VALUES ($1, $2, $3, 'StepCompleted', 1, $4::jsonb, "
                "$5::jsonb, $6, $7, $8, $9, $10)",
                stream_id, version, event_id, json.dumps(data), json.dumps(metadata),
                correlation, occurred, recorded, previous, digest)
            previous = digest
            written += 1
    return written


async def _verify_as_0002(conn: asyncpg.Connection) -> int:
    """Verification as it was under revision 0002: decode the jsonb, encode it canonically,
    hash; every link and hash must hold. The number of events checked."""
    rows = await conn.fetch(
        "SELECT stream_id, stream_version, event_id::text, event_type, schema_version, "
        "data::text, metadata::text, occurred_at, recorded_at, correlation_id, previous_hash, "
        "hash FROM events ORDER BY stream_id, stream_version")
    heads: dict[str, str] = {}
    for r in rows:
        previous = heads.get(r[0], GENESIS_HASH)
        assert r[10] == previous, r[0]
        assert chain_hash(previous, canonical_bytes(
            event_id=r[2], stream_id=r[0], stream_version=r[1], event_type=r[3],
            schema_version=r[4], data=json.loads(r[5]), metadata=json.loads(r[6]),
            occurred_at=r[7], recorded_at=r[8], correlation_id=r[9])) == r[11], (r[0], r[1])
        heads[r[0]] = r[11]
    return len(rows)


async def _verify_now(url: str, total: int) -> None:
    engine = create_engine(url)
    try:
        store = PostgresEventStore(engine)
        report = await store.verify()
        assert report.ok and report.events_checked == total, report
        for event in await store.read_all(limit=10_000):  # decoded exactly as written
            assert event.data == _documents(event.stream_version)[0] or \
                event.stream_id.startswith("plan-")
        s = stream()  # and the store appends under the new revision
        await store.append(events(s, 3), {s: NO_STREAM})
        assert (await store.verify()).events_checked == total + 3
    finally:
        await engine.dispose()


async def test_a_store_of_revision_0002_verifies_before_and_after_both_ways(
        pg_server: str) -> None:
    async with fresh_database(pg_server, "stored_bytes", migrate=False) as url:
        await upgrade(url, "0002")
        conn = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            written = await _write_as_0002(conn, streams=4, each=5)
            assert await _verify_as_0002(conn) == written

            await upgrade(url)  # through 0003_stored_bytes to the head
            for r in await conn.fetch("SELECT data, metadata, stream_version FROM events"):
                data, metadata = _documents(r[2])
                assert (r[0], r[1]) == (dumps(data).encode(), dumps(metadata).encode())
            row = await conn.fetchrow("SELECT data->>'text', metadata->'step' FROM events_json "
                                      "WHERE stream_version = 2 LIMIT 1")
            assert tuple(row) == (AWKWARD_TEXT, "2")
            await _verify_now(url, written)

            await downgrade(url, "0002")
            assert await _verify_as_0002(conn) == written + 3
            await upgrade(url)  # through 0003_stored_bytes to the head
            await _verify_now(url, written + 3)
        finally:
            await conn.close()


async def test_a_document_that_is_not_json_is_refused_by_the_database(
        pg_server: str) -> None:
    async with fresh_database(pg_server, "stored_bytes", store_only=True) as url:
        conn = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            with pytest.raises(asyncpg.DataError):  # the check cannot even parse it
                await conn.execute(
                    "INSERT INTO events (stream_id, stream_version, event_id, event_type, "
                    "schema_version, data, metadata, occurred_at, recorded_at, previous_hash, "
                    "hash) VALUES ('s', 1, gen_random_uuid(), 't', 1, '\\x7b'::bytea, "
                    "'\\x7b7d'::bytea, now(), now(), repeat('0', 64), repeat('0', 64))")
        finally:
            await conn.close()
