"""How long a person waits for the command line before it does anything, and for a command
that reads one stream from PostgreSQL: the median wall time of whole processes, beside a bare
Python interpreter started the same way (the floor under any Python command line)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.report import Metric

ROOT = Path(__file__).resolve().parents[1]


def _median_ms(args: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs + 1):  # the first run warms the file cache, untimed
        started = time.perf_counter()
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                              check=False, timeout=120)
        times.append((time.perf_counter() - started) * 1000)
        if done.returncode != 0:  # a figure of a failing command measures nothing
            raise RuntimeError(f"{' '.join(args[2:])} failed: {done.stdout}{done.stderr}")
    return statistics.median(times[1:])


def measure(database_url: str, stream_id: str, runs: int = 7) -> list[Metric]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHANSU_")}
    env.update({"DATABASE_URL": database_url, "TEMPORAL_ADDRESS": "127.0.0.1:9",
                "NHANSU_LOG_LEVEL": "WARNING", "NHANSU_TOKEN_FILE": "/nonexistent"})
    bare = _median_ms([sys.executable, "-c", "pass"], env, runs)
    cli = [sys.executable, "-m", "cli"]
    help_ms = _median_ms([*cli, "--help"], env, runs)
    read_ms = _median_ms([*cli, "audit", "verify", "--stream", stream_id, "--json"], env, runs)
    note = (f"median of {runs} whole processes after one untimed run; the ceiling column is a "
            "bare `python -c pass` started the same way. The read connects to PostgreSQL, "
            "authenticates as the operator, verifies one 200-event stream's hash chain and its "
            "checkpoint coverage, and prints JSON.")
    return [
        Metric(key="cli_help_ms", title="CLI start-up: nhansu --help", unit="ms", ours=help_ms,
               ceiling=bare, at_most=500, note=note),
        Metric(key="cli_read_ms", title="CLI read: nhansu audit verify --stream (one stream)",
               unit="ms", ours=read_ms, ceiling=bare, at_most=500, note=note),
    ]
