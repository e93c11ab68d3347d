"""Cơ cấu: how a list measures against the plan's structure targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain.events import ListAssessment, Shortfall
from domain.people import CandidateGroup, Gender
from domain.plan import Nomination, PlanState
from domain.plan_terms import StructureFigureRecord, StructureTargets
from domain.procedure import ratio
from domain.vocabulary import STRUCTURE_MEASURES, number, percent

STANDING_COMMITTEE = "standing_committee_member"
#: The rule codes a blocking shortfall is refused under at submission (decide._submit): the
#: measures, and the list's bounds as its minimum or maximum.
SHORTFALL_RULES = ("women", "under_40", "ethnic_minority", "first_time",
                   "woman_on_standing_committee", "list_minimum", "list_maximum")


@dataclass(frozen=True, kw_only=True)
class StructureFigure:
    measure: str  # women, under_40, ethnic_minority, first_time
    label_vi: str
    count: int
    total: int
    target: str | None  # "p/q" or None when the plan sets no target

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        if self.total == 0:
            return False
        return Fraction(self.count, self.total) >= ratio(self.target)

    @property
    def percent_text(self) -> str:
        if self.total == 0:
            return "-"
        return percent(Fraction(self.count, self.total))


def structure_figures(
    nominations: list[Nomination], targets: StructureTargets, reference_day: date
) -> list[StructureFigure]:
    """Shares of the given nominations; ages are counted on ``reference_day`` (term start)."""
    total = len(nominations)

    def figure(measure: str, count: int, target: str | None) -> StructureFigure:
        return StructureFigure(measure=measure, label_vi=STRUCTURE_MEASURES[measure],
                               count=count, total=total, target=target)

    return [
        figure("women", sum(n.candidate.gender is Gender.FEMALE for n in nominations),
               targets.women_min),
        figure("under_40", sum(n.candidate.age_on(reference_day) < 40 for n in nominations),
               targets.under_40_min),
        figure("ethnic_minority", sum(n.candidate.is_ethnic_minority for n in nominations),
               targets.ethnic_minority_min),
        figure("first_time",
               sum(n.candidate_group is CandidateGroup.FIRST_TIME for n in nominations),
               targets.first_time_min),
    ]


def assess_lists(state: PlanState) -> tuple[ListAssessment, ...]:
    """Each position group's list against its bounds and the plan's structure targets, with
    every shortfall marked as blocking or a warning by the procedure's policy."""
    assert state.procedure is not None and state.targets is not None
    assert state.term_start is not None
    policy = state.procedure.structure_policy
    assessments = []
    for seat in state.seats:
        listed = state.listed(seat.position_group)
        low, high = state.procedure.surplus.list_bounds(seat.seats)
        figures = structure_figures(listed, state.targets, state.term_start)
        shortfalls = [
            Shortfall(measure=f.measure, severity=policy.severity(f"{f.measure}_min"),
                      detail=f"{f.label_vi}: {number(f.count)}/{number(f.total)} "
                             f"({f.percent_text}), mục tiêu {f.target}")
            for f in figures if f.met is False
        ]
        if not low <= len(listed) <= high:
            shortfalls.append(Shortfall(
                measure="list_bounds", severity=policy.list_bounds,
                detail=f"danh sách {number(len(listed))} người cho {number(seat.seats)} chỉ "
                       f"tiêu; cần từ {number(low)} đến {number(high)}"))
        if (seat.position_group == STANDING_COMMITTEE and state.targets.woman_on_standing_committee
                and not any(n.candidate.gender is Gender.FEMALE for n in listed)):
            shortfalls.append(Shortfall(
                measure="woman_on_standing_committee",
                severity=policy.woman_on_standing_committee,
                detail="danh sách Ban thường vụ không có cán bộ nữ"))
        assessments.append(ListAssessment(
            position_group=seat.position_group, seats=seat.seats, size=len(listed),
            list_minimum=low, list_maximum=high,
            figures=tuple(StructureFigureRecord(measure=f.measure, count=f.count, total=f.total,
                                                target=f.target, met=f.met) for f in figures),
            shortfalls=tuple(shortfalls)))
    return tuple(assessments)
