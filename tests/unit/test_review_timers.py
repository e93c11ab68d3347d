"""Deadlines of the review: the superior committee is reminded while the plan waits for its
decision, and past the deadline the level above it is told, once a round. Durations are data
("10d", "12h"), parsed by ``duration``."""

from __future__ import annotations

from copy import deepcopy
from datetime import timedelta
from typing import Any

import pytest

import procedures
from domain.approval import Decision, approval_overdue, approval_reminder, conclude_appraisals
from domain.errors import InvalidDefinition
from domain.events import ApprovalOverdue, ApprovalReminderSent, DomainEvent
from domain.people import SYSTEM_ACTOR_ID, Actor, Role
from domain.plan import PlanPhase, PlanState
from domain.procedure import duration, parse_procedure
from domain.serialization import to_data
from tests.support.plans import N04, NOW, conference, open_plan, registrations, submit
from tests.unit.gwt import given, types, when
from tests.unit.review import (
    FIRST_TIME,
    SUPERIOR,
    appraised,
    awaiting_approval,
    decision,
    opened_appraisals,
    sending_back,
    small_plan,
)

pytestmark = pytest.mark.unit

SYSTEM = Actor(user_id=SYSTEM_ACTOR_ID, role=Role.SYSTEM, organization_id=SUPERIOR)
LATER = NOW + timedelta(days=14)


@pytest.fixture
def awaiting() -> PlanState:
    return awaiting_approval(small_plan())


def reminders(state: PlanState, count: int) -> tuple[PlanState, list[DomainEvent]]:
    sent: list[DomainEvent] = []
    for _ in range(count):
        events = approval_reminder(state, now=NOW)
        sent.extend(events)
        state = given(events, state=state)
    return state, sent


# --- reminders ---------------------------------------------------------------------------------
def test_the_superior_committee_is_reminded(awaiting: PlanState) -> None:
    events = approval_reminder(awaiting, now=NOW)

    assert events == [ApprovalReminderSent(
        plan_id="plan-1", occurred_at=NOW, actor=SYSTEM, command_id="approval-r1-reminder-1",
        round=1, number=1)]
    assert given(events, state=awaiting).approval_reminders == 1


def test_reminders_are_numbered(awaiting: PlanState) -> None:
    state, sent = reminders(awaiting, 3)

    assert [(e.number, e.command_id) for e in sent if isinstance(e, ApprovalReminderSent)] == [
        (1, "approval-r1-reminder-1"), (2, "approval-r1-reminder-2"),
        (3, "approval-r1-reminder-3")]
    assert state.approval_reminders == 3


def test_reminders_go_on_after_the_deadline(awaiting: PlanState) -> None:
    state, _ = reminders(awaiting, 2)
    state = given(approval_overdue(state, now=LATER), state=state)

    events = approval_reminder(state, now=LATER)

    assert [e.number for e in events if isinstance(e, ApprovalReminderSent)] == [3]


# --- the deadline --------------------------------------------------------------------------------
def test_past_the_deadline_the_level_above_is_told_once(awaiting: PlanState) -> None:
    events = approval_overdue(awaiting, now=LATER)

    assert events == [ApprovalOverdue(
        plan_id="plan-1", occurred_at=LATER, actor=SYSTEM, command_id="approval-r1-deadline",
        round=1, escalated_to=f"cấp trên của {SUPERIOR}")]
    state = given(events, state=awaiting)
    assert state.approval_escalated
    assert state.phase is PlanPhase.AWAITING_APPROVAL  # the decision is still awaited
    assert approval_overdue(state, now=LATER + timedelta(days=1)) == []


def test_the_superior_committee_still_decides_after_the_deadline(awaiting: PlanState) -> None:
    state = given(approval_overdue(awaiting, now=LATER), state=awaiting)

    assert types(when(state, decision(Decision.REJECT), now=LATER)) == [
        "PlanRejected", "PlanTermReleased"]


