"""Thẩm định: the superior level's organization department, inspection committee and internal
affairs department each record a finding on every listed nomination, with its evidence."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.appraisal import Finding, FindingOutcome
from domain.errors import CommandRejected
from domain.events import (
    AgencyFinding,
    AppraisalCompleted,
    AppraisalOpened,
    AppraisalOverdue,
    AppraisalReminderSent,
    FindingRecorded,
)
from domain.people import SYSTEM_ACTOR_ID, Actor, Role
from domain.plan import PlanState
from tests.support.plans import N01, N02, N03, N04, N99, NOW, ORG
from tests.unit.gwt import given, one, types
from tests.unit.review import (
    AGENCIES,
    APPRAISERS,
    CLEARED,
    CONCERN,
    DISQUALIFYING,
    SUPERIOR,
    deadline_passed,
    finding,
    finding_rejected,
    opened_appraisals,
    record_finding,
    reminder,
    small_plan,
)

pytestmark = pytest.mark.unit

ORG_DEPT, INSPECTION, INTERNAL = AGENCIES
SYSTEM = Actor(user_id=SYSTEM_ACTOR_ID, role=Role.SYSTEM, organization_id=SUPERIOR)
LISTED = [N01, N02, N03, N04]


@pytest.fixture
def submitted() -> PlanState:
    return small_plan()


@pytest.fixture
def appraising(submitted: PlanState) -> PlanState:
    return given(opened_appraisals(submitted), state=submitted)


def answered(state: PlanState, nomination_id: str,
             *outcomes: tuple[str, FindingOutcome]) -> PlanState:
    """The agencies answer in turn, each finding under a command id of its own."""
    for agency, outcome in outcomes:
        command_id = f"f-{nomination_id}-{agency}-{sum(state.versions.values())}"
        state = given(record_finding(state, finding(nomination_id, agency, outcome,
                                                    command_id=command_id)), state=state)
    return state


# --- opening -------------------------------------------------------------------------------
def test_an_appraisal_opens_for_each_listed_nomination(submitted: PlanState) -> None:
    assert [n.nomination_id for n in submitted.to_appraise()] == LISTED

    events = opened_appraisals(submitted)

    assert types(events) == ["AppraisalOpened"] * 4
    first = events[0]
    assert first == AppraisalOpened(
        plan_id="plan-1", occurred_at=NOW, actor=SYSTEM, command_id=f"appraisal-{N01}-r1-open",
        nomination_id=N01, round=1, agencies=AGENCIES, deadline=NOW + timedelta(days=10))
    state = given(events, state=submitted)
    assert state.to_appraise() == []
    for nomination_id in LISTED:
        appraisal = state.appraisals[nomination_id]
        assert appraisal.opened and not appraisal.completed
        assert (appraisal.nomination_id, appraisal.round) == (nomination_id, 1)
        assert appraisal.missing() == AGENCIES


def test_the_appraisal_is_for_the_plans_superior(submitted: PlanState) -> None:
    assert submitted.superior_id == ORG.parent_id == SUPERIOR


# --- findings ------------------------------------------------------------------------------
def test_an_agency_records_its_finding(appraising: PlanState) -> None:
    command = finding(N01, INSPECTION, CONCERN, text="  Đơn thư chưa giải quyết xong  ",
                      evidence_ref=" BC-12/UBKT ")

    events = record_finding(appraising, command)

    assert events == [FindingRecorded(
        plan_id="plan-1", occurred_at=NOW, actor=APPRAISERS[INSPECTION],
        command_id=command.command_id, nomination_id=N01, round=1, agency=INSPECTION,
        outcome="concern", text="Đơn thư chưa giải quyết xong", evidence_ref="BC-12/UBKT",
        amends=None)]
    appraisal = given(events, state=appraising).appraisals[N01]
    assert appraisal.findings == {INSPECTION: Finding(
        agency=INSPECTION, outcome=CONCERN, text="Đơn thư chưa giải quyết xong",
        evidence_ref="BC-12/UBKT", recorded_by=APPRAISERS[INSPECTION].user_id)}
    assert appraisal.missing() == (ORG_DEPT, INTERNAL)
    assert not appraisal.completed


def test_each_agency_answers_for_itself(appraising: PlanState) -> None:
    state = answered(appraising, N01, (INTERNAL, CLEARED), (ORG_DEPT, CLEARED))

    appraisal = state.appraisals[N01]
    assert set(appraisal.findings) == {INTERNAL, ORG_DEPT}
    assert appraisal.missing() == (INSPECTION,)
    assert not appraisal.completed
    assert state.appraisals[N02].findings == {}


@pytest.mark.parametrize(("outcomes", "overall"), [
    ((CLEARED, CLEARED, CLEARED), "cleared"),
    ((CLEARED, CONCERN, CLEARED), "concern"),
    ((CONCERN, CONCERN, CONCERN), "concern"),
    ((CLEARED, CLEARED, DISQUALIFYING), "disqualified"),
    ((DISQUALIFYING, CONCERN, CLEARED), "disqualified"),
])
def test_the_last_agency_to_answer_completes_the_appraisal(
        appraising: PlanState, outcomes: tuple[FindingOutcome, ...], overall: str) -> None:
    state = answered(appraising, N02, *zip(AGENCIES[:2], outcomes[:2], strict=True))
    last = finding(N02, INTERNAL, outcomes[2])

    events = record_finding(state, last)

    assert types(events) == ["FindingRecorded", "AppraisalCompleted"]
    assert events[1] == AppraisalCompleted(
        plan_id="plan-1", occurred_at=NOW, actor=SYSTEM, command_id=last.command_id,
        nomination_id=N02, round=1, outcome=overall,
        findings=tuple(AgencyFinding(agency=a, outcome=o.value)
                       for a, o in zip(AGENCIES, outcomes, strict=True)),
        overdue=False)
    appraisal = given(events, state=state).appraisals[N02]
    assert (appraisal.completed, appraisal.outcome, appraisal.overdue) == (True, overall, False)


def test_an_unknown_agency(appraising: PlanState) -> None:
    command = finding(N01, ORG_DEPT)

    finding_rejected(appraising, replace(command, agency="ban_dan_van"), field="agency",
                     rule="unknown_agency")


def test_no_finding_before_the_appraisal_opens(submitted: PlanState) -> None:
    finding_rejected(submitted, finding(N01), field="nomination_id",
                     rule="not_under_appraisal")


def test_no_finding_on_a_nomination_not_under_appraisal(appraising: PlanState) -> None:
    finding_rejected(appraising, finding(N99), field="nomination_id",
                     rule="not_under_appraisal")


def test_no_finding_after_the_appraisal_completed(appraising: PlanState) -> None:
    state = answered(appraising, N01, *((a, CLEARED) for a in AGENCIES))
    assert state.appraisals[N01].completed

    rejection = finding_rejected(state, finding(N01, ORG_DEPT, CONCERN, command_id="late"),
                                 field="nomination_id", rule="not_under_appraisal")

    assert "đã kết thúc thẩm định" in rejection.violations[0].message


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.APPRAISAL_AGENCY])
def test_only_an_appraisal_agency_records_findings(appraising: PlanState, role: Role) -> None:
    command = finding(N01, ORG_DEPT, actor=replace(APPRAISERS[ORG_DEPT], role=role))

    finding_rejected(appraising, command, field="actor.role", rule="role_not_permitted")


@pytest.mark.parametrize("organization_id", [ORG.organization_id, "org-huyen-khac"],
                         ids=["the plan's own organization", "another district"])
def test_only_the_superior_levels_agencies_appraise(appraising: PlanState,
                                                     organization_id: str) -> None:
    outsider = replace(APPRAISERS[ORG_DEPT], organization_id=organization_id)

    finding_rejected(appraising, finding(N01, ORG_DEPT, actor=outsider),
                     field="actor.organization_id", rule="outside_scope")


@pytest.mark.parametrize("outcome", [CONCERN, DISQUALIFYING])
@pytest.mark.parametrize("text", ["", "   "])
def test_a_concern_or_a_disqualifying_finding_must_say_why(
        appraising: PlanState, outcome: FindingOutcome, text: str) -> None:
    finding_rejected(appraising, finding(N01, ORG_DEPT, outcome, text=text), field="text",
                     rule="reason_required")


def test_a_cleared_finding_needs_no_text(appraising: PlanState) -> None:
    events = record_finding(appraising, finding(N01, ORG_DEPT, CLEARED, text=""))

    assert one(events, FindingRecorded).text == ""


@pytest.mark.parametrize("outcome", list(FindingOutcome))
@pytest.mark.parametrize("evidence_ref", ["", "  "])
def test_every_finding_names_its_evidence(appraising: PlanState, outcome: FindingOutcome,
                                          evidence_ref: str) -> None:
    finding_rejected(appraising, finding(N01, ORG_DEPT, outcome, evidence_ref=evidence_ref),
                     field="evidence_ref", rule="evidence_required")


def test_every_broken_rule_is_named_at_once_and_nothing_is_recorded(
        appraising: PlanState) -> None:
    command = finding(N01, "ban_dan_van", DISQUALIFYING, text="", evidence_ref="",
                      actor=replace(APPRAISERS[ORG_DEPT], role=Role.AUDITOR,
                                    organization_id=ORG.organization_id))

    with pytest.raises(CommandRejected) as caught:
        record_finding(appraising, command)

    assert {(v.field, v.rule) for v in caught.value.violations} == {
        ("agency", "unknown_agency"), ("actor.role", "role_not_permitted"),
        ("actor.organization_id", "outside_scope"), ("text", "reason_required"),
        ("evidence_ref", "evidence_required")}


# --- amendments ----------------------------------------------------------------------------
def test_an_agency_amends_its_own_finding(appraising: PlanState) -> None:
    state = answered(appraising, N03, (ORG_DEPT, CONCERN))
    amendment = finding(N03, ORG_DEPT, CLEARED, evidence_ref="BC-15/BTC",
                        command_id="amend-1")

    events = record_finding(state, amendment)

    assert types(events) == ["FindingRecorded"]  # two agencies have still not answered
    assert one(events, FindingRecorded).amends == "concern"
    state = given(events, state=state)
    kept = state.appraisals[N03].findings[ORG_DEPT]
    assert (kept.outcome, kept.text, kept.evidence_ref, kept.amendments) == (
        CLEARED, "", "BC-15/BTC", 1)

    again = record_finding(state, finding(N03, ORG_DEPT, DISQUALIFYING, command_id="amend-2"))

    assert one(again, FindingRecorded).amends == "cleared"
    kept = given(again, state=state).appraisals[N03].findings[ORG_DEPT]
    assert (kept.outcome, kept.amendments) == (DISQUALIFYING, 2)


def test_the_latest_finding_of_each_agency_decides_the_outcome(appraising: PlanState) -> None:
    state = answered(appraising, N03, (ORG_DEPT, DISQUALIFYING), (ORG_DEPT, CLEARED),
                     (INSPECTION, CLEARED))

    events = record_finding(state, finding(N03, INTERNAL, CLEARED))

    completed = one(events, AppraisalCompleted)
    assert completed.outcome == "cleared"
    assert completed.findings == tuple(AgencyFinding(agency=a, outcome="cleared")
                                       for a in AGENCIES)


# --- reminders and the deadline ------------------------------------------------------------
def test_a_reminder_names_the_agencies_still_silent(appraising: PlanState) -> None:
    first = reminder(appraising, N01)

    assert first == [AppraisalReminderSent(
        plan_id="plan-1", occurred_at=NOW, actor=SYSTEM,
        command_id=f"appraisal-{N01}-r1-reminder-1", nomination_id=N01, round=1, number=1,
        missing=AGENCIES)]
    state = answered(given(first, state=appraising), N01, (INSPECTION, CLEARED))

    second = reminder(state, N01)

    assert [(e.number, e.missing, e.command_id) for e in second
            if isinstance(e, AppraisalReminderSent)] == [
        (2, (ORG_DEPT, INTERNAL), f"appraisal-{N01}-r1-reminder-2")]
    assert given(second, state=state).appraisals[N01].reminders == 2


@pytest.mark.parametrize(("answers", "outcome", "missing"), [
    ((), "incomplete", AGENCIES),
    (((ORG_DEPT, CLEARED),), "incomplete", (INSPECTION, INTERNAL)),
    (((ORG_DEPT, CONCERN), (INTERNAL, CLEARED)), "incomplete", (INSPECTION,)),
    (((INSPECTION, DISQUALIFYING),), "disqualified", (ORG_DEPT, INTERNAL)),
])
def test_past_the_deadline_the_appraisal_closes_as_overdue(
        appraising: PlanState, answers: tuple[tuple[str, FindingOutcome], ...], outcome: str,
        missing: tuple[str, ...]) -> None:
    state = answered(appraising, N02, *answers)
    later = NOW + timedelta(days=10)

    events = deadline_passed(state, N02, now=later)

    assert types(events) == ["AppraisalOverdue", "AppraisalCompleted"]
    assert events[0] == AppraisalOverdue(
        plan_id="plan-1", occurred_at=later, actor=SYSTEM,
        command_id=f"appraisal-{N02}-r1-deadline", nomination_id=N02, round=1, missing=missing,
        escalated_to=f"{SUPERIOR}:superior_standing_committee")
    assert events[1] == AppraisalCompleted(
        plan_id="plan-1", occurred_at=later, actor=SYSTEM,
        command_id=f"appraisal-{N02}-r1-deadline", nomination_id=N02, round=1, outcome=outcome,
        findings=tuple(AgencyFinding(agency=a, outcome=o.value) for a, o in
                       sorted(answers, key=lambda answer: AGENCIES.index(answer[0]))),
        overdue=True)
    appraisal = given(events, state=state).appraisals[N02]
    assert (appraisal.completed, appraisal.overdue, appraisal.outcome) == (True, True, outcome)


@pytest.mark.parametrize("how", ["answered", "overdue"])
def test_nothing_happens_to_a_completed_appraisal(appraising: PlanState, how: str) -> None:
    if how == "answered":
        state = answered(appraising, N04, *((a, CLEARED) for a in AGENCIES))
    else:
        state = given(deadline_passed(appraising, N04), state=appraising)
    assert state.appraisals[N04].completed

    assert reminder(state, N04) == []
    assert deadline_passed(state, N04) == []
    finding_rejected(state, finding(N04, INTERNAL, command_id="late"), field="nomination_id",
                     rule="not_under_appraisal")


# --- what the plan keeps ---------------------------------------------------------------------
def test_the_plan_remembers_who_recorded_findings_and_which_commands(
        appraising: PlanState) -> None:
    command = finding(N01, INSPECTION, command_id="tham-dinh-77")

    state = given(record_finding(appraising, command), state=appraising)

    assert state.finding_actors == {APPRAISERS[INSPECTION].user_id}
    assert "tham-dinh-77" in state.processed_commands
    assert state.version_of(f"nomination-{N01}") == appraising.version_of(f"nomination-{N01}") + 1
