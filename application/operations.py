"""Operator use cases: start and stop the embedded services, migrate the database, list the
procedure versions. Only these start services; every other use case finds them running or
says they are down."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
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


@dataclass(frozen=True, kw_only=True)
class TemporalTokens:
    directory: Path
    jwks: Path
    tokens: dict[str, Path]  # caller -> file
    expires_at: datetime


def issue_temporal_tokens(directory: Path, *, namespace: str, now: datetime,
                          valid_for: timedelta, renew: bool = False) -> TemporalTokens:
    """The JWKS the Temporal server reads, a token per caller (identity.temporal_tokens), and
    the signing key that made them. ``renew``: new tokens from the key already there (before
    the old ones expire); without it, an existing key is never replaced."""
    import json
    import os

    from application.errors import Rejected
    from domain.errors import Violation
    from identity import temporal_tokens as tt

    key_file = directory / "temporal-jwt.key"
    if key_file.exists() and not renew:
        # A new key would invalidate every token in use.
        raise Rejected((Violation(
            field="directory", rule="no_signing_key",
            message=f"«{key_file}» đã có khóa ký; khóa mới sẽ làm mọi mã đang dùng mất hiệu "
                    "lực. Dùng --renew để cấp lại mã bằng khóa này, hoặc chọn thư mục khác."),))
    directory.mkdir(parents=True, exist_ok=True, mode=0o750)
    (directory / "jwks").mkdir(exist_ok=True, mode=0o755)
    if key_file.exists():
        key = tt.load_private(key_file.read_bytes())
    else:
        key = tt.new_signing_key()
        _write(key_file, tt.private_pem(key), 0o600)
    document = directory / "jwks" / "jwks.json"
    _write(document, json.dumps(tt.jwks(key.public_key()), indent=2).encode() + b"\n", 0o644)
    tokens = {}
    for caller in tt.CALLERS:
        path = directory / f"{caller.name}.jwt"
        _write(path, tt.mint(key, caller, namespace=namespace, issued_at=now,
                             valid_for=valid_for).encode("ascii"), 0o640)
        tokens[caller.name] = path
    gid = os.environ.get("CERT_GID")
    if gid:  # the containers' users read the tokens through the group, as the certificates
        for path in (directory, *tokens.values()):
            os.chown(path, -1, int(gid))
    return TemporalTokens(directory=directory, jwks=document, tokens=tokens,
                          expires_at=now + valid_for)


def _write(path: Path, data: bytes, mode: int) -> None:
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)  # an existing file keeps its mode through O_CREAT
