"""Commands: what a user asks the plan to do. Each carries an id (for idempotency: the same
command id is never decided twice) and the actor who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.people import Actor, Candidate, CandidateGroup, Organization
from domain.plan_terms import NO_CLAIMS, SeatAllocation, StructureTargets, TermClaims, Vote
from domain.procedure import ProcedureDefinition


@dataclass(frozen=True, kw_only=True)
class Command:
    command_id: str
    actor: Actor


@dataclass(frozen=True, kw_only=True)
class OpenPlan(Command):
    plan_id: str
    organization: Organization
    term: str  # e.g. "2025-2030"
    term_start: date
    seats: tuple[SeatAllocation, ...]
    targets: StructureTargets
    procedure: ProcedureDefinition
    # What the opener read from the term stream: a plan is opened only while no other plan
    # holds the organization's term (the store's expected-version check settles a race).
    term_claims: TermClaims = NO_CLAIMS


@dataclass(frozen=True, kw_only=True)
class RegisterCandidate(Command):
    nomination_id: str
    candidate: Candidate
    position_group: str
    candidate_group: CandidateGroup


@dataclass(frozen=True, kw_only=True)
class Registration:
    """One row of an imported list of candidates."""

    nomination_id: str
    candidate: Candidate
    position_group: str
    candidate_group: CandidateGroup


@dataclass(frozen=True, kw_only=True)
class RegisterCandidates(Command):
    """A whole imported list, decided at once: every row is registered, or none is."""

    registrations: tuple[Registration, ...]


@dataclass(frozen=True, kw_only=True)
class WithdrawCandidate(Command):
    """Rút khỏi danh sách: the nomination stays on record, out of play."""

    nomination_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class CorrectRegistration(Command):
    """Đính chính: the full corrected candidate, with the reason for the correction."""

    nomination_id: str
    candidate: Candidate
    reason: str


@dataclass(frozen=True, kw_only=True)
class CancelPlan(Command):
    """Hủy đề án, before it is submitted; the organization's term is released."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class RecordConferenceResult(Command):
    """The minutes of one step's conference: who was summoned, who came, the tallies."""

    position_group: str
    candidate_group: CandidateGroup
    step: int
    held_on: date
    summoned: int
    attending: int
    ballots_issued: int
    ballots_valid: int
    votes: tuple[Vote, ...]
    # When more pass than the list may hold and a tie straddles the cut-off, the head of the
    # committee names, in order, who among the tied keeps a place.
    tie_break: tuple[str, ...] = ()
    # What the minutes' file says it is about; when given, each must match the plan, its
    # organization and the attempt the step is at, so minutes cannot land on the wrong plan.
    plan_id: str | None = None
    organization_id: str | None = None
    attempt: int | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitPlan(Command):
    pass


PlanCommand = (OpenPlan | RegisterCandidate | RegisterCandidates | WithdrawCandidate
               | CorrectRegistration | CancelPlan | RecordConferenceResult | SubmitPlan)
