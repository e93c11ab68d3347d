"""Least privilege, checked on a real server: the migration step, run as an owner that is no
superuser, creates the runtime roles and grants each exactly its job (eventstore/roles.py);
each role then connects and does its job, and is refused everything else."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from application.operations import migrate
from eventstore import roles
from eventstore.checkpoints import Signer, new_signing_key_spec
from eventstore.database import create_engine, drop_database, to_asyncpg_dsn, with_database
from eventstore.ledger import CheckpointPolicy, seal
from eventstore.model import NO_STREAM
from eventstore.store import PostgresEventStore
from tests.contract.builders import events, stream
from tests.support.databases import unique_name

pytestmark = pytest.mark.contract

SIGNER = Signer.from_spec(new_signing_key_spec())  # one key for the module's database
PERMISSION_DENIED = "42501"  # insufficient_privilege: refused by the grants, not a trigger


@pytest.fixture(scope="module")
async def owned(pg_server: str) -> AsyncIterator[str]:
    """A database owned by the owner role (LOGIN CREATEROLE, not a superuser), migrated by
    it: the production set-up. Yields the owner's URL."""
    name = unique_name("roles")
    admin = await asyncpg.connect(to_asyncpg_dsn(pg_server))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", roles.OWNER):
            with contextlib.suppress(asyncpg.DuplicateObjectError):
                await admin.execute(f"CREATE ROLE {roles.OWNER} LOGIN CREATEROLE")
        await admin.execute(f'CREATE DATABASE "{name}" OWNER {roles.OWNER}')
    finally:
        await admin.close()
    owner_url = roles.as_role(with_database(pg_server, name), roles.OWNER)
    try:
        await migrate(owner_url)
        yield owner_url
    finally:
        await drop_database(pg_server, name)


async def _connect(url: str, role: str) -> Any:
    return await asyncpg.connect(to_asyncpg_dsn(roles.as_role(url, role)))


async def _refused(conn: Any, statement: str) -> str:
    with pytest.raises(asyncpg.PostgresError) as refused:
        await conn.execute(statement)
    assert refused.value.sqlstate == PERMISSION_DENIED, (statement, refused.value)
    # The grants refuse it (or ownership), not the append-only trigger behind them.
    message = str(refused.value)
    assert "permission denied" in message or "must be" in message, (statement, message)
    return message


async def test_the_owner_is_no_superuser_and_the_step_made_every_runtime_role(
        owned: str) -> None:
    conn = await asyncpg.connect(to_asyncpg_dsn(owned))
    try:
        assert not await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = "
                                       "current_user")
        rows = await conn.fetch(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls "
            "FROM pg_roles WHERE rolname = ANY($1::text[]) ORDER BY rolname",
            list(roles.RUNTIME_ROLES))
    finally:
        await conn.close()
    assert [r["rolname"] for r in rows] == sorted(roles.RUNTIME_ROLES)
    for r in rows:
        assert r["rolcanlogin"] and not (r["rolsuper"] or r["rolcreaterole"]
                                         or r["rolcreatedb"] or r["rolbypassrls"]), dict(r)


@pytest.mark.parametrize("role", roles.RUNTIME_ROLES)
async def test_each_role_appends_reads_and_seals_the_record(owned: str, role: str) -> None:
    engine = create_engine(roles.as_role(owned, role))
    try:
        store = PostgresEventStore(engine)
        s = stream()
        recorded = await store.append(events(s, 2), {s: NO_STREAM})
        assert [e.stream_version for e in await store.read_stream(s)] == [1, 2]
        # The ledger takes only settled events (older than every running transaction of the
        # cluster): on a shared server that may take a moment.
        async with asyncio.timeout(60):
            while True:
                result = await seal(engine, store, SIGNER,
                                    policy=CheckpointPolicy(every_events=1), wait_seconds=30)
                latest = result.latest_checkpoint
                if latest is not None and await _sealed(engine, recorded[-1].position):
                    break
                await asyncio.sleep(0.2)
        assert latest.ledger_size == result.ledger_size >= 2, result
    finally:
        await engine.dispose()


