"""The list's size: a step is repeated when too few pass; the last step cuts when too many do."""

from __future__ import annotations

import pytest

import procedures
from domain.events import (
    ConferenceResultRecorded,
    GroupCompletedSteps,
    NominationAdvanced,
    NominationDropped,
    NominationRevoteRequired,
    PlanSubmitted,
)
from domain.people import CandidateGroup
from domain.plan import GroupProgress, NominationStatus, PlanState
from tests.support.plans import (
    COMMITTEE,
    N01,
    N02,
    N03,
    N04,
    N05,
    N06,
    N07,
    N16,
    N17,
    all_steps,
    candidate,
    conference,
    ids,
    open_plan,
    registrations,
    submit,
    votes,
)
from tests.unit.gwt import by_nomination, given, of_type, one, then_rejected, types, when

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
SEVENTEEN = ids(range(1, 18))
ONE_SHORT = {**votes(SEVENTEEN), N17: 5}  # 16 pass: one fewer than 15 seats + 2


@pytest.mark.parametrize(("seats", "bounds"), [
    (0, (0, 0)), (1, (2, 2)), (3, (4, 4)), (4, (5, 5)), (5, (6, 6)),  # small: exactly +1
    (6, (7, 7)), (10, (11, 11)), (15, (17, 17)), (20, (22, 23)), (40, (44, 46)),
])
def test_list_bounds(seats: int, bounds: tuple[int, int]) -> None:
    assert procedures.load().surplus.list_bounds(seats) == bounds


# --- the repeat (giới thiệu lại) ------------------------------------------------------------
@pytest.fixture
def fifteen_seats() -> PlanState:
    return given(open_plan(seats=15), *registrations(incumbents=range(1, 18)))


def test_too_few_passing_repeats_the_step_for_everyone(fifteen_seats: PlanState) -> None:
    events = when(fifteen_seats, conference(1, INCUMBENT, ONE_SHORT))

    assert types(events) == ["ConferenceResultRecorded"] + ["NominationRevoteRequired"] * 17
    result = one(events, ConferenceResultRecorded)
    assert result.outcome == "revote_required"
    assert (result.attempt, result.standing_after, result.list_minimum) == (1, 16, 17)
    assert len(result.passed) == 16 and N17 not in result.passed
    repeats = of_type(events, NominationRevoteRequired)
    assert {e.nomination_id for e in repeats} == set(SEVENTEEN)
    assert all((e.step, e.attempt) == (1, 1) for e in repeats)
    assert repeats[-1].tally.yes == 5


def test_after_a_repeat_the_group_stays_at_the_step_with_attempt_2(
        fifteen_seats: PlanState) -> None:
    state = given(conference(1, INCUMBENT, ONE_SHORT), state=fifteen_seats)

    assert state.progress[(COMMITTEE, INCUMBENT)] == GroupProgress(step=1, attempt=2,
                                                                   started=True)
    assert all(n.status is NominationStatus.REGISTERED for n in state.nominations.values())
    then_rejected(state, conference(2, INCUMBENT, votes(SEVENTEEN)),
                  field="step", rule="step_order")


def test_a_successful_second_attempt_advances(fifteen_seats: PlanState) -> None:
    state = given(conference(1, INCUMBENT, ONE_SHORT), state=fifteen_seats)

    events = when(state, conference(1, INCUMBENT, votes(SEVENTEEN), command_id="step-1-lan-2"))

    result = one(events, ConferenceResultRecorded)
    assert (result.outcome, result.attempt) == ("advanced", 2)
    advanced = of_type(events, NominationAdvanced)
    assert len(advanced) == 17 and all(e.attempt == 2 for e in advanced)
    after = given(events, state=state)
    assert after.progress[(COMMITTEE, INCUMBENT)] == GroupProgress(step=2, started=True)


def test_a_step_may_be_repeated_more_than_once(fifteen_seats: PlanState) -> None:
    state = given(conference(1, INCUMBENT, ONE_SHORT),
                  conference(1, INCUMBENT, ONE_SHORT, command_id="step-1-lan-2"),
                  state=fifteen_seats)

    assert state.progress[(COMMITTEE, INCUMBENT)].attempt == 3
    assert one(when(state, conference(1, INCUMBENT, votes(SEVENTEEN), command_id="lan-3")),
               ConferenceResultRecorded).attempt == 3


