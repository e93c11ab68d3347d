"""Who passes a step: more than half of those SUMMONED, unless the procedure says otherwise."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

import procedures
from domain.conference import votes_needed
from domain.events import (
    ConferenceResultRecorded,
    GroupCompletedSteps,
    NominationAdvanced,
    NominationDropped,
)
from domain.people import CandidateGroup
from domain.plan import NominationStatus, PlanState
from domain.procedure import PassBase, ProcedureDefinition
from tests.support.plans import (
    COMMITTEE,
    N01,
    N05,
    all_steps,
    conference,
    ids,
    open_plan,
    registrations,
    submit,
    votes,
)
from tests.unit.gwt import by_nomination, given, one, types, when

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
FOUR = ids(range(1, 5))


def five_incumbents(procedure: ProcedureDefinition | None = None) -> PlanState:
    """3 seats (a list of 4), five incumbents: one may drop without a repeat."""
    command = open_plan(seats=3)
    if procedure is not None:
        command = replace(command, procedure=procedure)
    return given(command, *registrations(incumbents=range(1, 6)))


def fifth_gets(yes: int, *, others: int = 15) -> dict[str, int]:
    return {**votes(FOUR, others), N05: yes}


@pytest.mark.parametrize(("summoned", "yes", "outcome"), [
    (16, 8, "NominationDropped"),  # exactly half is not more than half
    (16, 9, "NominationAdvanced"),
    (15, 8, "NominationAdvanced"),  # 8 > 7.5
    (15, 7, "NominationDropped"),
])
def test_more_than_half_of_those_summoned(summoned: int, yes: int, outcome: str) -> None:
    events = when(five_incumbents(),
                  conference(1, INCUMBENT, fifth_gets(yes, others=summoned), summoned=summoned))

    assert by_nomination(events)[N05] == outcome
    assert one(events, ConferenceResultRecorded).base_count == summoned


def test_a_candidate_below_the_mark_is_dropped_with_the_tally() -> None:
    state = five_incumbents()
    events = when(state, conference(1, INCUMBENT, fifth_gets(8, others=16), summoned=16))

    dropped = one(events, NominationDropped)
    assert dropped.nomination_id == N05
    assert dropped.reason_code == "below_threshold"
    assert dropped.tally is not None
    assert (dropped.tally.yes, dropped.tally.needed, dropped.tally.base_count) == (8, 9, 16)
    assert dropped.tally.pass_base == "summoned" and dropped.tally.threshold == "1/2"
    assert one(events, ConferenceResultRecorded).passed == tuple(FOUR)
    after = given(events, state=state)
    assert after.nominations[N05].status is NominationStatus.DROPPED
    assert not after.nominations[N05].in_play


def test_those_attending_are_not_the_base() -> None:
    """8 of 11 present is a clear majority of the room, but not of the 16 summoned."""
    command = conference(1, INCUMBENT, fifth_gets(8, others=11), summoned=16, attending=11)

    assert by_nomination(when(five_incumbents(), command))[N05] == "NominationDropped"


def test_valid_ballots_are_not_the_base() -> None:
    command = conference(1, INCUMBENT, fifth_gets(8, others=10), summoned=16, ballots_valid=10)

    assert by_nomination(when(five_incumbents(), command))[N05] == "NominationDropped"


def test_a_procedure_counting_valid_ballots_changes_the_result() -> None:
    on_valid = replace(procedures.load(), pass_base=PassBase.VALID_BALLOTS)
    command = conference(1, INCUMBENT, fifth_gets(6, others=10), summoned=16, attending=12,
                         ballots_issued=12, ballots_valid=10)

    events = when(five_incumbents(on_valid), command)

    assert by_nomination(events)[N05] == "NominationAdvanced"
    result = one(events, ConferenceResultRecorded)
    assert (result.pass_base, result.base_count) == ("valid_ballots", 10)
    assert by_nomination(when(five_incumbents(), command))[N05] == "NominationDropped"


@pytest.mark.parametrize(("yes", "outcome"), [(7, "NominationAdvanced"),
                                              (6, "NominationDropped")])
def test_a_procedure_counting_those_attending_changes_the_result(yes: int,
                                                                 outcome: str) -> None:
    on_attending = replace(procedures.load(), pass_base=PassBase.ATTENDING)
    command = conference(1, INCUMBENT, fifth_gets(yes, others=12), summoned=16, attending=12)

    events = when(five_incumbents(on_attending), command)

    assert by_nomination(events)[N05] == outcome
    assert one(events, ConferenceResultRecorded).base_count == 12


def test_a_procedure_with_a_two_thirds_mark() -> None:
    two_thirds = replace(procedures.load(), pass_threshold="2/3")

    events = when(five_incumbents(two_thirds), conference(1, INCUMBENT, fifth_gets(10)))

    assert by_nomination(events)[N05] == "NominationDropped"
    assert one(events, NominationDropped).tally.needed == 11  # type: ignore[union-attr]


def test_a_step_may_override_the_base() -> None:
    base = procedures.load()
    steps = tuple(replace(s, pass_base=PassBase.ATTENDING) if s.number == 2 else s
                  for s in base.steps)
    state = five_incumbents(replace(base, steps=steps))
    command = conference(1, INCUMBENT, fifth_gets(7, others=12), summoned=16, attending=12)

    assert by_nomination(when(state, command))[N05] == "NominationDropped"  # step 1: 16
    state = given(conference(1, INCUMBENT, votes(ids(range(1, 6)), 16), summoned=16),
                  state=state)
    command = replace(command, step=2, command_id="step-2")
    assert by_nomination(when(state, command))[N05] == "NominationAdvanced"  # step 2: 12


def test_a_consultative_step_drops_nobody() -> None:
    base = procedures.load()
    steps = tuple(replace(s, consultative=True) if s.number == 2 else s for s in base.steps)
    state = given(conference(1, INCUMBENT, votes(ids(range(1, 6)))),
                  state=five_incumbents(replace(base, steps=steps)))

    events = when(state, conference(2, INCUMBENT, {**votes(FOUR, 1), N05: 0}))

    assert types(events) == ["ConferenceResultRecorded"] + ["NominationAdvanced"] * 5
    result = one(events, ConferenceResultRecorded)
    assert result.outcome == "consultative"
    assert result.passed == tuple(ids(range(1, 6)))
    assert all(e.next_step == 3 for e in events if isinstance(e, NominationAdvanced))


@pytest.mark.parametrize(("base", "threshold", "needed"), [
    (16, Fraction(1, 2), 9), (15, Fraction(1, 2), 8), (1, Fraction(1, 2), 1),
    (0, Fraction(1, 2), 1), (15, Fraction(2, 3), 11), (12, Fraction(2, 3), 9),
])
def test_votes_needed(base: int, threshold: Fraction, needed: int) -> None:
    assert votes_needed(base, threshold) == needed


# --- a group can end early ----------------------------------------------------------------
def test_when_a_whole_group_is_dropped_it_completes_early() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 5), first_time=[5]),
                  *all_steps(INCUMBENT, votes(FOUR)))

    events = when(state, conference(1, FIRST_TIME, {N05: 7}))

    assert types(events) == ["ConferenceResultRecorded", "NominationDropped",
                             "GroupCompletedSteps"]
    completed = one(events, GroupCompletedSteps)
    assert (completed.position_group, completed.candidate_group) == (COMMITTEE, FIRST_TIME)
    assert completed.listed == ()
    after = given(events, state=state)
    assert after.progress[(COMMITTEE, FIRST_TIME)].completed
    assert after.current_track() is None
    assert when(after, submit())  # nothing left to vote on


def test_when_all_incumbents_are_dropped_first_time_candidates_go_next() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=[1], first_time=range(2, 6)))

    events = when(state, conference(1, INCUMBENT, {N01: 2}))

    assert types(events) == ["ConferenceResultRecorded", "NominationDropped",
                             "GroupCompletedSteps"]
    assert given(events, state=state).current_track() == (COMMITTEE, FIRST_TIME)
