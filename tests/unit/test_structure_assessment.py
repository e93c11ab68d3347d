"""Cơ cấu and số dư at submission: every list is measured against the plan's structure targets
and its bounds, and the procedure's structure policy says which shortfalls block the
submission and which are only shown to the approvers (StructureAssessed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

import procedures
from domain.commands import OpenPlan, RegisterCandidate
from domain.events import (
    ListAssessment,
    NominationAdvanced,
    PlanSubmitted,
    Shortfall,
    StructureAssessed,
)
from domain.people import CandidateGroup
from domain.plan import NominationStatus, PlanState
from domain.plan_terms import SeatAllocation, StructureFigureRecord, StructureTargets
from domain.procedure import StructurePolicy
from domain.structure import STANDING_COMMITTEE, assess_lists
from tests.support.plans import (
    COMMITTEE,
    N01,
    N02,
    N03,
    N04,
    N05,
    all_steps,
    candidate,
    conference,
    ids,
    open_plan,
    register,
    submit,
    votes,
)
from tests.unit.gwt import given, one, recorded, rules_of, then_rejected, types, when

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
FOUR = ids(range(1, 5))


def opening(*, policy: StructurePolicy | None = None, targets: StructureTargets | None = None,
            standing_seats: int = 0) -> OpenPlan:
    """3 committee seats (a list of exactly 4), and standing committee seats when asked."""
    procedure = procedures.load("directive-35-2019")
    seats = (SeatAllocation(position_group=COMMITTEE, seats=3),
             *([SeatAllocation(position_group=STANDING_COMMITTEE, seats=standing_seats)]
               if standing_seats else []))
    return replace(open_plan(seats=3), seats=seats, targets=targets or StructureTargets(),
                   procedure=replace(procedure,
                                     structure_policy=policy or procedure.structure_policy))


def committee(*, women: tuple[int, ...] = (), young: tuple[int, ...] = (),
              minority: tuple[int, ...] = ()) -> list[RegisterCandidate]:
    """Incumbents 1-3 and first-time 4: men of the majority ethnicity born in the 1970s,
    unless named as women, under 40 at the start of the term, or of an ethnic minority."""
    return [register(i, INCUMBENT if i < 4 else FIRST_TIME, person=candidate(
        i, female=i in women, born=date(1990, 1, 1) if i in young else date(1975, 1, 1),
        ethnicity="Tày" if i in minority else "Kinh")) for i in range(1, 5)]


def finished(opened: OpenPlan, registered: list[RegisterCandidate]) -> PlanState:
    return given(opened, *registered, *all_steps(INCUMBENT, votes(ids([1, 2, 3]))),
                 *all_steps(FIRST_TIME, votes([N04])))


# --- structure shortfalls warn by default -----------------------------------------------------
def test_structure_shortfalls_only_warn_and_are_recorded() -> None:
    """Four men of the majority, none under 40, one first-time: every target is missed."""
    state = finished(opening(targets=StructureTargets(ethnic_minority_min="1/10")), committee())

    events = when(state, submit())

    assert types(events)[:2] == ["PlanSubmitted", "StructureAssessed"]
    assessed = one(events, StructureAssessed)
    assert assessed.round == 1
    assert assessed.lists == (ListAssessment(
        position_group=COMMITTEE, seats=3, size=4, list_minimum=4, list_maximum=4,
        figures=(
            StructureFigureRecord(measure="women", count=0, total=4, target="3/20", met=False),
            StructureFigureRecord(measure="under_40", count=0, total=4, target="1/10",
                                  met=False),
            StructureFigureRecord(measure="ethnic_minority", count=0, total=4, target="1/10",
                                  met=False),
            StructureFigureRecord(measure="first_time", count=1, total=4, target="1/3",
                                  met=False),
        ),
        shortfalls=(
            Shortfall(measure="women", severity="warn",
                      detail="Nữ: 0/4 (0,0%), mục tiêu 3/20"),
            Shortfall(measure="under_40", severity="warn",
                      detail="Dưới 40 tuổi: 0/4 (0,0%), mục tiêu 1/10"),
            Shortfall(measure="ethnic_minority", severity="warn",
                      detail="Dân tộc thiểu số: 0/4 (0,0%), mục tiêu 1/10"),
            Shortfall(measure="first_time", severity="warn",
                      detail="Tham gia lần đầu: 1/4 (25,0%), mục tiêu 1/3"),
        ),
    ),)
    assert given(events, state=state).structure == assessed.lists


def test_a_list_that_meets_every_target_has_no_shortfall() -> None:
    opened = opening(targets=StructureTargets(ethnic_minority_min="1/10"))
    registered = [register(1, INCUMBENT, person=candidate(1, female=True)),
                  register(2, INCUMBENT, person=candidate(2, born=date(1990, 1, 1),
                                                          ethnicity="Khmer")),
                  register(3, FIRST_TIME), register(4, FIRST_TIME)]
    state = given(opened, *registered, *all_steps(INCUMBENT, votes([N01, N02])),
                  *all_steps(FIRST_TIME, votes([N03, N04])))

    assessed = one(when(state, submit()), StructureAssessed)

    assert assessed.lists[0].shortfalls == ()
    assert all(f.met for f in assessed.lists[0].figures)


def test_no_target_no_shortfall() -> None:
    """The ethnic-minority target is only where the locality needs it."""
    state = finished(opening(targets=StructureTargets(ethnic_minority_min=None)), committee())

    assessed = one(when(state, submit()), StructureAssessed)

    assert "ethnic_minority" not in {s.measure for s in assessed.lists[0].shortfalls}
    figure = {f.measure: f for f in assessed.lists[0].figures}["ethnic_minority"]
    assert (figure.target, figure.met) == (None, None)


def test_a_procedure_can_make_the_womens_share_block() -> None:
    state = finished(opening(policy=StructurePolicy(women_min="block")), committee())

    rejection = then_rejected(state, submit(), field="lists.committee_member", rule="women")

    assert rules_of(rejection) == {("lists.committee_member", "women")}  # the rest only warn
    assert "Nữ: 0/4" in rejection.violations[0].message


def test_a_blocking_target_that_is_met_does_not_block() -> None:
    state = finished(opening(policy=StructurePolicy(women_min="block")), committee(women=(2,)))

    assessed = one(when(state, submit()), StructureAssessed)

    assert "women" not in {s.measure for s in assessed.lists[0].shortfalls}


@pytest.mark.parametrize(("measure", "policy"), [
    ("under_40", StructurePolicy(under_40_min="block")),
    ("first_time", StructurePolicy(first_time_min="block")),
    ("ethnic_minority", StructurePolicy(ethnic_minority_min="block")),
])
def test_each_structure_measure_can_be_made_to_block(measure: str,
                                                     policy: StructurePolicy) -> None:
    targets = StructureTargets(ethnic_minority_min="1/10")
    state = finished(opening(policy=policy, targets=targets), committee(women=(1,)))

    rejection = then_rejected(state, submit(), field="lists.committee_member", rule=measure)

    assert rules_of(rejection) == {("lists.committee_member", measure)}


# --- list bounds block --------------------------------------------------------------------
def two_groups(policy: StructurePolicy | None = None) -> PlanState:
    """The committee went through the steps; nobody was registered for secretary."""
    opened = opening(policy=policy)
    opened = replace(opened, seats=(*opened.seats,
                                    SeatAllocation(position_group="secretary", seats=1)))
    return given(opened, *committee(women=(1,)), *all_steps(INCUMBENT, votes(ids([1, 2, 3]))),
                 *all_steps(FIRST_TIME, votes([N04])))


def test_a_list_below_its_minimum_blocks() -> None:
    rejection = then_rejected(two_groups(), submit(), field="lists.secretary",
                              rule="list_minimum")

    assert rules_of(rejection) == {("lists.secretary", "list_minimum")}
    assert "danh sách 0 người cho 1 chỉ tiêu; cần từ 2 đến 2" in rejection.violations[0].message


def test_a_list_above_its_maximum_blocks() -> None:
    """Should the record ever hold more on a list than its maximum (here a fifth name for
    three seats), the submission is refused, not passed on."""
    history = recorded(opening(), *committee(women=(1,)), register(5, FIRST_TIME),
                       *all_steps(INCUMBENT, votes(ids([1, 2, 3]))),
                       *all_steps(FIRST_TIME, votes([N04, N05]), steps=range(1, 5)),
                       conference(5, FIRST_TIME, {N04: 15, N05: 10}))
    state = given(history)
    assert state.nominations[N05].status is NominationStatus.DROPPED  # a list of 4 at most
    listed_n04 = next(e for e in history if isinstance(e, NominationAdvanced)
                      and e.nomination_id == N04 and e.next_step is None)
    state = given(replace(listed_n04, nomination_id=N05, command_id="hand-made"),
                  state=state)
    assert len(state.listed(COMMITTEE)) == 5

    rejection = then_rejected(state, submit(), field="lists.committee_member",
                              rule="list_maximum")

    assert "danh sách 5 người cho 3 chỉ tiêu; cần từ 4 đến 4" in rejection.violations[0].message


def test_a_procedure_can_make_the_list_bounds_only_warn() -> None:
    state = two_groups(StructurePolicy(list_bounds="warn"))

    events = when(state, submit())

    assessed = {a.position_group: a for a in one(events, StructureAssessed).lists}
    assert assessed["secretary"].size == 0
    assert Shortfall(measure="list_bounds", severity="warn",
                     detail="danh sách 0 người cho 1 chỉ tiêu; cần từ 2 đến 2") in (
        assessed["secretary"].shortfalls)
    assert "list_bounds" not in {s.measure for s in assessed[COMMITTEE].shortfalls}
    assert one(events, PlanSubmitted).lists[1].nominations == ()


# --- a woman on the standing committee ----------------------------------------------------------
def standing(*women: int, targets: StructureTargets | None = None,
             policy: StructurePolicy | None = None) -> PlanState:
    """The committee (with two women, n01 and n04) and one standing committee seat: a list of
    two incumbents, s1 and s2, women only when named."""
    standing_list = [register(i, INCUMBENT, position_group=STANDING_COMMITTEE,
                              command_id=f"reg-s{i}",
                              person=candidate(i, female=i in women))
                     for i in (1, 2)]
    return given(opening(standing_seats=1, targets=targets, policy=policy),
                 *committee(women=(1, 4)), *standing_list,
                 *all_steps(INCUMBENT, votes(ids([1, 2, 3]))),
                 *all_steps(FIRST_TIME, votes([N04])),
                 *all_steps(INCUMBENT, votes(ids([1, 2], STANDING_COMMITTEE)),
                           position_group=STANDING_COMMITTEE))


def test_a_standing_committee_list_without_a_woman_blocks() -> None:
    state = standing()

    rejection = then_rejected(state, submit(), field="lists.standing_committee_member",
                              rule="woman_on_standing_committee")

    assert rules_of(rejection) == {("lists.standing_committee_member",
                                    "woman_on_standing_committee")}
    assert "không có cán bộ nữ" in rejection.violations[0].message


def test_a_woman_on_the_standing_committee_list_meets_the_target() -> None:
    assessed = one(when(standing(2), submit()), StructureAssessed)

    measures = {a.position_group: {s.measure for s in a.shortfalls} for a in assessed.lists}
    assert "woman_on_standing_committee" not in measures[STANDING_COMMITTEE]


def test_no_woman_needed_when_the_plan_does_not_aim_for_one() -> None:
    state = standing(targets=StructureTargets(woman_on_standing_committee=False))

    assessed = one(when(state, submit()), StructureAssessed)

    measures = {a.position_group: {s.measure for s in a.shortfalls} for a in assessed.lists}
    assert "woman_on_standing_committee" not in measures[STANDING_COMMITTEE]
    assert "women" in measures[STANDING_COMMITTEE]  # 0 of 2: still shown, as a warning


def test_a_procedure_can_make_the_standing_committee_woman_only_warn() -> None:
    state = standing(policy=StructurePolicy(woman_on_standing_committee="warn"))

    assessed = one(when(state, submit()), StructureAssessed)

    by_group = {a.position_group: a for a in assessed.lists}
    assert Shortfall(measure="woman_on_standing_committee", severity="warn",
                     detail="danh sách Ban thường vụ không có cán bộ nữ") in (
        by_group[STANDING_COMMITTEE].shortfalls)
    assert "woman_on_standing_committee" not in {s.measure
                                                 for s in by_group[COMMITTEE].shortfalls}


def test_the_assessment_at_submission_is_the_one_of_the_state() -> None:
    state = standing(2)

    assert one(when(state, submit()), StructureAssessed).lists == assess_lists(state)