def test_a_later_step_is_repeated_at_that_step(fifteen_seats: PlanState) -> None:
    state = given(*all_steps(INCUMBENT, votes(SEVENTEEN), steps=[1, 2]), state=fifteen_seats)

    state = given(conference(3, INCUMBENT, ONE_SHORT), state=state)

    assert state.progress[(COMMITTEE, INCUMBENT)] == GroupProgress(step=3, attempt=2,
                                                                   started=True)
    assert all(n.last_passed_step == 2 for n in state.nominations.values())


def test_first_time_candidates_still_to_come_count_towards_the_list() -> None:
    """16 incumbents + 1 first-time: one incumbent failing leaves 16, so the step repeats;
    17 incumbents + 1 first-time: one failing leaves 17, so it is simply dropped."""
    short = given(open_plan(seats=15), *registrations(range(1, 17), first_time=[17]))
    enough = given(open_plan(seats=15), *registrations(range(1, 18), first_time=[18]))

    repeat = one(when(short, conference(1, INCUMBENT, {**votes(ids(range(1, 17))), N16: 1})),
                 ConferenceResultRecorded)
    passed = when(enough, conference(1, INCUMBENT, {**votes(SEVENTEEN), N17: 1}))

    assert (repeat.outcome, repeat.standing_after) == ("revote_required", 16)
    assert one(passed, ConferenceResultRecorded).standing_after == 17
    assert by_nomination(passed)[N17] == "NominationDropped"


# --- the cut at the last step ---------------------------------------------------------------
SIX = ids(range(1, 7))


@pytest.fixture
def six_at_step_5() -> PlanState:
    """3 seats (a list of exactly 4), six incumbents who passed steps 1 to 4."""
    return given(open_plan(seats=3), *registrations(incumbents=range(1, 7)),
                 *all_steps(INCUMBENT, votes(SIX), steps=range(1, 5)))


def test_the_last_step_keeps_the_best_voted_up_to_the_list_maximum(
        six_at_step_5: PlanState) -> None:
    yes = {N01: 10, N02: 15, N03: 11, N04: 14, N05: 13, N06: 12}

    events = when(six_at_step_5, conference(5, INCUMBENT, yes))

    assert by_nomination(events) == {
        N01: "NominationDropped", N02: "NominationAdvanced", N03: "NominationDropped",
        N04: "NominationAdvanced", N05: "NominationAdvanced", N06: "NominationAdvanced"}
    assert {e.reason_code for e in of_type(events, NominationDropped)} == {"over_list_maximum"}
    assert all(e.next_step is None for e in of_type(events, NominationAdvanced))
    assert one(events, ConferenceResultRecorded).passed == tuple(SIX)  # all passed the mark
    assert one(events, GroupCompletedSteps).listed == (N02, N04, N05, N06)
    after = given(events, state=six_at_step_5)
    assert [n.nomination_id for n in after.listed(COMMITTEE)] == [N02, N04, N05, N06]
    assert after.nominations[N01].status is NominationStatus.DROPPED


TIED = {N01: 15, N02: 14, N03: 13, N04: 12, N05: 12, N06: 10}


def test_a_tie_across_the_cut_off_is_for_the_head_to_settle(six_at_step_5: PlanState) -> None:
    then_rejected(six_at_step_5, conference(5, INCUMBENT, TIED),
                  field="tie_break", rule="head_decides_tie")


def test_the_heads_decision_settles_the_tie(six_at_step_5: PlanState) -> None:
    events = when(six_at_step_5, conference(5, INCUMBENT, TIED, tie_break=(N05,)))

    assert by_nomination(events)[N05] == "NominationAdvanced"
    assert by_nomination(events)[N04] == "NominationDropped"
    assert one(events, GroupCompletedSteps).listed == (N01, N02, N03, N05)
    # The head's decision is part of the record, and the one left out is told why.
    assert one(events, ConferenceResultRecorded).tie_break == (N05,)
    dropped = [e for e in events if isinstance(e, NominationDropped)]
    assert "người đứng đầu cấp ủy quyết định" in dropped[0].reason


@pytest.mark.parametrize("tie_break", [
    (N01,),  # not among the tied
    (N05, N01),  # names someone not tied as well
    (N05, N05),  # the same name twice
])
def test_an_invalid_decision_on_the_tie_is_rejected(six_at_step_5: PlanState,
                                                    tie_break: tuple[str, ...]) -> None:
    then_rejected(six_at_step_5, conference(5, INCUMBENT, TIED, tie_break=tie_break),
                  field="tie_break", rule="head_decides_tie")


