"""The whole service as separate processes the chaos test can break: an embedded PostgreSQL
(its own data directory, reached over a unix socket that survives a restart), the Temporal dev
server on a SQLite file (a restart keeps every workflow), the worker (``python worker.py``)
and the HTTP API (``nhansu serve --no-worker``) under uvicorn. Each can be killed and started
again; every process started here is stopped by ``close``."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from local_services import postgres, temporal_dev
from settings import Settings
from tests.support.databases import REPO_ROOT
from tests.support.keys import TEST_PAYLOAD_KEYS

DATABASE = "nhansu_chaos"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Stack:
    data_dir: Path
    api_port: int = field(default_factory=free_port)
    update_timeout: float = 15.0
    worker: subprocess.Popen[bytes] | None = None
    api: subprocess.Popen[bytes] | None = None
    database_url: str = ""
    temporal: str = ""
    logs: list[Path] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return Settings(
            data_dir=self.data_dir, database_url=self.database_url or None,
            temporal_address=self.temporal or None, payload_keys=TEST_PAYLOAD_KEYS,
            temporal_dev_port=self._ports[0], temporal_dev_ui_port=self._ports[1],
            temporal_task_queue="chaos", update_timeout_seconds=self.update_timeout,
            ledger_checkpoint_interval_seconds=2.0, projection_poll_seconds=0.5)

    def __post_init__(self) -> None:
        self._ports = (free_port(), free_port())
        self._runs = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    # --- PostgreSQL and Temporal ------------------------------------------------------------
    async def start_services(self) -> None:
        from local_services.services import _ensure_database, _with_database

        server = await asyncio.to_thread(postgres.ensure_running, self.settings)
        await _ensure_database(server, DATABASE)
        self.database_url = _with_database(server, DATABASE)
        self.temporal = await temporal_dev.ensure_running(self.settings)

    def stop_postgres(self) -> None:
        postgres.stop(self.settings)

    async def start_postgres(self) -> None:
        await asyncio.to_thread(postgres.ensure_running, self.settings)

    def stop_temporal(self) -> None:
        temporal_dev.stop(self.settings)

    async def start_temporal(self) -> None:
        await temporal_dev.ensure_running(self.settings)

    # --- the worker and the API -------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NHANSU_")}
        env.update({
            "PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": self.database_url,
            "TEMPORAL_ADDRESS": self.temporal, "NHANSU_DATA_DIR": str(self.data_dir),
            "NHANSU_PAYLOAD_KEYS": TEST_PAYLOAD_KEYS, "NHANSU_TASK_QUEUE": "chaos",
            "NHANSU_UPDATE_TIMEOUT": str(self.update_timeout), "NHANSU_LOG_LEVEL": "WARNING",
            "NHANSU_LOG_FORMAT": "json", "NHANSU_LEDGER_CHECKPOINT_SECONDS": "2",
            "NHANSU_PROJECTION_POLL_SECONDS": "0.5",
            "NHANSU_DATABASE_CONNECT_TIMEOUT": "3"})
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        self._runs += 1
        log = self.data_dir / f"{name}-{self._runs}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            return subprocess.Popen([sys.executable, *args], cwd=REPO_ROOT, env=self._env(),
                                    stdout=out, stderr=subprocess.STDOUT)

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", ["worker.py"])

    def kill_worker(self) -> None:
        _kill(self.worker, signal.SIGKILL)
        self.worker = None

    async def start_api(self) -> None:
        self.api = self._spawn("api", ["-m", "cli", "serve", "--no-worker", "--port",
                                       str(self.api_port)])
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.api.poll() is not None:
                    raise RuntimeError(f"the API exited: {self.logs[-1].read_text()[-2000:]}")
                try:
                    if (await client.get("/healthz")).status_code < 500:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError("the API did not answer within 60 s")

    def stop_api(self, how: signal.Signals = signal.SIGKILL) -> None:
        _kill(self.api, how)
        self.api = None

    def close(self) -> None:
        _kill(self.worker, signal.SIGKILL)
        _kill(self.api, signal.SIGKILL)
        temporal_dev.stop(self.settings)
        postgres.stop(self.settings)


def _kill(process: subprocess.Popen[bytes] | None, how: signal.Signals) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(how)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
