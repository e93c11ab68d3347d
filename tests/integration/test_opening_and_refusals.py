"""Opening answers only when the plan takes commands (no race between the opening and the
next command), and a value the database refuses fails the command for good, never the
workflow and never an endless retry."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from temporalio.client import Client

import bootstrap
from application.errors import Rejected
from application.plans import PlanService
from domain.events import plan_stream
from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.support import scenario
from tests.support.databases import backend_names, fresh_database, server_url
from tests.support.keys import TEST_ID_KEY

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]
ROUNDS = 200


async def test_open_then_register_with_no_delay_hundreds_of_times(
        service: PlanService, store: PostgresEventStore) -> None:
    async def one(n: int) -> None:
        plan_id = f"race-{uuid.uuid4().hex[:10]}"
        await service.open_plan(scenario.opening(plan_id))
        # At once: the opening returned only after the workflow folded it.
        result = await service.register_candidate(plan_id, scenario.registrations(plan_id)[0])
        assert result.event_types == ["CandidateRegistered", "EligibilityChecked"], n

    for batch in range(0, ROUNDS, 10):
        await asyncio.gather(*(one(n) for n in range(batch, batch + 10)))


@pytest.fixture
async def refusing_store() -> AsyncIterator[PostgresEventStore]:
    """A database whose events table refuses, by a CHECK the domain does not know, a
    candidate named «TỪ CHỐI»: a value the store cannot keep, which no retry can cure."""
    async with fresh_database(server_url(backend_names()[-1]), "refusing") as url:
        engine = create_engine(url)
        async with engine.begin() as conn:
            # The candidate is kept among the committed values (eventstore/commitments.py).
            await conn.execute(text(
                "ALTER TABLE events ADD CONSTRAINT refuses_a_name CHECK (openings IS NULL OR "
                "convert_from(openings, 'UTF8')::jsonb #>> '{candidate,value,full_name}' "
                "IS DISTINCT FROM 'TỪ CHỐI')"))
        yield PostgresEventStore(engine)
        await engine.dispose()


async def test_a_value_the_store_refuses_fails_the_command_and_the_plan_goes_on(
        temporal_client: Client, refusing_store: PostgresEventStore) -> None:
    queue = f"refusing-{uuid.uuid4().hex[:8]}"
    service = PlanService(temporal_client, refusing_store, queue, timedelta(seconds=30),
                          digest_key=TEST_ID_KEY)
    plan_id = f"refused-{uuid.uuid4().hex[:8]}"
    async with bootstrap.worker(temporal_client, refusing_store, queue, digest_key=TEST_ID_KEY):
        await service.open_plan(scenario.opening(plan_id))
        first, second = scenario.registrations(plan_id)[:2]
        poisoned = dataclasses.replace(first, candidate=dataclasses.replace(
            first.candidate, full_name="TỪ CHỐI"))
        before = await refusing_store.read_correlated(plan_stream(plan_id))
        with pytest.raises(Rejected) as refused:
            async with asyncio.timeout(20):  # not retried forever
                await service.register_candidate(plan_id, poisoned)
        assert refused.value.violations[0].rule == "store_refused_value"
        assert await refusing_store.read_correlated(plan_stream(plan_id)) == before
        # The workflow is as it was and takes the next command.
        result = await service.register_candidate(plan_id, second)
        assert result.event_types == ["CandidateRegistered", "EligibilityChecked"]


async def test_a_retry_answered_under_another_installation_key_is_a_fault_not_a_reused_key(
        temporal_client: Client, store: PostgresEventStore, task_queue: str,
        service: PlanService, plan_id: str) -> None:
    """The worker keeps command digests keyed under its NHANSU_ID_KEY. A front end holding
    another key cannot tell whether a retry has the same content: it says the installation is
    misconfigured (503, naming the key), and neither answers nor refuses the retry."""
    from application.errors import ServiceUnavailable

    opening = scenario.opening(plan_id)
    first = await service.open_plan(opening)
    assert not first.already_applied
    assert (await service.open_plan(opening)).already_applied  # same key: a retry
    elsewhere = PlanService(temporal_client, store, task_queue, timedelta(seconds=30),
                            digest_key=b"another-installation-key-0000000")
    with pytest.raises(ServiceUnavailable, match="NHANSU_ID_KEY"):
        await elsewhere.open_plan(opening)
