"""Chỉ đạo điều chỉnh, bổ sung: the superior committee sends named candidates of one group back
to a named step; they go through the steps again from there, are appraised again, and the
plan is submitted in a new round."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from domain.approval import Decision, conclude_appraisals
from domain.commands import RecordConferenceResult
from domain.events import (
    AppraisalOpened,
    AppraisalsCompleted,
    DomainEvent,
    EligibilityChecked,
    GroupCompletedSteps,
    ListEntry,
    NominationDropped,
    NominationRevoteRequired,
    NominationSentBack,
    PlanApproved,
    PlanSentBack,
    PlanSubmitted,
    StructureAssessed,
    event_from_data,
    event_to_data,
    stream_of,
)
from domain.people import CandidateGroup
from domain.plan import GroupProgress, NominationStatus, PlanPhase, PlanState, fold
from tests.support.plans import (
    COMMITTEE,
    DEPARTMENT,
    N01,
    N02,
    N03,
    N04,
    N05,
    N20,
    N99,
    all_steps,
    conference,
    ids,
    open_plan,
    registrations,
    submit,
    tallies,
    votes,
)
from tests.unit.gwt import given, of_type, one, rules_of, then_rejected, types, when
from tests.unit.review import (
    AGENCIES,
    APPROVER,
    FIRST_TIME,
    INCUMBENT,
    History,
    appraisers,
    awaiting_approval,
    back_to,
    decision,
    opened_appraisals,
    sending_back,
    small_plan,
    small_plan_commands,
)

pytestmark = pytest.mark.unit

ROUND_1, ROUND_2 = appraisers("vong-1"), appraisers("vong-2")
LATER = date(2025, 5, 20)  # after the first round's conferences (1 May)


def again(step: int, group: CandidateGroup, yes: dict[str, int], *, round: int = 2,
          held_on: date = LATER) -> RecordConferenceResult:
    """A conference of a later round, under a minutes' id of its own."""
    return conference(step, group, yes, held_on=held_on,
                      command_id=f"r{round}-{group.value}-{step}-{tallies(yes)}")


@pytest.fixture
def awaiting() -> PlanState:
    """3 seats, incumbents n01-n03 and first-time n04 on the list, appraised and cleared."""
    return awaiting_approval(small_plan(), by=ROUND_1)


@pytest.fixture
def sent_back(awaiting: PlanState) -> PlanState:
    """n04 sent back to step 3 of the first-time group."""
    return given(sending_back(3, FIRST_TIME, N04), state=awaiting)


# --- the decision --------------------------------------------------------------------------
def test_named_candidates_are_sent_back_to_a_named_step(awaiting: PlanState) -> None:
    command = decision(Decision.SEND_BACK, reasons="Làm rõ đơn thư",
                       send_back=back_to(3, INCUMBENT, N01, N02))

    events = when(awaiting, command)

    assert types(events) == ["PlanSentBack", "NominationSentBack", "NominationSentBack"]
    assert one(events, PlanSentBack) == PlanSentBack(
        plan_id="plan-1", occurred_at=events[0].occurred_at, actor=APPROVER,
        command_id=command.command_id, round=1, decision_ref="125-QĐ/HU",
        reasons="Làm rõ đơn thư", position_group=COMMITTEE, candidate_group=INCUMBENT, step=3,
        nominations=(N01, N02))
    assert [(e.nomination_id, e.round, e.step, e.reasons, stream_of(e))
            for e in of_type(events, NominationSentBack)] == [
        (N01, 1, 3, "Làm rõ đơn thư", f"nomination-{N01}"),
        (N02, 1, 3, "Làm rõ đơn thư", f"nomination-{N02}")]


@pytest.mark.parametrize("step", [0, 6, 9])
def test_the_step_must_be_a_step_of_the_procedure(awaiting: PlanState, step: int) -> None:
    rejection = then_rejected(awaiting, sending_back(step, FIRST_TIME, N04),
                              field="send_back.step", rule="known_step")

    assert rules_of(rejection) == {("send_back.step", "known_step")}


