"""Load through the HTTP API, beside bare Temporal, in one run: ``python -m bench.api_load``
(part of ``make bench``).

The whole service as it is deployed on one machine, each part its own process: an embedded
PostgreSQL, the Temporal dev server (SQLite file), the worker (``python worker.py``) and the API
(``nhansu serve --no-worker`` under uvicorn). N plans at once, each driven end to end through
HTTP by its own client (open, import the 19-person list, ten conferences, submit: the
lifecycle of tests/chaos/clients.py), every request timed from send to answer. Then, on the
same PostgreSQL and Temporal server, the command path of bench/command_path.py: a plan's
Update and a bare Temporal Update with one regular activity, 1 and 20 plans at once."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import asyncpg

import bootstrap
from application.operations import migrate
from bench import command_path
from bench.server import asyncpg_dsn
from encryption.converter import data_converter
from eventstore.store import PostgresEventStore
from tests.chaos.clients import Sent, drive, lifecycle
from tests.chaos.stack import Stack
from tests.chaos.test_chaos import users
from tests.support.keys import TEST_PAYLOAD_KEYS


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="nhansu-bench-api-"))
    home.chmod(0o755)  # as root the embedded PostgreSQL runs as its own user
    return home


async def run(plans: int, serial_plans: int) -> None:
    home = _home()
    stack = Stack(home, update_timeout=60.0)
    try:
        await stack.start_services()
        await migrate(stack.database_url)
        async with bootstrap.context(stack.settings) as ctx:
            people = await users(ctx, plans)
            stack.start_worker()
            await stack.start_api()
            await drive(stack.base_url, people[0][2], lifecycle(*people[0][:2])[:1],
                        give_up_after=120)  # warm-up: the first plan's opening, untimed
            started = time.perf_counter()
            results: list[list[Sent]] = await asyncio.gather(*(
                drive(stack.base_url, token, lifecycle(p, o)[1:] if i == 0 else
                      lifecycle(p, o), give_up_after=300)
                for i, (p, o, token) in enumerate(people)))
            seconds = time.perf_counter() - started
            by_op: dict[str, list[float]] = defaultdict(list)
            for sent in (s for plan in results for s in plan):
                operation = sent.request.name.split("-")[0]
                by_op[operation].append(sent.waited * 1000)
            total = sum(len(v) for v in by_op.values())
            print(f"\nAPI load: {plans} plans at once through HTTP, {total} requests in "
                  f"{seconds:.1f} s: {total / seconds:.1f} requests/s, "
                  f"{plans / seconds * 60:.1f} plans/min")
            print(f"{'operation':<12} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
            for operation, values in by_op.items():
                print(f"{operation:<12} {len(values):>4} {pct(values, .5):>8.0f} "
                      f"{pct(values, .95):>8.0f} {pct(values, .99):>8.0f}")
            retried = sum(s.retried for plan in results for s in plan)
            print(f"(requests sent more than once: {retried})")
            stack.kill_worker()

        # The baseline on the same servers: our Update against a bare Temporal Update.
        from temporalio.client import Client

        from eventstore.database import create_engine

        client = await Client.connect(stack.temporal,
                                      data_converter=data_converter(TEST_PAYLOAD_KEYS))
        pool = await asyncpg.create_pool(asyncpg_dsn(stack.database_url), min_size=2,
                                         max_size=10)
        await pool.execute("CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, "
                           "key text UNIQUE NOT NULL)")
        engine = create_engine(stack.database_url)
        try:
            print("\nCommand path on the same servers (Temporal Update to its answer):")
            figures = await command_path.measure(client, PostgresEventStore(engine), pool,
                                                 plans_at_1=serial_plans)
            for line in command_path.ratios(figures):
                print(line)
        finally:
            await pool.close()
            await engine.dispose()
    finally:
        stack.close()
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_load", description=__doc__)
    parser.add_argument("--plans", type=int, default=20, help="plans at once through HTTP")
    parser.add_argument("--serial-plans", type=int, default=3,
                        help="plans one at a time for the command path's serial figures")
    args = parser.parse_args(argv)
    asyncio.run(run(args.plans, args.serial_plans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
