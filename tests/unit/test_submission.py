"""Submitting the plan to the superior committee (trình đề án)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.events import ListEntry, PlanSubmitted
from domain.people import CandidateGroup, Role
from domain.plan import PlanPhase, PlanState
from domain.plan_terms import SeatAllocation
from tests.support.plans import (
    COMMITTEE,
    DEPARTMENT,
    N01,
    N02,
    N03,
    N04,
    all_steps,
    conference,
    ids,
    open_plan,
    register,
    registrations,
    submit,
    votes,
)
from tests.unit.gwt import given, one, rules_of, then_rejected, when

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
FOUR = ids(range(1, 5))


@pytest.fixture
def registered() -> PlanState:
    return given(open_plan(seats=3), *registrations(incumbents=[1, 2, 3], first_time=[4]))


@pytest.fixture
def finished(registered: PlanState) -> PlanState:
    return given(*all_steps(INCUMBENT, votes([N01, N02, N03])),
                 *all_steps(FIRST_TIME, votes([N04])), state=registered)


def test_no_submission_before_any_conference(registered: PlanState) -> None:
    rejection = then_rejected(registered, submit(), field="plan_id", rule="steps_unfinished")

    assert ("lists.committee_member", "list_minimum") in rules_of(rejection)


def test_no_submission_while_a_group_is_in_the_steps(registered: PlanState) -> None:
    state = given(*all_steps(INCUMBENT, votes([N01, N02, N03])), state=registered)

    then_rejected(state, submit(), field="plan_id", rule="steps_unfinished")


def test_the_submitted_plan_lists_who_went_through_every_step(finished: PlanState) -> None:
    event = one(when(finished, submit()), PlanSubmitted)

    assert event.lists == (ListEntry(position_group=COMMITTEE, seats=3,
                                     nominations=(N01, N02, N03, N04)),)
    assert event.actor == DEPARTMENT
    state = given(event, state=finished)
    assert state.phase is PlanPhase.SUBMITTED
    assert state.submitted_by == DEPARTMENT.user_id


def test_every_position_group_needs_its_list() -> None:
    """The committee went through the steps; nobody was registered for secretary."""
    seats = (SeatAllocation(position_group=COMMITTEE, seats=3),
             SeatAllocation(position_group="secretary", seats=1))
    state = given(replace(open_plan(), seats=seats), *registrations(incumbents=range(1, 5)),
                  *all_steps(INCUMBENT, votes(FOUR)))

    assert state.current_track() is None
    then_rejected(state, submit(), field="lists.secretary", rule="list_minimum")


def test_two_position_groups_are_listed_separately() -> None:
    seats = (SeatAllocation(position_group=COMMITTEE, seats=3),
             SeatAllocation(position_group="secretary", seats=1))
    secretary = ids([1, 2], "secretary")
    state = given(replace(open_plan(), seats=seats), *registrations(incumbents=range(1, 5)),
                  *registrations(incumbents=[1, 2], position_group="secretary"),
                  *all_steps(INCUMBENT, votes(FOUR)),
                  *all_steps(INCUMBENT, votes(secretary), position_group="secretary"))

    event = one(when(state, submit()), PlanSubmitted)

    assert event.lists == (
        ListEntry(position_group=COMMITTEE, seats=3, nominations=tuple(FOUR)),
        ListEntry(position_group="secretary", seats=1, nominations=tuple(secretary)),
    )


def test_only_the_organization_department_submits(finished: PlanState) -> None:
    superior = replace(DEPARTMENT, role=Role.SUPERIOR_STANDING_COMMITTEE)

    then_rejected(finished, replace(submit(), actor=superior),
                  field="actor.role", rule="role_not_permitted")


def test_no_submission_before_the_plan_is_opened() -> None:
    then_rejected(given(), submit(), field="plan_id", rule="not_opened")


def test_a_submitted_plan_accepts_no_further_change(finished: PlanState) -> None:
    state = given(submit(), state=finished)

    then_rejected(state, register(9, FIRST_TIME), field="plan_id", rule="already_submitted")
    then_rejected(state, conference(1, FIRST_TIME, votes([N04]), command_id="late"),
                  field="plan_id", rule="already_submitted")
    then_rejected(state, submit("submit-2"), field="plan_id", rule="already_submitted")
    then_rejected(state, open_plan(command_id="open-2"), field="plan_id", rule="already_opened")
