"""Revision 0002: the ledger and checkpoints tables match eventstore/schema.py (columns,
constraints, indexes, triggers, functions and grants), refuse rewriting for everyone, and the
application role may only read and append."""

from __future__ import annotations

from dataclasses import replace

import pytest
from asyncpg.exceptions import InsufficientPrivilegeError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.database import verify_ledger
from eventstore import merkle
from eventstore.checkpoints import CHECKPOINT_GENESIS, Checkpoint
from eventstore.database import create_engine
from eventstore.ledger_chain import LEDGER_GENESIS, ledger_link
from eventstore.migrate import current_revision, downgrade, head_revision, upgrade
from eventstore.model import NO_STREAM
from eventstore.store import PostgresEventStore
from tests.contract.builders import driver, event, events, fetch, schema_module_catalog, stream
from tests.contract.ledger_support import SIGNER, seal_to
from tests.support.databases import Scratch, fresh_database

pytestmark = pytest.mark.contract

_CATALOG = """
SELECT t || ' column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || ' identity=' || a.attidentity::text || ' collation=' || coalesce(c.collname, '-')
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
FROM unnest($1::text[]) AS t
JOIN pg_attribute a ON a.attrelid = t::regclass AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation c ON c.oid = a.attcollation
UNION ALL
SELECT t || ' constraint ' || conname || ' ' || pg_get_constraintdef(k.oid)
FROM unnest($1::text[]) AS t JOIN pg_constraint k ON k.conrelid = t::regclass
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE tablename = ANY($1::text[])
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(g.oid) || ' enabled=' || g.tgenabled::text
FROM unnest($1::text[]) AS t JOIN pg_trigger g ON g.tgrelid = t::regclass
WHERE NOT g.tgisinternal
UNION ALL
SELECT 'function ' || proname || ' ' || prosrc FROM pg_proc
WHERE proname IN ('ledger_append_only', 'ledger_contiguous', 'ledger_names_events')
UNION ALL
SELECT 'grants ' || relname || ' ' || coalesce(array_to_string(relacl, ','), '-')
FROM pg_class WHERE relname = ANY($1::text[]) OR relname = 'events_position_seq'
"""
TABLES = ["events", "ledger", "checkpoints"]


async def _catalog(engine: AsyncEngine) -> list[str]:
    rows = await fetch(engine, _CATALOG, TABLES)
    return sorted(" ".join(r[0].split()) for r in rows)


async def test_the_migration_and_the_schema_module_make_the_same_catalog(
    pg_server: str, engine: AsyncEngine,
) -> None:
    migrated = await _catalog(engine)
    assert "checkpoints constraint fk_checkpoints_ledger_size FOREIGN KEY (ledger_size) " \
           "REFERENCES ledger(ledger_seq)" in migrated
    assert any(line.startswith("grants ledger ") and "nhansu_app=ar/" in line
               for line in migrated)
    assert sum(line.startswith("trigger ") for line in migrated) == 6
    assert await schema_module_catalog(pg_server, _catalog) == migrated


async def test_down_to_0001_keeps_the_events_and_up_again(pg_server: str) -> None:
    async with fresh_database(pg_server, "ledger_down") as url:
        engine = create_engine(url)
        try:
            s = stream()
            await PostgresEventStore(engine).append(events(s, 2), {s: NO_STREAM})
            await downgrade(url, "0001")
            assert await current_revision(url) == "0001"
            async with engine.connect() as conn:
                assert await conn.scalar(text("SELECT to_regclass('ledger')")) is None
                assert await conn.scalar(text("SELECT count(*) FROM events")) == 2
            await upgrade(url)
            assert await current_revision(url) == head_revision()
        finally:
            await engine.dispose()


