"""Migrations: they reach head, match eventstore/schema.py, go down and up, and tolerate two
processes migrating at once. Also the URL handling they rely on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.database import create_engine, to_async_url
from eventstore.migrate import VERSION_TABLE, current_revision, downgrade, head_revision, upgrade
from eventstore.schema import metadata
from tests.contract.builders import schema_module_catalog
from tests.support.databases import fresh_database

pytestmark = pytest.mark.contract


_CATALOG = """
SELECT 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || ' identity=' || a.attidentity::text || ' collation=' || coalesce(c.collname, '-')
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation c ON c.oid = a.attcollation
WHERE a.attrelid = 'events'::regclass AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint WHERE conrelid = 'events'::regclass
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE tablename = 'events'
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(oid)
FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal
UNION ALL
SELECT 'function ' || prosrc FROM pg_proc WHERE proname = 'events_append_only'
"""


async def _catalog(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(_CATALOG))).scalars()
        return sorted(" ".join(row.split()) for row in rows)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "version_table": VERSION_TABLE})
    return list(compare_metadata(context, metadata))


@pytest.mark.filterwarnings("ignore:Did not recognize type 'xid8'")
async def test_the_migrated_database_is_at_head_and_matches_the_schema_module(
    pg_server: str, database_url: str, engine: AsyncEngine,
) -> None:
    assert await current_revision(database_url) == head_revision() == "0005_commitments"
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) == []
    migrated = await _catalog(engine)
    assert ("column transaction_id xid8 not null identity= collation=- "
            "default pg_current_xact_id()") in migrated

    assert await schema_module_catalog(pg_server, _catalog) == migrated


async def _has_events(url: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return bool(await conn.scalar(text("SELECT to_regclass('events') IS NOT NULL")))
    finally:
        await engine.dispose()


async def test_down_and_up_again(pg_server: str) -> None:
    async with fresh_database(pg_server, "migrate", migrate=False) as url:
        assert await current_revision(url) is None
        await upgrade(url)
        assert await _has_events(url)
        await downgrade(url, "base")
        assert await current_revision(url) is None and not await _has_events(url)
        await upgrade(url)
        assert await current_revision(url) == head_revision()


async def test_a_downgrade_never_deletes_the_only_copy_of_personal_values(
        pg_server: str) -> None:
    """Below 0005 there is no ``openings`` column: with values in it, the downgrade refuses and
    changes nothing."""
    from eventstore.model import NO_STREAM
    from eventstore.store import PostgresEventStore
    from tests.contract.builders import stream
    from tests.contract.test_commitments import registration

    async with fresh_database(pg_server, "migrate", migrate=False) as url:
        await upgrade(url)
        engine = create_engine(url)
        try:
            s = stream()
            await PostgresEventStore(engine).append([registration(s)], {s: NO_STREAM})
            with pytest.raises(RuntimeError, match="openings"):
                await downgrade(url, "0004_ledger_nodes")
            assert await current_revision(url) == "0005_commitments"
            async with engine.connect() as conn:
                assert await conn.scalar(text(
                    "SELECT count(*) FROM events WHERE openings IS NOT NULL")) == 1
        finally:
            await engine.dispose()


async def test_concurrent_upgrades_are_serialised(pg_server: str) -> None:
    async with fresh_database(pg_server, "migrate", migrate=False) as url:
        await asyncio.gather(*(upgrade(url) for _ in range(3)))
        assert await current_revision(url) == head_revision()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://postgres:@/nhansu?host=/work/main/.nhansu/pgdata",
         "postgresql+asyncpg://postgres:@/nhansu?host=%2Fwork%2Fmain%2F.nhansu%2Fpgdata"),
        ("postgres://u:p%40ss@db.example:5433/nhansu",
         "postgresql+asyncpg://u:p%40ss@db.example:5433/nhansu"),
        ("postgresql+psycopg://u@h/db?sslmode=require", "postgresql+asyncpg://u@h/db?ssl=require"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_urls_become_asyncpg_urls(given: str, expected: str) -> None:
    assert to_async_url(given) == expected


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        to_async_url("mysql://u@h/db")

