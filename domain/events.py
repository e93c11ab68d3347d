"""Domain events: frozen, keyword-only, named in the past tense, each with a type name and a
schema version. Every event says who acted (actor, role, organization) and which command
caused it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from domain import upcasting
from domain.congress_events import CONGRESS_EVENT_TYPES, CongressEvent, congress_stream
from domain.eligibility import EligibilityCheck
from domain.event_base import DomainEvent as DomainEvent
from domain.event_base import EventCommon as EventCommon
from domain.event_base import common as common
from domain.people import Candidate, CandidateGroup, Organization
from domain.plan_terms import (
    SeatAllocation,
    StructureFigureRecord,
    StructureTargets,
    Tally,
    Vote,
)
from domain.procedure import ProcedureDefinition
from domain.serialization import from_data, to_data


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
class PlanTermClaimed(DomainEvent):
    """Đề án giữ nhiệm kỳ của tổ chức: mỗi tổ chức chỉ một đề án cho một nhiệm kỳ.

    On the term's own stream (``term_stream``), appended expecting the version the opener
    read (``previous_version``): of two plans opened at once for the same organization and
    term, the store accepts one."""

    TYPE: ClassVar[str] = "PlanTermClaimed"
    organization_id: str
    term: str
    previous_version: int  # the term stream's version when the claim was decided
    follows: str | None  # the plan that held the term before and released it, if any


@dataclass(frozen=True, kw_only=True)
class PlanTermReleased(DomainEvent):
    """Đề án trả lại nhiệm kỳ (bị hủy hoặc không được phê duyệt): có thể lập đề án mới."""

    TYPE: ClassVar[str] = "PlanTermReleased"
    organization_id: str
    term: str
    reason_code: str  # "cancelled" or "rejected"


@dataclass(frozen=True, kw_only=True)
class PlanCancelled(DomainEvent):
    """Hủy đề án trước khi trình, có lý do."""

    TYPE: ClassVar[str] = "PlanCancelled"
    reason: str


@dataclass(frozen=True, kw_only=True)
class PlanResumed(DomainEvent):
    """Quy trình của đề án được khôi phục từ sổ sự kiện: its Temporal workflow was gone
    (terminated, or its history lost) and an operator started it again from the plan's
    events, the record of truth. Changes nothing of the plan; says who, why and what
    Temporal had."""

    TYPE: ClassVar[str] = "PlanResumed"
    reason: str
    workflow_status: str  # what Temporal said of the old run: "terminated", "not_found", ...


@dataclass(frozen=True, kw_only=True)
class CandidateRegistered(DomainEvent):
    """A candidate is put forward for a position group: a nomination begins."""

    TYPE: ClassVar[str] = "CandidateRegistered"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("candidate",)
    nomination_id: str
    candidate: Candidate
    position_group: str
    candidate_group: CandidateGroup


@dataclass(frozen=True, kw_only=True)
class CandidateWithdrawn(DomainEvent):
    """Nhân sự rút khỏi danh sách, có lý do; hồ sơ vẫn được lưu."""

    TYPE: ClassVar[str] = "CandidateWithdrawn"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    nomination_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RegistrationCorrected(DomainEvent):
    """Đính chính thông tin nhân sự: bản trước và bản đã sửa, có lý do."""

    TYPE: ClassVar[str] = "RegistrationCorrected"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("previous", "candidate", "reason")
    nomination_id: str
    previous: Candidate
    candidate: Candidate
    reason: str


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


# --- submission, appraisal and approval -------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class EligibilityChecked(DomainEvent):
    """The automatic checks of standards and conditions, at registration and at submission."""

    TYPE: ClassVar[str] = "EligibilityChecked"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("checks",)
    nomination_id: str
    occasion: str  # "registration" or "submission"
    checks: tuple[EligibilityCheck, ...]


@dataclass(frozen=True, kw_only=True)
class Shortfall:
    measure: str
    severity: str  # "block" or "warn"
    detail: str


@dataclass(frozen=True, kw_only=True)
class ListAssessment:
    position_group: str
    seats: int
    size: int
    list_minimum: int
    list_maximum: int
    figures: tuple[StructureFigureRecord, ...]
    shortfalls: tuple[Shortfall, ...]


@dataclass(frozen=True, kw_only=True)
class StructureAssessed(DomainEvent):
    """Cơ cấu và số dư of the submitted lists, as shown to the approvers."""

    TYPE: ClassVar[str] = "StructureAssessed"
    round: int
    lists: tuple[ListAssessment, ...]


@dataclass(frozen=True, kw_only=True)
class AppraisalOpened(DomainEvent):
    TYPE: ClassVar[str] = "AppraisalOpened"
    nomination_id: str
    round: int
    agencies: tuple[str, ...]
    deadline: datetime


@dataclass(frozen=True, kw_only=True)
class FindingRecorded(DomainEvent):
    """Kết luận thẩm định of one agency; a second one from the same agency amends the first."""

    TYPE: ClassVar[str] = "FindingRecorded"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("text", "evidence_ref")
    nomination_id: str
    round: int
    agency: str
    outcome: str  # cleared, concern, disqualifying
    text: str
    evidence_ref: str
    amends: str | None  # the outcome it replaces, when it is an amendment


@dataclass(frozen=True, kw_only=True)
class AppraisalReminderSent(DomainEvent):
    TYPE: ClassVar[str] = "AppraisalReminderSent"
    nomination_id: str
    round: int
    number: int
    missing: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AppraisalOverdue(DomainEvent):
    """The deadline passed with agencies still silent: escalated, and the appraisal closes."""

    TYPE: ClassVar[str] = "AppraisalOverdue"
    nomination_id: str
    round: int
    missing: tuple[str, ...]
    escalated_to: str


@dataclass(frozen=True, kw_only=True)
class AgencyFinding:
    agency: str
    outcome: str


@dataclass(frozen=True, kw_only=True)
class AppraisalCompleted(DomainEvent):
    TYPE: ClassVar[str] = "AppraisalCompleted"
    nomination_id: str
    round: int
    outcome: str  # cleared, concern, disqualified, incomplete
    findings: tuple[AgencyFinding, ...]
    overdue: bool


@dataclass(frozen=True, kw_only=True)
class AppraisalResult:
    nomination_id: str
    outcome: str


@dataclass(frozen=True, kw_only=True)
class AppraisalsCompleted(DomainEvent):
    """Every nomination of the round is appraised: the plan goes to the superior committee."""

    TYPE: ClassVar[str] = "AppraisalsCompleted"
    round: int
    results: tuple[AppraisalResult, ...]


@dataclass(frozen=True, kw_only=True)
class ApprovalReminderSent(DomainEvent):
    TYPE: ClassVar[str] = "ApprovalReminderSent"
    round: int
    number: int


@dataclass(frozen=True, kw_only=True)
class ApprovalOverdue(DomainEvent):
    TYPE: ClassVar[str] = "ApprovalOverdue"
    round: int
    escalated_to: str


@dataclass(frozen=True, kw_only=True)
class Exclusion:
    nomination_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Acknowledgement:
    """The superior committee saw a failed eligibility check and approves anyway, saying why
    (ghi nhận tiêu chuẩn, điều kiện chưa đạt)."""

    nomination_id: str
    check_code: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class PlanApproved(DomainEvent):
    """Phê duyệt, possibly with some candidates excluded (loại khỏi danh sách).

    v2 records the failed eligibility checks the committee acknowledged (v1: none)."""

    TYPE: ClassVar[str] = "PlanApproved"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reasons", "excluded", "acknowledged")
    SCHEMA_VERSION: ClassVar[int] = 2
    round: int
    decision_ref: str
    reasons: str
    excluded: tuple[Exclusion, ...]
    lists: tuple[ListEntry, ...]
    acknowledged: tuple[Acknowledgement, ...]


@dataclass(frozen=True, kw_only=True)
class PlanSentBack(DomainEvent):
    """Chỉ đạo điều chỉnh, bổ sung: back to a named step for a named group."""

    TYPE: ClassVar[str] = "PlanSentBack"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reasons",)
    round: int
    decision_ref: str
    reasons: str
    position_group: str
    candidate_group: CandidateGroup
    step: int
    nominations: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PlanRejected(DomainEvent):
    TYPE: ClassVar[str] = "PlanRejected"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reasons",)
    round: int
    decision_ref: str
    reasons: str


@dataclass(frozen=True, kw_only=True)
class NominationApproved(DomainEvent):
    TYPE: ClassVar[str] = "NominationApproved"
    nomination_id: str
    round: int
    decision_ref: str


@dataclass(frozen=True, kw_only=True)
class NominationExcluded(DomainEvent):
    TYPE: ClassVar[str] = "NominationExcluded"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    nomination_id: str
    round: int
    decision_ref: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class NominationSentBack(DomainEvent):
    TYPE: ClassVar[str] = "NominationSentBack"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reasons",)
    nomination_id: str
    round: int
    step: int
    decision_ref: str
    reasons: str


PLAN_EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.TYPE: cls
    for cls in (PlanOpened, PlanTermClaimed, PlanTermReleased, PlanCancelled, PlanResumed,
                CandidateRegistered, CandidateWithdrawn, RegistrationCorrected,
                ConferenceResultRecorded, NominationAdvanced,
                NominationDropped, NominationRevoteRequired, GroupCompletedSteps, PlanSubmitted,
                EligibilityChecked, StructureAssessed, AppraisalOpened, FindingRecorded,
                AppraisalReminderSent, AppraisalOverdue, AppraisalCompleted,
                AppraisalsCompleted, ApprovalReminderSent, ApprovalOverdue, PlanApproved,
                PlanSentBack, PlanRejected, NominationApproved, NominationExcluded,
                NominationSentBack)
}
#: Every event type the domain defines: the plan's and the congress's.
EVENT_TYPES: dict[str, type[DomainEvent]] = {**PLAN_EVENT_TYPES, **CONGRESS_EVENT_TYPES}

NOMINATION_EVENTS = (CandidateRegistered, CandidateWithdrawn, RegistrationCorrected,
                     NominationAdvanced, NominationDropped,
                     NominationRevoteRequired, EligibilityChecked, AppraisalOpened,
                     FindingRecorded, AppraisalReminderSent, AppraisalOverdue,
                     AppraisalCompleted, NominationApproved, NominationExcluded,
                     NominationSentBack)
TERM_EVENTS = (PlanTermClaimed, PlanTermReleased)


def plan_stream(plan_id: str) -> str:
    return f"plan-{plan_id}"


def nomination_stream(nomination_id: str) -> str:
    return f"nomination-{nomination_id}"


def term_stream(organization_id: str, term: str) -> str:
    """The reservation of one organization's term: who holds it, who held it before."""
    return f"term-{organization_id}-{term}"


