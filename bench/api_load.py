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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

import bootstrap
from application.operations import migrate
from bench import command_path
from bench.report import Metric, pct, text_table
from bench.server import asyncpg_dsn
from encryption.converter import data_converter
from eventstore.store import PostgresEventStore
from tests.chaos.clients import Sent, drive, lifecycle
from tests.chaos.stack import Stack
from tests.chaos.test_chaos import users
from tests.support.keys import TEST_PAYLOAD_KEYS


def _home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="nhansu-bench-api-"))
    home.chmod(0o755)  # as root the embedded PostgreSQL runs as its own user
    return home


OPERATIONS = {"open": "lập đề án", "import": "nhập danh sách", "conference": "ghi kết quả hội nghị",
              "submit": "trình cấp trên"}


async def measure(plans: int, serial_plans: int,
                  log: Callable[[str], None] = print) -> tuple[list[Metric], dict[str, Any]]:
    """Both phases on a stack of their own; the figures as bench metrics, and the facts."""
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
            stack.kill_worker()
        by_op: dict[str, list[float]] = defaultdict(list)
        for sent in (s for plan in results for s in plan):
            by_op[sent.request.name.split("-")[0]].append(sent.waited * 1000)
        total = sum(len(v) for v in by_op.values())
        retried = sum(s.retried for plan in results for s in plan)
        log(f"API load: {plans} plans at once through HTTP, {total} requests in {seconds:.1f} s:"
            f" {total / seconds:.1f} requests/s, {plans / seconds * 60:.1f} plans/min "
            f"(requests sent more than once: {retried})")
        metrics = api_metrics(by_op, plans, seconds)
        for metric in metrics:
            log(f"{metric.title}: {_figure(metric)}")

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
            log("command path on the same servers (Temporal Update to its answer):")
            figures = await command_path.measure(client, PostgresEventStore(engine), pool,
                                                 plans_at_1=serial_plans, log=log)
            for line in command_path.ratios(figures):
                log(line)
        finally:
            await pool.close()
            await engine.dispose()
        facts = {"plans": plans, "requests": total, "seconds": round(seconds, 1),
                 "requests_per_second": round(total / seconds, 2),
                 "plans_per_minute": round(plans / seconds * 60, 1),
                 "requests_sent_more_than_once": retried,
                 # the percentiles are the api_* metrics; here, how many of each were sent
                 "requests_per_operation": {op: len(v) for op, v in by_op.items()}}
        return metrics + command_path.metrics(figures), facts
    finally:
        stack.close()
        shutil.rmtree(home, ignore_errors=True)


def api_metrics(by_op: dict[str, list[float]], plans: int, seconds: float) -> list[Metric]:
    """Throughput and p50/p95/p99 per operation of the HTTP load (what each person waited,
    from the first try to the answer)."""
    total = sum(len(v) for v in by_op.values())
    note = (f"{plans} plans at once, each driven by its own HTTP client through the whole "
            "lifecycle (open, import the 19-person list, ten conferences, submit: "
            "tests/chaos/clients.py), every request timed from send to answer; the service as "
            "deployed on one machine, each part its own process: embedded PostgreSQL, the "
            "Temporal dev server (SQLite), `python worker.py`, `nhansu serve --no-worker`. "
            "Submission answers once every listed nomination's appraisal is open.")
    out = [Metric(key="api_requests_per_second",
                  title=f"API, {plans} plans at once: requests answered per second",
                  unit="requests/s", ours=total / seconds, note=note)]
    for op in (o for o in OPERATIONS if o in by_op):
        for q, label in ((0.5, "p50"), (0.95, "p95"), (0.99, "p99")):
            out.append(Metric(key=f"api_{op}_{label}_ms",
                              title=f"API, {plans} plans at once: {op} ({OPERATIONS[op]}), "
                                    f"{label}", unit="ms", ours=pct(by_op[op], q), note=note))
    return out


def _figure(metric: Metric) -> str:
    return f"{metric.ours:,.0f} {metric.unit}" if metric.ours is not None else "n/a"


async def run(plans: int, serial_plans: int) -> None:
    metrics, _ = await measure(plans, serial_plans)
    print(text_table(metrics))


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
