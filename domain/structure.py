"""Cơ cấu: how a list measures against the plan's structure targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain.people import CandidateGroup, Gender
from domain.plan import Nomination
from domain.plan_terms import StructureTargets
from domain.procedure import ratio


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
        tenths = (self.count * 1000 + self.total // 2) // self.total
        return f"{tenths // 10},{tenths % 10}%"


def structure_figures(
    nominations: list[Nomination], targets: StructureTargets, reference_day: date
) -> list[StructureFigure]:
    """Shares of the given nominations; ages are counted on ``reference_day`` (term start)."""
    total = len(nominations)

    def figure(measure: str, label: str, count: int, target: str | None) -> StructureFigure:
        return StructureFigure(measure=measure, label_vi=label, count=count, total=total,
                               target=target)

    return [
        figure("women", "Nữ", sum(n.candidate.gender is Gender.FEMALE for n in nominations),
               targets.women_min),
        figure("under_40", "Dưới 40 tuổi",
               sum(n.candidate.age_on(reference_day) < 40 for n in nominations),
               targets.under_40_min),
        figure("ethnic_minority", "Dân tộc thiểu số",
               sum(n.candidate.is_ethnic_minority for n in nominations),
               targets.ethnic_minority_min),
        figure("first_time", "Tham gia lần đầu",
               sum(n.candidate_group is CandidateGroup.FIRST_TIME for n in nominations),
               targets.first_time_min),
    ]
