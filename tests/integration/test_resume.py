"""A plan whose Temporal workflow was terminated is resumed from its events in PostgreSQL, on a
real dev server: the resumption is recorded (who, why), the plan takes commands again with the
state its events fold to, and goes on to approval."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from application.errors import Rejected, WorkflowGone
from application.plans import PlanService
from domain.events import PlanResumed, plan_stream
from domain.people import Actor, Role
from domain.plan import PlanPhase, fold
from domain.resumption import ResumePlan
from eventstore.store import PostgresEventStore
from reads.plans import plan_events, to_domain
from tests.integration.test_review import appraise
from tests.support import scenario
from tests.support.review import approve
from tests.support.waiting import appraisals_opened, phase_reached
from workflows.messages import plan_workflow_id
from workflows.plan_workflow import PersonnelPlanWorkflow

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]

OPERATOR = Actor(user_id="operator", role=Role.ADMINISTRATOR, organization_id="*")
REASON = "Quy trình bị dừng ngang trên Temporal (sự cố 12/2026); khôi phục từ sổ sự kiện"


def resumption(plan_id: str, key: str, reason: str = REASON) -> ResumePlan:
    return ResumePlan(command_id=key, actor=OPERATOR, plan_id=plan_id, reason=reason)


async def terminate(client: Client, plan_id: str) -> None:
    handle = client.get_workflow_handle(plan_workflow_id(plan_id))
    await handle.terminate(reason="ai đó có quyền vào Temporal")
    assert (await handle.describe()).status is WorkflowExecutionStatus.TERMINATED


async def folded_phase(store: PostgresEventStore, plan_id: str) -> str:
    return fold(to_domain(e) for e in await plan_events(store, plan_id)).phase.value


async def test_a_terminated_plan_is_resumed_from_its_events_and_goes_on_to_approval(
        service: PlanService, store: PostgresEventStore, temporal_client: Client,
        plan_id: str) -> None:
    await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    commands = scenario.all_commands(plan_id)
    half = len(commands) // 2
    for command in commands[:half]:
        await scenario.send(service, plan_id, command)
    await terminate(temporal_client, plan_id)

    # The plan is gone from Temporal: commands are refused, and nothing is written.
    before = await store.read_correlated(plan_stream(plan_id))
    with pytest.raises(WorkflowGone):
        await scenario.send(service, plan_id, commands[half])
    assert await store.read_correlated(plan_stream(plan_id)) == before

    # Bad input is refused naming the field and the rule, and changes nothing.
    with pytest.raises(Rejected) as blank:
        await service.resume(resumption(plan_id, "resume-blank", reason="  "))
    assert [(v.field, v.rule) for v in blank.value.violations] == [("reason",
                                                                    "reason_required")]
    assert await store.read_correlated(plan_stream(plan_id)) == before

    resumed = await service.resume(resumption(plan_id, "resume-1"))
    assert not resumed.already_applied
    assert [e.event_type for e in resumed.events] == ["PlanResumed"]
    recorded = [e for e in await store.read_stream(plan_stream(plan_id))
                if e.event_type == "PlanResumed"]
    assert len(recorded) == 1
    event = to_domain(recorded[0])
    assert isinstance(event, PlanResumed)
    assert (event.actor, event.reason, event.workflow_status) == (OPERATOR, REASON,
                                                                  "terminated")
    assert recorded[0].metadata["actor"] == "operator"

    # The new run's state is the fold of the events: it answers with the same phase, and a
    # command applied before the termination is recognised as a retry, not applied twice.
    handle = temporal_client.get_workflow_handle(plan_workflow_id(plan_id))
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    assert await handle.query(PersonnelPlanWorkflow.phase) == await folded_phase(store,
                                                                                 plan_id)
    count = len(await store.read_correlated(plan_stream(plan_id)))
    await scenario.send(service, plan_id, commands[half - 1])
    assert len(await store.read_correlated(plan_stream(plan_id))) == count

    # Resuming again: the same key is a retry; a new key while the workflow runs is refused.
    again = await service.resume(resumption(plan_id, "resume-1"))
    assert again.already_applied
    with pytest.raises(Rejected) as running:
        await service.resume(resumption(plan_id, "resume-2"))
    assert [(v.field, v.rule) for v in running.value.violations] == [("workflow_status",
                                                                      "workflow_not_gone")]

    for command in commands[half:]:
        await scenario.send(service, plan_id, command)
    state = await phase_reached(store, plan_id, PlanPhase.SUBMITTED)
    listed = [n.nomination_id for n in state.all_listed()]
    await appraisals_opened(store, plan_id, listed, round=1)
    await appraise(service, listed, special={})
    await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)
    await service.decide_on_plan(plan_id, approve("approve-1"), "approve-1")
    await phase_reached(store, plan_id, PlanPhase.APPROVED)
    assert [e.event_type for e in await store.read_stream(plan_stream(plan_id))].count(
        "PlanResumed") == 1


async def test_a_plan_terminated_while_awaiting_approval_is_resumed_and_approved(
        service: PlanService, store: PostgresEventStore, temporal_client: Client,
        plan_id: str) -> None:
    await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    for command in scenario.all_commands(plan_id):
        await scenario.send(service, plan_id, command)
    state = await phase_reached(store, plan_id, PlanPhase.SUBMITTED)
    listed = [n.nomination_id for n in state.all_listed()]
    await appraisals_opened(store, plan_id, listed, round=1)

    await appraise(service, listed, special={})
    await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)
    await terminate(temporal_client, plan_id)
    with pytest.raises(WorkflowGone):
        await service.decide_on_plan(plan_id, approve("approve-early"), "approve-early")

    await service.resume(resumption(plan_id, "resume-awaiting"))
    handle = temporal_client.get_workflow_handle(plan_workflow_id(plan_id))
    assert await handle.query(PersonnelPlanWorkflow.phase) == PlanPhase.AWAITING_APPROVAL.value
    await service.decide_on_plan(plan_id, approve("approve-1"), "approve-1")
    await phase_reached(store, plan_id, PlanPhase.APPROVED)
