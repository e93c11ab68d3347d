"""Phê duyệt: the superior standing committee approves the appraised plan, approves it with
named candidates excluded, sends it back or rejects it; who submitted or appraised the plan
does not decide on it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.approval import Decision, RecordApprovalDecision, conclude_appraisals
from domain.events import (
    AppraisalResult,
    AppraisalsCompleted,
    ListEntry,
    NominationApproved,
    NominationExcluded,
    PlanApproved,
    PlanRejected,
    PlanTermReleased,
    stream_of,
)
from domain.people import SYSTEM_ACTOR_ID, Actor, Role
from domain.plan import NominationStatus, PlanPhase, PlanState
from tests.support.plans import (
    COMMITTEE,
    DEPARTMENT,
    N01,
    N02,
    N03,
    N04,
    N05,
    N06,
    N99,
    NOW,
    ORG,
    all_steps,
    candidate,
    ids,
    nid,
    open_plan,
    register,
    registrations,
    submit,
    votes,
)
from tests.unit.gwt import given, of_type, one, rules_of, then_rejected, types, when
from tests.unit.review import (
    AGENCIES,
    APPRAISERS,
    APPROVER,
    CONCERN,
    DISQUALIFYING,
    FIRST_TIME,
    INCUMBENT,
    SUPERIOR,
    appraised,
    appraisers,
    awaiting_approval,
    back_to,
    deadline_passed,
    decision,
    exclusion,
    finding,
    large_plan,
    opened_appraisals,
    record_finding,
    sending_back,
    small_plan,
)

pytestmark = pytest.mark.unit

ORG_DEPT, INSPECTION, INTERNAL = AGENCIES
APPROVE, WITH_EXCLUSIONS = Decision.APPROVE, Decision.APPROVE_WITH_EXCLUSIONS
SEND_BACK, REJECT = Decision.SEND_BACK, Decision.REJECT
SEVENTEEN = ids(range(1, 18))


@pytest.fixture
def awaiting() -> PlanState:
    """3 seats, n01-n04 on the list, every appraisal cleared."""
    return awaiting_approval(small_plan())


@pytest.fixture
def disqualified() -> PlanState:
    """15 seats, 17 on the list; the inspection committee found n05 disqualifying."""
    return awaiting_approval(large_plan(), {N05: {INSPECTION: DISQUALIFYING}})


# --- reaching the superior committee ------------------------------------------------------------
def test_the_plan_goes_up_once_every_appraisal_is_complete() -> None:
    state = small_plan()
    state = given(opened_appraisals(state), state=state)
    for nomination_id in (N01, N02, N03):
        for agency in AGENCIES:
            state = given(record_finding(state, finding(nomination_id, agency)), state=state)
    state = given(record_finding(state, finding(N04, ORG_DEPT, CONCERN)), state=state)
    assert conclude_appraisals(state, now=NOW) == []  # n04 is still being appraised
    state = given(deadline_passed(state, N04), state=state)

    events = conclude_appraisals(state, now=NOW)

    assert events == [AppraisalsCompleted(
        plan_id="plan-1", occurred_at=NOW,
        actor=Actor(user_id=SYSTEM_ACTOR_ID, role=Role.SYSTEM, organization_id=SUPERIOR),
        command_id="appraisals-r1-completed", round=1,
        results=(AppraisalResult(nomination_id=N01, outcome="cleared"),
                 AppraisalResult(nomination_id=N02, outcome="cleared"),
                 AppraisalResult(nomination_id=N03, outcome="cleared"),
                 AppraisalResult(nomination_id=N04, outcome="incomplete")))]
    assert given(events, state=state).phase is PlanPhase.AWAITING_APPROVAL


def test_no_conclusion_before_the_appraisals_open() -> None:
    assert conclude_appraisals(small_plan(), now=NOW) == []


def test_the_appraisals_conclude_once(awaiting: PlanState) -> None:
    assert conclude_appraisals(awaiting, now=NOW) == []


# --- who decides, and when -------------------------------------------------------------------
def test_no_decision_while_the_agencies_appraise() -> None:
    state = appraised(small_plan())  # every appraisal complete, not yet concluded
    assert state.phase is PlanPhase.SUBMITTED

    rejection = then_rejected(state, decision(), field="plan_id", rule="not_awaiting_approval")

    assert rules_of(rejection) == {("plan_id", "not_awaiting_approval")}


@pytest.mark.parametrize("first", [APPROVE, REJECT])
def test_no_second_decision(awaiting: PlanState, first: Decision) -> None:
    state = given(decision(first), state=awaiting)

    then_rejected(state, decision(APPROVE, command_id="quyet-dinh-2"), field="plan_id",
                  rule="not_awaiting_approval")


def test_a_decided_plan_accepts_no_preparation(awaiting: PlanState) -> None:
    state = given(decision(), state=awaiting)

    then_rejected(state, register(9, FIRST_TIME), field="plan_id", rule="already_submitted")


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SUPERIOR_STANDING_COMMITTEE])
def test_only_the_superior_standing_committee_decides(awaiting: PlanState, role: Role) -> None:
    then_rejected(awaiting, decision(actor=replace(APPROVER, role=role)), field="actor.role",
                  rule="role_not_permitted")


@pytest.mark.parametrize("organization_id", [ORG.organization_id, "org-tinh", "org-huyen-khac"],
                         ids=["the plan's own", "the level above", "another district"])
def test_only_the_plans_superior_decides(awaiting: PlanState, organization_id: str) -> None:
    actor = replace(APPROVER, organization_id=organization_id)

    then_rejected(awaiting, decision(actor=actor), field="actor.organization_id",
                  rule="outside_scope")


# --- separation of duties --------------------------------------------------------------------
def standing_committee_member(user_id: str) -> Actor:
    return Actor(user_id=user_id, role=Role.SUPERIOR_STANDING_COMMITTEE,
                 organization_id=SUPERIOR)


@pytest.mark.parametrize("kind", list(Decision))
def test_who_submitted_the_plan_does_not_decide_on_it(awaiting: PlanState,
                                                      kind: Decision) -> None:
    assert awaiting.submitted_by == DEPARTMENT.user_id
    command = decision(kind, actor=standing_committee_member(DEPARTMENT.user_id),
                       send_back=back_to(3, FIRST_TIME, N04) if kind is SEND_BACK else None,
                       excluded=(exclusion(N04),) if kind is WITH_EXCLUSIONS else ())

    rejection = then_rejected(awaiting, command, field="actor.user_id",
                              rule="separation_of_duties")

    assert "đã trình đề án" in next(v.message for v in rejection.violations
                               if v.rule == "separation_of_duties")


@pytest.mark.parametrize("agency", AGENCIES)
def test_who_recorded_a_finding_does_not_decide_on_the_plan(agency: str) -> None:
    """The officers who appraised n01-n03 differ from the one who appraised n04; each of them
    is barred, whichever nomination they appraised."""
    once = appraisers("chi-mot-lan")
    state = small_plan()
    state = given(opened_appraisals(state), state=state)
    for nomination_id in (N01, N02, N03, N04):
        for a in AGENCIES:
            by = once[a] if nomination_id == N04 and a == agency else APPRAISERS[a]
            state = given(record_finding(state, finding(nomination_id, a, actor=by)),
                          state=state)
    state = given(conclude_appraisals(state, now=NOW), state=state)

    for user_id in (once[agency].user_id, APPRAISERS[agency].user_id):
        rejection = then_rejected(state, decision(actor=standing_committee_member(user_id)),
                                  field="actor.user_id", rule="separation_of_duties")
        assert "đã ghi kết luận thẩm định" in rejection.violations[0].message
    assert when(state, decision())  # a member who took no part decides


def test_a_decision_names_its_document(awaiting: PlanState) -> None:
    then_rejected(awaiting, decision(decision_ref=""), field="decision_ref", rule="required")
    then_rejected(awaiting, decision(decision_ref="   "), field="decision_ref", rule="required")


@pytest.mark.parametrize("kind", [WITH_EXCLUSIONS, SEND_BACK, REJECT])
@pytest.mark.parametrize("reasons", ["", "  "])
def test_every_decision_but_an_approval_gives_its_reasons(disqualified: PlanState,
                                                          kind: Decision, reasons: str) -> None:
    command = decision(kind, reasons=reasons,
                       send_back=back_to(3, INCUMBENT, N05) if kind is SEND_BACK else None,
                       excluded=(exclusion(N05),) if kind is WITH_EXCLUSIONS else ())

    rejection = then_rejected(disqualified, command, field="reasons", rule="reason_required")

    assert rules_of(rejection) == {("reasons", "reason_required")}


def test_an_approval_needs_no_reasons(awaiting: PlanState) -> None:
    assert one(when(awaiting, decision(APPROVE, reasons="")), PlanApproved).reasons == ""


# --- approve ---------------------------------------------------------------------------------
def test_the_plan_is_approved(awaiting: PlanState) -> None:
    command = decision(APPROVE, reasons="Đồng ý")

    events = when(awaiting, command)

    assert types(events) == ["PlanApproved", *["NominationApproved"] * 4]
    assert events[0] == PlanApproved(
        plan_id="plan-1", occurred_at=NOW, actor=APPROVER, command_id=command.command_id,
        round=1, decision_ref="125-QĐ/HU", reasons="Đồng ý", excluded=(),
        lists=(ListEntry(position_group=COMMITTEE, seats=3,
                         nominations=(N01, N02, N03, N04)),),
        acknowledged=())
    assert [(e.nomination_id, e.round, e.decision_ref, stream_of(e))
            for e in of_type(events, NominationApproved)] == [
        (n, 1, "125-QĐ/HU", f"nomination-{n}") for n in (N01, N02, N03, N04)]
    state = given(events, state=awaiting)
    assert state.phase is PlanPhase.APPROVED
    assert {n.status for n in state.nominations.values()} == {NominationStatus.APPROVED}


def test_a_concern_does_not_stop_an_approval() -> None:
    state = awaiting_approval(small_plan(), {N02: {INTERNAL: CONCERN}})

    assert types(when(state, decision())) == ["PlanApproved", *["NominationApproved"] * 4]


@pytest.mark.parametrize("kind", [APPROVE, WITH_EXCLUSIONS])
def test_no_approval_while_a_disqualified_candidate_stays_on_the_list(
        disqualified: PlanState, kind: Decision) -> None:
    assert disqualified.appraisals[N05].outcome == "disqualified"
    command = decision(kind, excluded=(exclusion(N06),) if kind is WITH_EXCLUSIONS else ())

    rejection = then_rejected(disqualified, command, field="excluded",
                              rule="disqualified_not_excluded")

    assert candidate(5).full_name in next(v.message for v in rejection.violations
                         if v.rule == "disqualified_not_excluded")


@pytest.mark.parametrize("command", [
    decision(REJECT),
    sending_back(3, INCUMBENT, N05),
], ids=["reject", "send back"])
def test_a_disqualified_candidate_may_be_sent_back_or_the_plan_rejected(
        disqualified: PlanState, command: RecordApprovalDecision) -> None:
    assert when(disqualified, command)


# --- approve with exclusions -------------------------------------------------------------------
def test_the_plan_is_approved_with_a_candidate_excluded(disqualified: PlanState) -> None:
    command = decision(WITH_EXCLUSIONS, reasons="Loại n05 theo kết luận thẩm định",
                       excluded=(exclusion(N05, "Chưa hết thời hạn kỷ luật"),))

    events = when(disqualified, command)

    remaining = tuple(n for n in SEVENTEEN if n != N05)
    assert types(events) == ["PlanApproved", "NominationExcluded", *["NominationApproved"] * 16]
    approved = one(events, PlanApproved)
    assert approved.excluded == (exclusion(N05, "Chưa hết thời hạn kỷ luật"),)
    assert approved.lists == (ListEntry(position_group=COMMITTEE, seats=15,
                                        nominations=remaining),)
    assert one(events, NominationExcluded) == NominationExcluded(
        plan_id="plan-1", occurred_at=NOW, actor=APPROVER, command_id=command.command_id,
        nomination_id=N05, round=1, decision_ref="125-QĐ/HU",
        reason="Chưa hết thời hạn kỷ luật")
    assert tuple(e.nomination_id for e in of_type(events, NominationApproved)) == remaining
    state = given(events, state=disqualified)
    assert state.phase is PlanPhase.APPROVED
    assert state.nominations[N05].status is NominationStatus.EXCLUDED
    assert {state.nominations[n].status for n in remaining} == {NominationStatus.APPROVED}
    assert state.all_listed() == []


@pytest.mark.parametrize("who", [N99, nid(5, "secretary")])
def test_only_a_listed_candidate_can_be_excluded(disqualified: PlanState, who: str) -> None:
    command = decision(WITH_EXCLUSIONS, excluded=(exclusion(N05), exclusion(who)))

    rejection = then_rejected(disqualified, command, field="excluded[1].nomination_id",
                              rule="on_the_list")

    assert rules_of(rejection) == {("excluded[1].nomination_id", "on_the_list")}


def test_a_candidate_dropped_in_the_steps_cannot_be_excluded() -> None:
    """n05 fell below the mark at step 1: it is not on the submitted list."""
    state = awaiting_approval(given(
        open_plan(seats=3), *registrations(incumbents=[1, 2, 3, 5], first_time=[4]),
        *all_steps(INCUMBENT, {**votes(ids([1, 2, 3])), N05: 2}, steps=[1]),
        *all_steps(INCUMBENT, votes(ids([1, 2, 3])), steps=range(2, 6)),
        *all_steps(FIRST_TIME, votes([N04])), submit()))
    assert state.nominations[N05].status is NominationStatus.DROPPED

    then_rejected(state, decision(WITH_EXCLUSIONS, excluded=(exclusion(N05),)),
                  field="excluded[0].nomination_id", rule="on_the_list")


@pytest.mark.parametrize("reason", ["", "   "])
def test_each_exclusion_gives_its_reason(disqualified: PlanState, reason: str) -> None:
    command = decision(WITH_EXCLUSIONS, excluded=(exclusion(N05, reason),))

    then_rejected(disqualified, command, field="excluded[0].reason", rule="reason_required")


def test_the_remaining_list_must_stay_longer_than_the_seats(disqualified: PlanState) -> None:
    command = decision(WITH_EXCLUSIONS, excluded=(exclusion(N05), exclusion(N06)))

    rejection = then_rejected(disqualified, command, field="lists.committee_member",
                              rule="list_longer_than_seats")

    assert "chỉ còn 15 người cho 15 chỉ tiêu" in rejection.violations[0].message


def test_a_list_of_one_more_than_the_seats_cannot_lose_anyone(awaiting: PlanState) -> None:
    then_rejected(awaiting, decision(WITH_EXCLUSIONS, excluded=(exclusion(N04),)),
                  field="lists.committee_member", rule="list_longer_than_seats")


def test_a_procedure_may_let_the_congress_complete_the_list(awaiting: PlanState) -> None:
    assert awaiting.procedure is not None
    lenient = replace(awaiting.procedure, approval=replace(
        awaiting.procedure.approval, min_extra_after_exclusions=0))
    state = replace(awaiting, procedure=lenient)

    events = when(state, decision(WITH_EXCLUSIONS, excluded=(exclusion(N04),)))

    assert [type(e).__name__ for e in events][:2] == ["PlanApproved", "NominationExcluded"]


def test_approving_with_exclusions_names_them(disqualified: PlanState) -> None:
    then_rejected(disqualified, decision(WITH_EXCLUSIONS), field="excluded", rule="required")


def test_a_candidate_is_excluded_once(disqualified: PlanState) -> None:
    twice = decision(WITH_EXCLUSIONS, excluded=(exclusion(N05), exclusion(N05, "lại")))

    then_rejected(disqualified, twice, field="excluded", rule="once_each")


def test_a_plain_approval_excludes_no_one(disqualified: PlanState) -> None:
    then_rejected(disqualified, decision(APPROVE, excluded=(exclusion(N05),)),
                  field="excluded", rule="use_approve_with_exclusions")


@pytest.mark.parametrize("kind", [SEND_BACK, REJECT])
def test_a_send_back_or_a_rejection_excludes_no_one(disqualified: PlanState,
                                                    kind: Decision) -> None:
    command = decision(kind, excluded=(exclusion(N05),),
                       send_back=back_to(3, INCUMBENT, N05) if kind is SEND_BACK else None)

    rejection = then_rejected(disqualified, command, field="excluded",
                              rule="only_when_approving")

    assert rules_of(rejection) == {("excluded", "only_when_approving")}


@pytest.mark.parametrize("kind", [APPROVE, WITH_EXCLUSIONS, REJECT])
def test_a_step_to_return_to_is_only_for_a_send_back(disqualified: PlanState,
                                                     kind: Decision) -> None:
    command = decision(kind, send_back=back_to(3, INCUMBENT, N05),
                       excluded=(exclusion(N05),) if kind is WITH_EXCLUSIONS else ())

    then_rejected(disqualified, command, field="send_back", rule="only_when_sending_back")


# --- reject ----------------------------------------------------------------------------------
def test_the_plan_is_rejected(awaiting: PlanState) -> None:
    command = decision(REJECT, reasons="Đề án không bảo đảm cơ cấu")

    events = when(awaiting, command)

    assert events == [PlanRejected(
        plan_id="plan-1", occurred_at=NOW, actor=APPROVER, command_id=command.command_id,
        round=1, decision_ref="125-QĐ/HU", reasons="Đề án không bảo đảm cơ cấu"),
        PlanTermReleased(
            plan_id="plan-1", occurred_at=NOW, actor=APPROVER, command_id=command.command_id,
            organization_id=ORG.organization_id, term="2025-2030", reason_code="rejected")]
    state = given(events, state=awaiting)
    assert state.phase is PlanPhase.REJECTED
    assert not state.term_held
    assert {n.status for n in state.nominations.values()} == {NominationStatus.LISTED}


# --- idempotency -----------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    decision(APPROVE), decision(REJECT), sending_back(3, FIRST_TIME, N04),
], ids=["approve", "reject", "send back"])
def test_the_same_decision_twice_decides_nothing_the_second_time(
        awaiting: PlanState, command: RecordApprovalDecision) -> None:
    first = when(awaiting, command)
    assert first == when(awaiting, command)  # deciding is pure

    after = given(first, state=awaiting)

    assert command.command_id in after.processed_commands
    assert when(after, command) == []


def test_a_refused_decision_is_not_remembered(awaiting: PlanState) -> None:
    then_rejected(awaiting, decision(decision_ref=""), field="decision_ref", rule="required")

    assert "quyet-dinh-1" not in awaiting.processed_commands
    assert when(awaiting, decision())
