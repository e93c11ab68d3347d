"""The ceiling: plain asyncpg, no store logic. Equivalent rows (stream, version, event id,
type, schema version, data and metadata as jsonb, correlation id, business and recorded time)
in a table with a unique (stream, version) constraint only, appended with one INSERT per
transaction, no hash, no head lookup, no idempotency check. Reads decode jsonb with
``json.loads``, as the store's connections do, and build no objects."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import asyncpg

from bench import payloads
from bench.server import asyncpg_dsn
from eventstore.hashing import dumps
from eventstore.rows import COLUMNS

TABLE = """
CREATE TABLE IF NOT EXISTS ceiling_events (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id text COLLATE "C" NOT NULL,
    stream_version int NOT NULL,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    schema_version int NOT NULL,
    data jsonb NOT NULL,
    metadata jsonb NOT NULL,
    correlation_id text,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, stream_version)
)
"""

_INSERT_MANY = """
INSERT INTO ceiling_events (stream_id, stream_version, event_id, event_type, schema_version,
                            data, metadata, correlation_id, occurred_at)
SELECT * FROM unnest($1::text[], $2::int[], $3::uuid[], $4::text[], $5::int[], $6::jsonb[],
                     $7::jsonb[], $8::text[], $9::timestamptz[])
"""

_INSERT_ONE = """
INSERT INTO ceiling_events (stream_id, stream_version, event_id, event_type, schema_version,
                            data, metadata, correlation_id, occurred_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
"""

_CEILING_COLUMNS = ("position, stream_id, stream_version, event_id, event_type, schema_version, "
                    "data, metadata, occurred_at, recorded_at, correlation_id")


async def _codecs(conn: Any) -> None:
    await conn.set_type_codec("jsonb", schema="pg_catalog", encoder=str, decoder=json.loads)


class Ceiling:
    name = "ceiling"

    def __init__(self, url: str, connections: int) -> None:
        self._url = url
        self._connections = connections
        self.pool: Any = None
        self.full_streams: list[uuid.UUID] = []

    async def open(self) -> None:
        self.pool = await asyncpg.create_pool(asyncpg_dsn(self._url), min_size=1,
                                              max_size=self._connections, init=_codecs)
        async with self.pool.acquire() as conn:
            await conn.execute(TABLE)

    async def close(self) -> None:
        await self.pool.close()

    async def append(self, stream: uuid.UUID, first_version: int, count: int) -> int:
        stream_id = f"nomination-{stream}"
        rows = [
            (stream_id, v, str(uuid.uuid4()), payloads.EVENT_TYPE, 1,
             dumps(payloads.data(stream_id, v)), dumps(payloads.metadata(v, payloads.RUN_ID)),
             f"plan-{payloads.PLAN_ID}", payloads.occurred_at(v))
            for v in range(first_version, first_version + count)
        ]
        async with self.pool.acquire() as conn:
            if count == 1:
                await conn.execute(_INSERT_ONE, *rows[0])
            else:
                await conn.execute(_INSERT_MANY, *(list(col) for col in zip(*rows, strict=True)))
        return count

    def remember_full(self, stream: uuid.UUID) -> None:
        self.full_streams.append(stream)

    async def read_stream(self, stream: uuid.UUID) -> int:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(f"SELECT {_CEILING_COLUMNS} FROM ceiling_events "
                                    "WHERE stream_id = $1 ORDER BY stream_version",
                                    f"nomination-{stream}")
        return len(rows)

    async def scan(self, limit_events: int, page: int) -> int:
        seen, cursor = 0, 0
        async with self.pool.acquire() as conn:
            while seen < limit_events:
                rows = await conn.fetch(
                    f"SELECT {_CEILING_COLUMNS} FROM ceiling_events WHERE position > $1 "
                    "ORDER BY position LIMIT $2", cursor, min(page, limit_events - seen))
                if not rows:
                    break
                seen += len(rows)
                cursor = rows[-1][0]
        return seen


class RawReader:
    """Raw asyncpg reads of the store's own ``events`` table (the large database): the floor
    under the store's trail reads and verification, same rows, same decoding, nothing else."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.conn: Any = None

    async def open(self) -> None:
        self.conn = await asyncpg.connect(asyncpg_dsn(self._url))
        await _codecs(self.conn)

    async def close(self) -> None:
        await self.conn.close()

    async def read_trail(self, stream_id: str) -> int:
        rows = await self.conn.fetch(f"SELECT {COLUMNS} FROM events WHERE stream_id = $1 "
                                     "ORDER BY stream_version", stream_id)
        return len(rows)

    async def explain_trail(self, stream_id: str) -> dict[str, float]:
        """What PostgreSQL does for one trail: heap pages touched, pages read from outside
        its buffer cache, execution time."""
        plan = "\n".join(r[0] for r in await self.conn.fetch(
            f"EXPLAIN (ANALYZE, BUFFERS) SELECT {COLUMNS} FROM events WHERE stream_id = $1 "
            "ORDER BY stream_version", stream_id))

        def number(pattern: str) -> float:
            found = re.search(pattern, plan)
            return float(found.group(1)) if found else float("nan")

        return {"heap_pages": number(r"Heap Blocks: exact=(\d+)"),
                "pages_read": number(r"Buffers: shared(?: hit=\d+)? read=(\d+)"),
                "execution_ms": number(r"Execution Time: ([\d.]+) ms")}

    async def scan_rows(self) -> int:
        """Every row, in position order, data and metadata as stored (the canonical bytes):
        reading what verification must read, and nothing else."""
        seen = 0
        async with self.conn.transaction(isolation="repeatable_read", readonly=True):
            cursor = await self.conn.cursor(
                "SELECT position, stream_id, stream_version, event_id, event_type, "
                "schema_version, data, metadata, occurred_at, recorded_at, "
                "correlation_id, previous_hash, hash FROM events ORDER BY position")
            while rows := await cursor.fetch(5000):
                seen += len(rows)
        return seen
