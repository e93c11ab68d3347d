"""Changing a plan in preparation: a candidate withdraws (rút khỏi danh sách), particulars
are corrected (đính chính), the plan is cancelled (hủy đề án) and its term released."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.events import (
    CandidateWithdrawn,
    EligibilityChecked,
    PlanCancelled,
    PlanTermReleased,
    RegistrationCorrected,
    stream_of,
)
from domain.people import CandidateGroup, Role
from domain.plan import NominationStatus, PlanPhase, PlanState
from domain.snapshot import from_snapshot, to_snapshot
from tests.support.plans import (
    DEPARTMENT,
    N01,
    N02,
    N04,
    N05,
    N99,
    NOW,
    ORG,
    all_steps,
    cancel,
    candidate,
    conference,
    correct,
    ids,
    nid,
    open_plan,
    register,
    registrations,
    submit,
    votes,
    withdraw,
)
from tests.unit.gwt import given, one, then_rejected, types, when
from tests.unit.review import small_plan

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME


@pytest.fixture
def ready() -> PlanState:
    """3 seats (a list of exactly 4): five incumbents and one first-time candidate."""
    return given(open_plan(seats=3),
                 *registrations(incumbents=range(1, 6), first_time=[6]))


@pytest.fixture
def in_steps(ready: PlanState) -> PlanState:
    """The incumbents went through step 1."""
    return given(conference(1, INCUMBENT, votes(ids(range(1, 6)))), state=ready)


# --- withdrawing -----------------------------------------------------------------------------
def test_a_withdrawn_candidate_stays_on_record_out_of_play(ready: PlanState) -> None:
    events = when(ready, withdraw(2, "Xin rút vì lý do sức khỏe"))

    event = one(events, CandidateWithdrawn)
    assert (event.nomination_id, event.reason) == (N02, "Xin rút vì lý do sức khỏe")
    assert (event.actor, event.command_id) == (DEPARTMENT, "withdraw-2")
    assert stream_of(event) == f"nomination-{N02}"
    nomination = given(events, state=ready).nominations[N02]
    assert nomination.status is NominationStatus.WITHDRAWN and not nomination.in_play
    assert nomination.candidate == candidate(2)


def test_a_withdrawn_candidate_needs_no_tally(in_steps: PlanState) -> None:
    state = given(withdraw(2), state=in_steps)
    without = {n: 12 for n in ids([1, 3, 4, 5])}

    assert types(when(state, conference(2, INCUMBENT, without)))[0] == (
        "ConferenceResultRecorded")
    then_rejected(state, conference(2, INCUMBENT, {**without, N02: 12}), field="votes",
                  rule="on_the_list")


def test_a_listed_candidate_may_withdraw_before_submission(ready: PlanState) -> None:
    """Withdrawn from a list of exactly 4, the list is too short to submit."""
    state = given(withdraw(5), *all_steps(INCUMBENT, votes(ids(range(1, 5)))),
                  *all_steps(FIRST_TIME, votes([nid(6)])), state=ready)
    assert state.nominations[N04].status is NominationStatus.LISTED

    after = given(withdraw(4), state=state)

    assert after.nominations[N04].status is NominationStatus.WITHDRAWN
    then_rejected(after, submit(), field="lists.committee_member", rule="list_minimum")


@pytest.mark.parametrize("status", ["withdrawn", "dropped"])
def test_only_a_candidate_in_play_or_listed_can_withdraw(in_steps: PlanState,
                                                         status: str) -> None:
    if status == "withdrawn":
        state = given(withdraw(2), state=in_steps)
    else:
        state = given(conference(2, INCUMBENT, {**votes(ids([1, 3, 4, 5])), N02: 1}),
                      state=in_steps)
    assert state.nominations[N02].status.value == status

    rejection = then_rejected(state, withdraw(2, command_id="withdraw-again"),
                              field="nomination_id", rule="not_withdrawable")

    assert candidate(2).full_name in rejection.violations[0].message


def test_an_unknown_nomination_cannot_withdraw(ready: PlanState) -> None:
    then_rejected(ready, replace(withdraw(1), nomination_id=N99), field="nomination_id",
                  rule="unknown_nomination")


def test_no_withdrawal_once_submitted() -> None:
    then_rejected(small_plan(), withdraw(1), field="plan_id", rule="already_submitted")


def test_only_the_plans_organization_department_withdraws(ready: PlanState) -> None:
    then_rejected(ready, replace(withdraw(1), actor=replace(DEPARTMENT, role=Role.AUDITOR)),
                  field="actor.role", rule="role_not_permitted")


# --- correcting ----------------------------------------------------------------------------------
def test_a_correction_records_both_versions_and_checks_again(ready: PlanState) -> None:
    fixed = replace(candidate(2), birth_date=date(1975, 3, 3), current_post="Phó Bí thư")

    events = when(ready, correct(2, fixed, "Sai ngày sinh so với hồ sơ đảng viên"))

    assert types(events) == ["RegistrationCorrected", "EligibilityChecked"]
    corrected = one(events, RegistrationCorrected)
    assert (corrected.previous, corrected.candidate) == (candidate(2), fixed)
    assert corrected.reason == "Sai ngày sinh so với hồ sơ đảng viên"
    checked = one(events, EligibilityChecked)
    assert (checked.nomination_id, checked.occasion) == (N02, "correction")
    assert {stream_of(e) for e in events} == {f"nomination-{N02}"}
    after = given(events, state=ready).nominations[N02]
    assert after.candidate == fixed
    assert after.eligibility == checked.checks
    assert after.status is NominationStatus.REGISTERED


def test_a_correction_that_fails_a_check_records_the_failure(ready: PlanState) -> None:
    """Born a year earlier than registered: too close to retirement to stand again."""
    too_old = replace(candidate(2), birth_date=date(1963, 6, 1))

    after = given(correct(2, too_old), state=ready).nominations[N02]

    assert [(c.code, c.passed) for c in after.eligibility] == [("retirement_margin", False)]


def test_a_correction_must_change_something(ready: PlanState) -> None:
    then_rejected(ready, correct(2, candidate(2)), field="candidate", rule="unchanged")


def test_a_correction_cannot_make_a_duplicate(ready: PlanState) -> None:
    same_card = replace(candidate(2), party_card_number=candidate(3).party_card_number)

    rejection = then_rejected(ready, correct(2, same_card), field="candidate",
                              rule="already_nominated")

    assert candidate(3).full_name in rejection.violations[0].message


def test_a_corrected_candidate_passes_the_door_again(ready: PlanState) -> None:
    hidden = replace(candidate(2), full_name="Trần\u200bThị Bình")

    then_rejected(ready, correct(2, hidden), field="candidate.full_name",
                  rule="no_control_characters")
    then_rejected(ready, correct(2, replace(candidate(2), full_name="")),
                  field="candidate.full_name", rule="required")
    then_rejected(ready, correct(2, replace(candidate(2), current_post="x"), reason=" "),
                  field="reason", rule="reason_required")


def test_a_withdrawn_or_dropped_candidate_is_not_corrected(in_steps: PlanState) -> None:
    state = given(withdraw(2), state=in_steps)

    then_rejected(state, correct(2, replace(candidate(2), current_post="x")),
                  field="nomination_id", rule="not_correctable")


def test_a_candidate_in_the_steps_may_be_corrected(in_steps: PlanState) -> None:
    fixed = replace(candidate(1), ethnicity="Tày")

    after = given(correct(1, fixed), state=in_steps).nominations[N01]

    assert after.candidate.is_ethnic_minority
    assert after.status is NominationStatus.STANDING and after.last_passed_step == 1


# --- cancelling -----------------------------------------------------------------------------------
def test_a_cancelled_plan_releases_its_term(in_steps: PlanState) -> None:
    events = when(in_steps, cancel("Sáp nhập đơn vị hành chính"))

    assert types(events) == ["PlanCancelled", "PlanTermReleased"]
    assert one(events, PlanCancelled).reason == "Sáp nhập đơn vị hành chính"
    released = one(events, PlanTermReleased)
    assert (released.organization_id, released.term, released.reason_code) == (
        ORG.organization_id, "2025-2030", "cancelled")
    assert stream_of(released) == "term-org-xa-an-binh-2025-2030"
    after = given(events, state=in_steps)
    assert after.phase is PlanPhase.CANCELLED and not after.term_held


@pytest.mark.parametrize("command", [register(9, INCUMBENT), withdraw(1),
                                     conference(2, INCUMBENT, votes(ids(range(1, 6)))),
                                     submit(), cancel(command_id="cancel-2")],
                         ids=["register", "withdraw", "conference", "submit", "cancel"])
def test_a_cancelled_plan_changes_no_more(in_steps: PlanState, command: object) -> None:
    state = given(cancel(), state=in_steps)

    then_rejected(state, command, field="plan_id", rule="plan_cancelled")  # type: ignore[arg-type]


def test_a_submitted_plan_is_not_cancelled() -> None:
    then_rejected(small_plan(), cancel(), field="plan_id", rule="already_submitted")


def test_cancelling_needs_a_reason_and_the_organization_department(ready: PlanState) -> None:
    then_rejected(ready, cancel(" "), field="reason", rule="reason_required")
    outsider = replace(DEPARTMENT, organization_id="org-xa-khac")
    then_rejected(ready, replace(cancel(), actor=outsider), field="actor.organization_id",
                  rule="outside_scope")


def test_a_plan_opened_before_term_claims_releases_nothing(ready: PlanState) -> None:
    """decide(..., legacy=True) opens without a claim: there is nothing to release."""
    from domain.decide import decide

    old = given(decide(PlanState(), open_plan(seats=3), now=NOW, legacy=True))
    assert not old.term_held

    assert types(when(old, cancel())) == ["PlanCancelled"]


# --- the state survives a continue-as-new ---------------------------------------------------------
def test_the_new_fields_survive_a_snapshot(in_steps: PlanState) -> None:
    state = given(withdraw(5), correct(2, replace(candidate(2), current_post="Phó Bí thư")),
                  state=in_steps)

    assert from_snapshot(to_snapshot(state)) == state
    cancelled = given(cancel(), state=state)
    assert from_snapshot(to_snapshot(cancelled)) == cancelled
    assert from_snapshot(to_snapshot(cancelled)).nominations[N05].status is (
        NominationStatus.WITHDRAWN)


def test_a_snapshot_taken_before_term_claims_reads_with_none() -> None:
    data = to_snapshot(small_plan())
    del data["term_held"], data["follows"]

    state = from_snapshot(data)

    assert (state.term_held, state.follows) == (False, None)
