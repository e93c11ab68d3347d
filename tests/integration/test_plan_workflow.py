"""The plan workflow on a real Temporal dev server and a real PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime

import pytest
from temporalio.client import Client

from application.errors import Conflict, PlanNotFound, Rejected
from application.plans import PlanService
from domain.events import plan_stream
from domain.people import CandidateGroup
from domain.plan import NominationStatus, PlanPhase
from eventstore.store import PostgresEventStore
from reads.plans import load_plan
from tests.support import scenario
from tests.support.plans import candidate, register
from tests.support.waiting import appraisals_opened
from workflows.messages import plan_workflow_id
from workflows.plan_workflow import PersonnelPlanWorkflow

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]


async def stored_types(store: PostgresEventStore, plan_id: str) -> Counter[str]:
    return Counter(e.event_type for e in await store.read_correlated(plan_stream(plan_id)))


async def open_and_register(service: PlanService, plan_id: str) -> None:
    await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    for command in scenario.registrations(plan_id):
        await scenario.send(service, plan_id, command)


async def test_a_plan_goes_through_the_five_steps_for_both_groups(
        service: PlanService, store: PostgresEventStore, temporal_client: Client,
        plan_id: str) -> None:
    await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    for command in scenario.all_commands(plan_id):
        await scenario.send(service, plan_id, command)

    state = await load_plan(store, plan_id)
    assert state.phase is PlanPhase.SUBMITTED
    listed = state.listed("committee_member")
    assert len(listed) == 17
    dropped = {n.nomination_id for n in state.nominations.values()
               if n.status is NominationStatus.DROPPED}
    assert dropped == {scenario.nomination(plan_id, scenario.WEAK_INCUMBENT),
                       scenario.nomination(plan_id, scenario.SHORT[0])}
    types = await stored_types(store, plan_id)
    assert types["PlanOpened"] == 1 and types["PlanSubmitted"] == 1
    assert types["CandidateRegistered"] == 19
    assert types["ConferenceResultRecorded"] == 11  # 5 + 5 steps, one repeated
    assert types["NominationRevoteRequired"] == 8  # every first-time candidate re-voted
    assert types["NominationDropped"] == 2
    assert types["GroupCompletedSteps"] == 2
    report = await store.verify()
    assert report.ok, report.first_broken

    # Submitted: the workflow goes on to appraisal, one child per listed nomination.
    await appraisals_opened(store, plan_id, [n.nomination_id for n in listed], round=1)
    handle = temporal_client.get_workflow_handle_for(PersonnelPlanWorkflow.run,
                                                     plan_workflow_id(plan_id))
    assert await handle.query(PersonnelPlanWorkflow.phase) == "submitted"


async def test_a_rejected_update_records_nothing(
        service: PlanService, store: PostgresEventStore, temporal_client: Client,
        plan_id: str) -> None:
    await open_and_register(service, plan_id)
    before = await store.read_correlated(plan_stream(plan_id))
    first = scenario.first_conference(plan_id)
    short_of_quorum = dataclasses.replace(first, command_id="short", attending=9,
                                          ballots_issued=9, ballots_valid=9)

    with pytest.raises(Rejected) as rejected:
        await service.record_conference_result(plan_id, short_of_quorum, "short")

    assert (rejected.value.violations[0].field,
            rejected.value.violations[0].rule) == ("attending", "quorum")
    assert await store.read_correlated(plan_stream(plan_id)) == before
    history = await temporal_client.get_workflow_handle(plan_workflow_id(plan_id)).fetch_history()
    accepted = [e for e in history.events
                if e.HasField("workflow_execution_update_accepted_event_attributes")
                and e.workflow_execution_update_accepted_event_attributes
                .accepted_request.meta.update_id == "short"]
    assert accepted == []


async def test_the_same_idempotency_key_applies_once(
        service: PlanService, store: PostgresEventStore, plan_id: str) -> None:
    await open_and_register(service, plan_id)
    first = scenario.first_conference(plan_id)
    result = await scenario.send_result(service, plan_id, first)
    again = await scenario.send_result(service, plan_id, first)

    assert again.positions == result.positions
    assert (await stored_types(store, plan_id))["ConferenceResultRecorded"] == 1


async def test_a_command_under_a_new_key_but_already_decided_is_not_decided_again(
        service: PlanService, store: PostgresEventStore, plan_id: str) -> None:
    await open_and_register(service, plan_id)
    first = scenario.first_conference(plan_id)
    await scenario.send(service, plan_id, first)
    result = await service.record_conference_result(plan_id, first, "another-key")

    assert result.already_applied
    assert (await stored_types(store, plan_id))["ConferenceResultRecorded"] == 1


async def test_a_plan_file_that_breaks_a_rule_starts_no_workflow(
        service: PlanService, store: PostgresEventStore, temporal_client: Client,
        plan_id: str) -> None:
    bad = dataclasses.replace(scenario.opening(plan_id), term="2025-2031")
    with pytest.raises(Rejected) as rejected:
        await service.open_plan(bad, now=datetime.now(UTC))
    assert ("term", "term_length") in [(v.field, v.rule) for v in rejected.value.violations]
    assert await store.stream_version(plan_stream(plan_id)) == 0
    assert [w async for w in temporal_client.list_workflows(
        f"WorkflowId = '{plan_workflow_id(plan_id)}'")] == []


async def test_opening_retried_with_its_key_answers_the_first_result(
        service: PlanService, store: PostgresEventStore, plan_id: str) -> None:
    first = await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    again = await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))

    assert not first.already_applied and again.already_applied
    assert again.events == first.events and again.phase == "open"
    assert await store.stream_version(plan_stream(plan_id)) == 1


async def test_opening_the_same_plan_again_under_another_key_is_rejected(
        service: PlanService, store: PostgresEventStore, plan_id: str) -> None:
    await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    with pytest.raises(Conflict) as rejected:
        await service.open_plan(dataclasses.replace(scenario.opening(plan_id),
                                                    command_id="another-key"),
                                now=datetime.now(UTC))
    assert rejected.value.violations[0].rule == "already_opened"
    assert await store.stream_version(plan_stream(plan_id)) == 1


async def test_a_key_reused_with_other_content_is_refused_and_nothing_is_written(
        service: PlanService, store: PostgresEventStore, plan_id: str) -> None:
    await open_and_register(service, plan_id)
    first = scenario.first_conference(plan_id)
    await scenario.send(service, plan_id, first)
    before = await store.read_correlated(plan_stream(plan_id))
    corrected = dataclasses.replace(first, summoned=first.summoned, votes=first.votes[::-1],
                                    ballots_valid=first.ballots_valid - 1)
    with pytest.raises(Conflict) as refused:
        await service.record_conference_result(plan_id, corrected)
    assert refused.value.violations[0].rule == "key_reused"
    # Another group's minutes sent with this key are refused the same way, not "recorded".
    with pytest.raises(Conflict):
        await service.submit(plan_id, dataclasses.replace(
            scenario.submit_command(plan_id, "x"), command_id=first.command_id))
    assert await store.read_correlated(plan_stream(plan_id)) == before


async def test_a_command_for_an_unknown_plan_says_so(service: PlanService) -> None:
    with pytest.raises(PlanNotFound):
        await service.register_candidate("no-such-plan", register(1, scenario_group()), "k")


async def test_a_duplicate_person_is_rejected_with_nothing_written(
        service: PlanService, store: PostgresEventStore, plan_id: str) -> None:
    await open_and_register(service, plan_id)
    before = await store.read_correlated(plan_stream(plan_id))
    again = dataclasses.replace(
        register(0, scenario_group(), nomination_id=scenario.nomination(plan_id, 99)),
        candidate=candidate(0), command_id="dup", actor=scenario.department(plan_id))
    with pytest.raises(Rejected) as rejected:
        await service.register_candidate(plan_id, again, "dup")
    assert [v.rule for v in rejected.value.violations] == ["already_nominated"]
    assert await store.read_correlated(plan_stream(plan_id)) == before


def scenario_group() -> CandidateGroup:
    return CandidateGroup.INCUMBENT
