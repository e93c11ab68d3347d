"""One active plan per organization and term: opening claims the term on its own stream,
cancelling or a rejection releases it, and the versions expected on append make two
concurrent openings collide in the store."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.approval import Decision
from domain.commands import OpenPlan
from domain.decide import decide
from domain.events import PlanOpened, PlanTermClaimed, PlanTermReleased, stream_of, term_stream
from domain.people import CandidateGroup
from domain.plan import PlanState, expected_versions, term_claims
from domain.plan_terms import NO_CLAIMS, TermClaims
from tests.support.plans import (
    DEPARTMENT,
    N01,
    NOW,
    ORG,
    cancel,
    open_plan,
    register,
)
from tests.unit.gwt import given, one, recorded, then_rejected, types, when
from tests.unit.review import awaiting_approval, decision, small_plan

pytestmark = pytest.mark.unit

TERM = "term-org-xa-an-binh-2025-2030"


def opening(plan_id: str, claims: TermClaims = NO_CLAIMS) -> OpenPlan:
    return replace(open_plan(plan_id=plan_id, command_id=f"open-{plan_id}"), term_claims=claims)


def test_the_term_stream_is_named_by_organization_and_term() -> None:
    assert term_stream("org-xa-an-binh", "2025-2030") == TERM


def test_opening_claims_the_organizations_term() -> None:
    events = when(given(), open_plan())

    assert types(events) == ["PlanOpened", "PlanTermClaimed"]
    claim = one(events, PlanTermClaimed)
    assert (claim.organization_id, claim.term) == (ORG.organization_id, "2025-2030")
    assert (claim.previous_version, claim.follows) == (0, None)
    assert (claim.plan_id, claim.actor, claim.command_id) == ("plan-1", DEPARTMENT, "open-1")
    assert stream_of(claim) == TERM
    state = given(events)
    assert state.term_held and state.follows is None
    assert state.term_stream == TERM
    assert state.version_of(TERM) == 1 and state.version_of("plan-plan-1") == 1


def test_a_term_held_by_another_plan_cannot_be_planned_again() -> None:
    held = TermClaims(version=1, holder="plan-1")

    rejection = then_rejected(given(), opening("plan-2", held), field="term",
                              rule="already_planned")

    message = rejection.violations[0].message
    assert "plan-1" in message and "2025-2030" in message and ORG.name in message
    assert "bị hủy hoặc không được phê duyệt" in message


def test_the_term_stream_folds_to_its_holder_and_the_last_release() -> None:
    first = recorded(opening("plan-1"))
    released = recorded(cancel(), state=given(first))
    term_events = [e for e in [*first, *released] if stream_of(e) == TERM]

    assert term_claims([]) == TermClaims()
    assert term_claims(term_events[:1]) == TermClaims(version=1, holder="plan-1")
    assert term_claims(term_events) == TermClaims(version=2, holder=None,
                                                  last_released="plan-1")


def test_a_plan_opened_after_a_cancelled_one_follows_it() -> None:
    first = recorded(opening("plan-1"))
    released = recorded(cancel(), state=given(first))
    claims = term_claims(e for e in [*first, *released] if stream_of(e) == TERM)

    events = when(given(), opening("plan-2", claims))

    claim = one(events, PlanTermClaimed)
    assert (claim.previous_version, claim.follows) == (2, "plan-1")
    state = given(events)
    assert state.follows == "plan-1"
    assert state.version_of(TERM) == 3  # the claim was decided on version 2
    assert expected_versions(PlanState(), events) == {"plan-plan-2": 0, TERM: 2}


def test_a_rejected_plan_releases_its_term_and_another_may_follow() -> None:
    state = awaiting_approval(small_plan())
    events = when(state, decision(Decision.REJECT))
    release = one(events, PlanTermReleased)
    assert release.reason_code == "rejected"
    assert expected_versions(state, events) == {"plan-plan-1": state.version_of("plan-plan-1"),
                                                TERM: 1}

    claimed = one(when(given(), open_plan()), PlanTermClaimed)  # how small_plan() opened
    claims = term_claims([claimed, release])

    assert claims == TermClaims(version=2, holder=None, last_released="plan-1")
    assert one(when(given(), opening("plan-2", claims)), PlanOpened)


# --- the versions an append expects -----------------------------------------------------------
def test_the_opening_append_expects_the_term_where_the_claim_read_it() -> None:
    claims = TermClaims(version=7, holder=None, last_released="plan-0")
    events = when(given(), opening("plan-1", claims))

    assert expected_versions(PlanState(), events) == {"plan-plan-1": 0, TERM: 7}


def test_other_appends_expect_the_streams_where_the_state_has_them() -> None:
    state = given(open_plan(seats=3))
    registered = when(state, register(1, CandidateGroup.INCUMBENT))
    cancelled = when(state, cancel())

    assert expected_versions(state, registered) == {f"nomination-{N01}": 0}
    assert expected_versions(state, cancelled) == {"plan-plan-1": 1, TERM: 1}
    assert expected_versions(state, []) == {}


def test_two_concurrent_openings_expect_the_same_term_version() -> None:
    """Both decided on what each read (an empty term stream): the store accepts the first
    append at version 0 and refuses the second, whose expected version is then stale."""
    first = when(given(), opening("plan-1"))
    second = when(given(), opening("plan-2"))

    assert expected_versions(PlanState(), first)[TERM] == 0
    assert expected_versions(PlanState(), second)[TERM] == 0
    assert stream_of(first[1]) == stream_of(second[1]) == TERM


def test_an_opening_decided_as_before_term_claims_claims_nothing() -> None:
    events = decide(PlanState(), open_plan(), now=NOW, legacy=True)

    assert types(events) == ["PlanOpened"]
    assert not given(events).term_held


def test_a_claim_version_must_be_plausible() -> None:
    then_rejected(given(), opening("plan-1", TermClaims(version=-1)),
                  field="term_claims.version", rule="range")