def test_the_group_must_be_a_group_of_the_plan(awaiting: PlanState) -> None:
    command = decision(Decision.SEND_BACK,
                       send_back=back_to(3, INCUMBENT, N01, position_group="secretary"))

    then_rejected(awaiting, command, field="send_back.position_group", rule="known_group")


def test_the_candidates_must_be_of_the_named_group(awaiting: PlanState) -> None:
    rejection = then_rejected(awaiting, sending_back(3, FIRST_TIME, N04, N01),
                              field="send_back.nominations[1]", rule="listed_in_group")

    assert rules_of(rejection) == {("send_back.nominations[1]", "listed_in_group")}


def test_the_candidates_must_be_on_the_list() -> None:
    """n05 fell below the mark at step 1; n99 was never registered."""
    state = awaiting_approval(given(
        open_plan(seats=3), *registrations(incumbents=[1, 2, 3, 5], first_time=[4]),
        *all_steps(INCUMBENT, {**votes(ids([1, 2, 3])), N05: 2}, steps=[1]),
        *all_steps(INCUMBENT, votes(ids([1, 2, 3])), steps=range(2, 6)),
        *all_steps(FIRST_TIME, votes([N04])), submit()))

    rejection = then_rejected(state, sending_back(2, INCUMBENT, N05, N99),
                              field="send_back.nominations[0]", rule="listed_in_group")

    assert rules_of(rejection) == {("send_back.nominations[0]", "listed_in_group"),
                                   ("send_back.nominations[1]", "listed_in_group")}


def test_a_send_back_names_the_candidates(awaiting: PlanState) -> None:
    then_rejected(awaiting, sending_back(3, FIRST_TIME), field="send_back.nominations",
                  rule="required")
    then_rejected(awaiting, decision(Decision.SEND_BACK, send_back=None), field="send_back",
                  rule="required")


def test_a_candidate_is_sent_back_once(awaiting: PlanState) -> None:
    then_rejected(awaiting, sending_back(3, FIRST_TIME, N04, N04),
                  field="send_back.nominations", rule="once_each")


# --- back in the steps ---------------------------------------------------------------------
def test_after_a_send_back_the_group_resumes_at_the_named_step(sent_back: PlanState,
                                                               awaiting: PlanState) -> None:
    state = sent_back

    assert (state.phase, state.round) == (PlanPhase.IN_PROCEDURE, 2)
    assert state.progress[(COMMITTEE, FIRST_TIME)] == GroupProgress(step=3, attempt=1,
                                                                    started=True)
    assert state.progress[(COMMITTEE, INCUMBENT)] == awaiting.progress[(COMMITTEE, INCUMBENT)]
    assert state.current_track() == (COMMITTEE, FIRST_TIME)
    n04 = state.nominations[N04]
    assert (n04.status, n04.last_passed_step) == (NominationStatus.STANDING, 2)
    assert [n.nomination_id for n in state.all_listed()] == [N01, N02, N03]
    assert set(state.appraisals) == {N01, N02, N03}
    assert state.to_appraise() == []


def test_only_the_sent_back_candidates_vote_at_the_step(awaiting: PlanState) -> None:
    state = given(sending_back(2, INCUMBENT, N01, N02), state=awaiting)
    assert [n.nomination_id for n in state.all_listed()] == [N03, N04]

    then_rejected(state, conference(2, INCUMBENT, votes(ids([1, 2, 3])), held_on=LATER),
                  field="votes", rule="on_the_list")
    then_rejected(state, conference(2, INCUMBENT, votes([N01]), held_on=LATER),
                  field="votes", rule="complete")
    then_rejected(state, conference(3, INCUMBENT, votes([N01, N02]), held_on=LATER),
                  field="step", rule="step_order")
    then_rejected(state, conference(2, FIRST_TIME, votes([N04]), held_on=LATER),
                  field="candidate_group", rule="group_order")
    then_rejected(state, conference(2, INCUMBENT, votes([N01, N02]),
                                    held_on=date(2025, 4, 30)),
                  field="held_on", rule="chronological")

    events = when(state, conference(2, INCUMBENT, votes([N01, N02]), held_on=LATER))

    assert {e.nomination_id for e in events if hasattr(e, "nomination_id")} == {N01, N02}
    assert given(events, state=state).progress[(COMMITTEE, INCUMBENT)].step == 3


