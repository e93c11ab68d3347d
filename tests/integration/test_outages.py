"""Writes never hang, lie or race when the worker or Temporal is away.

The first test waits out a timeout longer than the server's own long-poll for an update's
result (about 20 s): before the fix such a wait never returned."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import Client

import bootstrap
from application.errors import OutcomeUnknown, ServiceUnavailable
from application.plans import PlanService
from domain.events import plan_stream
from eventstore.store import PostgresEventStore
from tests.support import scenario
from tests.support.keys import TEST_ID_KEY

pytestmark = [pytest.mark.integration]


async def test_no_worker_means_outcome_unknown_within_the_timeout_then_a_retry_applies_once(
        temporal_client: Client, store: PostgresEventStore, plan_id: str) -> None:
    queue = f"no-worker-{uuid.uuid4().hex[:8]}"
    timeout = 22.0  # longer than the server's long-poll: the case that used to hang
    service = PlanService(temporal_client, store, queue, timedelta(seconds=timeout),
                          digest_key=TEST_ID_KEY)
    opening = scenario.opening(plan_id)

    started = time.monotonic()
    with pytest.raises(OutcomeUnknown) as unknown:
        await service.open_plan(opening)
    waited = time.monotonic() - started
    assert timeout - 1 < waited < timeout + 5, waited
    assert unknown.value.idempotency_key == opening.command_id
    assert unknown.value.temporal_answers  # Temporal is up: it is the worker that is missing
    assert opening.command_id in str(unknown.value)
    assert await store.stream_version(plan_stream(plan_id)) == 0

    # A worker comes up; the retry with the same key applies the opening once, and the plan
    # takes the next command at once.
    async with bootstrap.worker(temporal_client, store, queue, digest_key=TEST_ID_KEY):
        retried = await service.open_plan(opening)
        registered = await service.register_candidate(plan_id,
                                                      scenario.registrations(plan_id)[0])
    assert [e.event_type for e in retried.events] == ["PlanOpened", "PlanTermClaimed"]
    assert registered.event_types == ["CandidateRegistered", "EligibilityChecked"]
    assert await store.stream_version(plan_stream(plan_id)) == 1


@pytest.fixture
async def frozen_port() -> AsyncIterator[int]:
    """A listener that accepts connections and never answers: a frozen server."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()


@pytest.mark.parametrize("where", ["refused", "frozen"])
async def test_temporal_out_of_reach_is_one_clear_error_and_nothing_is_written(
        store: PostgresEventStore, plan_id: str, frozen_port: int, where: str) -> None:
    address = "127.0.0.1:9" if where == "refused" else f"127.0.0.1:{frozen_port}"

    async def connect() -> Client:
        return await Client.connect(address)

    service = PlanService(connect, store, "unused", timedelta(seconds=30), digest_key=TEST_ID_KEY)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as down:
        await service.open_plan(scenario.opening(plan_id))
    assert time.monotonic() - started < 12
    assert down.value.service == "Temporal"
    assert "Temporal" in str(down.value) and "Traceback" not in str(down.value)
    assert await store.stream_version(plan_stream(plan_id)) == 0
