"""Registering candidates (nhân sự) for a position group."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date

import pytest

from domain.events import CandidateRegistered
from domain.people import CandidateGroup, Role
from domain.plan import NominationStatus, PlanState
from domain.plan_terms import SeatAllocation
from tests.support.plans import (
    COMMITTEE,
    DEPARTMENT,
    N01,
    N05,
    all_steps,
    candidate,
    conference,
    ids,
    open_plan,
    register,
    registrations,
    votes,
)
from tests.unit.gwt import given, one, then_rejected, when

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME


@pytest.fixture
def opened() -> PlanState:
    return given(open_plan(seats=3))


def test_a_candidate_is_registered(opened: PlanState) -> None:
    event = one(when(opened, register(1, INCUMBENT)), CandidateRegistered)

    assert event.nomination_id == N01
    assert event.candidate == candidate(1)
    assert event.position_group == COMMITTEE
    assert event.candidate_group is INCUMBENT
    nomination = given(event, state=opened).nominations[N01]
    assert nomination.status is NominationStatus.REGISTERED
    assert nomination.in_play


def test_the_same_nomination_id_cannot_be_registered_twice(opened: PlanState) -> None:
    state = given(register(1, INCUMBENT), state=opened)

    then_rejected(state, register(2, INCUMBENT, nomination_id=N01),
                  field="nomination_id", rule="duplicate")


def test_the_same_party_card_cannot_be_nominated_twice(opened: PlanState) -> None:
    state = given(register(1, INCUMBENT), state=opened)
    other_name = replace(candidate(2), party_card_number=candidate(1).party_card_number)

    then_rejected(state, register(2, FIRST_TIME, person=other_name),
                  field="candidate", rule="already_nominated")


@pytest.mark.parametrize("typed_again", [
    lambda name: name.upper(),
    lambda name: unicodedata.normalize("NFD", name),  # decomposed diacritics (macOS input)
    lambda name: "  " + name.replace(" ", "  ") + " ",
])
def test_the_same_name_and_birth_date_is_the_same_person(opened: PlanState,
                                                         typed_again: object) -> None:
    first = replace(candidate(1), party_card_number=None)
    state = given(register(1, INCUMBENT, person=first), state=opened)
    again = replace(first, full_name=typed_again(first.full_name))  # type: ignore[operator]

    then_rejected(state, register(2, INCUMBENT, person=again),
                  field="candidate", rule="already_nominated")


def test_namesakes_born_on_different_days_are_different_people(opened: PlanState) -> None:
    first = replace(candidate(1), party_card_number=None)
    state = given(register(1, INCUMBENT, person=first), state=opened)
    namesake = replace(first, birth_date=date(1980, 2, 2))

    assert one(when(state, register(2, INCUMBENT, person=namesake)), CandidateRegistered)


def test_one_person_may_stand_for_different_position_groups() -> None:
    seats = (SeatAllocation(position_group=COMMITTEE, seats=3),
             SeatAllocation(position_group="standing_committee_member", seats=1))
    state = given(replace(open_plan(), seats=seats), register(1, INCUMBENT))

    command = register(1, INCUMBENT, command_id="reg-1-btv",
                       position_group="standing_committee_member")
    event = one(when(state, command), CandidateRegistered)
    assert event.candidate == candidate(1)


@pytest.mark.parametrize(("born", "rule"), [
    (date(2007, 7, 2), "plausible_age"),  # 17 at the start of the term
    (date(1924, 7, 1), "plausible_age"),  # 101 on the first day of the term
    (date(2025, 6, 2), "not_in_future"),  # the day after "now"
])
def test_an_implausible_birth_date_is_rejected(opened: PlanState, born: date,
                                               rule: str) -> None:
    person = replace(candidate(1), birth_date=born)

    then_rejected(opened, register(1, INCUMBENT, person=person),
                  field="candidate.birth_date", rule=rule)


@pytest.mark.parametrize("born", [date(2007, 7, 1), date(1924, 7, 2)])  # 18 and 100
def test_the_age_limits_are_inclusive(opened: PlanState, born: date) -> None:
    person = replace(candidate(1), birth_date=born)

    assert one(when(opened, register(1, INCUMBENT, person=person)), CandidateRegistered)


@pytest.mark.parametrize(("changes", "field"), [
    ({"full_name": "  "}, "candidate.full_name"),
    ({"ethnicity": ""}, "candidate.ethnicity"),
    ({"current_post": " "}, "candidate.current_post"),
])
def test_required_candidate_fields(opened: PlanState, changes: dict[str, str],
                                   field: str) -> None:
    person = replace(candidate(1), **changes)  # type: ignore[arg-type]

    then_rejected(opened, register(1, INCUMBENT, person=person), field=field, rule="required")


def test_a_nomination_needs_an_id(opened: PlanState) -> None:
    then_rejected(opened, register(1, INCUMBENT, nomination_id=" "),
                  field="nomination_id", rule="required")


def test_no_candidate_for_a_group_without_seats(opened: PlanState) -> None:
    then_rejected(opened, register(1, INCUMBENT, position_group="secretary"),
                  field="position_group", rule="no_seats")


def test_only_the_plans_own_organization_department_registers(opened: PlanState) -> None:
    appraiser = replace(DEPARTMENT, role=Role.APPRAISAL_AGENCY)
    outsider = replace(DEPARTMENT, organization_id="org-xa-khac")

    then_rejected(opened, replace(register(1, INCUMBENT), actor=appraiser),
                  field="actor.role", rule="role_not_permitted")
    then_rejected(opened, replace(register(1, INCUMBENT), actor=outsider),
                  field="actor.organization_id", rule="outside_scope")


def test_no_registration_before_the_plan_is_opened() -> None:
    then_rejected(given(), register(1, INCUMBENT), field="plan_id", rule="not_opened")


# --- registration closes once the steps begin ---------------------------------------------
def test_registration_closes_once_the_groups_step_1_was_held(opened: PlanState) -> None:
    state = given(*registrations(incumbents=range(1, 5)),
                  conference(1, INCUMBENT, votes(ids(range(1, 5)))), state=opened)

    then_rejected(state, register(9, INCUMBENT), field="candidate_group",
                  rule="registration_closed")


def test_first_time_candidates_may_still_be_added_while_incumbents_are_in_the_steps(
        opened: PlanState) -> None:
    state = given(*registrations(incumbents=range(1, 5)),
                  conference(1, INCUMBENT, votes(ids(range(1, 5)))), state=opened)

    assert one(when(state, register(9, FIRST_TIME)), CandidateRegistered)


def test_first_time_registration_closes_once_its_step_1_was_held(opened: PlanState) -> None:
    incumbents = ids(range(1, 5))
    state = given(*registrations(incumbents=range(1, 5), first_time=[5]),
                  *all_steps(INCUMBENT, votes(incumbents)),
                  conference(1, FIRST_TIME, votes([N05])), state=opened)

    then_rejected(state, register(9, FIRST_TIME), field="candidate_group",
                  rule="registration_closed")


def test_incumbents_cannot_be_added_once_first_time_candidates_began(opened: PlanState) -> None:
    """No incumbent stood again, so the first-time group began first; it is too late now."""
    state = given(*registrations(first_time=range(1, 5)),
                  conference(1, FIRST_TIME, votes(ids(range(1, 5)))), state=opened)

    then_rejected(state, register(9, INCUMBENT), field="candidate_group",
                  rule="registration_closed")


def test_a_lower_position_group_closes_once_a_higher_one_began() -> None:
    """Position groups go from low to high: committee members before the secretary."""
    seats = (SeatAllocation(position_group=COMMITTEE, seats=3),
             SeatAllocation(position_group="secretary", seats=1))
    secretary = registrations(incumbents=[1, 2], position_group="secretary")
    state = given(replace(open_plan(), seats=seats), *secretary,
                  conference(1, INCUMBENT, votes(ids([1, 2], "secretary")),
                             position_group="secretary"))

    then_rejected(state, register(9, FIRST_TIME), field="candidate_group",
                  rule="registration_closed")