def test_a_send_back_keeps_the_rest_of_the_list(sent_back: PlanState) -> None:
    """The candidates not named keep their place and their appraisal."""
    for n in (N01, N02, N03):
        assert sent_back.nominations[n].status is NominationStatus.LISTED
        appraisal = sent_back.appraisals[n]
        assert (appraisal.completed, appraisal.round, appraisal.outcome) == (True, 1, "cleared")


def test_a_sent_back_candidate_who_fails_again_repeats_the_step_if_the_list_would_be_short(
        sent_back: PlanState) -> None:
    """A list of 3 seats must keep 4 names: the step is held again rather than drop n04."""
    events = when(sent_back, conference(3, FIRST_TIME, {N04: 2}, held_on=LATER))

    assert types(events) == ["ConferenceResultRecorded", "NominationRevoteRequired"]
    assert one(events, NominationRevoteRequired).nomination_id == N04
    assert given(events, state=sent_back).progress[(COMMITTEE, FIRST_TIME)].attempt == 2


def test_a_sent_back_candidate_can_fall_when_the_list_keeps_its_surplus() -> None:
    """20 seats and 23 names: n20 sent back to step 2 falls there, 22 remain (at least 22
    are needed) and the plan goes up again without a new appraisal."""
    state = awaiting_approval(given(
        open_plan(seats=20), *registrations(incumbents=range(1, 16), first_time=range(16, 24)),
        *all_steps(INCUMBENT, votes(ids(range(1, 16)))),
        *all_steps(FIRST_TIME, votes(ids(range(16, 24)))), submit()))
    state = given(sending_back(2, FIRST_TIME, N20), state=state)

    events = when(state, conference(2, FIRST_TIME, {N20: 2}, held_on=LATER))

    assert one(events, NominationDropped).reason_code == "below_threshold"
    assert one(events, GroupCompletedSteps).listed == ()
    state = given(events, submit("submit-2"), state=state)
    assert len(state.all_listed()) == 22
    assert state.to_appraise() == []
    concluded = one(conclude_appraisals(state, now=events[0].occurred_at), AppraisalsCompleted)
    assert (concluded.round, len(concluded.results)) == (2, 22)


# --- the second round ----------------------------------------------------------------------
def test_the_sent_back_candidate_is_appraised_again_once_listed(sent_back: PlanState) -> None:
    state = given(*(again(step, FIRST_TIME, {N04: 12})
                    for step in (3, 4, 5)), state=sent_back)

    assert state.nominations[N04].status is NominationStatus.LISTED
    assert [n.nomination_id for n in state.to_appraise()] == [N04]
    events = when(state, submit("submit-2"))
    assert one(events, StructureAssessed).round == 2
    assert one(events, PlanSubmitted).lists == (
        ListEntry(position_group=COMMITTEE, seats=3, nominations=(N01, N02, N03, N04)),)
    assert sorted(e.nomination_id for e in of_type(events, EligibilityChecked)) == [
        N01, N02, N03, N04]
    state = given(events, state=state)

    opened = opened_appraisals(state)

    assert [(e.nomination_id, e.round, e.command_id) for e in of_type(opened, AppraisalOpened)] \
        == [(N04, 2, f"appraisal-{N04}-r2-open")]


