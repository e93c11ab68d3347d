"""Long-running helper processes started detached: the Temporal dev server and the worker.

Each runs in its own session so it outlives the command that started it, with a pid file and
a log in the data dir. A pid file alone is not trusted: pids are reused, so a process is
ours only if its command line still carries the marker it was started with."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# Popen handles of processes this process started: polling them reaps an exited child, which
# would otherwise linger as a zombie that still answers os.kill(pid, 0).
_children: dict[int, subprocess.Popen[bytes]] = {}


class ProcessError(RuntimeError):
    """A background process (the worker, a dev server) did not start or stop (in Vietnamese)."""


@dataclass(frozen=True)
class DetachedProcess:
    name: str
    directory: Path  # holds <name>.pid, <name>.log and <name>.lock
    marker: str  # an argument only our process has on its command line

    @property
    def pid_path(self) -> Path:
        return self.directory / f"{self.name}.pid"

    @property
    def log_path(self) -> Path:
        return self.directory / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid in the pid file if that process is alive and is ours, else None."""
        try:
            pid = int(self.pid_path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if not alive(pid):
            return None
        with contextlib.suppress(OSError):
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if self.marker.encode() not in args:
                return None
        return pid

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        # Two commands starting at once must not launch two processes on one state.
        private_directory(self.directory)
        with (self.directory / f"{self.name}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def spawn(self, args: Sequence[str], env: dict[str, str] | None = None) -> int:
        """Start the process (call under lock, after checking pid() is None)."""
        if self.marker not in args:
            raise ProcessError(f"{self.name}: dòng lệnh phải chứa {self.marker!r}")
        # The log and whatever the child creates (temporal.db) hold personal data in the
        # clear or decryptable with the key beside them: readable by their owner only.
        descriptor = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(descriptor, 0o600)  # a log made world-readable by an older version
        with os.fdopen(descriptor, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(args)}\n".encode())
            log.flush()
            child = subprocess.Popen(list(args), stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, cwd=self.directory, env=env,
                                     start_new_session=True, umask=0o077)
        _children[child.pid] = child
        self.pid_path.write_text(f"{child.pid}\n")
        return child.pid

    def stop(self, grace: float) -> bool:
        """SIGTERM, then SIGKILL if it lingers. False if it was not running."""
        with self.lock():
            pid = self.pid()
            if pid is None:
                self.pid_path.unlink(missing_ok=True)
                return False
            for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
                if wait_exit(pid, wait):
                    self.pid_path.unlink(missing_ok=True)
                    return True
            raise ProcessError(f"{self.name} (pid {pid}) vẫn chạy sau SIGKILL")

    def log_tail(self, lines: int = 30) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 16_384))
                tail = log.read().decode(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n" + "\n".join(tail) if tail else ""


def private_directory(path: Path) -> None:
    """``path`` (and missing parents) readable by its owner only: 0700, or 0711 as root, where
    the embedded PostgreSQL runs as another system user that must traverse it to its own
    pgdata (which is 0700 and that user's). Files inside keep their own, owner-only modes."""
    path.mkdir(parents=True, exist_ok=True)
    wanted = 0o711 if os.geteuid() == 0 else 0o700
    with contextlib.suppress(OSError):  # not ours to change: leave it as the owner set it
        if path.stat().st_uid == os.geteuid() and path.stat().st_mode & 0o777 != wanted:
            path.chmod(wanted)


def private_file(path: Path) -> None:
    """An existing file made owner-only (0600), e.g. temporal.db from an older version."""
    with contextlib.suppress(FileNotFoundError):
        path.chmod(0o600)


def alive(pid: int) -> bool:
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


def wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            _children.pop(pid, None)
            return True
        time.sleep(0.1)
    return False