async def test_a_ledger_signed_before_the_tree_converts_and_verifies(pg_server: str) -> None:
    """Revision 0003_merkle on a ledger with a chain-only checkpoint: the old one still
    verifies as signed, the next seal signs the tree root over the whole ledger."""
    async with fresh_database(pg_server, "ledger_merkle_up") as url:
        engine = create_engine(url)
        try:
            store = PostgresEventStore(engine)
            s = stream()
            await store.append(events(s, 3), {s: NO_STREAM})  # with no private fields
            await downgrade(url, "0003_stored_bytes")  # the revision before the tree
            async with driver(engine) as conn:  # the ledger and a checkpoint as 0002 had them
                chain = LEDGER_GENESIS
                rows = await conn.fetch("SELECT position, hash, stream_id, stream_version "
                                        "FROM events ORDER BY position")
                for seq, (position, hash_, stream_id, version) in enumerate(rows, start=1):
                    chain = ledger_link(chain, event_hash=hash_, ledger_seq=seq,
                                        position=position, stream_id=stream_id,
                                        stream_version=version)
                    await conn.execute("INSERT INTO ledger VALUES ($1, $2, $3)",
                                       seq, position, chain)
                now = await conn.fetchval("SELECT clock_timestamp()")
                old = Checkpoint(checkpoint_seq=1, ledger_size=3, ledger_hash=chain,
                                 previous_hash=CHECKPOINT_GENESIS, created_at=now,
                                 key_id=SIGNER.key_id, signature="")
                old = replace(old, signature=SIGNER.sign(old.body()))
                await conn.execute(
                    "INSERT INTO checkpoints VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    1, 3, chain, old.previous_hash, now, old.key_id, old.signature)
            await upgrade(url)
            assert await current_revision(url) == head_revision() == "0005_commitments"
            await store.append([event(s, 4), event(s, 5)], {s: 3})
            made = (await seal_to(engine, store, 5)).checkpoint
            assert made is not None and made.tree_root is not None
            async with driver(engine) as conn:
                rows = await conn.fetch("SELECT e.hash FROM ledger l JOIN events e "
                                        "ON e.position = l.event_position ORDER BY ledger_seq")
            leaves = [merkle.leaf_hash(bytes.fromhex(r[0])) for r in rows]
            assert made.tree_root == merkle.root(leaves).hex()
            assert "\nchain " in made.body() and "\nchain " not in old.body()
            report = await verify_ledger(engine, {SIGNER.key_id: SIGNER.public_key})
            assert report.ok, report.failures
            assert report.checkpoints == 2
        finally:
            await engine.dispose()


@pytest.mark.parametrize("statement", [
    "UPDATE ledger SET ledger_hash = ledger_hash", "DELETE FROM ledger",
    "TRUNCATE ledger, checkpoints", "UPDATE checkpoints SET key_id = 'x'",
    "DELETE FROM checkpoints", "TRUNCATE checkpoints",
])
async def test_no_one_rewrites_the_ledger_not_even_its_owner(scratch: Scratch,
                                                              statement: str) -> None:
    s = stream()
    await scratch.store.append(events(s, 2), {s: NO_STREAM})
    await seal_to(scratch.engine, scratch.store, 2)
    async with driver(scratch.engine) as conn:
        with pytest.raises(InsufficientPrivilegeError,
                           match=r"(ledger|checkpoints) is append-only"):
            await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM ledger") == 2
        assert await conn.fetchval("SELECT count(*) FROM checkpoints") == 1


async def test_the_app_role_may_read_and_append_only(scratch: Scratch) -> None:
    s = stream()
    await scratch.store.append(events(s, 2), {s: NO_STREAM})
    await seal_to(scratch.engine, scratch.store, 2)
    async with driver(scratch.engine) as conn:
        privileges = await conn.fetch("""
            SELECT t, p, has_table_privilege('nhansu_app', t, p)
            FROM unnest(ARRAY['events', 'ledger', 'checkpoints']) AS t,
                 unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                              'REFERENCES', 'TRIGGER']) AS p""")
        assert {(r[0], r[1]) for r in privileges if r[2]} == {
            (t, p) for t in ("events", "ledger", "checkpoints") for p in ("SELECT", "INSERT")}
        assert await conn.fetchval(
            "SELECT has_sequence_privilege('nhansu_app', 'events_position_seq', 'USAGE')")

        for statement in ("UPDATE ledger SET ledger_hash = ledger_hash",
                          "DELETE FROM checkpoints", "TRUNCATE ledger, checkpoints",
                          "ALTER TABLE ledger DISABLE TRIGGER ALL"):
            async with conn.transaction():
                await conn.execute("SET LOCAL ROLE nhansu_app")
                assert await conn.fetchval("SELECT count(*) FROM ledger") == 2  # may read
                with pytest.raises(InsufficientPrivilegeError,
                                   match=r"permission denied|must be owner"):
                    await conn.execute(statement)

        # Had someone granted UPDATE by mistake, the trigger would still refuse.
        async with conn.transaction():
            await conn.execute("GRANT UPDATE, DELETE ON ledger TO nhansu_app")
            await conn.execute("SET LOCAL ROLE nhansu_app")
            with pytest.raises(InsufficientPrivilegeError, match="ledger is append-only"):
                await conn.execute("UPDATE ledger SET ledger_hash = ledger_hash")
        assert not await conn.fetchval("SELECT has_table_privilege('nhansu_app', 'ledger', "
                                        "'UPDATE')")  # the grant was rolled back
        assert await conn.fetchval("SELECT current_user") != "nhansu_app"
