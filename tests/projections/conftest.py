"""Each test gets a database of its own on every PostgreSQL backend (tests/support/
databases.py), migrated to head by both histories: the event store's and the read models'.
A database of its own, because these tests assert the whole global log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from projections import migrate
from projections.connections import driver
from tests.projections.support import Recording
from tests.support.databases import backend_names, fresh_database, server_url


@pytest.fixture(scope="session", params=backend_names())
def pg_server(request: pytest.FixtureRequest) -> str:
    return server_url(request.param)


@dataclass(frozen=True)
class Db:
    url: str
    engine: AsyncEngine
    store: PostgresEventStore


@pytest.fixture
async def db(pg_server: str) -> AsyncIterator[Db]:
    async with fresh_database(pg_server, "projections") as url:
        await migrate.upgrade(url)
        engine = create_engine(url)
        try:
            async with driver(engine) as conn:
                await conn.execute(Recording.CREATE)
            yield Db(url, engine, PostgresEventStore(engine))
        finally:
            await engine.dispose()
