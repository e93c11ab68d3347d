"""Appraisal and approval on a real Temporal dev server and a real PostgreSQL: the issue's
whole scenario, and the rejections that must leave the event store unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from application.errors import NominationNotFound, Rejected
from application.plans import PlanService
from domain.appraisal import FindingOutcome
from domain.events import Exclusion, nomination_stream, plan_stream
from domain.plan import NominationStatus, PlanPhase
from eventstore.store import PostgresEventStore
from reads.timetravel import decision_basis
from tests.support import histories, scenario
from tests.support.plans import DEPARTMENT
from tests.support.review import AGENCIES, AGENCY_STAFF, APPROVER, approve, finding, send_back
from tests.support.waiting import appraisals_opened, phase_reached
from workflows.messages import appraisal_workflow_id, plan_workflow_id

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]


async def prepare_and_submit(service: PlanService, plan_id: str) -> None:
    await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    for command in scenario.all_commands(plan_id):
        await scenario.send(service, plan_id, command)


async def appraise(service: PlanService, nominations: list[str], *,
                   special: dict[tuple[str, str], list[tuple[FindingOutcome, str]]],
                   round: int = 1) -> None:
    """Every agency answers for every nomination; ``special`` gives (nomination, agency) a
    sequence of findings, the later ones amending the earlier. Each finding is a new request,
    with a key of its own: a key sent again is a retry, whatever the round."""
    for n in nominations:
        for agency in AGENCIES:
            for i, (outcome, text) in enumerate(special.get((n, agency),
                                                            [(FindingOutcome.CLEARED, "")])):
                key = f"{n}-{agency}-r{round}-{i}"
                await service.record_finding(finding(n, agency, outcome, text, command_id=key))


async def trail_types(store: PostgresEventStore, nomination_id: str) -> list[str]:
    return [e.event_type for e in await store.read_stream(nomination_stream(nomination_id))]


async def test_disqualified_amended_sent_back_then_approved_with_an_exclusion(
        service: PlanService, store: PostgresEventStore, temporal_client: Client,
        plan_id: str) -> None:
    await prepare_and_submit(service, plan_id)
    state = await phase_reached(store, plan_id, PlanPhase.SUBMITTED)
    listed = [n.nomination_id for n in state.all_listed()]
    assert len(listed) == 17
    await appraisals_opened(store, plan_id, listed, round=1)
    disqualified, amended = scenario.nomination(plan_id, 1), scenario.nomination(plan_id, 2)
    resent = [scenario.nomination(plan_id, 11), scenario.nomination(plan_id, 12)]
    await appraise(service, listed, special={
        (disqualified, "inspection_committee"): [
            (FindingOutcome.DISQUALIFYING, "Đang bị xem xét kỷ luật theo đơn tố cáo")],
        (amended, "organization_department"): [
            (FindingOutcome.CONCERN, "Chưa có bản kê khai tài sản đã xác minh"),
            (FindingOutcome.CLEARED, "Đã bổ sung bản kê khai đã xác minh")],
    })
    state = await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)
    assert state.appraisals[disqualified].outcome == "disqualified"
    assert state.appraisals[amended].outcome == "cleared"

    # Round 1: the committee sends the first-time candidates back to step 3.
    await service.decide_on_plan(plan_id, send_back("back-1", tuple(resent)), "back-1")
    state = await phase_reached(store, plan_id, PlanPhase.IN_PROCEDURE)
    assert state.round == 2
    for command in scenario.conferences_from(plan_id, step=3, members=resent, prefix="r2"):
        await scenario.send(service, plan_id, command)
    await service.submit(plan_id, scenario.submit_command(plan_id, "r2"), f"{plan_id}-submit-r2")
    await appraisals_opened(store, plan_id, resent, round=2)
    await appraise(service, resent, special={}, round=2)
    await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)

    # Round 2: approved, the disqualified incumbent excluded.
    exclusion = Exclusion(nomination_id=disqualified, reason="Không đủ tiêu chuẩn theo thẩm định")
    await service.decide_on_plan(plan_id, approve("approve-2", excluded=(exclusion,)), "approve-2")
    state = await phase_reached(store, plan_id, PlanPhase.APPROVED)
    assert state.nominations[disqualified].status is NominationStatus.EXCLUDED
    approved = [n for n in state.nominations.values() if n.status is NominationStatus.APPROVED]
    assert len(approved) == 16

    # The trails tell it all, in order.
    # Registered and checked, five steps passed, checked again at each submission, appraised
    # once (round 1), excluded at the decision.
    assert (await trail_types(store, disqualified)) == [
        "CandidateRegistered", "EligibilityChecked", *["NominationAdvanced"] * 5,
        "EligibilityChecked", "AppraisalOpened", *["FindingRecorded"] * 3,
        "AppraisalCompleted", "EligibilityChecked", "NominationExcluded"]
    amended_trail = await store.read_stream(nomination_stream(amended))
    findings = [e.data for e in amended_trail if e.event_type == "FindingRecorded"
                and e.data["agency"] == "organization_department"]
    assert [(f["outcome"], f["amends"]) for f in findings] == [("concern", None),
                                                                ("cleared", "concern")]
    resent_trail = await trail_types(store, resent[0])
    back = resent_trail.index("NominationSentBack")
    assert resent_trail[back - 1] == "AppraisalCompleted"  # round 1's appraisal came first
    assert resent_trail[back + 1:].count("NominationAdvanced") == 3  # steps 3, 4, 5 again
    assert resent_trail.count("AppraisalOpened") == 2
    assert resent_trail[-1] == "NominationApproved"
    plan_types = [e.event_type for e in await store.read_stream(plan_stream(plan_id))]
    assert plan_types.count("PlanSubmitted") == 2 and plan_types.count("StructureAssessed") == 2
    assert plan_types[-1] == "PlanApproved" and "PlanSentBack" in plan_types
    assert (await store.verify()).ok

    # Time travel: each decision records what its decider saw, and that state rebuilds.
    plan_events = await store.read_stream(plan_stream(plan_id))
    approval = next(e for e in plan_events if e.event_type == "PlanApproved")
    basis = await decision_basis(store, plan_id, approval.event_id)
    assert basis.versions_match and basis.seen_position < approval.position
    assert basis.state.phase is PlanPhase.AWAITING_APPROVAL and basis.state.round == 2
    sent_back = next(e for e in plan_events if e.event_type == "PlanSentBack")
    before_send_back = (await decision_basis(store, plan_id, sent_back.event_id)).state
    assert before_send_back.round == 1
    assert before_send_back.appraisals[disqualified].outcome == "disqualified"
    finding_event = next(e for e in await store.read_stream(nomination_stream(amended))
                         if e.event_type == "FindingRecorded" and e.data["outcome"] == "cleared")
    amended_basis = await decision_basis(store, plan_id, finding_event.event_id)
    assert amended_basis.versions_match
    assert amended_basis.state.appraisals[amended].findings[
        "organization_department"].outcome is FindingOutcome.CONCERN

    # The send-back continued the workflow as new: the first run's history stays small.
    handle = temporal_client.get_workflow_handle(plan_workflow_id(plan_id))
    assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED
    history = await handle.fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.continued_execution_run_id  # this run continued an earlier one
    earlier = await temporal_client.get_workflow_handle(
        plan_workflow_id(plan_id), run_id=started.continued_execution_run_id).describe()
    assert earlier.status is WorkflowExecutionStatus.CONTINUED_AS_NEW
    assert len(history.events) < 200
    # The round's appraisals were started together, in one workflow task: the person who
    # submitted waits for one round trip, not one per nomination.
    first_run = await temporal_client.get_workflow_handle(
        plan_workflow_id(plan_id), run_id=started.continued_execution_run_id).fetch_history()
    starts = [i for i, e in enumerate(first_run.events)
              if e.HasField("start_child_workflow_execution_initiated_event_attributes")]
    assert len(starts) > 1 and starts == list(range(starts[0], starts[0] + len(starts)))
    # Recorded under the current code's version only: the v1-v3 files were recorded by the code
    # of their time, and recording this run under their names would pass it off as theirs.
    # v4: appends as local activities (LOCAL_APPEND_PATCH).
    await histories.record(handle, "personnel_plan_v4_round_2_approved")
    await histories.record(temporal_client.get_workflow_handle(
        plan_workflow_id(plan_id), run_id=started.continued_execution_run_id),
        "personnel_plan_v4_round_1_sent_back")
    await histories.record(temporal_client.get_workflow_handle(appraisal_workflow_id(amended)),
                           "nomination_appraisal_v4_amended")


async def test_those_who_submitted_or_appraised_cannot_decide_and_nothing_is_written(
        service: PlanService, store: PostgresEventStore, plan_id: str) -> None:
    await prepare_and_submit(service, plan_id)
    state = await phase_reached(store, plan_id, PlanPhase.SUBMITTED)
    listed = [n.nomination_id for n in state.all_listed()]
    await appraisals_opened(store, plan_id, listed, round=1)
    await appraise(service, listed, special={})
    await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)
    before = await store.read_correlated(plan_stream(plan_id))

    appraiser_as_approver = APPROVER.__class__(
        user_id=AGENCY_STAFF["inspection_committee"].user_id, role=APPROVER.role,
        organization_id=APPROVER.organization_id)
    submitter_as_approver = APPROVER.__class__(
        user_id=DEPARTMENT.user_id, role=APPROVER.role, organization_id=APPROVER.organization_id)
    for who in (appraiser_as_approver, submitter_as_approver):
        with pytest.raises(Rejected) as rejected:
            await service.decide_on_plan(plan_id, approve(f"by-{who.user_id}", actor=who),
                                         f"by-{who.user_id}")
        assert ("actor.user_id", "separation_of_duties") in [
            (v.field, v.rule) for v in rejected.value.violations]
    with pytest.raises(Rejected) as rejected:
        await service.decide_on_plan(plan_id, send_back("no-such", ("nobody",)), "no-such")
    assert ("send_back.nominations[0]", "listed_in_group") in [
        (v.field, v.rule) for v in rejected.value.violations]
    assert await store.read_correlated(plan_stream(plan_id)) == before


async def test_bad_findings_are_refused_and_nothing_is_written(
        service: PlanService, store: PostgresEventStore, plan_id: str) -> None:
    await prepare_and_submit(service, plan_id)
    state = await phase_reached(store, plan_id, PlanPhase.SUBMITTED)
    listed = [n.nomination_id for n in state.all_listed()]
    nomination = listed[0]
    await appraisals_opened(store, plan_id, listed, round=1)  # all of them: nothing moves now
    before = await store.read_correlated(plan_stream(plan_id))
    cases = [
        (finding(nomination, "inspection_committee", FindingOutcome.DISQUALIFYING, ""),
         ("text", "reason_required")),
        (finding(nomination, "inspection_committee",
                 actor=AGENCY_STAFF["inspection_committee"].__class__(
                     user_id="x", role=DEPARTMENT.role, organization_id=DEPARTMENT.organization_id
                 ), command_id="wrong-role"),
         ("actor.role", "role_not_permitted")),
    ]
    for command, expected in cases:
        with pytest.raises(Rejected) as rejected:
            await service.record_finding(command, command.command_id)
        assert expected in [(v.field, v.rule) for v in rejected.value.violations]
    unknown = finding(nomination, "inspection_committee", command_id="unknown-agency")
    unknown = unknown.__class__(**{**unknown.__dict__, "agency": "ministry_of_magic"})
    with pytest.raises(Rejected) as rejected:
        await service.record_finding(unknown, unknown.command_id)
    assert ("agency", "unknown_agency") in [(v.field, v.rule) for v in rejected.value.violations]
    with pytest.raises(NominationNotFound):
        await service.record_finding(finding("not-a-nomination", "inspection_committee"))
    assert await store.read_correlated(plan_stream(plan_id)) == before