@pytest.mark.parametrize("role", roles.RUNTIME_ROLES)
async def test_each_role_is_refused_changing_or_controlling_the_record(
        owned: str, role: str) -> None:
    conn = await _connect(owned, role)
    try:
        assert await conn.fetchval("SELECT current_user") == role
        for table in roles.EVENT_TABLES:
            await _refused(conn, f"UPDATE {table} SET {_column(table)} = {_column(table)}")
            await _refused(conn, f"DELETE FROM {table}")
            await _refused(conn, f"TRUNCATE {table}")
            await _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
            await _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            await _refused(conn, f"ALTER TABLE {table} ADD COLUMN sneaked int")
            await _refused(conn, f"DROP TABLE {table}")
            await _refused(conn, f"CREATE TRIGGER sneaked BEFORE INSERT ON {table} "
                                 "FOR EACH ROW EXECUTE FUNCTION events_append_only()")
        await _refused(conn, "DROP FUNCTION events_append_only()")
        await _refused(conn, "CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger "
                             "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$")
        await _refused(conn, "SET session_replication_role = replica")  # skips triggers
        await _refused(conn, "CREATE TABLE public.sneaked (id int)")
        await _refused(conn, "CREATE ROLE sneaked")
        await _refused(conn, "ALTER ROLE current_user SUPERUSER")
        for table in roles.READ_MODEL_TABLES + roles.IDENTITY_TABLES:
            await _refused(conn, f"TRUNCATE {table}")
            await _refused(conn, f"DROP TABLE {table}")
        for table in roles.VERSION_TABLES:
            await _refused(conn, f"DELETE FROM {table}")
        if role not in roles.MAY_CREATE_SCHEMA:
            await _refused(conn, "CREATE SCHEMA sneaked")
    finally:
        await conn.close()


async def test_the_worker_reads_no_secret_and_the_api_only_what_it_needs(owned: str) -> None:
    worker = await _connect(owned, roles.WORKER)
    try:
        for table in roles.IDENTITY_TABLES:
            await _refused(worker, f"SELECT count(*) FROM {table}")
            await _refused(worker, f"DELETE FROM {table}")
        # Its job: the read models (the projector runs in the worker).
        assert await worker.fetchval("SELECT count(*) FROM rm_plans") == 0
        await worker.execute("DELETE FROM rm_plans WHERE false")
    finally:
        await worker.close()
    api = await _connect(owned, roles.API)
    try:
        assert await api.fetchval("SELECT count(*) FROM identity_sessions") == 0
        await api.execute("DELETE FROM identity_sessions WHERE false")
        await api.execute("UPDATE rm_plans SET updated_at = updated_at WHERE false")
    finally:
        await api.close()


async def test_the_step_is_idempotent_and_revokes_what_was_granted_beside_it(
        owned: str) -> None:
    owner = await asyncpg.connect(to_asyncpg_dsn(owned))
    try:
        await owner.execute(f"GRANT ALL ON events TO {roles.WORKER}")
    finally:
        await owner.close()
    await migrate(owned)
    await migrate(owned)
    worker = await _connect(owned, roles.WORKER)
    try:
        await _refused(worker, "DELETE FROM events")
        await _refused(worker, "TRUNCATE events")
    finally:
        await worker.close()


async def _sealed(engine: Any, position: int) -> bool:
    from eventstore.database import driver

    async with driver(engine) as conn:
        return bool(await conn.fetchval("SELECT 1 FROM ledger WHERE event_position = $1",
                                        position))


def _column(table: str) -> str:
    return {"events": "hash", "ledger": "ledger_hash", "ledger_nodes": "hash",
            "checkpoints": "signature"}[table]


async def test_every_table_the_migrations_make_has_its_grants_decided(owned: str) -> None:
    """A table a new migration adds and eventstore/roles.py does not list would be unreadable
    to every process (or, worse, copied from a neighbour by hand): the list is complete."""
    conn = await asyncpg.connect(to_asyncpg_dsn(owned))
    try:
        made = {r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    finally:
        await conn.close()
    decided = {t for tables in roles.PRIVILEGES.values() for t in tables}
    assert made - decided == set()
