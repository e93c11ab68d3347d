"""Connection URLs, engines and databases for the store (SQLAlchemy 2 async over asyncpg)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

_DUPLICATE_DATABASE = "42P04"


def to_async_url(url: str) -> str:
    """``postgresql://``, ``postgres://`` or ``postgresql+driver://`` as ``postgresql+asyncpg://``.

    A unix socket given libpq-style (``postgresql://user:@/db?host=/socket/dir``, as the
    embedded server hands out) passes through: SQLAlchemy gives ``host`` from the query to
    asyncpg. libpq's ``sslmode`` is asyncpg's ``ssl``.
    """
    parsed = make_url(url)
    if parsed.drivername.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string()}")
    query = dict(parsed.query)
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    parsed = parsed.set(drivername="postgresql+asyncpg", query=query)
    return parsed.render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at database ``name``."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def create_engine(url: str, **kw: Any) -> AsyncEngine:
    """An engine sized for a small machine: PostgreSQL on 2 cores saturates at a handful of
    busy backends, so more connections than ~16 only add contention. Keyword arguments win."""
    options: dict[str, Any] = {"pool_pre_ping": False, "pool_recycle": 1800}
    if "poolclass" not in kw:  # sizes apply to the default queue pool only
        options.update(pool_size=8, max_overflow=8, pool_timeout=30)
    # A transaction left open holds back every reader of the global log (see read_all), so a
    # session idle inside one for a minute is ended rather than trusted to come back.
    connect_args = {"server_settings": {"application_name": "nhansu",
                                        "idle_in_transaction_session_timeout": "60000"}}
    connect_args.update(kw.pop("connect_args", {}))
    options.update(kw)
    return create_async_engine(to_async_url(url), connect_args=connect_args, **options)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def ensure_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_url`` unless it exists; its URL."""
    engine = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                try:
                    await conn.execute(text(f"CREATE DATABASE {_quote(name)}"))
                except DBAPIError as error:  # another process created it meanwhile
                    if getattr(error.orig, "sqlstate", None) != _DUPLICATE_DATABASE:
                        raise
    finally:
        await engine.dispose()
    return with_database(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, disconnecting its sessions (PostgreSQL ≥ 13)."""
    engine = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)"))
    finally:
        await engine.dispose()
