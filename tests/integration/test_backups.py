"""Backups are proved by restoring them: a dump of a database holding a plan and a signed
checkpoint restores into a scratch database where every chain and checkpoint verifies; a
changed file, a non-empty target and a user who is not the operator are refused, and the
check leaves no scratch database behind."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client

import bootstrap
from application.backups import TEMPORAL_COPY, create_backup, read_backup, verify_backup
from application.context import Context
from application.errors import Forbidden, Rejected
from application.plans import PlanService
from application.principal import OPERATOR
from eventstore.checkpoints import Signer
from eventstore.database import create_engine, driver
from eventstore.store import PostgresEventStore
from settings import Settings
from tests.support import scenario
from tests.support.databases import backend_names, fresh_database, server_url
from tests.support.keys import TEST_ID_KEY
from tests.support.people import auditor, context

pytestmark = pytest.mark.integration


async def _restore_checks_left(ctx: Context) -> list[str]:
    async with driver(ctx.engine) as conn:
        rows = await conn.fetch("SELECT datname FROM pg_database "
                                "WHERE datname LIKE 'nhansu_restore_check_%'")
    return [r[0] for r in rows]


KEY = Signer("nhansu-backup-test", bytes(range(32)))


@pytest.fixture
async def own(temporal_client: Client, task_queue: str) -> AsyncIterator[Context]:
    """A database of this test's own, with a ledger signing key: its checkpoints are the
    only ones the restored copy has to verify."""
    async with fresh_database(server_url(backend_names()[-1]), "backup") as url:
        engine = create_engine(url)
        store = PostgresEventStore(engine)
        ctx = context(bootstrap.Database(url=url, engine=engine, store=store),
                      PlanService(temporal_client, store, task_queue, timedelta(seconds=60),
                                  digest_key=TEST_ID_KEY))
        ctx = dataclasses.replace(ctx, ledger_signer=lambda: KEY,
                                  ledger_public_keys=lambda: {KEY.key_id: KEY.public_key})
        try:
            async with bootstrap.worker(temporal_client, store, task_queue, digest_key=TEST_ID_KEY):
                yield ctx
        finally:
            await engine.dispose()


async def test_a_backup_restores_and_every_chain_and_checkpoint_verifies(
        own: Context, plan_id: str, tmp_path: Path) -> None:
    from application.audit import seal

    app = own
    await app.plans.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    await seal(app, OPERATOR, checkpoint=True)
    before = await _restore_checks_left(app)
    # A Temporal dev server's SQLite file, copied online.
    temporal_db = tmp_path / "data" / "temporal.db"
    temporal_db.parent.mkdir()
    with sqlite3.connect(temporal_db) as db:
        db.execute("CREATE TABLE history (id integer primary key, body text)")
        db.execute("INSERT INTO history (body) VALUES ('một lịch sử')")
    settings = Settings(data_dir=tmp_path / "data")

    backup = await create_backup(app, OPERATOR, settings, tmp_path / "backup")
    assert backup.log_position >= 1 and backup.checkpoint_seq is not None
    assert backup.temporal_included
    assert {f.name for f in backup.files} == {"nhansu.dump", TEMPORAL_COPY}
    assert (tmp_path / "backup" / "manifest.json").stat().st_mode & 0o077 == 0
    with sqlite3.connect(tmp_path / "backup" / TEMPORAL_COPY) as db:
        assert db.execute("SELECT body FROM history").fetchall() == [("một lịch sử",)]

    check = await verify_backup(app, OPERATOR, tmp_path / "backup")
    assert check.ok, (check.problems, check.ledger_lines)
    assert check.chains_ok and check.ledger_ok
    async with driver(app.engine) as conn:
        at_backup = await conn.fetchval(
            "SELECT count(*) FROM events WHERE position <= $1", backup.log_position)
        now = await conn.fetchval("SELECT count(*) FROM events")
    assert 0 < at_backup <= check.events <= now
    assert await _restore_checks_left(app) == before


async def test_a_changed_or_misplaced_backup_is_refused(
        app: Context, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "nothing", temporal_address="127.0.0.1:1")
    backup = await create_backup(app, OPERATOR, settings, tmp_path / "backup")
    assert not backup.temporal_included

    # Into a directory that already holds files: refused, nothing written there.
    with pytest.raises(Rejected) as refused:
        await create_backup(app, OPERATOR, settings, tmp_path / "backup")
    assert refused.value.violations[0].rule == "empty_directory"

    # One byte of the dump changed: the manifest catches it before anything is restored.
    dump = tmp_path / "backup" / "nhansu.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(Rejected) as refused:
        read_backup(tmp_path / "backup")
    violation = refused.value.violations[0]
    assert (violation.field, violation.rule) == ("DIRECTORY", "backup_file_hash")
    assert "nhansu.dump" in violation.message

    with pytest.raises(Rejected) as refused:
        await verify_backup(app, OPERATOR, tmp_path)
    assert refused.value.violations[0].rule == "backup_manifest"


async def test_only_the_operator_backs_up(app: Context, tmp_path: Path) -> None:
    someone = (await auditor(app)).principal
    with pytest.raises(Forbidden):
        await create_backup(app, someone, Settings(data_dir=tmp_path), tmp_path / "b")
    assert not (tmp_path / "b").exists()