def second_round() -> History:
    """Round 1 appraised by ROUND_1 officers, n04 sent back to step 3, then through steps
    3-5 again, resubmitted and n04 appraised by ROUND_2 officers."""
    life = History()
    life.decide(*small_plan_commands())
    life.appraise(by=ROUND_1)
    life.add(conclude_appraisals(life.state, now=life.events[-1].occurred_at))
    life.decide(sending_back(3, FIRST_TIME, N04))
    life.decide(*(again(step, FIRST_TIME, {N04: 12})
                  for step in (3, 4, 5)), submit("submit-2"))
    life.appraise(by=ROUND_2)
    life.add(conclude_appraisals(life.state, now=life.events[-1].occurred_at))
    return life


def test_the_second_round_goes_up_and_is_approved() -> None:
    life = second_round()
    before = life.state
    concluded = of_type(life.events, AppraisalsCompleted)
    assert [(e.round, len(e.results)) for e in concluded] == [(1, 4), (2, 4)]
    assert before.phase is PlanPhase.AWAITING_APPROVAL
    assert before.appraisals[N04].round == 2
    assert before.appraisals[N01].round == 1

    approved = life.decide(decision(command_id="quyet-dinh-2"))

    after = life.state
    assert one(approved, PlanApproved).round == 2
    assert after.phase is PlanPhase.APPROVED
    assert {n.status for n in after.nominations.values()} == {NominationStatus.APPROVED}


def test_the_whole_second_round_folds_consistently() -> None:
    life = second_round()
    life.decide(decision(command_id="quyet-dinh-2"))

    def stored(event: DomainEvent) -> DomainEvent:
        text = json.dumps(event_to_data(event), ensure_ascii=False)
        return event_from_data(event.TYPE, event.SCHEMA_VERSION, json.loads(text))

    assert fold(life.events) == life.state
    assert fold(stored(e) for e in life.events) == life.state
    assert life.state.versions == dict(Counter(stream_of(e) for e in life.events))
    assert life.state.round == 2
    n04 = [e.TYPE for e in life.events if stream_of(e) == f"nomination-{N04}"]
    assert n04.count("AppraisalOpened") == 2
    assert n04[n04.index("NominationSentBack"):] == [
        "NominationSentBack", *["NominationAdvanced"] * 3, "EligibilityChecked",
        "AppraisalOpened", *["FindingRecorded"] * 3, "AppraisalCompleted",
        "NominationApproved"]


@pytest.mark.parametrize("who", ["round 1 appraiser", "round 2 appraiser", "submitter"])
def test_who_took_part_in_either_round_does_not_decide(who: str) -> None:
    state = second_round().state
    user_id = {"round 1 appraiser": ROUND_1[AGENCIES[1]].user_id,
               "round 2 appraiser": ROUND_2[AGENCIES[2]].user_id,
               "submitter": DEPARTMENT.user_id}[who]
    actor = replace(APPROVER, user_id=user_id)

    then_rejected(state, decision(command_id="quyet-dinh-2", actor=actor),
                  field="actor.user_id", rule="separation_of_duties")


def test_the_committee_that_sent_the_plan_back_decides_again() -> None:
    state = second_round().state

    assert when(state, decision(command_id="quyet-dinh-2", actor=APPROVER))
    assert when(state, decision(command_id="quyet-dinh-1")) == []  # the send-back's own id


def test_a_plan_can_be_sent_back_twice() -> None:
    life = second_round()

    events = life.decide(sending_back(5, FIRST_TIME, N04, command_id="quyet-dinh-2"))

    assert one(events, PlanSentBack).round == 2
    assert life.state.round == 3
    assert life.state.progress[(COMMITTEE, FIRST_TIME)].step == 5
    assert one(life.decide(again(5, FIRST_TIME, {N04: 12}, round=3,
                                 held_on=date(2025, 5, 25)),
                           submit("submit-3")), StructureAssessed).round == 3
