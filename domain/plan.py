"""The personnel plan's state and how each event changes it (evolve)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from domain.appraisal import AppraisalState, evolve_appraisal
from domain.congress_events import CongressEvent
from domain.eligibility import EligibilityCheck
from domain.events import (
    AppraisalCompleted,
    AppraisalOpened,
    AppraisalOverdue,
    AppraisalReminderSent,
    AppraisalsCompleted,
    ApprovalOverdue,
    ApprovalReminderSent,
    CandidateRegistered,
    CandidateWithdrawn,
    ConferenceResultRecorded,
    DomainEvent,
    EligibilityChecked,
    FindingRecorded,
    GroupCompletedSteps,
    ListAssessment,
    NominationAdvanced,
    NominationApproved,
    NominationDropped,
    NominationExcluded,
    NominationRevoteRequired,
    NominationSentBack,
    PlanApproved,
    PlanCancelled,
    PlanOpened,
    PlanRejected,
    PlanResumed,
    PlanSentBack,
    PlanSubmitted,
    PlanTermClaimed,
    PlanTermReleased,
    RegistrationCorrected,
    StructureAssessed,
    stream_of,
    term_stream,
)
from domain.people import Candidate, CandidateGroup, Organization
from domain.plan_terms import SeatAllocation, StructureTargets, TermClaims
from domain.procedure import ProcedureDefinition


class PlanPhase(StrEnum):
    NOT_OPENED = "not_opened"
    OPEN = "open"  # candidates being registered, no conference yet
    IN_PROCEDURE = "in_procedure"  # the five steps are under way
    SUBMITTED = "submitted"  # trình cấp trên; the agencies appraise
    AWAITING_APPROVAL = "awaiting_approval"  # chờ cấp trên phê duyệt
    APPROVED = "approved"  # đã phê duyệt
    REJECTED = "rejected"  # không phê duyệt
    CANCELLED = "cancelled"  # đã hủy đề án (before submission)


class NominationStatus(StrEnum):
    REGISTERED = "registered"  # not yet before any conference
    STANDING = "standing"  # passed at least one step, still going
    LISTED = "listed"  # through the last step: on the plan's list
    DROPPED = "dropped"
    APPROVED = "approved"  # on the list the superior committee approved
    EXCLUDED = "excluded"  # taken off the list by the superior committee
    WITHDRAWN = "withdrawn"  # rút khỏi danh sách: out of play, kept on record


Track = tuple[str, CandidateGroup]  # (position group, candidate group)
APPRAISAL_EVENTS = (AppraisalOpened, FindingRecorded, AppraisalReminderSent, AppraisalOverdue,
                    AppraisalCompleted)


@dataclass(frozen=True, kw_only=True)
class Nomination:
    nomination_id: str
    candidate: Candidate
    position_group: str
    candidate_group: CandidateGroup
    status: NominationStatus = NominationStatus.REGISTERED
    last_passed_step: int = 0
    eligibility: tuple[EligibilityCheck, ...] = ()

    @property
    def in_play(self) -> bool:
        return self.status in (NominationStatus.REGISTERED, NominationStatus.STANDING)


def failed_checks(nomination: Nomination) -> tuple[EligibilityCheck, ...]:
    """The nomination's latest eligibility checks that did not pass (at registration, at a
    correction, or at submission: whichever came last)."""
    return tuple(c for c in nomination.eligibility if not c.passed)


@dataclass(frozen=True, kw_only=True)
class GroupProgress:
    step: int
    attempt: int = 1
    started: bool = False
    completed: bool = False


@dataclass(frozen=True, kw_only=True)
class PlanState:
    plan_id: str = ""
    phase: PlanPhase = PlanPhase.NOT_OPENED
    organization: Organization | None = None
    term: str = ""
    term_start: date | None = None
    seats: tuple[SeatAllocation, ...] = ()
    targets: StructureTargets | None = None
    procedure: ProcedureDefinition | None = None
    procedure_digest: str = ""
    opened_by: str = ""
    submitted_by: str = ""
    nominations: dict[str, Nomination] = field(default_factory=dict)
    progress: dict[Track, GroupProgress] = field(default_factory=dict)
    last_held_on: date | None = None
    processed_commands: frozenset[str] = frozenset()
    versions: dict[str, int] = field(default_factory=dict)  # stream id -> version
    round: int = 1  # a send-back starts a new round
    submitters: frozenset[str] = frozenset()
    structure: tuple[ListAssessment, ...] = ()
    appraisals: dict[str, AppraisalState] = field(default_factory=dict)
    finding_actors: frozenset[str] = frozenset()
    approval_reminders: int = 0
    approval_escalated: bool = False
    # The term claim: whether this plan holds its organization's term (plans opened before
    # term claims existed hold none), and the plan it follows (cancelled or rejected before).
    term_held: bool = False
    follows: str | None = None

    # --- derived views -------------------------------------------------------------------
    def seats_for(self, position_group: str) -> int:
        return sum(s.seats for s in self.seats if s.position_group == position_group)

    def tracks(self) -> list[Track]:
        """Groups in the order they go through the steps: position groups from low to high,
        and within each, incumbents before first-time candidates."""
        assert self.procedure is not None
        return [
            (pg, cg)
            for pg in self.procedure.position_group_codes()
            if self.seats_for(pg) > 0
            for cg in self.procedure.candidate_group_order
        ]

    def members(self, track: Track) -> list[Nomination]:
        pg, cg = track
        return [n for n in self.nominations.values()
                if n.position_group == pg and n.candidate_group == cg]

    def current_track(self) -> Track | None:
        """The first group with someone still to go through the steps."""
        for track in self.tracks():
            progress = self.progress.get(track)
            if progress is not None and progress.completed:
                continue
            if any(n.in_play for n in self.members(track)):
                return track
        return None

    def in_position_group(self, position_group: str) -> list[Nomination]:
        return [n for n in self.nominations.values() if n.position_group == position_group]

    def listed(self, position_group: str) -> list[Nomination]:
        return [n for n in self.in_position_group(position_group)
                if n.status is NominationStatus.LISTED]

    def version_of(self, stream_id: str) -> int:
        return self.versions.get(stream_id, 0)

    def all_listed(self) -> list[Nomination]:
        return [n for n in self.nominations.values() if n.status is NominationStatus.LISTED]

    def to_appraise(self) -> list[Nomination]:
        """Listed nominations without an appraisal in this plan's life, or sent back since."""
        return [n for n in self.all_listed() if n.nomination_id not in self.appraisals]

    def eligibility_warnings(self) -> list[tuple[Nomination, EligibilityCheck]]:
        """Every failed check of a nomination still in play, listed or approved: what the
        approvers must see, and acknowledge, before approving."""
        live = (NominationStatus.REGISTERED, NominationStatus.STANDING,
                NominationStatus.LISTED, NominationStatus.APPROVED)
        return [(n, check) for n in self.nominations.values() if n.status in live
                for check in failed_checks(n)]

    @property
    def term_stream(self) -> str:
        assert self.organization is not None
        return term_stream(self.organization.organization_id, self.term)

    @property
    def superior_id(self) -> str:
        assert self.organization is not None
        return self.organization.parent_id or self.organization.organization_id


