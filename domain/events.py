"""Domain events: frozen, keyword-only, named in the past tense, each with a type name and a
schema version. Every event says who acted (actor, role, organization) and which command
caused it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from domain.people import Actor, Candidate, CandidateGroup, Organization
from domain.plan_terms import SeatAllocation, StructureTargets, Tally, Vote
from domain.procedure import ProcedureDefinition
from domain.serialization import from_data, to_data


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    plan_id: str
    occurred_at: datetime
    actor: Actor
    command_id: str


@dataclass(frozen=True, kw_only=True)
class PlanOpened(DomainEvent):
    """Đề án nhân sự được lập."""

    TYPE: ClassVar[str] = "PlanOpened"
    organization: Organization
    term: str
    term_start: date
    seats: tuple[SeatAllocation, ...]
    targets: StructureTargets
    procedure: ProcedureDefinition
    procedure_digest: str


@dataclass(frozen=True, kw_only=True)
class CandidateRegistered(DomainEvent):
    """A candidate is put forward for a position group: a nomination begins."""

    TYPE: ClassVar[str] = "CandidateRegistered"
    nomination_id: str
    candidate: Candidate
    position_group: str
    candidate_group: CandidateGroup


@dataclass(frozen=True, kw_only=True)
class ConferenceResultRecorded(DomainEvent):
    """The tally of one step's conference for one group, and what it decided."""

    TYPE: ClassVar[str] = "ConferenceResultRecorded"
    position_group: str
    candidate_group: CandidateGroup
    step: int
    attempt: int
    body: str
    held_on: date
    summoned: int
    attending: int
    ballots_issued: int
    ballots_valid: int
    votes: tuple[Vote, ...]
    quorum_required: int
    pass_base: str
    base_count: int
    threshold: str
    outcome: str  # "advanced", "consultative" or "revote_required"
    passed: tuple[str, ...]
    standing_after: int  # how many could still be on the list after this result
    list_minimum: int
    # Who the head of the committee kept among those tied at the list's cut-off, in order.
    tie_break: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NominationAdvanced(DomainEvent):
    TYPE: ClassVar[str] = "NominationAdvanced"
    nomination_id: str
    step: int
    attempt: int
    tally: Tally
    next_step: int | None  # None: through the last step, on the list
    reason: str


@dataclass(frozen=True, kw_only=True)
class NominationDropped(DomainEvent):
    TYPE: ClassVar[str] = "NominationDropped"
    nomination_id: str
    step: int
    attempt: int
    tally: Tally | None
    reason_code: str  # "below_threshold" or "over_list_maximum"
    reason: str


@dataclass(frozen=True, kw_only=True)
class NominationRevoteRequired(DomainEvent):
    """The step is held again for this nomination: too few passed to keep the surplus."""

    TYPE: ClassVar[str] = "NominationRevoteRequired"
    nomination_id: str
    step: int
    attempt: int
    tally: Tally
    reason: str


@dataclass(frozen=True, kw_only=True)
class GroupCompletedSteps(DomainEvent):
    """A candidate group of a position group went through every step."""

    TYPE: ClassVar[str] = "GroupCompletedSteps"
    position_group: str
    candidate_group: CandidateGroup
    listed: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ListEntry:
    position_group: str
    seats: int
    nominations: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PlanSubmitted(DomainEvent):
    """The organization department submits the plan to the superior committee (trình)."""

    TYPE: ClassVar[str] = "PlanSubmitted"
    lists: tuple[ListEntry, ...]


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.TYPE: cls
    for cls in (PlanOpened, CandidateRegistered, ConferenceResultRecorded, NominationAdvanced,
                NominationDropped, NominationRevoteRequired, GroupCompletedSteps, PlanSubmitted)
}

NOMINATION_EVENTS = (CandidateRegistered, NominationAdvanced, NominationDropped,
                     NominationRevoteRequired)


def plan_stream(plan_id: str) -> str:
    return f"plan-{plan_id}"


def nomination_stream(nomination_id: str) -> str:
    return f"nomination-{nomination_id}"


def stream_of(event: DomainEvent) -> str:
    """The aggregate an event belongs to: a nomination's own trail, or the plan."""
    if isinstance(event, NOMINATION_EVENTS):
        return nomination_stream(event.nomination_id)
    return plan_stream(event.plan_id)


def event_to_data(event: DomainEvent) -> dict[str, Any]:
    data: dict[str, Any] = to_data(event)
    return data


def event_from_data(event_type: str, schema_version: int, data: dict[str, Any]) -> DomainEvent:
    cls = EVENT_TYPES[event_type]
    if schema_version != cls.SCHEMA_VERSION:
        raise ValueError(
            f"{event_type} v{schema_version}: no upcaster to v{cls.SCHEMA_VERSION}"
        )
    return from_data(cls, data)
