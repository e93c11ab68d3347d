"""The large database for the trail and verification figures: ``events`` filled with a
realistic history (correctly chained hashes, interleaved streams, one transaction per batch),
loaded with COPY, plus the same history in the peer's table. It is kept between runs and
reused while the event store's schema revision and the dataset's shape are unchanged.

Shape: ``trail_streams`` nominations with ``trail_length`` events each (the trails that are
read), spread evenly over the whole log, so that a trail's events lie far apart on disk as a
nomination's do after years; the rest in streams of ``stream_length`` events, written in waves
of ``wave`` streams that advance together (each stream's events about ``wave`` rows apart).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from bench import payloads
from bench.peer import PEER_TOPIC, peer_state, prepare_peer_tables
from bench.server import asyncpg_dsn
from eventstore.database import drop_database, ensure_database
from eventstore.hashing import (
    GENESIS_HASH,
    canonical_from_encoded,
    chain_hash,
    dumps,
    utc_iso,
)
from eventstore.migrate import current_revision, head_revision, upgrade

_NAMESPACE = uuid.UUID("5d3c8a52-8f0e-4c4b-9d36-0f3f6a1c2b7e")

_COLUMNS = ["stream_id", "stream_version", "event_id", "event_type", "schema_version", "data",
            "metadata", "correlation_id", "occurred_at", "recorded_at", "previous_hash", "hash"]


@dataclass(frozen=True)
class DatasetSpec:
    total_events: int = 1_000_000
    trail_streams: int = 200
    trail_length: int = 200
    stream_length: int = 20
    wave: int = 1000
    batch_rows: int = 10_000
    seed: int = 20251126

    @property
    def short_streams(self) -> int:
        return (self.total_events - self.trail_streams * self.trail_length) // self.stream_length

    @property
    def events(self) -> int:
        return self.trail_streams * self.trail_length + self.short_streams * self.stream_length

    def key(self) -> str:
        shape = json.dumps(asdict(self), sort_keys=True)
        digest = hashlib.sha256(shape.encode()).hexdigest()[:16]
        return f"{head_revision()}:{payloads.EVENT_TYPE}:{digest}"


def stream_uuid(kind: str, n: int) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{kind}-{n}")


def trail_stream(n: int) -> str:
    return f"nomination-{stream_uuid('trail', n)}"


def trail_uuid(n: int) -> uuid.UUID:
    return stream_uuid("trail", n)


def _order(spec: DatasetSpec) -> Iterator[tuple[str, int, int]]:
    """(kind, stream number, version) of every event, in global order."""
    trail_total = spec.trail_streams * spec.trail_length
    gap = max(1, spec.events // max(1, trail_total))
    trail_done = 0

    def short() -> Iterator[tuple[str, int, int]]:
        for first in range(0, spec.short_streams, spec.wave):
            members = range(first, min(first + spec.wave, spec.short_streams))
            for version in range(1, spec.stream_length + 1):
                for n in members:
                    yield "short", n, version

    shorts = short()
    for i in range(spec.events):
        if trail_done < trail_total and (i % gap == gap - 1 or i >= spec.events - (
                trail_total - trail_done)):
            n, version = trail_done % spec.trail_streams, trail_done // spec.trail_streams + 1
            trail_done += 1
            yield "trail", n, version
        else:
            yield next(shorts)


def _rows(spec: DatasetSpec) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Batches of (our rows, the peer's rows), hashes chained per stream exactly as the store
    chains them (the same functions), so that ``verify`` passes."""
    rng = random.Random(spec.seed)
    heads: dict[str, str] = {}
    ours: list[tuple[Any, ...]] = []
    peer: list[tuple[Any, ...]] = []
    for i, (kind, n, version) in enumerate(_order(spec)):
        sid = stream_uuid(kind, n)
        stream_id = f"nomination-{sid}"
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        data = payloads.data(stream_id, version)
        metadata = payloads.metadata(version, payloads.RUN_ID)
        occurred = payloads.occurred_at(version)
        recorded = payloads.T0 + timedelta(seconds=i // 20)  # ~20 events per transaction
        correlation = f"plan-{kind}-{n // 20}"
        data_json, metadata_json = dumps(data), dumps(metadata)
        canonical = canonical_from_encoded(
            event_id=event_id, stream_id=stream_id, stream_version=version,
            event_type=payloads.EVENT_TYPE, schema_version=1, data_json=data_json,
            metadata_json=metadata_json, occurred_at=utc_iso(occurred),
            recorded_at=utc_iso(recorded), correlation_id=correlation)
        previous = heads.get(stream_id, GENESIS_HASH)
        digest = chain_hash(previous, canonical)
        heads[stream_id] = digest
        ours.append((stream_id, version, event_id, payloads.EVENT_TYPE, 1, data_json.encode(),
                     metadata_json.encode(), correlation, occurred, recorded, previous, digest))
        peer.append((sid, version, PEER_TOPIC, peer_state(data_json, metadata_json, occurred)))
        if len(ours) == spec.batch_rows:
            yield ours, peer
            ours, peer = [], []
    if ours:
        yield ours, peer


async def _cached(url: str, spec: DatasetSpec) -> bool:
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url))
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        if await current_revision(url) != head_revision():
            return False
        if not await conn.fetchval("SELECT to_regclass('bench_dataset') IS NOT NULL"):
            return False
        stored = await conn.fetchval("SELECT key FROM bench_dataset WHERE complete")
        return bool(stored == spec.key())
    finally:
        await conn.close()


async def ensure_dataset(server: str, name: str, spec: DatasetSpec, *,
                         reuse: bool = True, log: Any = print) -> tuple[str, bool, float]:
    """The URL of database ``name`` holding the dataset, whether it was reused from an
    earlier run, and the seconds spent loading it (0 when reused)."""
    from eventstore.database import with_database

    url = with_database(server, name)
    if reuse and await _cached(url, spec):
        return url, True, 0.0
    started = time.perf_counter()
    await drop_database(server, name)
    url = await ensure_database(server, name)
    await upgrade(url)
    prepare_peer_tables(url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("CREATE TABLE bench_dataset (key text PRIMARY KEY, events bigint, "
                           "complete boolean NOT NULL DEFAULT false)")
        loaded = 0
        for ours, peer in _rows(spec):
            # One transaction per batch, as appends commit: the global log's order is
            # (transaction id, position), and its index should not hold a single xid.
            async with conn.transaction():
                await conn.copy_records_to_table("events", records=ours, columns=_COLUMNS)
                await conn.copy_records_to_table(
                    "stored_events", records=peer,
                    columns=["originator_id", "originator_version", "topic", "state"])
            loaded += len(ours)
            if loaded % (spec.batch_rows * 20) == 0:
                log(f"  loaded {loaded:,} of {spec.events:,} events "
                    f"({time.perf_counter() - started:.0f} s)")
        await conn.execute("VACUUM (ANALYZE) events")
        await conn.execute("VACUUM (ANALYZE) stored_events")
        await conn.execute("INSERT INTO bench_dataset VALUES ($1, $2, true)", spec.key(),
                           spec.events)
    finally:
        await conn.close()
    return url, False, time.perf_counter() - started
