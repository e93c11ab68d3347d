"""Reading the read models: what the CLI's lists and reports show, without folding streams."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from domain.plan_terms import StructureTargets
from domain.structure import StructureFigure, structure_figures
from eventstore.store import PostgresEventStore
from reads.models.connections import driver
from reads.models.runner import is_behind, positions

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


MEASURES = ("women", "under_40", "ethnic_minority", "first_time")
# The domain's own labels (Nữ, Dưới 40 tuổi, ...), in its order.
LABELS_VI = {f.measure: f.label_vi
             for f in structure_figures([], StructureTargets(), date(2000, 1, 1))}


@dataclass(frozen=True, kw_only=True)
class PlanRow:
    plan_id: str
    organization_id: str
    organization_name: str
    parent_organization_id: str | None
    organization_level: str
    term: str
    term_start: date
    procedure_key: str
    status: str
    round: int
    seats: int
    candidates: int
    last_held_on: date | None
    opened_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None


_PLANS = """
SELECT plan_id, organization_id, organization_name, parent_organization_id,
       organization_level, term, term_start, procedure_key, status, round, seats, candidates,
       last_held_on, opened_at, submitted_at, decided_at
FROM rm_plans
WHERE CAST(:statuses AS text[]) IS NULL OR status = ANY(:statuses)
ORDER BY plan_id
"""


_NAMED = re.compile(r"(?<![:\w]):([a-z_]+)")


async def _rows(engine: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    """The query's rows as dicts; ``:name`` parameters sent as the driver's ``$n``."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in order:
            order.append(match[1])
        return f"${order.index(match[1]) + 1}"

    statement = _NAMED.sub(number, sql)
    async with driver(engine) as conn:
        rows = await conn.fetch(statement, *(params[name] for name in order))
    return [dict(row) for row in rows]


async def plans(engine: AsyncEngine, *,
                status: str | tuple[str, ...] | None = None) -> list[PlanRow]:
    """Plans by id, optionally only those in ``status`` (a ``PlanPhase`` value, or several:
    read in one statement, so a plan moving from one to the other is not missed by both)."""
    statuses = None if status is None else [status] if isinstance(status, str) else list(status)
    return [PlanRow(**row) for row in await _rows(engine, _PLANS, statuses=statuses)]


@dataclass(frozen=True, kw_only=True)
class ListStructure:
    """One list (a plan's position group) measured against the plan's targets."""

    plan_id: str
    organization_id: str
    organization_name: str
    term: str
    status: str
    position_group: str
    seats: int
    total: int
    counts: dict[str, int]
    targets: dict[str, str | None]

    def figures(self) -> list[StructureFigure]:
        return [StructureFigure(measure=m, label_vi=LABELS_VI[m], count=self.counts[m],
                                total=self.total, target=self.targets[m]) for m in MEASURES]

    def share(self, measure: str) -> Fraction | None:
        return Fraction(self.counts[measure], self.total) if self.total else None

    def above(self, measure: str, threshold: Fraction) -> bool:
        """Strictly more than ``threshold`` (``trên 1/3``)."""
        share = self.share(measure)
        return share is not None and share > threshold


_STRUCTURE = """
SELECT s.plan_id, p.organization_id, p.organization_name, p.term, p.status, s.position_group,
       s.seats, s.total, s.women, s.under_40, s.ethnic_minority, s.first_time,
       p.women_min, p.under_40_min, p.ethnic_minority_min, p.first_time_min
FROM rm_structure AS s JOIN rm_structure_plans AS p USING (plan_id)
WHERE (CAST(:position_group AS text) IS NULL OR s.position_group = :position_group)
  AND (CAST(:status AS text) IS NULL OR p.status = :status)
ORDER BY p.organization_name, s.plan_id, s.position_group
"""


async def structure(engine: AsyncEngine, *, position_group: str | None = None,
                    status: str | None = None) -> list[ListStructure]:
    """Every list's structure figures, by organization."""
    return [
        ListStructure(
            plan_id=r["plan_id"], organization_id=r["organization_id"],
            organization_name=r["organization_name"], term=r["term"], status=r["status"],
            position_group=r["position_group"], seats=r["seats"], total=r["total"],
            counts={m: r[m] for m in MEASURES},
            targets={m: r[f"{m}_min"] for m in MEASURES})
        for r in await _rows(engine, _STRUCTURE, position_group=position_group, status=status)
    ]


@dataclass(frozen=True, kw_only=True)
class SetAside:
    """An event a projection could not apply, set aside so that it goes on with the rest."""

    projection: str
    position: int
    event_id: str
    stream_id: str
    event_type: str
    schema_version: int
    error: str  # the error's kind and message (the message may quote the value)
    set_aside_at: datetime


@dataclass(frozen=True, kw_only=True)
class Freshness:
    name: str
    position: int
    events_processed: int
    updated_at: datetime | None  # None: it never ran
    behind: bool  # the settled log holds events it has not applied yet
    set_aside: int = 0  # events it could not apply and went past
    first_set_aside: tuple[SetAside, ...] = ()  # the first few of them, by position


FIRST_SET_ASIDE = 5

_SET_ASIDE = """
SELECT projection, position, event_id::text, stream_id, event_type, schema_version, error,
       set_aside_at
FROM (SELECT q.*, row_number() OVER (PARTITION BY projection ORDER BY position) AS n
      FROM projection_quarantine AS q
      WHERE CAST(:names AS text[]) IS NULL OR projection = ANY(CAST(:names AS text[]))) AS q
WHERE CAST(:per_projection AS bigint) IS NULL OR n <= :per_projection
ORDER BY projection, position
"""

_SET_ASIDE_COUNTS = """
SELECT projection, count(*) AS n FROM projection_quarantine GROUP BY projection
"""


async def set_aside(engine: AsyncEngine, names: Sequence[str] | None = None, *,
                    per_projection: int | None = None) -> list[SetAside]:
    """The events set aside by each projection (all, or those of ``names``), by projection
    and position; at most ``per_projection`` of each if given."""
    rows = await _rows(engine, _SET_ASIDE, names=None if names is None else list(names),
                       per_projection=per_projection)
    return [SetAside(**row) for row in rows]


async def freshness(engine: AsyncEngine, store: PostgresEventStore,
                    names: Sequence[str] | None = None) -> list[Freshness]:
    """Where each projection stands, whether the log has moved past it, and how many events
    it set aside (with the first few). A projection that never ran has no row yet and is
    reported at position 0."""
    found = {p.name: p for p in await positions(engine)}
    wanted = list(names) if names is not None else sorted(found)
    counts = {r["projection"]: int(r["n"]) for r in await _rows(engine, _SET_ASIDE_COUNTS)}
    first: dict[str, list[SetAside]] = {}
    if any(counts.get(name) for name in wanted):
        for item in await set_aside(engine, wanted, per_projection=FIRST_SET_ASIDE):
            first.setdefault(item.projection, []).append(item)
    result = []
    for name in wanted:
        row = found.get(name)
        position = row.position if row else 0
        result.append(Freshness(
            name=name, position=position, events_processed=row.events_processed if row else 0,
            updated_at=row.updated_at if row else None,
            behind=await is_behind(store, position), set_aside=counts.get(name, 0),
            first_set_aside=tuple(first.get(name, ()))))
    return result
