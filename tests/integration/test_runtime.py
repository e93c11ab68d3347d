"""The embedded servers start once, are reused, stop cleanly and keep their data across restarts.

Each test gets its own data dir and ports, and stops what it started.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from local_services import postgres, services, temporal_dev
from settings import Settings

pytestmark = pytest.mark.integration

PLAN_PHASE = SearchAttributeKey.for_keyword("PlanPhase")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    # From an explicit mapping, never the process environment: a developer's DATABASE_URL
    # cannot leak in.
    return Settings.from_environment(
        {
            "NHANSU_DATA_DIR": str(data_dir),
            "NHANSU_TEMPORAL_DEV_PORT": free_port(),
            "NHANSU_TEMPORAL_DEV_UI_PORT": free_port(),
            **overrides,
        }
    )


@pytest.fixture
def settings() -> Iterator[Settings]:
    # Not under tmp_path: every pytest session that starts (another engineer's, CI's) chmods
    # /tmp/pytest-of-<user> back to 0700, and as root postgres runs as another user that then
    # can no longer reach its data directory.
    data_dir = Path(tempfile.mkdtemp(prefix="nhansu-runtime-"))
    settings = make_settings(data_dir)
    try:
        yield settings
    finally:
        services.stop_all(settings)
        shutil.rmtree(data_dir, ignore_errors=True)


async def fetchval(url: str, query: str) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def test_postgres_is_reused_stops_and_keeps_its_data(settings: Settings) -> None:
    server = postgres.ensure_running(settings)
    assert postgres.ensure_running(settings) == server
    assert await fetchval(server, "SELECT 1") == 1
    assert postgres.status(settings).running

    app_db = await services.database_url(settings, start=True)
    assert app_db.startswith(f"postgresql://postgres:@/{settings.database_name}?host=")
    assert await services.database_url(settings) == app_db  # the database exists now
    conn = await asyncpg.connect(app_db)
    await conn.execute("CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (42)")
    await conn.close()

    assert postgres.stop(settings) is True
    assert postgres.status(settings).running is False
    assert postgres.stop(settings) is False
    # Only `services start` and the demo start a stopped server: anything else says it is down.
    with pytest.raises(services.ServiceDown) as down:
        await services.database_url(settings)
    assert down.value.service == "PostgreSQL" and postgres.status(settings).running is False

    assert postgres.ensure_running(settings) == server
    assert await fetchval(await services.database_url(settings), "SELECT id FROM survivor") == 42


async def test_temporal_is_reused_stops_and_keeps_its_workflows(settings: Settings) -> None:
    address = await temporal_dev.ensure_running(settings)
    assert address == f"127.0.0.1:{settings.temporal_dev_port}"
    first_pid = temporal_dev.status(settings).pid
    assert await services.temporal_address(settings) == address
    assert temporal_dev.status(settings).pid == first_pid

    workflow_id = f"plan-{uuid.uuid4()}"
    client = await Client.connect(address, namespace=settings.temporal_namespace)
    # No worker: the execution just waits, which is all a persistence check needs. Setting
    # PlanPhase also proves the search attribute was registered.
    await client.start_workflow(
        "NoSuchWorkflow",
        id=workflow_id,
        task_queue=f"no-worker-{uuid.uuid4()}",
        search_attributes=TypedSearchAttributes([SearchAttributePair(PLAN_PHASE, "draft")]),
    )

    assert temporal_dev.stop(settings) is True
    status = temporal_dev.status(settings)
    assert (status.running, status.pid) == (False, None)
    assert temporal_dev.stop(settings) is False
    with pytest.raises(services.ServiceDown) as down:
        await services.temporal_address(settings)
    assert down.value.service == "Temporal" and temporal_dev.status(settings).pid is None

    await temporal_dev.ensure_running(settings)
    assert temporal_dev.status(settings).pid not in (None, first_pid)
    client = await Client.connect(address, namespace=settings.temporal_namespace)
    described = await client.get_workflow_handle(workflow_id).describe()
    assert described.status == WorkflowExecutionStatus.RUNNING
    assert described.typed_search_attributes.get(PLAN_PHASE) == "draft"
    assert await listed(client, f"WorkflowId = '{workflow_id}' AND PlanPhase = 'draft'")
    # Its state and log hold (encrypted) personal data and workflow ids: owner-only.
    assert_private(settings)


def assert_private(settings: Settings) -> None:
    import os
    import stat

    data_dir_mode = stat.S_IMODE(settings.data_dir.stat().st_mode)
    assert data_dir_mode == (0o711 if os.geteuid() == 0 else 0o700), oct(data_dir_mode)
    made = [temporal_dev.db_path(settings), temporal_dev.log_path(settings)]
    assert all(path.exists() for path in made), made
    for path in [*made, *settings.data_dir.glob("temporal.db-*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))


async def listed(client: Client, query: str) -> int:
    for _ in range(50):  # visibility is eventually consistent
        count = (await client.count_workflows(query)).count
        if count:
            return count
        await asyncio.sleep(0.1)
    return 0


async def test_configured_servers_are_used_as_given(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        DATABASE_URL="postgresql://app:secret@db.example:5432/nhansu",
        TEMPORAL_ADDRESS="temporal.example:7233",
    )
    assert await services.database_url(settings) == settings.database_url
    assert await services.temporal_address(settings) == "temporal.example:7233"
    report = services.status(settings)
    assert report["postgres"]["embedded"] is False
    assert "secret" not in str(report["postgres"]["address"])
    assert not (tmp_path / "pgdata").exists()


async def test_temporal_takes_free_ports_when_the_configured_ones_are_taken(
        settings: Settings) -> None:
    """Another checkout's dev server (or any program) on the configured ports must not stop
    the demo: this project's server starts on free ports, remembers them, and every command
    finds it there, also after a restart."""
    with socket.socket() as grpc_taken, socket.socket() as ui_taken:
        grpc_taken.bind(("127.0.0.1", settings.temporal_dev_port))
        grpc_taken.listen()
        ui_taken.bind(("127.0.0.1", settings.temporal_dev_ui_port))
        ui_taken.listen()

        address = await temporal_dev.ensure_running(settings)
        grpc, ui = temporal_dev.ports(settings)
        assert address == f"127.0.0.1:{grpc}"
        assert settings.temporal_dev_port != grpc and settings.temporal_dev_ui_port != ui
        assert await services.temporal_address(settings) == address
        assert temporal_dev.status(settings).running
        await Client.connect(address, namespace=settings.temporal_namespace)

        assert temporal_dev.stop(settings) is True
        assert await temporal_dev.ensure_running(settings) == address  # the same port again


async def test_embedded_processes_connect_as_their_roles_and_an_old_install_is_handed_over(
        settings: Settings) -> None:
    """An install made before the roles existed (its tables the superuser's) is handed over
    to the owner role; migrations run as the owner; the worker connects as nhansu_worker and
    cannot empty the record."""
    from application.operations import migrate
    from eventstore import roles

    server = postgres.ensure_running(settings)
    superuser_db = services._with_database(server, settings.database_name)
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{settings.database_name}"')
    await admin.close()
    old = await asyncpg.connect(superuser_db)
    await old.execute("CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (42)")
    await old.close()

    owner_url = await services.database_url(settings, role=roles.OWNER)
    assert owner_url.startswith(f"postgresql://{roles.OWNER}@/{settings.database_name}?host=")
    await migrate(owner_url)
    assert await fetchval(owner_url, "SELECT id FROM survivor") == 42
    assert await fetchval(owner_url, "SELECT tableowner FROM pg_tables WHERE tablename = "
                                     "'survivor'") == roles.OWNER
    assert await fetchval(owner_url, "SELECT tableowner FROM pg_tables WHERE tablename = "
                                     "'events'") == roles.OWNER

    worker_url = await services.database_url(settings, role=roles.WORKER)
    assert await fetchval(worker_url, "SELECT current_user") == roles.WORKER
    assert await fetchval(worker_url, "SELECT count(*) FROM events") == 0
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await fetchval(worker_url, "TRUNCATE events")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="owner"):
        await fetchval(worker_url, "ALTER TABLE events DISABLE TRIGGER events_append_only")
