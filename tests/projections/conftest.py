"""Each test gets a database of its own on every PostgreSQL backend (tests/support/
databases.py), migrated to head by both histories: the event store's and the read models'.
A database of its own, because these tests assert the whole global log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from reads.models import migrate
from reads.models.connections import driver
from tests.projections.support import Recording
from tests.support.databases import Scratch, scratch_database

# A test's own database, also migrated by the read models' history.
Db = Scratch


@pytest.fixture
async def db(pg_server: str) -> AsyncIterator[Db]:
    async with scratch_database(pg_server, "projections") as scratch:
        await migrate.upgrade(scratch.url)
        async with driver(scratch.engine) as conn:
            await conn.execute(Recording.CREATE)
        yield scratch