def plan_in(phase: str) -> PlanState:
    if phase == "open":
        return given(open_plan(seats=3), *registrations(incumbents=[1, 2, 3], first_time=[4]))
    if phase == "submitted":
        state = small_plan()
        return given(opened_appraisals(state), state=state)
    if phase == "appraised":  # every appraisal complete, not yet concluded
        return appraised(small_plan())
    state = awaiting_approval(small_plan())
    command = {"approved": decision(Decision.APPROVE), "rejected": decision(Decision.REJECT),
               "sent back": sending_back(3, FIRST_TIME, N04)}[phase]
    return given(command, state=state)


@pytest.mark.parametrize("phase", ["open", "submitted", "appraised", "approved", "rejected",
                                   "sent back"])
def test_no_reminder_and_no_escalation_unless_awaiting_approval(phase: str) -> None:
    state = plan_in(phase)
    assert state.phase is not PlanPhase.AWAITING_APPROVAL

    assert approval_reminder(state, now=LATER) == []
    assert approval_overdue(state, now=LATER) == []


def test_a_new_round_has_its_own_reminders_and_deadline(awaiting: PlanState) -> None:
    state, _ = reminders(awaiting, 2)
    state = given(approval_overdue(state, now=LATER), sending_back(5, FIRST_TIME, N04),
                  conference(5, FIRST_TIME, {N04: 12}, command_id="r2-step-5"),
                  submit("submit-2"), state=state)
    state = appraised(state)
    state = given(conclude_appraisals(state, now=LATER), state=state)
    assert (state.phase, state.round) == (PlanPhase.AWAITING_APPROVAL, 2)
    assert (state.approval_reminders, state.approval_escalated) == (0, False)

    reminded = approval_reminder(state, now=LATER)
    overdue = approval_overdue(state, now=LATER)

    assert [(e.round, e.number, e.command_id) for e in reminded
            if isinstance(e, ApprovalReminderSent)] == [(2, 1, "approval-r2-reminder-1")]
    assert [(e.round, e.command_id) for e in overdue if isinstance(e, ApprovalOverdue)] == [
        (2, "approval-r2-deadline")]


# --- durations -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value"), [
    ("10d", timedelta(days=10)), ("12h", timedelta(hours=12)),
    ("30m", timedelta(minutes=30)), ("45s", timedelta(seconds=45)),
    ("1d", timedelta(days=1)), ("365d", timedelta(days=365)),
])
def test_a_duration(text: str, value: timedelta) -> None:
    assert duration(text) == value


@pytest.mark.parametrize("text", [
    "", "d", "10", "0d", "00h", "-1d", "+1d", "1.5d", "10w", "10D", "10 d", " 10d", "10d ",
    "ten d", "1e3s", "²d", "١٠d", "d10",
])
def test_a_malformed_duration_is_refused(text: str) -> None:
    with pytest.raises(InvalidDefinition, match="không phải thời hạn"):
        duration(text)


@pytest.mark.parametrize("procedure_id", ["directive-35-2019", "directive-45-2025"])
def test_the_directives_review_deadlines(procedure_id: str) -> None:
    d = procedures.load(procedure_id)

    assert (duration(d.appraisal.deadline), duration(d.appraisal.reminder_every)) == (
        timedelta(days=10), timedelta(days=3))
    assert (duration(d.approval.deadline), duration(d.approval.reminder_every)) == (
        timedelta(days=14), timedelta(days=5))


@pytest.mark.parametrize(("section", "key"), [
    ("appraisal", "deadline"), ("appraisal", "reminder_every"),
    ("approval", "deadline"), ("approval", "reminder_every"),
])
@pytest.mark.parametrize("text", ["two weeks", "0d", "²d"])
def test_a_definition_with_a_malformed_duration_is_refused(section: str, key: str,
                                                           text: str) -> None:
    data: dict[str, Any] = deepcopy(to_data(procedures.load()))
    data[section][key] = text

    with pytest.raises(InvalidDefinition, match="không phải thời hạn"):
        parse_procedure(data)
