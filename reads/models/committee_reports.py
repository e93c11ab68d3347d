"""Reading the elected committees' read model (``rm_committees``) under an organization of the
registry: one query walks the registry's tree on a day and joins the committees elected in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from domain.structure import StructureFigure
from domain.vocabulary import STRUCTURE_MEASURES
from reads.models.connections import driver

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

MEASURES = ("women", "under_40", "ethnic_minority", "first_time")
_MAX_DEPTH = 16  # the tree has five levels; a guard against a corrupted row making a cycle


@dataclass(frozen=True, kw_only=True)
class CommitteeRow:
    """One congress's elected executive committee."""

    plan_id: str
    organization_id: str
    organization_name: str
    organization_level: str
    term: str
    opens_on: date | None
    seats: int
    elected: int
    counts: dict[str, int]
    incumbents: int
    targets: dict[str, str | None]
    first_ballot_complete: bool | None
    secretary_direct: bool
    open_seats: int
    appointed: int
    result_approved: bool
    closed_on: date | None

    def share(self, measure: str) -> Fraction | None:
        return Fraction(self.counts[measure], self.elected) if self.elected else None

    def figures(self) -> list[StructureFigure]:
        """The committee's make-up against its plan's targets (``met`` None: no target)."""
        return [StructureFigure(measure=m, label_vi=STRUCTURE_MEASURES[m],
                                count=self.counts[m], total=self.elected,
                                target=self.targets[m]) for m in MEASURES]

    def targets_missed(self) -> list[str]:
        return [f.measure for f in self.figures() if f.met is False]

    def above(self, measure: str, threshold: Fraction) -> bool:
        """Strictly more than ``threshold`` (``trên 1/3``), in integers."""
        return bool(self.elected) and (self.counts[measure] * threshold.denominator
                                       > threshold.numerator * self.elected)


_SUBTREE = f"""
WITH RECURSIVE tree(organization_id, depth) AS (
    SELECT o.organization_id, 0 FROM registry_organizations o
    WHERE o.organization_id = $1 AND o.valid_from <= $2
          AND (o.valid_to IS NULL OR o.valid_to >= $2)
    UNION ALL
    SELECT o.organization_id, t.depth + 1
    FROM tree t JOIN registry_organizations o ON o.parent_id = t.organization_id
    WHERE o.valid_from <= $2 AND (o.valid_to IS NULL OR o.valid_to >= $2)
          AND t.depth < {_MAX_DEPTH}
)
"""

_COMMITTEES = _SUBTREE + """
SELECT c.plan_id, c.organization_id, c.organization_name, c.organization_level, c.term,
       c.opens_on, c.seats, c.elected, c.women, c.under_40, c.ethnic_minority, c.first_time,
       c.incumbents, c.women_min, c.under_40_min, c.ethnic_minority_min, c.first_time_min,
       c.first_vote_complete AS first_ballot_complete, c.secretary_direct, c.open_seats,
       c.appointed, c.result_approved, c.closed_on
FROM (SELECT DISTINCT organization_id FROM tree) t
JOIN rm_committees c ON c.organization_id = t.organization_id
WHERE c.committee_round IS NOT NULL AND ($3::text IS NULL OR c.term = $3)
"""

#: The same figures as the report, summed by the database alone: the ceiling to compare with.
BARE_AGGREGATE = _SUBTREE + """
SELECT count(*), sum(c.elected), sum(c.women),
       count(*) FILTER (WHERE c.women * 100 > 15 * c.elected),
       count(*) FILTER (WHERE c.first_time * 3 > c.elected), sum(c.open_seats),
       count(*) FILTER (WHERE c.first_vote_complete), count(*) FILTER (WHERE c.secretary_direct)
FROM (SELECT DISTINCT organization_id FROM tree) t
JOIN rm_committees c ON c.organization_id = t.organization_id
WHERE c.committee_round IS NOT NULL
"""


def _row(r: Any) -> CommitteeRow:
    return CommitteeRow(
        plan_id=r["plan_id"], organization_id=r["organization_id"],
        organization_name=r["organization_name"], organization_level=r["organization_level"],
        term=r["term"], opens_on=r["opens_on"], seats=r["seats"], elected=r["elected"],
        counts={m: r[m] for m in MEASURES}, incumbents=r["incumbents"],
        targets={m: r[f"{m}_min"] for m in MEASURES},
        first_ballot_complete=r["first_ballot_complete"],
        secretary_direct=r["secretary_direct"], open_seats=r["open_seats"],
        appointed=r["appointed"], result_approved=r["result_approved"],
        closed_on=r["closed_on"])


async def organization_known(engine: AsyncEngine, organization_id: str, day: date) -> bool:
    async with driver(engine) as conn:
        return bool(await conn.fetchval(
            "SELECT true FROM registry_organizations WHERE organization_id = $1 "
            "AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) LIMIT 1",
            organization_id, day))


async def committees_under(engine: AsyncEngine, organization_id: str, day: date, *,
                           term: str | None = None) -> list[CommitteeRow]:
    """Every elected committee of ``organization_id`` and the organizations below it in the
    registry on ``day`` (the congresses whose executive committee round has opened)."""
    async with driver(engine) as conn:
        rows = await conn.fetch(_COMMITTEES, organization_id, day, term)
    # Sorted here rather than by the database: 50,000 rows spill its default work_mem to disk.
    return sorted((_row(r) for r in rows), key=lambda r: (r.organization_id, r.term))


async def bare_aggregate(engine: AsyncEngine, organization_id: str, day: date) -> tuple[Any, ...]:
    async with driver(engine) as conn:
        return tuple(await conn.fetchrow(BARE_AGGREGATE, organization_id, day))
