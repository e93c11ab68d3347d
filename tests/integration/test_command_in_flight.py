"""A command answered from the store while the plan's workflow has not yet folded it (its
append committed, the activity's answer lost or late: a worker killed, PostgreSQL or Temporal
restarted) must not make the next command be refused for a state about to change. Found by the
chaos suite: step 3 answered as recorded, step 4 refused with step_order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio import activity
from temporalio.client import Client

import bootstrap
from activities.event_store import EventStoreActivities
from activities.messages import AppendRequest, AppendResult
from application.plans import PlanService
from domain.commands import RecordConferenceResult
from domain.events import plan_stream
from eventstore.store import PostgresEventStore
from tests.support import scenario
from tests.support.keys import TEST_ID_KEY

pytestmark = pytest.mark.integration


class StallingAppends(EventStoreActivities):
    """Appends as the service does, then, while ``stall`` is set, holds its answer back."""

    def __init__(self, store: PostgresEventStore) -> None:
        super().__init__(store, digest_key=TEST_ID_KEY)
        self.stall = False
        self.stalled = asyncio.Event()
        self.release = asyncio.Event()

    @activity.defn(name="append_events")
    async def append_events(self, request: AppendRequest) -> AppendResult:
        result = await super().append_events(request)
        if self.stall:
            self.stalled.set()
            await self.release.wait()
        return result


@pytest.fixture
async def stalling(temporal_client: Client, store: PostgresEventStore,
                   task_queue: str) -> AsyncIterator[StallingAppends]:
    appends = StallingAppends(store)
    async with bootstrap.worker(temporal_client, store, task_queue, activities=appends,
                                digest_key=TEST_ID_KEY):
        yield appends


async def test_the_next_command_waits_for_the_one_answered_from_the_store(
        temporal_client: Client, store: PostgresEventStore, task_queue: str,
        stalling: StallingAppends) -> None:
    plan_id = f"plan-{uuid.uuid4().hex[:10]}"
    patient = PlanService(temporal_client, store, task_queue, timedelta(seconds=60),
                          digest_key=TEST_ID_KEY)
    hasty = PlanService(temporal_client, store, task_queue, timedelta(seconds=2),
                        digest_key=TEST_ID_KEY)
    await patient.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    for command in scenario.registrations(plan_id):
        await scenario.send(patient, plan_id, command)
    first, second = [c for c in scenario.conferences(plan_id)
                     if isinstance(c, RecordConferenceResult)][:2]
    assert (first.step, second.step) == (1, 2)

    stalling.stall = True
    # Step 1's events are stored, its workflow waits for the append's answer: the client
    # gives up waiting and is answered from the store.
    answered = await scenario.send_result(hasty, plan_id, first)
    assert stalling.stalled.is_set() and answered.events
    # Step 2 now: before the fix the validator judged it against the unfolded state and
    # refused it with step_order; now it waits for step 1 and is decided after it.
    second_sent = asyncio.create_task(scenario.send_result(patient, plan_id, second))
    await asyncio.sleep(1.0)
    assert not second_sent.done()
    stalling.stall = False
    stalling.release.set()
    recorded = await asyncio.wait_for(second_sent, 60)
    assert recorded.events and not recorded.already_applied
    recorded_steps = [e.data["step"] for e in await store.read_correlated(plan_stream(plan_id))
                      if e.event_type == "ConferenceResultRecorded"]
    assert recorded_steps == [1, 2]