def evolve(state: PlanState, event: DomainEvent) -> PlanState:
    state = _apply(state, event)
    stream = stream_of(event)
    if isinstance(event, PlanTermClaimed):
        # The term stream holds other plans' events too: it is at the version the claim
        # was decided on, plus the claim.
        version = event.previous_version + 1
    else:
        version = state.versions.get(stream, 0) + 1
    return replace(state, versions={**state.versions, stream: version},
                   processed_commands=state.processed_commands | {event.command_id})


def expected_versions(state: PlanState, events: list[DomainEvent]) -> dict[str, int]:
    """The version each stream ``events`` touch must be at before they are appended, for
    events decided on ``state``: the term stream of an opening is expected where the claim
    read it (``previous_version``), every other stream where ``state`` has it."""
    expected: dict[str, int] = {}
    for event in events:
        stream = stream_of(event)
        if stream in expected:
            continue
        if isinstance(event, PlanTermClaimed):
            expected[stream] = event.previous_version
        else:
            expected[stream] = state.version_of(stream)
    return expected


def term_claims(events: Iterable[DomainEvent]) -> TermClaims:
    """Fold an organization's term stream: its version, the plan holding the term now, and
    the latest plan that released it."""
    claims = TermClaims()
    for event in events:
        if isinstance(event, PlanTermClaimed):
            claims = replace(claims, version=claims.version + 1, holder=event.plan_id)
        elif isinstance(event, PlanTermReleased):
            claims = TermClaims(version=claims.version + 1, holder=None,
                                last_released=event.plan_id)
        else:
            claims = replace(claims, version=claims.version + 1)
    return claims


def fold(events: Iterable[DomainEvent], state: PlanState | None = None) -> PlanState:
    current = state or PlanState()
    for event in events:
        current = evolve(current, event)
    return current


