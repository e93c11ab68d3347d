"""Events and raw SQL for the contract tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.database import create_engine
from eventstore.model import NewEvent
from eventstore.schema import metadata
from tests.support.databases import fresh_database

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


def stream(prefix: str = "plan") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def event(stream_id: str, n: int = 1, *, event_type: str = "StepCompleted", **kw: Any) -> NewEvent:
    fields: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "stream_id": stream_id,
        "event_type": event_type,
        "schema_version": 1,
        "data": {"n": n, "step": f"buoc-{n}", "votes": {"yes": 10 + n, "no": 1}},
        "metadata": {"actor": "nguyen.van.a", "role": "organization_department"},
        "occurred_at": T0 + timedelta(minutes=n),
        "correlation_id": None,
    }
    fields.update(kw)
    return NewEvent(**fields)


def events(stream_id: str, count: int, **kw: Any) -> list[NewEvent]:
    return [event(stream_id, n, **kw) for n in range(1, count + 1)]


@asynccontextmanager
async def driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled connection's asyncpg driver, as the store uses it."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        yield raw.driver_connection


async def fetch(engine: AsyncEngine, sql: str, *args: Any) -> list[Any]:
    async with driver(engine) as conn:
        return list(await conn.fetch(sql, *args))


async def count(engine: AsyncEngine, stream_id: str | None = None) -> int:
    async with driver(engine) as conn:
        if stream_id is None:
            return int(await conn.fetchval("SELECT count(*) FROM events"))
        return int(await conn.fetchval(
            "SELECT count(*) FROM events WHERE stream_id = $1", stream_id))


async def tamper(engine: AsyncEngine, *statements: str, args: tuple[Any, ...] = ()) -> None:
    """What a DBA with superuser rights could do: switch the guard off, edit, switch it on.
    ``args``: parameters of every statement."""
    async with driver(engine) as conn, conn.transaction():
        await conn.execute("ALTER TABLE events DISABLE TRIGGER ALL")
        for statement in statements:
            await conn.execute(statement, *args)
        await conn.execute("ALTER TABLE events ENABLE TRIGGER ALL")


async def schema_module_catalog(
        pg_server: str, catalog: Callable[[AsyncEngine], Awaitable[list[str]]]) -> list[str]:
    """``catalog`` of a database made by eventstore/schema.py's ``create_all`` rather than by
    the migrations: the two must agree, and Alembic's own comparison does not look at
    checks, collations, triggers or grants."""
    async with fresh_database(pg_server, "schema", migrate=False) as url:
        created = create_engine(url)
        try:
            async with created.begin() as conn:
                await conn.run_sync(metadata.create_all)
            return await catalog(created)
        finally:
            await created.dispose()
