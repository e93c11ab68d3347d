"""Fixtures of the event store's contract suite: every test runs once per PostgreSQL backend
(see tests/support/databases.py), each backend with a fresh database migrated to head."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.support.databases import backend_names, fresh_database, server_url


@pytest.fixture(scope="session", params=backend_names())
def pg_server(request: pytest.FixtureRequest) -> str:
    return server_url(request.param)


@pytest.fixture(scope="session")
async def database_url(pg_server: str) -> AsyncIterator[str]:
    async with fresh_database(pg_server, "contract") as url:
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> PostgresEventStore:
    return PostgresEventStore(engine)


@dataclass(frozen=True)
class Scratch:
    url: str
    engine: AsyncEngine
    store: PostgresEventStore


@pytest.fixture
async def scratch(pg_server: str) -> AsyncIterator[Scratch]:
    """A database of the test's own, for tests that tamper with rows or read the whole log."""
    async with fresh_database(pg_server, "scratch") as url:
        engine = create_engine(url)
        try:
            yield Scratch(url, engine, PostgresEventStore(engine))
        finally:
            await engine.dispose()
