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


#: Defaults of ``create_engine``'s timeouts, in seconds (settings pass their own).
CONNECT_TIMEOUT = 5.0
COMMAND_TIMEOUT = 30.0
POOL_TIMEOUT = 5.0


def create_engine(url: str, *, connect_timeout: float = CONNECT_TIMEOUT,
                  command_timeout: float | None = COMMAND_TIMEOUT,
                  pool_timeout: float = POOL_TIMEOUT, **kw: Any) -> AsyncEngine:
    """An engine sized for a small machine: PostgreSQL on 2 cores saturates at a handful of
    busy backends, so more connections than ~16 only add contention. Keyword arguments win.

    A dead or frozen database fails in seconds, not minutes: making a connection (TCP and
    the startup conversation) times out after ``connect_timeout``; each statement after
    ``command_timeout``, on both sides: asyncpg stops waiting (the connection is then
    discarded) and the server cancels it (``statement_timeout``, so that no statement of a
    vanished client runs on). ``None`` means no statement limit: engines for long jobs
    (verify, export, rebuild at national scale) pass None or their own. Waiting for a pooled
    connection gives up after ``pool_timeout``."""
    options: dict[str, Any] = {"pool_pre_ping": False, "pool_recycle": 1800}
    if "poolclass" not in kw:  # sizes apply to the default queue pool only
        options.update(pool_size=8, max_overflow=8, pool_timeout=pool_timeout)
    # A transaction left open holds back every reader of the global log (see read_all), so a
    # session idle inside one for a minute is ended rather than trusted to come back.
    server_settings = {"application_name": "nhansu",
                       "idle_in_transaction_session_timeout": "60000",
                       "statement_timeout": str(_milliseconds(command_timeout))}
    connect_args: dict[str, Any] = {"timeout": connect_timeout,
                                    "command_timeout": command_timeout}
    given = dict(kw.pop("connect_args", {}))
    server_settings.update(given.pop("server_settings", {}))
    connect_args.update(given)
    connect_args["server_settings"] = server_settings
    options.update(kw)
    return create_async_engine(to_async_url(url), connect_args=connect_args, **options)


def _milliseconds(seconds: float | None) -> int:
    """PostgreSQL's ``statement_timeout`` in ms; 0 (none) for None."""
    if seconds is None:
        return 0
    if seconds <= 0:
        raise ValueError(f"a timeout must be positive or None, not {seconds}")
    return max(1, round(seconds * 1000))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def ensure_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``server_url`` unless it exists; its URL."""
    engine = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                           command_timeout=None)
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
    engine = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                           command_timeout=None)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)"))
    finally:
        await engine.dispose()
