"""One Alembic migration history in a database that holds several: its scripts, its own
version table, and an advisory lock that serialises concurrent upgrades (two workers starting
at once). The event store has one; the read models (projections/) another."""

from __future__ import annotations

import asyncio
import logging.config
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from eventstore.database import create_engine


@dataclass(frozen=True)
class MigrationHistory:
    scripts: Path
    version_table: str
    lock_key: int

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.scripts))
        return config

    def head_revision(self) -> str:
        head = ScriptDirectory.from_config(self.alembic_config()).get_current_head()
        assert head is not None
        return head

    async def upgrade(self, database_url: str, revision: str = "head") -> None:
        """Bring the database to ``revision`` in one transaction (PostgreSQL DDL is
        transactional)."""
        await self._migrate(database_url, "upgrade", revision)

    async def downgrade(self, database_url: str, revision: str) -> None:
        await self._migrate(database_url, "downgrade", revision)

    async def current_revision(self, database_url: str) -> str | None:
        """The revision the database is at; None before the first migration."""
        engine = create_engine(database_url, poolclass=NullPool, command_timeout=None)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(self._current)
        finally:
            await engine.dispose()

    def _current(self, connection: Connection) -> str | None:
        context = MigrationContext.configure(connection,
                                             opts={"version_table": self.version_table})
        return context.get_current_revision()

    def _run(self, connection: Connection, action: str, revision: str) -> None:
        config = self.alembic_config()
        config.attributes["connection"] = connection
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)

    async def _migrate(self, database_url: str, action: str, revision: str) -> None:
        engine = create_engine(database_url, poolclass=NullPool, command_timeout=None)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": self.lock_key})
                await conn.run_sync(self._run, action, revision)
        finally:
            await engine.dispose()


def run_environment(context: Any, metadata: MetaData | None, version_table: str) -> None:
    """The body of an Alembic env.py. Three ways in: a program hands over an open connection
    (``config.attributes["connection"]``); the ``alembic`` command line gives a URL
    (``-x url=postgresql://...``), and the migrations run on an asyncpg engine through
    ``run_sync``; ``--sql`` renders them offline."""
    config = context.config
    given = config.attributes.get("connection")
    if config.config_file_name is not None and given is None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

    def url() -> str:
        value = (context.get_x_argument(as_dictionary=True).get("url")
                 or config.get_main_option("sqlalchemy.url"))
        if not value:
            raise SystemExit("give the database with -x url=postgresql://... or sqlalchemy.url")
        return str(value)

    def run_on(connection: Connection | None = None, /, **kw: Any) -> None:
        context.configure(connection=connection, target_metadata=metadata,
                          version_table=version_table, **kw)
        with context.begin_transaction():
            context.run_migrations()

    async def run_online(address: str) -> None:
        engine = create_engine(address, poolclass=NullPool, command_timeout=None)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(run_on)
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        run_on(url=url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    elif given is not None:
        run_on(given)
    else:
        asyncio.run(run_online(url()))
