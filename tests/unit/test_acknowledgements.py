"""Eligibility failures cannot be missed: a procedure may make a check refuse a registration
outright, and approving a list on which a candidate still fails a check needs the committee
to acknowledge each failure with its reason, recorded in the decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

import procedures
from domain.approval import Decision
from domain.commands import PlanCommand, RegisterCandidate
from domain.decide import decide
from domain.events import (
    Acknowledgement,
    CandidateRegistered,
    PlanApproved,
    event_from_data,
    event_to_data,
)
from domain.people import Candidate, CandidateGroup, DisciplineKind, DisciplineRecord
from domain.plan import NominationStatus, PlanState, failed_checks
from domain.procedure import ProcedureDefinition
from tests.support import golden
from tests.support.plans import (
    N01,
    N02,
    N03,
    N04,
    N12,
    N13,
    N99,
    NOW,
    batch,
    candidate,
    correct,
    open_plan,
    register,
    withdraw,
)
from tests.unit.gwt import given, one, rules_of, then_rejected, types, when
from tests.unit.review import (
    AGENCIES,
    DISQUALIFYING,
    acknowledgement,
    awaiting_approval,
    decision,
    exclusion,
    large_plan_commands,
    small_plan_commands,
)

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
APPROVE, WITH_EXCLUSIONS = Decision.APPROVE, Decision.APPROVE_WITH_EXCLUSIONS


def unsure(commands: list[PlanCommand], *who: str) -> list[PlanCommand]:
    """The commands, with the candidates ``who`` registered as not stated to be in the
    cadre plan (a failed check, severity concern, for a first-time candidate)."""
    def change(command: PlanCommand) -> PlanCommand:
        if isinstance(command, RegisterCandidate) and command.nomination_id in who:
            return replace(command, candidate=replace(command.candidate, in_cadre_plan=None))
        return command
    return [change(c) for c in commands]


@pytest.fixture
def failing() -> PlanState:
    """The small plan (n01-n03 incumbents, n04 first-time) before the superior committee;
    n04's place in the cadre plan is not stated."""
    return awaiting_approval(given(*unsure(small_plan_commands(), N04)))


# --- what still fails -------------------------------------------------------------------------
def test_the_latest_failed_checks_are_the_warnings(failing: PlanState) -> None:
    n04 = failing.nominations[N04]

    assert [(c.code, c.severity) for c in failed_checks(n04)] == [("cadre_plan", "concern")]
    assert failed_checks(failing.nominations[N01]) == ()
    assert [(n.nomination_id, c.code) for n, c in failing.eligibility_warnings()] == [
        (N04, "cadre_plan")]


def test_warnings_leave_out_who_is_no_longer_in_play() -> None:
    state = given(open_plan(seats=3), *unsure([register(1, FIRST_TIME), register(2, FIRST_TIME)],
                                              N01, N02))
    assert {n.nomination_id for n, _ in state.eligibility_warnings()} == {N01, N02}

    after = given(withdraw(2), state=state)

    assert {n.nomination_id for n, _ in after.eligibility_warnings()} == {N01}


# --- approving past a failed check ----------------------------------------------------------------
@pytest.mark.parametrize("kind", [APPROVE, WITH_EXCLUSIONS])
def test_an_approval_must_acknowledge_each_failed_check(kind: Decision) -> None:
    state = awaiting_approval(given(*unsure(large_plan_commands(), N02, N12)))
    command = decision(kind, excluded=(exclusion(N03),) if kind is WITH_EXCLUSIONS else ())

    rejection = then_rejected(state, command, field="acknowledged",
                              rule="eligibility_unacknowledged")

    messages = [v.message for v in rejection.violations
                if v.rule == "eligibility_unacknowledged"]
    assert len(messages) == 1  # n02 is an incumbent: the cadre plan is asked of first-timers
    assert f"{candidate(12).full_name} (thẻ đảng TD-000012)" in messages[0]
    assert "«trong quy hoạch»" in messages[0] and "chưa có thông tin về quy hoạch" in messages[0]


def test_one_violation_per_person_and_check() -> None:
    state = awaiting_approval(given(*unsure(large_plan_commands(), N12, N13)))

    rejection = then_rejected(state, decision(), field="acknowledged",
                              rule="eligibility_unacknowledged")

    assert len([v for v in rejection.violations
                if v.rule == "eligibility_unacknowledged"]) == 2


def test_an_acknowledged_approval_records_the_acknowledgements(failing: PlanState) -> None:
    ack = acknowledgement(N04, "cadre_plan", "Đã có nghị quyết bổ sung quy hoạch số 12-NQ")

    events = when(failing, decision(acknowledged=(ack,)))

    approved = one(events, PlanApproved)
    assert approved.acknowledged == (Acknowledgement(
        nomination_id=N04, check_code="cadre_plan",
        reason="Đã có nghị quyết bổ sung quy hoạch số 12-NQ"),)
    assert given(events, state=failing).nominations[N04].status is NominationStatus.APPROVED
    stored = event_from_data("PlanApproved", 2, event_to_data(approved))
    assert stored == approved


def test_excluding_the_candidate_needs_no_acknowledgement() -> None:
    state = awaiting_approval(given(*unsure(large_plan_commands(), N12)))

    events = when(state, decision(WITH_EXCLUSIONS, excluded=(exclusion(N12),)))

    assert one(events, PlanApproved).acknowledged == ()