def _apply(state: PlanState, event: DomainEvent) -> PlanState:
    if isinstance(event, CongressEvent):
        return state  # the congress of an approved plan: its own state (domain.election)
    if isinstance(event, PlanOpened):
        return replace(
            state, plan_id=event.plan_id, phase=PlanPhase.OPEN, organization=event.organization,
            term=event.term, term_start=event.term_start, seats=event.seats,
            targets=event.targets, procedure=event.procedure,
            procedure_digest=event.procedure_digest, opened_by=event.actor.user_id,
        )
    if isinstance(event, PlanTermClaimed):
        return replace(state, term_held=True, follows=event.follows)
    if isinstance(event, PlanTermReleased):
        return replace(state, term_held=False)
    if isinstance(event, PlanCancelled):
        return replace(state, phase=PlanPhase.CANCELLED)
    if isinstance(event, PlanResumed):
        return state  # the workflow started again; the plan itself is as it was
    if isinstance(event, CandidateWithdrawn):
        return _update_nomination(state, event.nomination_id,
                                  status=NominationStatus.WITHDRAWN)
    if isinstance(event, RegistrationCorrected):
        return _update_nomination(state, event.nomination_id, candidate=event.candidate)
    if isinstance(event, CandidateRegistered):
        nomination = Nomination(
            nomination_id=event.nomination_id, candidate=event.candidate,
            position_group=event.position_group, candidate_group=event.candidate_group,
        )
        return replace(state, nominations={**state.nominations, event.nomination_id: nomination})
    if isinstance(event, ConferenceResultRecorded):
        track = (event.position_group, event.candidate_group)
        assert state.procedure is not None
        if event.outcome == "revote_required":
            progress = GroupProgress(step=event.step, attempt=event.attempt + 1, started=True)
        else:
            following = state.procedure.next_step(event.step)
            progress = GroupProgress(step=following or event.step, started=True,
                                     completed=following is None)
        return replace(state, phase=PlanPhase.IN_PROCEDURE, last_held_on=event.held_on,
                       progress={**state.progress, track: progress})
    if isinstance(event, NominationAdvanced):
        status = NominationStatus.LISTED if event.next_step is None else NominationStatus.STANDING
        return _update_nomination(state, event.nomination_id, status=status,
                                  last_passed_step=event.step)
    if isinstance(event, NominationDropped):
        return _update_nomination(state, event.nomination_id, status=NominationStatus.DROPPED)
    if isinstance(event, NominationRevoteRequired):
        return state
    if isinstance(event, GroupCompletedSteps):
        track = (event.position_group, event.candidate_group)
        previous = state.progress.get(track, GroupProgress(step=0))
        return replace(state, progress={
            **state.progress, track: replace(previous, started=True, completed=True)})
    if isinstance(event, PlanSubmitted):
        return replace(state, phase=PlanPhase.SUBMITTED, submitted_by=event.actor.user_id,
                       submitters=state.submitters | {event.actor.user_id})
    return _apply_review(state, event)


def _apply_review(state: PlanState, event: DomainEvent) -> PlanState:
    """Submission, appraisal and approval."""
    if isinstance(event, EligibilityChecked):
        return _update_nomination(state, event.nomination_id, eligibility=event.checks)
    if isinstance(event, StructureAssessed):
        return replace(state, structure=event.lists)
    if isinstance(event, APPRAISAL_EVENTS):
        appraisal = evolve_appraisal(state.appraisals.get(event.nomination_id, AppraisalState()),
                                     event)
        actors = state.finding_actors
        if isinstance(event, FindingRecorded):
            actors = actors | {event.actor.user_id}
        return replace(state, appraisals={**state.appraisals, event.nomination_id: appraisal},
                       finding_actors=actors)
    if isinstance(event, AppraisalsCompleted):
        return replace(state, phase=PlanPhase.AWAITING_APPROVAL, approval_reminders=0,
                       approval_escalated=False)
    if isinstance(event, ApprovalReminderSent):
        return replace(state, approval_reminders=event.number)
    if isinstance(event, ApprovalOverdue):
        return replace(state, approval_escalated=True)
    if isinstance(event, PlanApproved):
        return replace(state, phase=PlanPhase.APPROVED)
    if isinstance(event, PlanRejected):
        return replace(state, phase=PlanPhase.REJECTED)
    if isinstance(event, NominationApproved):
        return _update_nomination(state, event.nomination_id, status=NominationStatus.APPROVED)
    if isinstance(event, NominationExcluded):
        return _update_nomination(state, event.nomination_id, status=NominationStatus.EXCLUDED)
    if isinstance(event, PlanSentBack):
        track = (event.position_group, event.candidate_group)
        return replace(state, phase=PlanPhase.IN_PROCEDURE, round=event.round + 1,
                       progress={**state.progress,
                                 track: GroupProgress(step=event.step, started=True)})
    if isinstance(event, NominationSentBack):
        appraisals = {k: a for k, a in state.appraisals.items() if k != event.nomination_id}
        state = replace(state, appraisals=appraisals)
        return _update_nomination(state, event.nomination_id, status=NominationStatus.STANDING,
                                  last_passed_step=event.step - 1)
    raise TypeError(f"no evolve rule for {type(event).__name__}")


def _update_nomination(state: PlanState, nomination_id: str, **changes: object) -> PlanState:
    current = state.nominations[nomination_id]
    updated = replace(current, **changes)  # type: ignore[arg-type]
    return replace(state, nominations={**state.nominations, nomination_id: updated})
