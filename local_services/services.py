"""Where the backing services are: configured ones as given, embedded ones found running.

Only ``nhansu services start`` and the demo start the embedded servers (``start=True``): any
other command that finds one stopped says so, so that an operator can keep PostgreSQL or
Temporal down (for a backup, say) without a stray command bringing it back."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from eventstore import roles
from local_services import postgres, temporal_dev
from local_services.status import ServiceStatus
from settings import Settings


class ServiceDown(RuntimeError):
    """An embedded server this command needs is not running (and this command does not start
    servers)."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(detail)
        self.service = service


async def database_url(settings: Settings, *, start: bool = False,
                       role: str | None = None) -> str:
    """``DATABASE_URL`` if set (in production each process is given its own role's URL), else
    the embedded server's URL for ``settings.database_name`` as ``role`` (eventstore/roles.py:
    the owner for migrations, a runtime role for the rest; None: the server's superuser);
    with ``start`` the embedded server is started (and the database created) if need be.

    The embedded URL is libpq style with a socket directory:
    ``postgresql://nhansu_worker@/nhansu?host=/path/to/pgdata``.
    """
    if settings.database_url is not None:
        return settings.database_url
    if not start:
        running = postgres.running_uri(settings)
        if running is None:
            raise ServiceDown("PostgreSQL", "PostgreSQL nhúng đang dừng (chạy `nhansu services "
                                            "start` để khởi động)")
        if role == roles.OWNER:  # an install made before the owner role existed
            await _ensure_database(running, settings.database_name)
        return _as(_with_database(running, settings.database_name), role)
    # Starting the server blocks for up to a second; keep the event loop free meanwhile.
    server_url = await asyncio.to_thread(postgres.ensure_running, settings)
    await _ensure_database(server_url, settings.database_name)
    return _as(_with_database(server_url, settings.database_name), role)


def _as(url: str, role: str | None) -> str:
    return url if role is None else roles.as_role(url, role)


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
    """The database, owned by the owner role (made here: the embedded server's superuser is
    the administrator). A database made before the owner role existed is handed over to it,
    with every table, sequence and function in it, so that migrations run as the owner."""
    quoted = '"' + name.replace('"', '""') + '"'
    conn = await asyncpg.connect(server_url)
    try:
        with contextlib.suppress(asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
            if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1",
                                       roles.OWNER):
                # CREATEROLE: the migration step creates the runtime roles and grants them.
                await conn.execute(f"CREATE ROLE {roles.OWNER} LOGIN CREATEROLE")
        owner = await conn.fetchval(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name)
        if owner is None:
            # Another process may create it between the check and CREATE.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f"CREATE DATABASE {quoted} OWNER {roles.OWNER}")
            return
        if owner == roles.OWNER:
            return
        # The objects first, the database last: interrupted, the next start hands over again.
        inside = await asyncpg.connect(_with_database(server_url, name))
        try:
            await inside.execute(_HAND_OVER)
        finally:
            await inside.close()
        await conn.execute(f"ALTER DATABASE {quoted} OWNER TO {roles.OWNER}")
    finally:
        await conn.close()


# Tables (with their identity sequences), functions and the version tables of an install made
# by the superuser; run by the superuser, once.
_HAND_OVER = f"""
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT c.relname FROM pg_class AS c
                JOIN pg_namespace AS n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                  AND pg_get_userbyid(c.relowner) <> '{roles.OWNER}' LOOP
        EXECUTE format('ALTER TABLE public.%I OWNER TO {roles.OWNER}', item.relname);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc AS p
                JOIN pg_namespace AS n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public'
                  AND pg_get_userbyid(p.proowner) <> '{roles.OWNER}' LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO {roles.OWNER}', item.signature);
    END LOOP;
END
$$
"""


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
