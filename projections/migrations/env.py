"""Alembic environment of the read models (version table ``projections_alembic_version``).

As for the event store: ``projections.migrate`` hands over an open connection; the ``alembic``
command line (``alembic -c projections/alembic.ini -x url=... upgrade head``) gives a URL;
``--sql`` renders the DDL offline.
"""

from __future__ import annotations

import asyncio
import logging.config
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from eventstore.database import create_engine
from projections.migrate import VERSION_TABLE

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database with -x url=postgresql://... or sqlalchemy.url")
    return url


def _configure(**kw: Any) -> None:
    context.configure(target_metadata=None, version_table=VERSION_TABLE, **kw)


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_online(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run_on)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_offline()
elif (given := config.attributes.get("connection")) is not None:
    run_on(given)
else:
    asyncio.run(run_online(_url()))