def stream_of(event: DomainEvent) -> str:
    """The aggregate an event belongs to: a nomination's own trail, the organization's term,
    the congress, or the plan. (Every event is correlated with its plan's stream all the
    same.)"""
    if isinstance(event, CongressEvent):
        return congress_stream(event.plan_id)
    if isinstance(event, NOMINATION_EVENTS):
        return nomination_stream(event.nomination_id)
    if isinstance(event, TERM_EVENTS):
        return term_stream(event.organization_id, event.term)
    return plan_stream(event.plan_id)


def event_to_data(event: DomainEvent) -> dict[str, Any]:
    data: dict[str, Any] = to_data(event)
    return data


def event_from_data(event_type: str, schema_version: int, data: dict[str, Any]) -> DomainEvent:
    """The event stored as ``event_type`` v``schema_version``, upcast to the current shape on
    read (domain/upcasting.py); ``data`` itself, like the stored bytes, is left as it is."""
    cls = EVENT_TYPES[event_type]
    _, current = upcasting.upcast(event_type, schema_version, data, current=cls.SCHEMA_VERSION)
    return from_data(cls, current)


def private_fields(event_type: str) -> tuple[str, ...]:
    """The fields of events of ``event_type`` kept as salted commitments (none for a type
    this code does not know)."""
    cls = EVENT_TYPES.get(event_type)
    return cls.PRIVATE_FIELDS if cls is not None else ()
