"""Pooled connections' asyncpg drivers, as the event store uses them: the runner's per-event
statements would cost more through SQLAlchemy's row processing than in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine


@asynccontextmanager
async def driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled connection's asyncpg driver. A conversation cut short (cancelled, or the
    connection lost) does not go back to the pool."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        native = raw.driver_connection
        try:
            yield native
        except BaseException as error:
            if not isinstance(error, Exception) or native is None or native.is_closed():
                await conn.invalidate()
            raise


def quote(identifier: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + identifier.replace('"', '""') + '"'
