"""Storage layouts for the payload, measured side by side (issue 11, item 1: store what you
hash). The same ``rows`` events of the large database are copied into three tables of a
database of their own:

- ``jsonb``: data and metadata as jsonb, as the store kept them before revision
  0003_stored_bytes; verification has the server print them as text and re-encodes them
  canonically before hashing;
- ``both``: jsonb kept for queries, and the canonical bytes beside it as bytea (what is hashed);
- ``bytea``: only the canonical bytes, what the store keeps now (queries through the view
  ``events_json``, which decodes them to jsonb).

For each: verification (read in position order and SHA-256, as the fast pass does: with
re-encoding for jsonb, over the stored bytes for the others), replay (read the payloads and
decode them: the driver's json for jsonb; json and orjson for bytea), one-writer appends of
20 events per statement, and the table's size on disk."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

import asyncpg
import orjson

from bench.report import Metric
from bench.server import asyncpg_dsn
from eventstore.database import drop_database, ensure_database
from eventstore.hashing import dumps

LAYOUTS = ("jsonb", "both", "bytea")


def _canonical(document: bytes) -> bytes:
    """jsonb text to the canonical encoding, as verification did before revision
    0003_stored_bytes (orjson; the standard library where an integer exceeds 64 bits)."""
    try:
        return orjson.dumps(orjson.loads(document), option=orjson.OPT_SORT_KEYS)
    except (TypeError, ValueError):
        return dumps(json.loads(document)).encode()
_FIXED = """position bigint PRIMARY KEY, stream_id text COLLATE "C" NOT NULL,
    stream_version int NOT NULL, event_id uuid NOT NULL, event_type text NOT NULL,
    schema_version int NOT NULL, correlation_id text COLLATE "C",
    occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL,
    previous_hash text NOT NULL, hash text NOT NULL"""
_PAYLOAD = {"jsonb": "data jsonb NOT NULL, metadata jsonb NOT NULL",
            "both": "data jsonb NOT NULL, metadata jsonb NOT NULL, data_bytes bytea NOT NULL, "
                    "metadata_bytes bytea NOT NULL",
            "bytea": "data_bytes bytea NOT NULL, metadata_bytes bytea NOT NULL"}
_FIXED_NAMES = ["position", "stream_id", "stream_version", "event_id", "event_type",
                "schema_version", "correlation_id", "occurred_at", "recorded_at",
                "previous_hash", "hash"]

# The fixed parts of the canonical encoding as the fast pass has the server write them.
_UTC = """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'"""
_HEAD = """convert_to('{"correlation_id":' || coalesce(to_json(correlation_id)::text, 'null')
               || ',"data":', 'UTF8')"""
_MIDDLE = """convert_to(',"event_id":"' || event_id::text || '","event_type":'
               || to_json(event_type)::text || ',"metadata":', 'UTF8')"""
_TAIL = f"""convert_to(',"occurred_at":"' || {_UTC.format("occurred_at")}
               || '","recorded_at":"' || {_UTC.format("recorded_at")}
               || '","schema_version":' || schema_version || ',"stream_id":'
               || to_json(stream_id)::text || ',"stream_version":' || stream_version || '}}',
               'UTF8')"""


def _verify_query(layout: str) -> str:
    data, metadata = (("convert_to(data::text, 'UTF8')", "convert_to(metadata::text, 'UTF8')")
                      if layout == "jsonb" else ("data_bytes", "metadata_bytes"))
    return (f"SELECT previous_hash, hash, {_HEAD}, {data}, {_MIDDLE}, {metadata}, {_TAIL} "
            f"FROM layout_{layout} ORDER BY position")


async def _copy_rows(source: str, target: str, rows: int) -> None:
    src = await asyncpg.connect(asyncpg_dsn(source))
    dst = await asyncpg.connect(asyncpg_dsn(target))
    try:
        for layout in LAYOUTS:
            await dst.execute(f"DROP TABLE IF EXISTS layout_{layout}")
            await dst.execute(f"CREATE TABLE layout_{layout} ({_FIXED}, {_PAYLOAD[layout]})")
        records = await src.fetch(
            f"SELECT {', '.join(_FIXED_NAMES)}, data, metadata FROM events "
            "ORDER BY position LIMIT $1", rows)
        fixed = [tuple(r[:11]) for r in records]
        canonical: list[tuple[Any, ...]] = [(r[11], r[12]) for r in records]  # as stored
        texts: list[tuple[Any, ...]] = [(d.decode(), m.decode()) for d, m in canonical]
        both = [(*t, *c) for t, c in zip(texts, canonical, strict=True)]
        payloads: dict[str, list[tuple[Any, ...]]] = {"jsonb": texts, "both": both,
                                                      "bytea": canonical}
        names = {"jsonb": ["data", "metadata"],
                 "both": ["data", "metadata", "data_bytes", "metadata_bytes"],
                 "bytea": ["data_bytes", "metadata_bytes"]}
        for layout in LAYOUTS:
            await dst.copy_records_to_table(
                f"layout_{layout}", records=[(*f, *p) for f, p in zip(fixed, payloads[layout],
                                                                        strict=True)],
                columns=[*_FIXED_NAMES, *names[layout]])
            await dst.execute(f"VACUUM ANALYZE layout_{layout}")
    finally:
        await src.close()
        await dst.close()


