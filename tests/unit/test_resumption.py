"""Resuming a plan whose workflow is gone: who, why, and when it is refused (domain rule)."""

from __future__ import annotations

import pytest

from domain.errors import CommandRejected
from domain.events import PlanResumed
from domain.people import Actor, Role
from domain.plan import PlanPhase, PlanState, fold
from domain.resumption import ResumePlan, resume
from tests.support.plans import NOW, cancel, open_plan, registrations
from tests.unit.gwt import given
from tests.unit.test_events import reviewed_plan, whole_plan

OPERATOR = Actor(user_id="operator", role=Role.ADMINISTRATOR, organization_id="*")


def command(reason: str = "Quy trình bị dừng ngang", key: str = "resume-1") -> ResumePlan:
    return ResumePlan(command_id=key, actor=OPERATOR, plan_id="p", reason=reason)


def refused(state: PlanState, cmd: ResumePlan, status: str = "terminated") -> list[tuple[str,
                                                                                          str]]:
    with pytest.raises(CommandRejected) as rejected:
        resume(state, cmd, workflow_status=status, now=NOW)
    return [(v.field, v.rule) for v in rejected.value.violations]


def test_an_open_plan_is_resumed_with_who_and_why_and_its_state_unchanged() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 4)))
    events = resume(state, command(), workflow_status="not_found", now=NOW)
    assert len(events) == 1 and isinstance(events[0], PlanResumed)
    event = events[0]
    assert (event.actor, event.reason, event.workflow_status, event.plan_id) == (
        OPERATOR, "Quy trình bị dừng ngang", "not_found", state.plan_id)
    after = fold(events, state)
    assert after.phase is state.phase and after.nominations == state.nominations
    assert "resume-1" in after.processed_commands


def test_bad_input_names_the_field_and_the_rule() -> None:
    state = given(open_plan(seats=3))
    assert refused(state, command(reason=" ")) == [("reason", "reason_required")]
    assert refused(state, command(reason="x" * 2001)) == [("reason", "max_length")]
    assert refused(state, command(key="")) == [("command_id", "identifier")]
    assert refused(state, command(), status="running") == [("workflow_status",
                                                           "workflow_not_gone")]


def test_a_closed_plan_or_one_under_appraisal_is_not_resumed() -> None:
    assert refused(PlanState(), command()) == [("plan_id", "plan_not_opened")]
    cancelled = given(open_plan(seats=3), cancel())
    assert refused(cancelled, command()) == [("plan_id", "plan_closed")]
    approved = fold(reviewed_plan())
    assert approved.phase in (PlanPhase.APPROVED, PlanPhase.REJECTED)
    assert refused(approved, command()) == [("plan_id", "plan_closed")]
    submitted = fold(whole_plan())
    assert submitted.phase is PlanPhase.SUBMITTED
    assert refused(submitted, command()) == [("plan_id", "resume_during_appraisal")]
