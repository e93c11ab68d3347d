"""Where the backing services are: configured ones as given, embedded ones found running.

Only ``nhansu services start`` and the demo start the embedded servers (``start=True``): any
other command that finds one stopped says so, so that an operator can keep PostgreSQL or
Temporal down (for a backup, say) without a stray command bringing it back."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from local_services import postgres, temporal_dev
from local_services.status import ServiceStatus
from settings import Settings


class ServiceDown(RuntimeError):
    """An embedded server this command needs is not running (and this command does not start
    servers)."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(detail)
        self.service = service


async def database_url(settings: Settings, *, start: bool = False) -> str:
    """``DATABASE_URL`` if set, else the embedded server's URL for ``settings.database_name``;
    with ``start`` the embedded server is started (and the database created) if need be.

    The embedded URL is libpq style with a socket directory:
    ``postgresql://postgres:@/nhansu?host=/path/to/pgdata``.
    """
    if settings.database_url is not None:
        return settings.database_url
    if not start:
        running = postgres.running_uri(settings)
        if running is None:
            raise ServiceDown("PostgreSQL", "PostgreSQL nhúng đang dừng (chạy `nhansu services "
                                            "start` để khởi động)")
        return _with_database(running, settings.database_name)
    # Starting the server blocks for up to a second; keep the event loop free meanwhile.
    server_url = await asyncio.to_thread(postgres.ensure_running, settings)
    await _ensure_database(server_url, settings.database_name)
    return _with_database(server_url, settings.database_name)


async def temporal_address(settings: Settings, *, start: bool = False) -> str:
    if settings.temporal_address is not None:
        return settings.temporal_address
    if start:
        return await temporal_dev.ensure_running(settings)
    if not temporal_dev.status(settings).running:
        raise ServiceDown("Temporal", "máy chủ Temporal nhúng đang dừng (chạy `nhansu services "
                                      "start` để khởi động)")
    return temporal_dev.address(settings)


def stop_all(settings: Settings) -> dict[str, bool]:
    """Stop the embedded servers; each value says whether that one was running."""
    return {"temporal": temporal_dev.stop(settings), "postgres": postgres.stop(settings)}


def status(settings: Settings) -> dict[str, dict[str, object]]:
    if settings.database_url is not None:
        url = _redact(settings.database_url)
        pg = ServiceStatus("postgres", running=None, embedded=False, address=url)
    else:
        pg = postgres.status(settings)
    if settings.temporal_address is not None:
        addr = settings.temporal_address
        temporal = ServiceStatus("temporal", running=None, embedded=False, address=addr)
    else:
        temporal = temporal_dev.status(settings)
    return {s.name: s.as_dict() for s in (pg, temporal)}


async def _ensure_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return
        quoted = '"' + name.replace('"', '""') + '"'
        # Another process may create it between the check and CREATE.
        with contextlib.suppress(asyncpg.DuplicateDatabaseError):
            await conn.execute(f"CREATE DATABASE {quoted}")
    finally:
        await conn.close()


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