@pytest.mark.parametrize(("ack", "field", "rule"), [
    (acknowledgement(N99), "acknowledged[0].nomination_id", "acknowledgement_unknown"),
    (acknowledgement(N01), "acknowledged[0].check_code", "acknowledgement_unknown"),
    (acknowledgement(N04, "discipline_bar"), "acknowledged[0].check_code",
     "acknowledgement_unknown"),
    (acknowledgement(N04, reason="  "), "acknowledged[0].reason", "reason_required"),
    (acknowledgement(N04, reason="x" * 2001), "acknowledged[0].reason", "max_length"),
])
def test_a_bad_acknowledgement_is_refused(failing: PlanState, ack: Acknowledgement,
                                          field: str, rule: str) -> None:
    then_rejected(failing, decision(acknowledged=(ack,)), field=field, rule=rule)


def test_a_check_is_acknowledged_once(failing: PlanState) -> None:
    ack = acknowledgement(N04)

    rejection = then_rejected(failing, decision(acknowledged=(ack, ack)),
                              field="acknowledged[1]", rule="once_each")

    assert ("acknowledged", "eligibility_unacknowledged") not in rules_of(rejection)


@pytest.mark.parametrize("kind", [Decision.REJECT, Decision.SEND_BACK])
def test_only_an_approval_acknowledges(failing: PlanState, kind: Decision) -> None:
    then_rejected(failing, decision(kind, acknowledged=(acknowledgement(N04),)),
                  field="acknowledged", rule="only_when_approving")


def test_a_disqualifying_finding_still_needs_an_exclusion(failing: PlanState) -> None:
    state = awaiting_approval(given(*unsure(small_plan_commands(), N04)),
                              {N04: {AGENCIES[1]: DISQUALIFYING}})

    then_rejected(state, decision(acknowledged=(acknowledgement(N04),)), field="excluded",
                  rule="disqualified_not_excluded")


def test_a_history_recorded_before_acknowledgements_decides_as_then(failing: PlanState) -> None:
    events = decide(failing, decision(), now=NOW, legacy=True)

    assert one(events, PlanApproved).acknowledged == ()


def test_an_approval_recorded_as_v1_reads_with_no_acknowledgement() -> None:
    doc = golden.load(golden.path_of("PlanApproved", 1))
    assert "acknowledged" not in doc["data"]

    approved = event_from_data("PlanApproved", 1, doc["data"])

    assert isinstance(approved, PlanApproved) and approved.acknowledged == ()
    v2 = golden.load(golden.path_of("PlanApproved", 2))
    assert event_from_data("PlanApproved", 2, v2["data"]).acknowledged  # type: ignore[attr-defined]


# --- a failed check the procedure makes blocking -------------------------------------------------
def blocking(*codes: str) -> ProcedureDefinition:
    d35 = procedures.load("directive-35-2019")
    return replace(d35, eligibility=replace(d35.eligibility, blocking=codes))


WARNED = DisciplineRecord(kind=DisciplineKind.WARNING, decided_on=date(2024, 1, 1))


def warned(i: int) -> Candidate:
    """Cảnh cáo on 1 January 2024: barred for 30 months, until 1 July 2026."""
    return replace(candidate(i), discipline=(WARNED,))


def test_a_blocking_check_refuses_the_registration_with_its_figures() -> None:
    state = given(replace(open_plan(seats=3), procedure=blocking("discipline_bar")))

    rejection = then_rejected(state, register(1, INCUMBENT, person=warned(1)),
                              field="candidate", rule="eligibility_blocks")

    message = rejection.violations[0].message
    assert f"{candidate(1).full_name} (thẻ đảng TD-000001)" in message
    assert "cảnh cáo ngày 01/01/2024" in message and "chưa qua 30 tháng" in message
    assert "01/07/2026" in message


def test_without_blocking_the_same_failure_is_only_recorded() -> None:
    state = given(open_plan(seats=3))

    events = when(state, register(1, INCUMBENT, person=warned(1)))

    assert one(events, CandidateRegistered)
    assert [c.code for c in failed_checks(given(events, state=state).nominations[N01])] == [
        "discipline_bar"]


def test_only_the_checks_named_block() -> None:
    state = given(replace(open_plan(seats=3), procedure=blocking("retirement_margin")))

    assert types(when(state, register(1, INCUMBENT, person=warned(1))))[0] == (
        "CandidateRegistered")


def test_a_blocking_check_refuses_a_batch_row_and_a_correction() -> None:
    state = given(replace(open_plan(seats=3), procedure=blocking("discipline_bar")),
                  register(1, INCUMBENT))
    rows = batch(incumbents=[2, 3])
    bad_row = replace(rows, registrations=(
        rows.registrations[0], replace(rows.registrations[1], candidate=warned(3))))

    then_rejected(state, bad_row, field="registrations[1].candidate", rule="eligibility_blocks")
    then_rejected(state, correct(1, warned(1)), field="candidate", rule="eligibility_blocks")
    assert when(state, rows)


def test_a_plan_keeps_the_blocking_rules_it_was_opened_under() -> None:
    state = given(replace(open_plan(seats=3), procedure=blocking("discipline_bar")))

    assert state.procedure is not None
    assert state.procedure.eligibility.blocking == ("discipline_bar",)
    assert procedures.load("directive-35-2019").eligibility.blocking == ()
