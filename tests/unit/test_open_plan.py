"""Opening a personnel plan (lập đề án nhân sự)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

import procedures
from domain.events import PlanOpened, event_from_data, event_to_data
from domain.people import Role
from domain.plan import PlanPhase
from domain.plan_terms import SeatAllocation, StructureTargets
from tests.support.plans import COMMITTEE, DEPARTMENT, ORG, open_plan
from tests.unit.gwt import given, one, rules_of, then_rejected, when

pytestmark = pytest.mark.unit


def test_opening_records_the_plan_with_its_procedure_snapshot_and_digest() -> None:
    command = open_plan(seats=15)

    event = one(when(given(), command), PlanOpened)

    assert event.plan_id == "plan-1"
    assert event.organization == ORG
    assert event.term == "2025-2030"
    assert event.term_start == date(2025, 7, 1)
    assert event.seats == (SeatAllocation(position_group=COMMITTEE, seats=15),)
    assert event.procedure == procedures.load("directive-35-2019")
    assert event.procedure_digest == command.procedure.digest()
    assert len(event.procedure_digest) == 64
    int(event.procedure_digest, 16)  # hexadecimal
    assert event.actor == DEPARTMENT
    assert event.command_id == "open-1"


def test_the_opened_plan_state() -> None:
    state = given(open_plan(seats=15))

    assert state.phase is PlanPhase.OPEN
    assert state.plan_id == "plan-1"
    assert state.seats_for(COMMITTEE) == 15
    assert state.seats_for("secretary") == 0
    assert state.opened_by == DEPARTMENT.user_id
    assert state.procedure is not None and state.procedure.key == "directive-35-2019@v1"
    assert state.nominations == {}


def test_each_procedure_has_its_own_digest_and_any_rule_change_changes_it() -> None:
    d35, d45 = procedures.load("directive-35-2019"), procedures.load("directive-45-2025")

    assert d35.digest() != d45.digest()
    assert d35.digest() == procedures.load("directive-35-2019").digest()
    assert replace(d35, quorum="3/4").digest() != d35.digest()


def test_a_plan_keeps_the_procedure_version_it_was_opened_under() -> None:
    """Versioned data: the default is still 2019 (30 months), the plan keeps 2025 (48)."""
    assert procedures.DEFAULT_PROCEDURE == "directive-35-2019"
    assert procedures.load().eligibility.re_election_min_months_before_retirement == 30

    events = when(given(), open_plan(procedure_id="directive-45-2025"))
    state = given(events)

    assert state.procedure is not None
    assert state.procedure.procedure_id == "directive-45-2025"
    assert state.procedure.eligibility.re_election_min_months_before_retirement == 48
    assert state.procedure_digest == procedures.load("directive-45-2025").digest()
    # ... and after the event is stored and read back.
    stored = [event_from_data(e.TYPE, e.SCHEMA_VERSION, event_to_data(e)) for e in events]
    replayed = given(stored)
    assert replayed.procedure is not None
    assert replayed.procedure.eligibility.re_election_min_months_before_retirement == 48


def test_a_plan_keeps_its_rules_even_if_the_definition_changes_later() -> None:
    state = given(open_plan())
    revised = replace(procedures.load(), quorum="3/4")

    assert state.procedure is not None
    assert state.procedure.quorum == "2/3"
    assert state.procedure_digest != revised.digest()


def test_the_term_length_follows_the_procedure() -> None:
    four_years = replace(procedures.load(), term_months=48)
    command = replace(open_plan(), term="2025-2029", procedure=four_years)

    assert one(when(given(), command), PlanOpened).term == "2025-2029"
    then_rejected(given(), replace(open_plan(), term="2025-2029"),
                  field="term", rule="term_length")


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"term": "2025/2030"}, "term", "format"),
    ({"term": "25-30"}, "term", "format"),
    ({"term": ""}, "term", "format"),
    ({"term": "2025-2031"}, "term", "term_length"),
    ({"term": "2025-2029"}, "term", "term_length"),
    ({"term_start": date(2026, 1, 1)}, "term_start", "within_term"),
    ({"term_start": date(2024, 12, 31)}, "term_start", "within_term"),
    ({"seats": ()}, "seats", "required"),
    ({"seats": (SeatAllocation(position_group="mayor", seats=3),)},
     "seats[0].position_group", "unknown_group"),
    ({"seats": (SeatAllocation(position_group=COMMITTEE, seats=15),
                SeatAllocation(position_group=COMMITTEE, seats=3))},
     "seats[1].position_group", "duplicate"),
    ({"seats": (SeatAllocation(position_group=COMMITTEE, seats=0),)}, "seats[0].seats",
     "positive"),
    ({"seats": (SeatAllocation(position_group=COMMITTEE, seats=15),
                SeatAllocation(position_group="secretary", seats=-1))},
     "seats[1].seats", "positive"),
    ({"actor": replace(DEPARTMENT, role=Role.APPRAISAL_AGENCY)}, "actor.role",
     "role_not_permitted"),
    ({"actor": replace(DEPARTMENT, role=Role.SUPERIOR_STANDING_COMMITTEE)}, "actor.role",
     "role_not_permitted"),
    ({"actor": replace(DEPARTMENT, organization_id="org-xa-khac")}, "actor.organization_id",
     "outside_scope"),
    ({"actor": replace(DEPARTMENT, user_id="  ")}, "actor.user_id", "required"),
    ({"plan_id": " "}, "plan_id", "required"),
    ({"organization": replace(ORG, organization_id="")}, "organization.organization_id",
     "required"),
    ({"organization": replace(ORG, name="")}, "organization.name", "required"),
    ({"organization": replace(ORG, parent_id=ORG.organization_id)}, "organization.parent_id",
     "not_own_parent"),
    ({"targets": StructureTargets(women_min="3/2")}, "targets.women_min", "ratio"),
    ({"targets": StructureTargets(under_40_min="mười phần trăm")}, "targets.under_40_min",
     "ratio"),
    ({"targets": StructureTargets(first_time_min="1/0")}, "targets.first_time_min", "ratio"),
    ({"targets": StructureTargets(ethnic_minority_min="-1/5")},
     "targets.ethnic_minority_min", "ratio"),
])
def test_opening_is_rejected(changes: dict[str, object], field: str, rule: str) -> None:
    then_rejected(given(), replace(open_plan(), **changes),  # type: ignore[arg-type]
                  field=field, rule=rule)


def test_a_procedure_not_yet_in_force_cannot_be_used() -> None:
    command = open_plan(procedure_id="directive-45-2025")  # in force from 2025-04-14

    # The day in force is Vietnam's: it begins at 17:00 UTC the day before.
    then_rejected(given(), command, field="procedure", rule="not_in_force",
                  now=datetime(2025, 4, 13, 16, 59, tzinfo=UTC))  # 23:59 on the 13th there
    assert when(given(), command, now=datetime(2025, 4, 13, 17, 0, tzinfo=UTC))


def test_an_opened_plan_cannot_be_opened_again() -> None:
    state = given(open_plan())

    then_rejected(state, open_plan(command_id="open-2"), field="plan_id", rule="already_opened")


def test_every_violation_is_reported_at_once() -> None:
    command = replace(open_plan(), term="2025/2030",
                      actor=replace(DEPARTMENT, role=Role.AUDITOR),
                      seats=(SeatAllocation(position_group="mayor", seats=0),))

    rejection = then_rejected(given(), command, field="term", rule="format")

    assert rules_of(rejection) == {
        ("term", "format"),
        ("actor.role", "role_not_permitted"),
        ("seats[0].position_group", "unknown_group"),
        ("seats[0].seats", "positive"),
    }


def test_optional_ethnic_minority_target_may_be_left_out() -> None:
    command = replace(open_plan(), targets=StructureTargets(ethnic_minority_min=None))

    assert one(when(given(), command), PlanOpened).targets.ethnic_minority_min is None
