"""Operator use cases: start and stop the embedded services, migrate the database, list the
procedure versions. Only these start services; every other use case finds them running or
says they are down."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from settings import Settings


@dataclass(frozen=True, kw_only=True)
class Started:
    temporal_address: str
    ui: str | None
    worker_pid: int
    worker_was_running: bool
    embedded_postgres: bool


async def migrate(url: str) -> tuple[str | None, ...]:
    """Every migration history (event store, read models, users and registry) to its head,
    then the runtime roles' privileges (eventstore/roles.py), as the owner of ``url``."""
    from eventstore import migrate as store_migrate
    from eventstore import roles
    from identity import migrate as identity_migrate
    from reads.models import migrate as read_models_migrate

    histories = (store_migrate, read_models_migrate, identity_migrate)
    for history in histories:
        await history.upgrade(url)
    missing = await roles.apply(url)
    if missing:
        from logs import get_logger

        get_logger(__name__).warning("database_roles_missing", roles=list(missing))
    return tuple([await h.current_revision(url) for h in histories])


async def start_services(settings: Settings) -> Started:
    """PostgreSQL and Temporal (embedded unless configured), the migrations, a worker."""
    import bootstrap
    from local_services import services, temporal_dev, worker_daemon

    async with bootstrap.database(settings, start=True, role="nhansu_owner") as db:
        await migrate(db.url)
    address = await services.temporal_address(settings, start=True)
    pid, running = await asyncio.to_thread(worker_daemon.start, settings)
    return Started(temporal_address=address,
                   ui=(temporal_dev.ui_address(settings)
                       if settings.uses_embedded_temporal else None),
                   worker_pid=pid, worker_was_running=running,
                   embedded_postgres=settings.uses_embedded_postgres)


def stop_services(settings: Settings) -> dict[str, bool]:
    """Stop the background worker and the embedded servers; each value: was it running."""
    from local_services import services, worker_daemon

    return {"worker": worker_daemon.stop(settings), **services.stop_all(settings)}


def service_status(settings: Settings) -> dict[str, dict[str, Any]]:
    from local_services import services, worker_daemon

    return {**services.status(settings), "worker": worker_daemon.status(settings).as_dict()}


async def upgrade_database(settings: Settings) -> tuple[str | None, ...]:
    import bootstrap

    async with bootstrap.database(settings, role="nhansu_owner") as db:
        return await migrate(db.url)


@dataclass(frozen=True, kw_only=True)
class ProcedureInfo:
    key: str
    effective_from: str
    title: str
    regulation: str


def procedure_versions() -> list[ProcedureInfo]:
    import procedures

    found = []
    for key in procedures.available():
        definition = procedures.load(key)
        found.append(ProcedureInfo(key=definition.key,
                                   effective_from=definition.effective_from.isoformat(),
                                   title=definition.title_vi, regulation=definition.regulation))
    return found


async def fresh_demo_database(settings: Settings) -> Settings:
    """For the worked example: the services started, and a database of its own
    (NHANSU_DATABASE_NAME + "_demo" on the same server) made afresh and migrated; the
    settings that point at it."""
    from eventstore.database import drop_database, ensure_database, with_database
    from local_services import services

    name = f"{settings.database_name}_demo"
    server = await services.database_url(settings, start=True)
    await services.temporal_address(settings, start=True)
    await drop_database(server, name)
    url = await ensure_database(server, name)
    await migrate(url)
    url = with_database(url, name)
    if settings.uses_embedded_postgres:  # the example runs as the CLI does: its own role
        from eventstore import roles

        url = roles.as_role(url, roles.CLI)
    return settings.replace(database_url=url, database_name=name)
