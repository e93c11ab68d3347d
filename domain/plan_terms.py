"""What a personnel plan (đề án nhân sự) fixes when it is opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, kw_only=True)
class SeatAllocation:
    position_group: str  # a code of the procedure's position groups
    seats: int


@dataclass(frozen=True, kw_only=True)
class StructureTargets:
    """Cơ cấu: shares of the new committee the plan aims for, as "p/q" ratios."""

    women_min: str = "3/20"
    under_40_min: str = "1/10"
    first_time_min: str = "1/3"
    ethnic_minority_min: str | None = None  # where relevant to the locality
    woman_on_standing_committee: bool = True


@dataclass(frozen=True, kw_only=True)
class Vote:
    """Yes-votes one nomination received at a conference (a tally, never a ballot)."""

    nomination_id: str
    yes: int


@dataclass(frozen=True, kw_only=True)
class Tally:
    """One nomination's result at one conference, with what it was measured against."""

    held_on: date
    body: str
    summoned: int
    attending: int
    ballots_valid: int
    yes: int
    pass_base: str
    base_count: int
    threshold: str  # strictly more than this share of base_count passes
    needed: int  # the smallest yes-count that passes


@dataclass(frozen=True, kw_only=True)
class StructureFigureRecord:
    """A structure figure as recorded in an event: counts and the target, no floats."""

    measure: str
    count: int
    total: int
    target: str | None
    met: bool | None


@dataclass(frozen=True, kw_only=True)
class TermClaims:
    """What the opener read from the organization's term stream before opening a plan: one
    active plan per organization and term (``plan.term_claims`` folds the stream)."""

    version: int = 0  # the term stream's version
    holder: str | None = None  # the plan holding the term now (claimed, not released)
    last_released: str | None = None  # the latest plan that released it (cancelled/rejected)


#: A term nobody ever claimed: what an opener passes when the term stream is empty.
NO_CLAIMS = TermClaims()
