"""The identity and registry tables have a migration history of their own, beside the event
store's, in the same database."""

from __future__ import annotations

import pytest

from eventstore.database import create_engine
from identity import migrate
from identity.database import driver
from tests.support.databases import fresh_database

pytestmark = pytest.mark.identity

TABLES = {"identity_passwords", "identity_tokens", "identity_sessions",
          "identity_login_failures", "registry_organizations", "registry_head"}


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with driver(engine) as conn:
            rows = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    finally:
        await engine.dispose()
    return {r[0] for r in rows}


async def test_upgrade_downgrade_and_upgrade_again(pg_server: str) -> None:
    async with fresh_database(pg_server, "identity_migrations", store_only=True) as url:
        assert await migrate.current_revision(url) is None
        assert not TABLES & await tables(url)

        await migrate.upgrade(url)
        assert await migrate.current_revision(url) == migrate.head_revision() == "i0001"
        after = await tables(url)
        assert after >= TABLES | {"events", "identity_alembic_version",
                                  "eventstore_alembic_version"}

        await migrate.downgrade(url, "base")
        assert not TABLES & await tables(url)
        assert "events" in await tables(url)  # the event store's history is left alone

        await migrate.upgrade(url)
        await migrate.upgrade(url)  # at head already: nothing to do
        assert await migrate.current_revision(url) == "i0001"
