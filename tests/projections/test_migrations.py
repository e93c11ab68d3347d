"""The read models keep a migration history of their own (``projections_alembic_version``)
beside the event store's, in the same database: each goes up and down without the other."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from eventstore import migrate as eventstore_migrate
from eventstore.database import create_engine
from reads.models import migrate
from tests.support.databases import fresh_database

pytestmark = pytest.mark.projection

READ_MODEL_TABLES = {"projection_positions", "projection_quarantine", "rm_plans",
                     "rm_nominations", "rm_nomination_plans", "rm_structure",
                     "rm_structure_members", "rm_structure_plans", "rm_committees",
                     "rm_committee_nominations", "rm_committee_entries",
                     "rm_committee_members"}


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
            return {r[0] for r in rows}
    finally:
        await engine.dispose()


async def test_both_histories_live_side_by_side_in_one_database(pg_server: str) -> None:
    async with fresh_database(pg_server, "histories", migrate=False) as url:
        await migrate.upgrade(url)  # the read models need nothing of the event store
        assert await migrate.current_revision(url) == migrate.head_revision() == "p0003"
        assert await eventstore_migrate.current_revision(url) is None
        assert await tables(url) == READ_MODEL_TABLES | {"projections_alembic_version"}

        await eventstore_migrate.upgrade(url)
        store_head = eventstore_migrate.head_revision()
        assert await eventstore_migrate.current_revision(url) == store_head
        assert "events" in await tables(url)

        await migrate.downgrade(url, "base")
        assert await migrate.current_revision(url) is None
        left = await tables(url)
        assert not READ_MODEL_TABLES & left and "events" in left
        assert await eventstore_migrate.current_revision(url) == store_head

        await migrate.upgrade(url)
        await migrate.upgrade(url)  # at head: nothing to do
        assert await tables(url) >= READ_MODEL_TABLES
