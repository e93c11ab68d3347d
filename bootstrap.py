"""The one place that wires concrete adapters together: database, event store, Temporal
client, worker, and the application context the edges use. Entry points (worker.py, the CLI,
the HTTP API, tests) call these; nothing else builds adapters.

Heavy libraries (SQLAlchemy, temporalio, the workflows) are imported where they are first
needed, so a command that only reads starts quickly."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from settings import Settings

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.converter import DataConverter
    from temporalio.worker import Worker

    from activities.event_store import EventStoreActivities
    from application.context import Context
    from application.plans import PlanService
    from eventstore.checkpoints import Signer
    from eventstore.store import PostgresEventStore


def workflows() -> list[type]:
    from workflows.appraisal_workflow import NominationAppraisalWorkflow
    from workflows.congress_workflow import CongressWorkflow
    from workflows.plan_workflow import PersonnelPlanWorkflow

    return [PersonnelPlanWorkflow, NominationAppraisalWorkflow, CongressWorkflow]


def private_directory(path: Any) -> None:
    from local_services.processes import private_directory as make

    make(path)


def payload_keys(settings: Settings) -> str:
    """Configured keys, or for the embedded setup a key made once and kept in the data dir."""
    if settings.payload_keys:
        return settings.payload_keys
    path = settings.data_dir / "payload.key"
    if not path.exists():
        from encryption.codec import new_key_spec

        private_directory(settings.data_dir)
        path.write_text(new_key_spec(), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def id_key(settings: Settings) -> bytes:
    """The key of ids derived from personal data: NHANSU_ID_KEY (base64), or for the embedded
    setup one made once into the data dir, readable by its owner only."""
    import base64
    import secrets

    if settings.id_key:
        return base64.b64decode(settings.id_key)
    path = settings.data_dir / "id.key"
    if not path.exists():
        # The worker needs it as the CLI does (it keys command digests), and they may start
        # together: made whole and linked into place once, as the ledger's key is.
        _create_once(settings.data_dir, path,
                     base64.b64encode(secrets.token_bytes(32)).decode())
    return base64.b64decode(path.read_text(encoding="ascii").strip())


def _create_once(directory: Path, path: Path, content: str) -> None:
    """``path`` in ``directory`` holding ``content``, readable by its owner only, unless a
    process made it first (then theirs wins): never a file half written."""
    private_directory(directory)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    try:
        os.write(descriptor, content.encode("ascii"))
        os.close(descriptor)
        os.link(temporary, path)  # fails if another process made it first: theirs wins
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def ledger_signing_key(settings: Settings) -> str:
    """The configured key that signs ledger checkpoints, or for the embedded setup one made
    once into the data dir (created atomically and readable by its owner only, so that two
    processes starting together agree on one key)."""
    if settings.ledger_signing_key:
        return settings.ledger_signing_key
    path = settings.data_dir / "ledger.key"
    if not path.exists():
        from eventstore.checkpoints import new_signing_key_spec

        _create_once(settings.data_dir, path, new_signing_key_spec())
    return path.read_text(encoding="ascii").strip()


def ledger_signer(settings: Settings) -> Signer:
    from eventstore.checkpoints import Signer

    return Signer.from_spec(ledger_signing_key(settings))


def ledger_public_keys(settings: Settings) -> dict[str, bytes]:
    """The keys a checkpoint may be signed with, for verifying: NHANSU_LEDGER_PUBLIC_KEYS and
    the signing key's own public key, if a signing key is configured or the embedded one
    exists (verifying never makes a key)."""
    from eventstore.checkpoints import Signer, parse_public_keys

    keys = parse_public_keys(settings.ledger_public_keys)
    spec = settings.ledger_signing_key
    path = settings.data_dir / "ledger.key"
    if spec is None and path.exists():
        spec = path.read_text(encoding="ascii").strip()
    if spec:
        signer = Signer.from_spec(spec)
        if keys.setdefault(signer.key_id, signer.public_key) != signer.public_key:
            raise ValueError(f"ledger key {signer.key_id!r}: the public key configured for it "
                             "is not the signing key's")
    return keys


def converter(settings: Settings) -> DataConverter:
    from encryption.converter import data_converter

    return data_converter(payload_keys(settings))


@dataclass
class Database:
    """What a process works with: the URL, the one database handle (``engine``: an
    eventstore.database.Database, which also stands in for a SQLAlchemy engine), the store."""

    url: str
    engine: Any
    store: PostgresEventStore


@asynccontextmanager
async def database(settings: Settings, *, url: str | None = None,
                   notify_projections: bool = False, start: bool = False,
                   long_jobs: bool = False,
                   role: str | None = "nhansu_cli") -> AsyncIterator[Database]:
    """The event store on the configured PostgreSQL (embedded when DATABASE_URL is unset;
    started only with ``start``). With ``notify_projections`` (the worker) every append is
    followed by a NOTIFY that wakes projection runners (reads/models/notify.py). Statements
    are limited to NHANSU_DATABASE_STATEMENT_TIMEOUT, except with ``long_jobs`` (verifying,
    exporting, rebuilding: minutes at national scale). ``role``: who the process is on the
    embedded server (eventstore.roles: the CLI by default, the worker, the API, the owner
    for migrations)."""
    from eventstore.database import Database as Handle
    from eventstore.store import PostgresEventStore
    from local_services import services

    # On the embedded server the process connects as its role (eventstore/roles.py); under
    # DATABASE_URL the URL names it (each process is given its own).
    resolved = url or await services.database_url(settings, start=start, role=role)
    # One handle: an asyncpg pool for every statement, a SQLAlchemy engine made only for
    # what needs one (migrations, the read models' runner, the sealer).
    engine: Any = Handle(
        resolved, connect_timeout=settings.database_connect_timeout_seconds,
        command_timeout=None if long_jobs else settings.database_statement_timeout_seconds)
    if notify_projections:
        from reads.models.notify import NotifyingEventStore

        store: PostgresEventStore = NotifyingEventStore(engine)
    else:
        store = PostgresEventStore(engine)
    try:
        yield Database(url=resolved, engine=engine, store=store)
    finally:
        aclose = getattr(store, "aclose", None)
        if aclose is not None:
            await aclose()
        await engine.dispose()


@asynccontextmanager
async def projector(settings: Settings, db: Database) -> AsyncIterator[asyncio.Task[None]]:
    """The read models' runner (plans, nominations, structure) as a background task of this
    process: LISTEN for new events, poll every ``projection_poll_seconds``. One runner per
    set works at a time (others stand by); cancelled, and its connection closed, on exit."""
    from reads.models import runner as projection_runner
    from reads.models.sets import read_models

    task = asyncio.create_task(projection_runner.run(
        db.engine, db.store, read_models(), poll_seconds=settings.projection_poll_seconds),
        name="projections")
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def temporal_client(settings: Settings, *, address: str | None = None,
                          start: bool = False) -> Client:
    from temporalio.client import Client

    from local_services import services
    from telemetry import temporal_runtime, tracing_interceptors

    target = address or await services.temporal_address(settings, start=start)
    tls = temporal_tls(settings)
    return await Client.connect(target, namespace=settings.temporal_namespace,
                                data_converter=converter(settings), tls=tls,
                                api_key=temporal_api_key(settings, tls=tls is not False),
                                interceptors=tracing_interceptors(settings),
                                runtime=temporal_runtime(settings))


def temporal_api_key(settings: Settings, *, tls: bool) -> str | None:
    """The caller's token for Temporal's authorizer, from NHANSU_TEMPORAL_API_KEY_FILE; refused
    without mTLS (it would travel in the clear), or when the file is missing or empty."""
    from settings import SettingsError

    path = settings.temporal_api_key_file
    if path is None:
        return None
    name = "NHANSU_TEMPORAL_API_KEY_FILE"
    if not tls:
        raise SettingsError(name, "api_key_without_tls",
                            "mã truy cập Temporal chỉ gửi qua mTLS; đặt cả NHANSU_TEMPORAL_TLS_CA,"
                            " NHANSU_TEMPORAL_TLS_CERT và NHANSU_TEMPORAL_TLS_KEY")
    try:
        token = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(name, "readable_file",
                            f"không đọc được tệp mã truy cập Temporal «{path}»: "
                            f"{type(exc).__name__}") from None
    if token.count(".") != 2:
        raise SettingsError(name, "not_a_token",
                            f"tệp «{path}» không chứa một mã JWT (nhansu temporal-tokens)")
    return token


def temporal_tls(settings: Settings) -> Any:
    """mTLS to the Temporal frontend when configured (all three files), else False. Half a
    configuration is refused naming what is missing: falling back to plain gRPC would fail
    later and less clearly, or not at all against a server that does not require it."""
    from settings import SettingsError

    files = {"NHANSU_TEMPORAL_TLS_CA": settings.temporal_tls_ca,
             "NHANSU_TEMPORAL_TLS_CERT": settings.temporal_tls_cert,
             "NHANSU_TEMPORAL_TLS_KEY": settings.temporal_tls_key}
    given = {name: path for name, path in files.items() if path is not None}
    if not given:
        return False
    missing = sorted(set(files) - set(given))
    if missing:
        raise SettingsError(missing[0], "tls_incomplete",
                            f"mTLS tới Temporal cần đủ CA, chứng chỉ và khóa; thiếu "
                            f"{', '.join(missing)}")
    from temporalio.service import TLSConfig

    contents = {}
    for name, path in given.items():
        try:
            contents[name] = path.read_bytes()
        except OSError as exc:
            raise SettingsError(name, "readable_file",
                                f"không đọc được {path}: {exc.strerror or exc}") from None
    return TLSConfig(server_root_ca_cert=contents["NHANSU_TEMPORAL_TLS_CA"],
                     client_cert=contents["NHANSU_TEMPORAL_TLS_CERT"],
                     client_private_key=contents["NHANSU_TEMPORAL_TLS_KEY"],
                     domain=settings.temporal_tls_server_name)


def worker(client: Client, store: PostgresEventStore, task_queue: str, *, digest_key: bytes,
           activities: EventStoreActivities | None = None) -> Worker:
    """A worker of the plan, appraisal and congress workflows; ``digest_key``: the
    installation's secret the command digests in event metadata are kept under."""
    from temporalio.worker import Worker

    from activities.event_store import EventStoreActivities
    from logs import quiet_temporal_ids
    from workflows.sandbox import workflow_runner

    quiet_temporal_ids()
    activities = activities or EventStoreActivities(store, digest_key=digest_key)
    return Worker(client, task_queue=task_queue, workflows=workflows(),
                  activities=[activities.append_events], workflow_runner=workflow_runner())


@asynccontextmanager
async def context(settings: Settings, *, start: bool = False, long_jobs: bool = False,
                  task_queue: str | None = None,
                  role: str | None = "nhansu_cli") -> AsyncIterator[Context]:
    """What the use cases run with. The database is reached on first use and Temporal only
    when a command is sent, so reading works with Temporal down; neither is started unless
    ``start`` (``services start`` and the demo)."""
    from datetime import timedelta

    from application.context import Context

    async with database(settings, start=start, long_jobs=long_jobs, role=role) as db:
        async def connect() -> Client:
            return await temporal_client(settings, start=start)

        queue = task_queue or settings.temporal_task_queue

        def plans() -> PlanService:
            from application.plans import PlanService

            return PlanService(connect, db.store, queue,
                               timedelta(seconds=settings.update_timeout_seconds),
                               digest_key=key)

        key = id_key(settings)
        yield Context(db=db, plans_source=plans,
                      ledger_public_keys=lambda: ledger_public_keys(settings),
                      ledger_signer=lambda: ledger_signer(settings), task_queue=queue,
                      id_key=key,
                      update_timeout_seconds=settings.update_timeout_seconds)
