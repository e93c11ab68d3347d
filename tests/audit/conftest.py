"""Fixtures of the audit suite: every test runs once per PostgreSQL backend (see
tests/support/databases.py), on a fresh database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.contract.conftest import Scratch
from tests.support.databases import backend_names, fresh_database, server_url


@pytest.fixture(scope="session", params=backend_names())
def pg_server(request: pytest.FixtureRequest) -> str:
    return server_url(request.param)


@pytest.fixture
async def scratch(pg_server: str) -> AsyncIterator[Scratch]:
    async with fresh_database(pg_server, "audit") as url:
        engine = create_engine(url)
        try:
            yield Scratch(url, engine, PostgresEventStore(engine))
        finally:
            await engine.dispose()
