"""Migrating the read models' schema: a migration history of their own, kept in the version
table ``projections_alembic_version`` beside the event store's, in the same database.

The read models' tables are disposable (``nhansu projections rebuild`` refills them from the
log), but their shape is still migrated, not recreated, so that a deployment never serves
from a half-made schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from eventstore.database import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "projections_alembic_version"

# Serialises concurrent upgrades of the read models on one database ("nhprojs").
_LOCK_KEY = 0x6E6870726F6A73


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _run(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


async def _migrate(database_url: str, action: str, revision: str) -> None:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            await conn.run_sync(_run, action, revision)
    finally:
        await engine.dispose()


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the read models' schema to ``revision``, in one transaction."""
    await _migrate(database_url, "upgrade", revision)


async def downgrade(database_url: str, revision: str) -> None:
    await _migrate(database_url, "downgrade", revision)


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


async def current_revision(database_url: str) -> str | None:
    """The read models' revision; None before their first migration."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_current)
    finally:
        await engine.dispose()
