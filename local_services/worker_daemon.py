"""The worker as a background process, for `nhansu services start`: with it running, every
CLI command that changes a plan is answered without a second terminal."""

from __future__ import annotations

import sys
import time

from local_services.processes import DetachedProcess, ProcessError, alive
from local_services.status import ServiceStatus
from settings import PROJECT_ROOT, Settings

WORKER_SCRIPT = PROJECT_ROOT / "worker.py"
READY_LINE = "worker started"
READY_TIMEOUT_SECONDS = 60.0


def _process(settings: Settings) -> DetachedProcess:
    return DetachedProcess(name="worker", directory=settings.data_dir.expanduser().resolve(),
                           marker=str(WORKER_SCRIPT))


def start(settings: Settings) -> tuple[int, bool]:
    """Start the worker unless it runs; return its pid and whether it was already running."""
    process = _process(settings)
    with process.lock():
        pid = process.pid()
        if pid is not None:
            return pid, True
        offset = process.log_path.stat().st_size if process.log_path.exists() else 0
        pid = process.spawn([sys.executable, str(WORKER_SCRIPT)])
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if not alive(pid):
            raise ProcessError(f"worker dừng ngay khi khởi động{process.log_tail()}")
        with process.log_path.open("rb") as log:
            log.seek(offset)
            if READY_LINE.encode() in log.read():
                return pid, False
        time.sleep(0.2)
    raise ProcessError(f"worker chưa sẵn sàng sau {READY_TIMEOUT_SECONDS:.0f} giây"
                       f"{process.log_tail()}")


def stop(settings: Settings) -> bool:
    return _process(settings).stop(grace=15.0)


def status(settings: Settings) -> ServiceStatus:
    process = _process(settings)
    pid = process.pid()
    return ServiceStatus(name="worker", running=pid is not None, pid=pid,
                         log=str(process.log_path))
