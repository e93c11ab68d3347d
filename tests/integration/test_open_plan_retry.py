"""A plan's opening sent again while its first attempt commits: the first attempt's update
waited on a task queue no worker polled, its sender gave up (outcome unknown) and sent it again
with the same command id. The service reads the term stream and the plan's stream in two
statements; when the first attempt committed between them, the retry saw the term held by its
own plan with the plan's stream still empty and was refused as a second plan for the term
(``already_planned``). Found by CI in the web UI's no-worker test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client

import bootstrap
from application.errors import OutcomeUnknown
from application.plans import PlanService
from domain.events import plan_stream
from eventstore.store import PostgresEventStore
from tests.support import scenario
from tests.support.keys import TEST_ID_KEY

pytestmark = pytest.mark.integration


class CommitBetweenReads(PostgresEventStore):
    """The service's store, with one hook: after its first read (whichever it is) ``between``
    runs before the read returns, so whatever ``between`` commits lands between the two reads."""

    def __init__(self, store: PostgresEventStore) -> None:
        super().__init__(store._engine)
        self.between: Callable[[], Awaitable[None]] | None = None

    async def _hook(self) -> None:
        between, self.between = self.between, None
        if between is not None:
            await between()

    async def read_stream(self, stream_id: str, **kwargs: Any) -> Any:
        events = await super().read_stream(stream_id, **kwargs)
        await self._hook()
        return events

    async def read_correlated(self, correlation_id: str, **kwargs: Any) -> Any:
        events = await super().read_correlated(correlation_id, **kwargs)
        await self._hook()
        return events


async def test_a_retried_opening_whose_first_attempt_commits_between_reads_is_answered_once(
        temporal_client: Client, store: PostgresEventStore, task_queue: str) -> None:
    plan_id = f"plan-{uuid.uuid4().hex[:10]}"
    opening = scenario.opening(plan_id)
    racing = CommitBetweenReads(store)
    hasty = PlanService(temporal_client, racing, task_queue, timedelta(seconds=2),
                        digest_key=TEST_ID_KEY)
    with pytest.raises(OutcomeUnknown):  # no worker polls the queue yet
        await hasty.open_plan(opening, now=datetime.now(UTC))
    assert await store.read_correlated(plan_stream(plan_id)) == []

    async with bootstrap.worker(temporal_client, store, task_queue, digest_key=TEST_ID_KEY):
        async def first_attempt_commits() -> None:
            # The worker takes the first attempt's update, still waiting in the workflow.
            for _ in range(600):
                if await store.read_correlated(plan_stream(plan_id)):
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the first attempt was never applied")

        racing.between = first_attempt_commits
        patient = PlanService(temporal_client, racing, task_queue, timedelta(seconds=60),
                              digest_key=TEST_ID_KEY)
        answered = await patient.open_plan(opening, now=datetime.now(UTC))
        assert racing.between is None  # the hook ran: the commit fell between the reads
        assert answered.already_applied
        stored = await store.read_correlated(plan_stream(plan_id))
        assert [e.event_type for e in stored] == ["PlanOpened", "PlanTermClaimed"]
        assert {e.metadata["command_id"] for e in stored} == {opening.command_id}
