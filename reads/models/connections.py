"""Pooled connections' asyncpg drivers, as the event store uses them: the runner's per-event
statements would cost more through SQLAlchemy's row processing than in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from eventstore.database import driver as eventstore_driver

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine




@asynccontextmanager
async def driver(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A pooled connection's asyncpg driver (eventstore.database.driver: the one place that
    reaches it). A conversation cut short does not go back to the pool."""
    async with eventstore_driver(engine) as conn:
        yield conn


def quote(identifier: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + identifier.replace('"', '""') + '"'