async def _verify(conn: asyncpg.Connection, layout: str) -> float:
    """Events per second: read in position order, hash (re-encoding jsonb first)."""
    canonical = _canonical if layout == "jsonb" else (lambda b: b)
    count = 0
    started = time.perf_counter()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        cursor = await conn.cursor(_verify_query(layout))
        while rows := await cursor.fetch(5000):
            for previous, stored, head, data, middle, metadata, tail in rows:
                encoded = b"".join((head, canonical(data), middle, canonical(metadata), tail))
                if hashlib.sha256(bytes.fromhex(previous) + encoded).hexdigest() != stored:
                    raise RuntimeError(f"layout {layout}: a hash does not match")
                count += 1
    return count / (time.perf_counter() - started)


async def _replay(conn: asyncpg.Connection, layout: str, decoder: str) -> float:
    """Events per second: read every payload and decode it to Python objects."""
    if layout == "jsonb":
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads,
                                  schema="pg_catalog")
        query = "SELECT data, metadata FROM layout_jsonb ORDER BY position"
    else:
        query = f"SELECT data_bytes, metadata_bytes FROM layout_{layout} ORDER BY position"
    loads: Any = orjson.loads if decoder == "orjson" else json.loads
    count = 0
    started = time.perf_counter()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        cursor = await conn.cursor(query)
        while rows := await cursor.fetch(5000):
            for data, metadata in rows:
                if layout != "jsonb":
                    data, metadata = loads(data), loads(metadata)
                count += 1
    return count / (time.perf_counter() - started)


async def _append(conn: asyncpg.Connection, layout: str, seconds: float) -> float:
    """Events per second for one writer, 20 events per INSERT (one transaction each)."""
    sample = await conn.fetch(f"SELECT * FROM layout_{layout} ORDER BY position LIMIT 20")
    columns = list(sample[0].keys())
    top = int(await conn.fetchval(f"SELECT max(position) FROM layout_{layout}"))
    types = {"data": "jsonb", "metadata": "jsonb", "data_bytes": "bytea",
             "metadata_bytes": "bytea", "position": "bigint", "stream_version": "int",
             "schema_version": "int", "event_id": "uuid", "occurred_at": "timestamptz",
             "recorded_at": "timestamptz"}
    if layout != "bytea":
        await conn.set_type_codec("jsonb", encoder=lambda v: v, decoder=lambda v: v,
                                  schema="pg_catalog")
    casts = ", ".join(f"${n + 1}::{types.get(c, 'text')}[]" for n, c in enumerate(columns))
    insert = f"INSERT INTO layout_{layout} ({', '.join(columns)}) SELECT * FROM unnest({casts})"
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        rows = [list(r) for r in sample]
        for n, row in enumerate(rows):
            row[0] = top + count + n + 1
            row[3] = str(uuid.uuid4())
        await conn.execute(insert, *[[row[i] for row in rows] for i in range(len(columns))])
        count += len(rows)
    return count / (time.perf_counter() - started)


async def measure(server: str, source_url: str, rows: int, append_seconds: float,
                  log: Any) -> list[Metric]:
    name = "nhansu_bench_layouts"
    await drop_database(server, name)
    url = await ensure_database(server, name)
    try:
        await _copy_rows(source_url, url, rows)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            verify = {k: max([await _verify(conn, k) for _ in range(2)]) for k in LAYOUTS}
            replay = {"jsonb": max([await _replay(conn, "jsonb", "json") for _ in range(2)])}
            for layout in ("both", "bytea"):
                for decoder in ("json", "orjson"):
                    replay[f"{layout} {decoder}"] = max(
                        [await _replay(conn, layout, decoder) for _ in range(2)])
            size = {k: int(await conn.fetchval(
                f"SELECT pg_total_relation_size('layout_{k}')")) for k in LAYOUTS}
        finally:
            await conn.close()
        append = {}
        for layout in LAYOUTS:  # a connection each: the jsonb codec differs
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                append[layout] = await _append(conn, layout, append_seconds)
            finally:
                await conn.close()
    finally:
        await drop_database(server, name)
    log("layouts: verify " + ", ".join(f"{k} {v:,.0f}/s" for k, v in verify.items())
        + "; replay " + ", ".join(f"{k} {v:,.0f}/s" for k, v in replay.items())
        + "; append " + ", ".join(f"{k} {v:,.0f}/s" for k, v in append.items())
        + "; size " + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in size.items()))
    where = (f"the first {rows:,} events of the large database copied into a table per layout "
             "(bench/layouts.py); ")
    metrics = []
    for layout in LAYOUTS:
        metrics.append(Metric(
            key=f"layout_verify_{layout}", title=f"layout {layout}: read + SHA-256 "
            f"({size[layout] / 2**20:.0f} MiB)", unit="events/s", ours=verify[layout],
            ceiling=None,
            note=where + ("jsonb printed as text by the server and re-encoded canonically by "
                          "the client, as today" if layout == "jsonb" else
                          "the stored canonical bytes hashed as read, no re-encoding")))
    for key, rate in replay.items():
        metrics.append(Metric(
            key=f"layout_replay_{key.replace(' ', '_')}", title=f"layout {key}: read + decode "
            "payloads", unit="events/s", ours=rate,
            note=where + ("the driver decodes jsonb text with json.loads, as today"
                          if key == "jsonb" else f"bytea decoded with {key.split()[1]}.loads")))
    for layout in LAYOUTS:
        metrics.append(Metric(
            key=f"layout_append_{layout}", title=f"layout {layout}: append, 20 events per "
            "INSERT, 1 writer", unit="events/s", ours=append[layout],
            note=where + "the same 20 rows again with new positions and event ids, one "
                         "statement (one transaction) each, for the given seconds"))
    return metrics
