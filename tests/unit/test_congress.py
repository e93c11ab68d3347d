"""The congress (domain/election.py), given / when / then: opening with the approved plan,
each round's list (the plan's candidates, nominations at the congress with the agreement
the procedure requires, the list vote and its surplus bounds), and who may do what."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from domain.congress_events import (
    BallotOpened,
    CongressOpened,
    ListVoted,
    NominatedAtCongress,
    RoundOpened,
    WithdrawnFromList,
)
from domain.election import CongressPhase, CongressState, RoundStage, list_bounds
from domain.people import Role
from tests.support.congress import (
    COMMITTEE,
    COMMITTEE_ACTOR,
    COUNTERS,
    OPENS_ON,
    SECRETARY,
    STANDING,
    SUMMONED,
    approved_plan,
    entry_id,
    nominate,
    open_congress,
    open_round,
    pid,
    vote_list,
    with_election,
    withdraw,
)
from tests.support.plans import DEPARTMENT
from tests.unit.election_gwt import given, then_rejected, when
from tests.unit.gwt import one

pytestmark = pytest.mark.unit


# --- opening ----------------------------------------------------------------------------------
def test_the_congress_opens_with_the_approved_lists_and_the_election_rules_copied() -> None:
    plan = approved_plan()

    opened = one(when(given(), open_congress(plan)), CongressOpened)

    assert (opened.plan_id, opened.summoned, opened.kind) == (plan.plan_id, SUMMONED,
                                                              "delegates")
    assert opened.lists == plan.lists
    assert opened.election == plan.procedure.election
    assert opened.procedure_key == "directive-45-2025@v2"
    assert opened.procedure_digest == plan.procedure.digest()
    assert given(open_congress(plan)).phase is CongressPhase.OPEN


def test_only_an_approved_plan_opens_a_congress() -> None:
    then_rejected(given(), open_congress(approved_plan(phase="awaiting_approval")),
                  field="plan_id", rule="plan_not_approved")


def test_only_the_organization_department_of_the_plan_opens_its_congress() -> None:
    then_rejected(given(), open_congress(actor=COUNTERS), field="actor.role",
                  rule="role_not_permitted")
    other = replace(DEPARTMENT, organization_id="org-xa-khac")
    then_rejected(given(), open_congress(actor=other), field="actor.organization_id",
                  rule="outside_scope")


def test_a_congress_opens_once_and_not_in_the_future() -> None:
    then_rejected(given(open_congress()), open_congress(command_id="again"), field="plan_id",
                  rule="congress_already_opened")
    then_rejected(given(), open_congress(opens_on=OPENS_ON.replace(year=2026)),
                  field="opens_on", rule="not_in_future")
    then_rejected(given(), open_congress(kind="hội nghị"), field="kind", rule="one_of")
    then_rejected(given(), open_congress(summoned=0), field="summoned", rule="range")


def test_today_is_the_day_in_vietnam_not_the_clocks_utc_day() -> None:
    """At 00:30 on 1 June in Vietnam the UTC clock still reads 31 May: a congress opening
    that day is today, not in the future; 2 June still is."""
    half_past_midnight = datetime(2025, 5, 31, 17, 30, tzinfo=UTC)  # 00:30, 1 June, UTC+7
    opened = one(when(given(), open_congress(opens_on=date(2025, 6, 1)),
                      now=half_past_midnight), CongressOpened)
    assert opened.opens_on == date(2025, 6, 1)
    then_rejected(given(), open_congress(opens_on=date(2025, 6, 2)), field="opens_on",
                  rule="not_in_future", now=half_past_midnight)


# --- rounds -----------------------------------------------------------------------------------
def test_the_congress_elects_the_committee_from_the_plans_list() -> None:
    opened = one(when(given(open_congress()), open_round()), RoundOpened)

    assert (opened.round, opened.position_group, opened.body, opened.seats) == (
        1, COMMITTEE, "congress", 9)
    assert [e.entry_id for e in opened.entries] == [pid(i) for i in range(1, 12)]
    assert {e.source for e in opened.entries} == {"plan"}
    assert opened.base == SUMMONED and opened.not_standing == ()


def test_the_base_is_those_summoned_less_those_the_rules_exclude() -> None:
    opened = one(when(given(open_congress()), open_round(
        excluded=4, excluded_reason="Vắng mặt cả buổi có lý do được chấp nhận")), RoundOpened)

    assert (opened.summoned, opened.excluded, opened.base) == (SUMMONED, 4, SUMMONED - 4)
    then_rejected(given(open_congress()), open_round(excluded=4), field="excluded_reason",
                  rule="reason_required")


def test_each_group_has_its_electing_body_and_its_order() -> None:
    state = given(open_congress())

    then_rejected(state, open_round(COMMITTEE, body="executive_committee"), field="body",
                  rule="electing_body")
    then_rejected(state, open_round(STANDING, summoned=9), field="position_group",
                  rule="group_order")
    then_rejected(state, open_round(summoned=SUMMONED - 1), field="summoned",
                  rule="electorate")
    then_rejected(state, open_round(seats=10), field="seats", rule="seats_within_plan")
    then_rejected(given(open_congress(), open_round()), open_round(
        "upper_congress_delegate", seats=3, command_id="second"), field="round",
        rule="round_in_progress")


def test_the_secretary_is_elected_by_the_congress_only_where_the_procedure_allows() -> None:
    v1 = approved_plan(procedure="directive-45-2025@v1")

    then_rejected(given(open_congress(v1)), open_round(SECRETARY, body="congress"),
                  field="body", rule="electing_body")


# --- nominations at the congress --------------------------------------------------------------
def nominating() -> CongressState:
    return given(open_congress(), open_round())


def test_a_delegates_nomination_with_consent_acceptance_and_support_goes_on_the_list() -> None:
    state = nominating()

    event = one(when(state, nominate(1, 12, support=31)), NominatedAtCongress)

    assert event.entry.source == "delegate" and event.entry.nominated_by
    assert (event.support, event.support_needed) == (31, 31)  # more than 30% of 100
    after = given(event, state=state)
    assert after.rounds[0].on_list[-1] == entry_id(12, 1)


@pytest.mark.parametrize(("change", "field", "rule"), [
    ({"consented": False}, "nominee_consented", "nominee_consent"),
    ({"accepted": False}, "presidium_accepted", "presidium_acceptance"),
    ({"support": 30}, "support", "nomination_support"),  # exactly 30% is not more than 30%
    ({"support": None}, "support", "nomination_support"),
    ({"nominated_by": ""}, "nominated_by", "required"),
    ({"source": "presidium"}, "source", "presidium_list"),
    ({"source": "cấp trên"}, "source", "one_of"),
])
def test_a_nomination_without_the_agreement_the_procedure_requires_is_refused(
        change: dict[str, object], field: str, rule: str) -> None:
    then_rejected(nominating(), nominate(1, 12, **change), field=field,  # type: ignore[arg-type]
                  rule=rule)


def test_the_agreements_are_parameters_of_the_procedure() -> None:
    lenient = with_election(approved_plan(), nomination_requires=("nominee_consent",),
                            nomination_support_min=None)
    state = given(open_congress(lenient), open_round())

    assert when(state, nominate(1, 12, accepted=False, support=None))
    then_rejected(state, nominate(1, 12, consented=False, support=None),
                  field="nominee_consented", rule="nominee_consent")


def test_a_self_nomination_needs_no_nominator_and_no_one_is_listed_twice() -> None:
    state = nominating()

    assert when(state, nominate(1, 12, source="self"))
    then_rejected(state, nominate(1, 3), field="candidate", rule="already_on_list")
    then_rejected(given(nominate(1, 12), state=state), nominate(1, 12, command_id="twice"),
                  field="entry_id", rule="duplicate")


def test_withdrawing_from_the_list_before_the_vote() -> None:
    state = nominating()

    assert one(when(state, withdraw(1, pid(11))), WithdrawnFromList).entry_id == pid(11)
    after = given(withdraw(1, pid(11)), state=state)
    assert pid(11) not in after.rounds[0].on_list
    then_rejected(after, withdraw(1, pid(11), command_id="again"), field="entry_id",
                  rule="not_on_list")
    then_rejected(state, withdraw(1, pid(11), reason=" "), field="reason",
                  rule="reason_required")


# --- the list vote and the surplus ------------------------------------------------------------
def test_the_list_is_approved_by_more_than_half_of_those_present() -> None:
    events = when(nominating(), vote_list(1, present=90, in_favour=46))

    voted = one(events, ListVoted)
    assert (voted.approved, voted.needed, voted.threshold) == (True, 46, "1/2")
    ballot = one(events, BallotOpened)
    assert (ballot.ballot, ballot.kind, ballot.seats) == (1, "first", 9)
    assert ballot.entries == tuple(pid(i) for i in range(1, 12))


def test_exactly_half_of_those_present_does_not_approve_the_list() -> None:
    state = nominating()
    events = when(state, vote_list(1, present=90, in_favour=45))

    assert [e.TYPE for e in events] == ["ListVoted"]
    assert one(events, ListVoted).approved is False
    assert given(events, state=state).rounds[0].stage is RoundStage.NOMINATING


@pytest.mark.parametrize(("seats", "bounds"), [
    (9, (10, 11)),  # 30% of 9 is 2.7: at most 2 more
    (10, (11, 13)),
    (15, (16, 19)),
    (5, (6, 6)),  # 3-5 seats: at most one more
    (3, (4, 4)),
])
def test_the_lists_bounds_come_from_the_procedure(seats: int, bounds: tuple[int, int]) -> None:
    assert list_bounds(given(open_congress()), COMMITTEE, seats) == bounds


def test_a_list_over_the_congress_surplus_is_refused_until_names_are_withdrawn() -> None:
    state = given(nominate(1, 12), state=nominating())  # 12 names for 9 seats: 33%

    then_rejected(state, vote_list(1), field="round", rule="list_maximum")
    assert when(given(withdraw(1, pid(11)), state=state), vote_list(1))


def test_a_list_without_a_surplus_is_refused_where_one_is_required() -> None:
    state = given(withdraw(1, pid(10)), withdraw(1, pid(11)), state=nominating())

    then_rejected(state, vote_list(1), field="round", rule="list_minimum")


def test_the_list_cannot_change_once_voted() -> None:
    state = given(vote_list(1), state=nominating())

    then_rejected(state, nominate(1, 12), field="round", rule="round_stage")
    then_rejected(state, withdraw(1, pid(3)), field="round", rule="round_stage")


# --- who may do what --------------------------------------------------------------------------
@pytest.mark.parametrize("actor", [COUNTERS, COMMITTEE_ACTOR], ids=["counting", "superior"])
def test_only_the_organization_department_conducts_the_election(actor: object) -> None:
    state = nominating()

    for command in (open_round("upper_congress_delegate", seats=3, actor=actor),  # type: ignore[arg-type]
                    nominate(1, 12, actor=actor)):  # type: ignore[arg-type]
        then_rejected(state, command, field="actor.role", rule="role_not_permitted")


def test_a_role_of_the_right_kind_elsewhere_is_out_of_scope() -> None:
    other = replace(DEPARTMENT, organization_id="org-xa-khac")

    then_rejected(nominating(), nominate(1, 12, actor=other), field="actor.organization_id",
                  rule="outside_scope")
    assert COUNTERS.role is Role.VOTE_COUNTING_COMMITTEE


def test_delegates_to_the_superior_congress_are_a_round_of_the_congress() -> None:
    state = given(open_congress(), open_round("upper_congress_delegate", seats=3))
    rnd = state.rounds[0]
    assert (rnd.body, rnd.entries) == ("congress", ())  # the plan has no list for them

    for i in (1, 2, 3, 5):
        state = given(nominate(1, i, source="presidium", support=None), state=state)
    events = when(state, vote_list(1))
    assert one(events, BallotOpened).entries == tuple(entry_id(i, 1) for i in (1, 2, 3, 5))
    then_rejected(state, nominate(1, 6, source="presidium", consented=False, support=None),
                  field="nominee_consented", rule="nominee_consent")
