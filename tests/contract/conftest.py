"""Fixtures of the event store's contract suite: every test runs once per PostgreSQL backend
(``pg_server`` and ``scratch``, in tests/conftest.py), each backend with a fresh database
migrated to head."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.support.databases import fresh_database


@pytest.fixture(scope="session")
async def database_url(pg_server: str) -> AsyncIterator[str]:
    # The event store's contract: its own schema alone, as its migration test compares.
    async with fresh_database(pg_server, "contract", store_only=True) as url:
        yield url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> PostgresEventStore:
    return PostgresEventStore(engine)
