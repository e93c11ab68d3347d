"""Commands: what a user asks the plan to do. Each carries an id (for idempotency: the same
command id is never decided twice) and the actor who asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.people import Actor, Candidate, CandidateGroup, Organization
from domain.plan_terms import SeatAllocation, StructureTargets, Vote
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


@dataclass(frozen=True, kw_only=True)
class RegisterCandidate(Command):
    nomination_id: str
    candidate: Candidate
    position_group: str
    candidate_group: CandidateGroup


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


@dataclass(frozen=True, kw_only=True)
class SubmitPlan(Command):
    pass


PlanCommand = OpenPlan | RegisterCandidate | RecordConferenceResult | SubmitPlan
