"""Recording a step's conference: who may sit, whose tallies, in which order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest

from domain.conference import quorum_required
from domain.events import ConferenceResultRecorded, NominationAdvanced
from domain.people import CandidateGroup, Role
from domain.plan import GroupProgress, NominationStatus, PlanPhase, PlanState
from domain.plan_terms import Vote
from tests.support.plans import (
    COMMITTEE,
    DEPARTMENT,
    N01,
    N02,
    N03,
    N04,
    N05,
    N99,
    all_steps,
    conference,
    ids,
    open_plan,
    registrations,
    votes,
)
from tests.unit.gwt import given, of_type, one, recorded, then_rejected, types, when

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
FOUR = ids(range(1, 5))  # 3 seats need a list of exactly 4


@pytest.fixture
def ready() -> PlanState:
    """3 seats, four incumbents and one first-time candidate registered, no conference yet."""
    return given(open_plan(seats=3), *registrations(incumbents=range(1, 5), first_time=[5]))


def test_step_1_advances_everyone_above_the_mark(ready: PlanState) -> None:
    events = when(ready, conference(1, INCUMBENT, votes(FOUR, 12)))

    assert types(events) == ["ConferenceResultRecorded"] + ["NominationAdvanced"] * 4
    result = one(events, ConferenceResultRecorded)
    assert (result.position_group, result.candidate_group) == (COMMITTEE, INCUMBENT)
    assert (result.step, result.attempt, result.body) == (1, 1, "standing_committee")
    assert (result.summoned, result.attending, result.quorum_required) == (15, 15, 10)
    assert (result.pass_base, result.base_count, result.threshold) == ("summoned", 15, "1/2")
    assert result.outcome == "advanced"
    assert result.passed == tuple(FOUR)
    assert (result.standing_after, result.list_minimum) == (5, 4)  # 4 passed + 1 first-time
    for event in of_type(events, NominationAdvanced):
        assert (event.step, event.attempt, event.next_step) == (1, 1, 2)
        assert event.tally.yes == 12 and event.tally.needed == 8
        assert event.tally.body == "standing_committee"


def test_after_step_1_the_group_is_at_step_2(ready: PlanState) -> None:
    state = given(conference(1, INCUMBENT, votes(FOUR)), state=ready)

    assert state.phase is PlanPhase.IN_PROCEDURE
    assert state.progress[(COMMITTEE, INCUMBENT)] == GroupProgress(step=2, started=True)
    assert state.nominations[N01].status is NominationStatus.STANDING
    assert state.nominations[N01].last_passed_step == 1
    assert state.last_held_on == date(2025, 5, 1)


def test_each_step_meets_in_its_own_body(ready: PlanState) -> None:
    events = recorded(*all_steps(INCUMBENT, votes(FOUR)), state=ready)

    bodies = [e.body for e in of_type(events, ConferenceResultRecorded)]
    assert bodies == ["standing_committee", "key_cadres_conference", "executive_committee",
                      "standing_committee", "executive_committee"]


# --- quorum: at least 2/3 of those summoned ----------------------------------------------
@pytest.mark.parametrize(("summoned", "attending"), [(15, 10), (16, 11), (3, 2), (30, 20)])
def test_exactly_two_thirds_attending_may_sit(ready: PlanState, summoned: int,
                                              attending: int) -> None:
    command = conference(1, INCUMBENT, votes(FOUR, attending), summoned=summoned,
                         attending=attending)
    result = one(when(ready, command), ConferenceResultRecorded)

    assert result.quorum_required == attending


@pytest.mark.parametrize(("summoned", "attending"), [(15, 9), (16, 10), (3, 1), (30, 19)])
def test_one_short_of_two_thirds_may_not_sit(ready: PlanState, summoned: int,
                                             attending: int) -> None:
    command = conference(1, INCUMBENT, votes(FOUR, attending), summoned=summoned,
                         attending=attending)

    then_rejected(ready, command, field="attending", rule="quorum")


def test_quorum_required_rounds_up() -> None:
    assert [quorum_required(n, Fraction(2, 3)) for n in (1, 2, 3, 15, 16, 17, 18)] == [
        1, 2, 2, 10, 11, 12, 12]


# --- the minutes must add up ---------------------------------------------------------------
def test_more_attending_than_summoned(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes(FOUR), summoned=15, attending=16),
                  field="attending", rule="within_summoned")


def test_nobody_summoned(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes(FOUR, 0), summoned=0),
                  field="summoned", rule="positive")


def test_more_ballots_issued_than_attending(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes(FOUR, 12), attending=12,
                                    ballots_issued=13, ballots_valid=12),
                  field="ballots_issued", rule="within_attending")


def test_more_valid_ballots_than_issued(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes(FOUR, 12), attending=12,
                                    ballots_issued=12, ballots_valid=13),
                  field="ballots_valid", rule="within_issued")


def test_more_yes_votes_than_valid_ballots(ready: PlanState) -> None:
    yes = {**votes(FOUR, 12), N03: 13}
    command = conference(1, INCUMBENT, yes, attending=13, ballots_issued=13, ballots_valid=12)

    then_rejected(ready, command, field="votes[2].yes", rule="within_valid_ballots")


def test_a_negative_tally(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, {**votes(FOUR), N04: -1}),
                  field="votes[3].yes", rule="within_valid_ballots")


# --- one tally for each candidate on the step, no other ------------------------------------
def test_a_missing_tally(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes(FOUR[:3])),
                  field="votes", rule="complete")


def test_a_duplicate_tally(ready: PlanState) -> None:
    command = conference(1, INCUMBENT, votes(FOUR))
    command = replace(command, votes=(*command.votes, Vote(nomination_id=N01, yes=3)))

    then_rejected(ready, command, field="votes", rule="one_tally_each")


def test_a_tally_for_someone_not_on_the_step(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes([*FOUR, N99])),
                  field="votes", rule="on_the_list")


def test_a_tally_for_a_candidate_of_the_other_group(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes([*FOUR, N05])),
                  field="votes", rule="on_the_list")


def test_a_dropped_candidate_is_no_longer_on_the_list() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 6)),
                  conference(1, INCUMBENT, {**votes(FOUR), N05: 2}))

    assert state.nominations[N05].status is NominationStatus.DROPPED
    then_rejected(state, conference(2, INCUMBENT, votes([*FOUR, N05])),
                  field="votes", rule="on_the_list")


# --- order of steps and of groups -----------------------------------------------------------
def test_steps_cannot_be_skipped(ready: PlanState) -> None:
    then_rejected(ready, conference(2, INCUMBENT, votes(FOUR)), field="step", rule="step_order")


def test_a_step_cannot_be_held_twice(ready: PlanState) -> None:
    state = given(conference(1, INCUMBENT, votes(FOUR)), state=ready)

    then_rejected(state, conference(1, INCUMBENT, votes(FOUR), command_id="again"),
                  field="step", rule="step_order")


def test_first_time_candidates_wait_until_incumbents_finished(ready: PlanState) -> None:
    state = given(*all_steps(INCUMBENT, votes(FOUR), steps=range(1, 5)), state=ready)

    then_rejected(state, conference(1, FIRST_TIME, votes([N05])),
                  field="candidate_group", rule="group_order")


def test_first_time_candidates_go_after_incumbents_finished(ready: PlanState) -> None:
    state = given(*all_steps(INCUMBENT, votes(FOUR)), state=ready)

    result = one(when(state, conference(1, FIRST_TIME, votes([N05]))),
                 ConferenceResultRecorded)
    assert (result.candidate_group, result.step) == (FIRST_TIME, 1)


def test_a_conference_for_another_position_group_is_out_of_order(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes(FOUR), position_group="secretary"),
                  field="candidate_group", rule="group_order")


def test_nothing_to_vote_once_every_group_finished(ready: PlanState) -> None:
    state = given(*all_steps(INCUMBENT, votes(FOUR)), *all_steps(FIRST_TIME, votes([N05])),
                  state=ready)

    then_rejected(state, conference(1, FIRST_TIME, votes([N05]), command_id="late"),
                  field="step", rule="nothing_to_vote")


# --- dates --------------------------------------------------------------------------------
def test_a_conference_cannot_be_held_in_the_future(ready: PlanState) -> None:
    then_rejected(ready, conference(1, INCUMBENT, votes(FOUR), held_on=date(2025, 6, 2)),
                  field="held_on", rule="not_in_future")


def test_conferences_are_recorded_in_the_order_they_were_held(ready: PlanState) -> None:
    state = given(conference(1, INCUMBENT, votes(FOUR), held_on=date(2025, 5, 10)), state=ready)

    then_rejected(state, conference(2, INCUMBENT, votes(FOUR), held_on=date(2025, 5, 9)),
                  field="held_on", rule="chronological")
    assert when(state, conference(2, INCUMBENT, votes(FOUR), held_on=date(2025, 5, 10)))


# --- the list before the steps begin ------------------------------------------------------
def test_the_steps_need_a_full_list_before_they_begin() -> None:
    """15 seats need 15 + 2 (10%, rounded up) = 17 candidates; 16 is not enough."""
    sixteen = given(open_plan(seats=15), *registrations(incumbents=range(1, 17)))
    seventeen = given(open_plan(seats=15), *registrations(incumbents=range(1, 18)))

    then_rejected(sixteen, conference(1, INCUMBENT, votes(ids(range(1, 17)))),
                  field="position_group", rule="list_minimum")
    result = one(when(seventeen, conference(1, INCUMBENT, votes(ids(range(1, 18))))),
                 ConferenceResultRecorded)
    assert result.list_minimum == 17


def test_the_list_minimum_counts_both_groups() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=[1, 2], first_time=[3, 4]))

    assert one(when(state, conference(1, INCUMBENT, votes([N01, N02]))),
               ConferenceResultRecorded).standing_after == 4


def test_a_small_committee_needs_exactly_one_more_candidate_than_seats() -> None:
    three = given(open_plan(seats=3), *registrations(incumbents=range(1, 4)))

    then_rejected(three, conference(1, INCUMBENT, votes(ids(range(1, 4)))),
                  field="position_group", rule="list_minimum")


# --- who may record -------------------------------------------------------------------------
def test_only_the_organization_department_records_a_conference(ready: PlanState) -> None:
    counter = replace(DEPARTMENT, role=Role.VOTE_COUNTING_COMMITTEE)

    then_rejected(ready, replace(conference(1, INCUMBENT, votes(FOUR)), actor=counter),
                  field="actor.role", rule="role_not_permitted")


def test_no_conference_before_the_plan_is_opened() -> None:
    then_rejected(given(), conference(1, INCUMBENT, votes(FOUR)),
                  field="plan_id", rule="not_opened")