def test_the_head_is_asked_to_choose_among_people_named_by_name_and_card(
        six_at_step_5: PlanState) -> None:
    rejection = then_rejected(six_at_step_5, conference(5, INCUMBENT, TIED),
                              field="tie_break", rule="head_decides_tie")

    message = rejection.violations[0].message
    assert "2 người bằng 12 phiếu cho 1 vị trí cuối" in message
    assert f"{candidate(4).full_name} (thẻ đảng TD-000004)" in message
    assert f"{candidate(5).full_name} (thẻ đảng TD-000005)" in message
    assert N04 not in message and N05 not in message


def test_three_tied_for_two_places_need_two_names(six_at_step_5: PlanState) -> None:
    three_tied = {**TIED, N03: 12}  # n03, n04, n05 tied for places 3 and 4

    then_rejected(six_at_step_5, conference(5, INCUMBENT, three_tied, tie_break=(N05,)),
                  field="tie_break", rule="head_decides_tie")
    events = when(six_at_step_5, conference(5, INCUMBENT, three_tied,
                                            tie_break=(N05, N03)))
    assert one(events, GroupCompletedSteps).listed == (N01, N02, N03, N05)


def test_a_tie_within_the_list_needs_no_decision(six_at_step_5: PlanState) -> None:
    within = {**TIED, N05: 11}  # n04 alone in 4th place; n02 and n03 tied above the line
    within.update({N03: 14})

    assert one(when(six_at_step_5, conference(5, INCUMBENT, within)),
               GroupCompletedSteps).listed == (N01, N02, N03, N04)
    then_rejected(six_at_step_5, conference(5, INCUMBENT, within, tie_break=(N04,)),
                  field="tie_break", rule="no_tie")


def test_a_decision_on_a_tie_without_a_cut_is_rejected() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 5)),
                  *all_steps(INCUMBENT, votes(ids(range(1, 5))), steps=range(1, 5)))
    command = conference(5, INCUMBENT, {N01: 15, N02: 14, N03: 12, N04: 12},
                         tie_break=(N04,))

    then_rejected(state, command, field="tie_break", rule="no_tie")


def test_a_decision_on_a_tie_before_the_last_step_is_rejected() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 7)))

    then_rejected(state, conference(1, INCUMBENT, TIED, tie_break=(N05,)),
                  field="tie_break", rule="no_tie")


def test_a_later_group_is_cut_to_the_room_left_by_the_earlier() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=[1, 2, 3], first_time=[4, 5, 6]),
                  *all_steps(INCUMBENT, votes([N01, N02, N03])),
                  *all_steps(FIRST_TIME, votes([N04, N05, N06]), steps=range(1, 5)))

    events = when(state, conference(5, FIRST_TIME, {N04: 10, N05: 14, N06: 12}))

    assert by_nomination(events) == {N04: "NominationDropped", N05: "NominationAdvanced",
                                     N06: "NominationDropped"}
    assert one(events, GroupCompletedSteps).listed == (N05,)
    submitted = one(when(given(events, state=state), submit()), PlanSubmitted)
    assert submitted.lists[0].nominations == (N01, N02, N03, N05)


def test_incumbents_over_the_maximum_are_cut_even_with_first_time_candidates_waiting() -> None:
    """Domain fix: the list never exceeds its maximum, however the later group fares."""
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 7), first_time=[7]),
                  *all_steps(INCUMBENT, votes(SIX), steps=range(1, 5)))

    events = when(state, conference(5, INCUMBENT, {N01: 15, N02: 14, N03: 13,
                                                   N04: 12, N05: 11, N06: 10}))
    assert one(events, GroupCompletedSteps).listed == (N01, N02, N03, N04)

    state = given(events, conference(1, FIRST_TIME, {N07: 1}), state=state)
    submitted = one(when(state, submit()), PlanSubmitted)
    assert submitted.lists[0].nominations == (N01, N02, N03, N04)


def test_a_candidate_after_a_full_list_is_cut_at_the_last_step() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 5), first_time=[5]),
                  *all_steps(INCUMBENT, votes(ids(range(1, 5)))),
                  *all_steps(FIRST_TIME, votes([N05]), steps=range(1, 5)))

    events = when(state, conference(5, FIRST_TIME, {N05: 15}))

    assert one(events, NominationDropped).reason_code == "over_list_maximum"
    assert one(events, GroupCompletedSteps).listed == ()
    then_rejected(state, conference(5, FIRST_TIME, {N05: 15}, tie_break=(N05,)),
                  field="tie_break", rule="no_tie")
