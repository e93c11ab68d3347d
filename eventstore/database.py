"""Connection URLs, the one database handle, engines and databases for the store.

``Database`` is the handle every process holds: an asyncpg pool for the statements the
service runs (appends, reads, identity, the registry, the read models' queries), through
``driver``, the one place that reaches the asyncpg driver; and, made on first use, a
SQLAlchemy engine on the same URL for what is written with SQLAlchemy (the migrations, the read
models' runner, the ledger's sealer). A command that only reads never loads SQLAlchemy.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncpg
    from sqlalchemy.ext.asyncio import AsyncEngine

_DUPLICATE_DATABASE = "42P04"


def to_async_url(url: str) -> str:
    """``postgresql://``, ``postgres://`` or ``postgresql+driver://`` as ``postgresql+asyncpg://``.

    A unix socket given libpq-style (``postgresql://user:@/db?host=/socket/dir``, as the
    embedded server hands out) passes through: SQLAlchemy gives ``host`` from the query to
    asyncpg. libpq's ``sslmode`` is asyncpg's ``ssl``.
    """
    from sqlalchemy.engine import make_url

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
    from sqlalchemy.engine import make_url

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
    from sqlalchemy.ext.asyncio import create_async_engine

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
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

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
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    engine = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                           command_timeout=None)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)"))
    finally:
        await engine.dispose()


def to_asyncpg_dsn(url: str) -> str:
    """The URL as asyncpg reads it: any ``postgresql+driver://`` or ``postgres://`` scheme as
    ``postgresql://`` (libpq's query parameters, ``host`` for a socket directory and
    ``sslmode``, asyncpg reads as they are)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError("not a PostgreSQL URL")
    return "postgresql://" + rest


class Database:
    """The one database handle of a process. ``connection()`` lends a pooled asyncpg
    connection; ``engine`` is the SQLAlchemy engine on the same URL, made on first use. For
    the code written with SQLAlchemy it stands in for that engine (``connect``, ``begin``,
    ``raw_connection``)."""

    def __init__(self, url: str, *, connect_timeout: float = CONNECT_TIMEOUT,
                 command_timeout: float | None = COMMAND_TIMEOUT, pool_size: int = 8) -> None:
        self.url = url
        self._connect_timeout = connect_timeout
        self._command_timeout = command_timeout
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()
        self._engine: AsyncEngine | None = None

    async def _the_pool(self) -> asyncpg.Pool:
        async with self._pool_lock:
            if self._pool is None:
                import asyncpg

                self._pool = await asyncpg.create_pool(
                    to_asyncpg_dsn(self.url), min_size=0, max_size=self._pool_size,
                    init=_json_codecs,
                    timeout=self._connect_timeout, command_timeout=self._command_timeout,
                    server_settings={
                        "application_name": "nhansu",
                        "idle_in_transaction_session_timeout": "60000",
                        "statement_timeout": str(_milliseconds(self._command_timeout))})
            return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """A pooled connection. A conversation cut short (cancelled, the connection lost or
        broken, a timeout) is closed rather than returned to the pool half-finished: after a
        PostgreSQL restart, a connection returned open after a driver error answered the next
        request with asyncpg's "cannot switch to state ...; another operation is in progress"
        (a 500, found by tests/chaos)."""
        import asyncpg

        pool = await self._the_pool()
        conn = await asyncio.wait_for(pool.acquire(),
                                      timeout=POOL_TIMEOUT + self._connect_timeout)
        try:
            yield conn
        except BaseException as error:
            if not isinstance(error, Exception) or conn.is_closed() or isinstance(error, (
                    asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                    asyncpg.InternalClientError, OSError, TimeoutError)):
                conn.terminate()
            raise
        finally:
            try:
                await pool.release(conn)
            except (asyncpg.InterfaceError, asyncpg.InternalClientError, OSError):
                # Its reset found the conversation broken (the server went away): the pool
                # drops it; the request's own work is done or has failed on its own.
                conn.terminate()

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = create_engine(self.url, connect_timeout=self._connect_timeout,
                                         command_timeout=self._command_timeout)
        return self._engine

    # What code written for an AsyncEngine calls: the engine's own.
    def connect(self) -> Any:
        return self.engine.connect()

    def begin(self) -> Any:
        return self.engine.begin()

    async def raw_connection(self) -> Any:
        return await self.engine.raw_connection()

    @property
    def dialect(self) -> Any:
        return self.engine.dialect

    async def dispose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


if TYPE_CHECKING:
    #: What statements can be sent through: the handle, or a bare engine (tests, tools).
    Connections = Database | AsyncEngine


async def _json_codecs(conn: Any) -> None:
    """json and jsonb as SQLAlchemy's asyncpg dialect sets them, so that a statement behaves
    the same whichever way its connection came: parameters are JSON text the caller encoded,
    results are decoded."""
    import json

    await conn.set_type_codec("json", encoder=str.encode,
                              decoder=lambda raw: json.loads(raw.decode()),
                              schema="pg_catalog", format="binary")
    await conn.set_type_codec("jsonb", encoder=lambda text: b"\x01" + text.encode(),
                              decoder=lambda raw: json.loads(raw[1:].decode()),
                              schema="pg_catalog", format="binary")


@asynccontextmanager
async def driver(source: Connections) -> AsyncIterator[Any]:
    """An asyncpg connection from the handle, or from an engine's pool: the one place that
    reaches the driver. A conversation cut short does not go back to the pool."""
    if isinstance(source, Database):
        async with source.connection() as conn:
            yield conn
        return
    async with source.connect() as conn:
        raw = await conn.get_raw_connection()
        native = raw.driver_connection
        try:
            yield native
        except BaseException as error:
            if not isinstance(error, Exception) or native is None or native.is_closed():
                await conn.invalidate()
            raise

