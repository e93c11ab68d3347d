"""Nothing lost, nothing doubled: a worker killed between commands, and a worker killed
after committing an append but before telling Temporal, leave exactly the events an
uninterrupted run leaves."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from temporalio.client import Client

from application.plans import PlanService
from domain.events import plan_stream
from eventstore.store import PostgresEventStore
from tests.support import scenario
from tests.support.databases import REPO_ROOT
from tests.support.keys import TEST_ID_KEY

pytestmark = pytest.mark.integration

# Long enough for Temporal to notice a dead worker and retry its task on another.
UPDATE_TIMEOUT = timedelta(seconds=90)


class WorkerProcess:
    """tests/support/worker_process.py in a process of its own, killable."""

    started: ClassVar[list[WorkerProcess]] = []

    def __init__(self, database_url: str, temporal: str, task_queue: str,
                 crash_marker: Path | None = None) -> None:
        args = [sys.executable, "-m", "tests.support.worker_process",
                "--database-url", database_url, "--temporal", temporal,
                "--task-queue", task_queue]
        if crash_marker is not None:
            args += ["--crash-after-commit", str(crash_marker)]
        self.process = subprocess.Popen(args, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
                                        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        WorkerProcess.started.append(self)

    async def ready(self) -> None:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), 60)
        assert line.strip() == "worker ready", line

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    async def exited(self) -> int:
        return await asyncio.wait_for(asyncio.to_thread(self.process.wait), 60)


@pytest.fixture(autouse=True)
def no_worker_left_behind() -> Iterator[None]:
    """A failing test must not leave its worker processes polling the dev server."""
    yield
    while WorkerProcess.started:
        WorkerProcess.started.pop().kill()


async def fingerprint(store: PostgresEventStore,
                      plan_id: str) -> tuple[Counter[str], dict[str, int]]:
    """What the run left: how many events of each type, and each stream's length, with the
    plan's own id, and its nominations' ids (UUIDs made from it), taken out so two runs
    compare: candidate i's stream is "nomination-n{i}" in both."""
    candidates = {scenario.nomination(plan_id, i): f"n{i:02d}"
                  for i in [*scenario.INCUMBENTS, *scenario.FIRST_TIME]}

    def stream(stream_id: str) -> str:
        kind, _, rest = stream_id.partition("-")
        if kind == "nomination":
            assert rest in candidates, stream_id  # no nomination outside the scenario
            return f"nomination-{candidates[rest]}"
        return stream_id.replace(plan_id, "PLAN")

    events = await store.read_correlated(plan_stream(plan_id))
    types = Counter(e.event_type for e in events)
    lengths = Counter(stream(e.stream_id) for e in events)
    return types, dict(lengths)


async def test_killed_workers_lose_and_double_nothing(
        temporal_client: Client, store: PostgresEventStore, database_url: str,
        tmp_path: Path) -> None:
    address = temporal_client.service_client.config.target_host
    commands = scenario.all_commands("x")  # only to size the run
    half = len(commands) // 2

    # The reference: the whole plan, no interruption.
    reference_id = f"plan-ref-{uuid.uuid4().hex[:8]}"
    queue = f"crash-ref-{uuid.uuid4().hex[:8]}"
    calm = WorkerProcess(database_url, address, queue)
    await calm.ready()
    service = PlanService(temporal_client, store, queue, UPDATE_TIMEOUT, digest_key=TEST_ID_KEY)
    await service.open_plan(scenario.opening(reference_id), now=datetime.now(UTC))
    for command in scenario.all_commands(reference_id):
        await scenario.send(service, reference_id, command)
    calm.kill()

    # The same plan with two workers killed on the way.
    plan_id = f"plan-crash-{uuid.uuid4().hex[:8]}"
    queue = f"crash-{uuid.uuid4().hex[:8]}"
    service = PlanService(temporal_client, store, queue, UPDATE_TIMEOUT, digest_key=TEST_ID_KEY)
    first = WorkerProcess(database_url, address, queue)
    await first.ready()
    await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    commands = scenario.all_commands(plan_id)
    for command in commands[:half]:
        await scenario.send(service, plan_id, command)
    first.kill()  # between two commands, mid-plan

    marker = tmp_path / "crash-on-next-append"
    marker.touch()
    second = WorkerProcess(database_url, address, queue, crash_marker=marker)
    await second.ready()
    in_flight = asyncio.create_task(scenario.send(service, plan_id, commands[half]))
    assert await second.exited() == 137  # died right after its append committed
    assert not marker.exists()
    committed = await store.read_correlated(plan_stream(plan_id))

    third = WorkerProcess(database_url, address, queue)
    await third.ready()
    await in_flight  # the retried append found its events and wrote nothing twice
    assert await store.read_correlated(plan_stream(plan_id)) == committed
    for command in commands[half + 1:]:
        await scenario.send(service, plan_id, command)
    third.kill()

    assert await fingerprint(store, plan_id) == await fingerprint(store, reference_id)
    report = await store.verify()
    assert report.ok, report.first_broken
