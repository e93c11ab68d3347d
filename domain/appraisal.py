"""Thẩm định: the specialised agencies of the superior level appraise each nomination.

One appraisal per nomination and round. Each required agency records a finding (cleared,
concern with its text, or disqualifying with its reason) and the evidence it rests on; an
agency may amend its own finding while the appraisal is open, and the trail keeps both. The
appraisal completes when every agency has answered, or when its deadline passes (overdue,
escalated to the superior standing committee)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from domain.commands import Command
from domain.door import MAX_PARAGRAPH, MAX_REFERENCE, check_command
from domain.errors import Violations
from domain.events import (
    AgencyFinding,
    AppraisalCompleted,
    AppraisalOpened,
    AppraisalOverdue,
    AppraisalReminderSent,
    DomainEvent,
    FindingRecorded,
)
from domain.people import SYSTEM_ACTOR_ID, Actor, Role
from domain.text import check_text
from domain.vocabulary import APPRAISAL_AGENCIES, FINDING_OUTCOMES, ROLES


class FindingOutcome(StrEnum):
    CLEARED = "cleared"  # đủ tiêu chuẩn, điều kiện
    CONCERN = "concern"  # có vấn đề cần lưu ý
    DISQUALIFYING = "disqualifying"  # không đủ tiêu chuẩn, điều kiện


# Old name, kept for the packages that import it (domain.vocabulary holds every label).
OUTCOME_VI = FINDING_OUTCOMES
#: The overall result of an appraisal (AppraisalCompleted.outcome).
APPRAISAL_RESULTS = ("cleared", "concern", "disqualified", "incomplete")


@dataclass(frozen=True, kw_only=True)
class Finding:
    agency: str
    outcome: FindingOutcome
    text: str
    evidence_ref: str
    recorded_by: str
    amendments: int = 0


@dataclass(frozen=True, kw_only=True)
class AppraisalState:
    nomination_id: str = ""
    round: int = 0
    agencies: tuple[str, ...] = ()
    deadline: datetime | None = None
    completed: bool = False
    findings: dict[str, Finding] = field(default_factory=dict)
    reminders: int = 0
    overdue: bool = False
    outcome: str | None = None

    @property
    def opened(self) -> bool:
        return self.deadline is not None

    def missing(self) -> tuple[str, ...]:
        return tuple(a for a in self.agencies if a not in self.findings)


@dataclass(frozen=True, kw_only=True)
class RecordFinding(Command):
    nomination_id: str
    agency: str
    outcome: FindingOutcome
    text: str
    evidence_ref: str


def system_actor(organization_id: str) -> Actor:
    return Actor(user_id=SYSTEM_ACTOR_ID, role=Role.SYSTEM, organization_id=organization_id)


def open_appraisal(*, plan_id: str, nomination_id: str, round: int, agencies: tuple[str, ...],
                   deadline: datetime, now: datetime, superior_id: str) -> list[DomainEvent]:
    return [AppraisalOpened(
        plan_id=plan_id, occurred_at=now, actor=system_actor(superior_id),
        command_id=f"appraisal-{nomination_id}-r{round}-open", nomination_id=nomination_id,
        round=round, agencies=agencies, deadline=deadline)]


def decide_finding(state: AppraisalState, command: RecordFinding, *, plan_id: str,
                   superior_id: str, now: datetime) -> list[DomainEvent]:
    v = Violations()
    check_command(v, command.command_id, command.actor)
    v.check(state.opened and not state.completed and state.nomination_id == command.nomination_id,
            "nomination_id", "not_under_appraisal",
            f"Nhân sự mã đề cử {command.nomination_id} không đang được thẩm định"
            + (" (đã kết thúc thẩm định)" if state.completed else ""))
    v.check(command.agency in state.agencies, "agency", "unknown_agency",
            f"«{str(command.agency)[:64]}» không phải cơ quan thẩm định của đề án ("
            + ", ".join(APPRAISAL_AGENCIES.get(a, a) for a in state.agencies) + ")")
    v.check(command.actor.role is Role.APPRAISAL_AGENCY, "actor.role", "role_not_permitted",
            f"Vai trò {ROLES.get(command.actor.role, command.actor.role)} không được ghi kết "
            f"luận thẩm định; chỉ {ROLES[Role.APPRAISAL_AGENCY]} được ghi")
    v.check(command.actor.organization_id == superior_id, "actor.organization_id",
            "outside_scope", f"Việc thẩm định do cấp trên {superior_id} thực hiện, không "
            f"phải {command.actor.organization_id}")
    if command.outcome is not FindingOutcome.CLEARED:
        v.check(bool(command.text.strip()), "text", "reason_required",
                f"Kết luận «{FINDING_OUTCOMES.get(command.outcome, command.outcome)}» phải "
                f"nêu rõ lý do")
    check_text(v, "text", command.text, what="Nội dung kết luận", limit=MAX_PARAGRAPH,
               multiline=True)
    v.check(bool(command.evidence_ref.strip()), "evidence_ref", "evidence_required",
            "Kết luận phải nêu căn cứ (văn bản, báo cáo, số hồ sơ)")
    check_text(v, "evidence_ref", command.evidence_ref, what="Căn cứ", limit=MAX_REFERENCE)
    v.raise_if_any()
    previous = state.findings.get(command.agency)
    recorded = FindingRecorded(
        plan_id=plan_id, occurred_at=now, actor=command.actor, command_id=command.command_id,
        nomination_id=command.nomination_id, round=state.round, agency=command.agency,
        outcome=command.outcome.value, text=command.text.strip(),
        evidence_ref=command.evidence_ref.strip(),
        amends=previous.outcome.value if previous else None)
    events: list[DomainEvent] = [recorded]
    findings = {**state.findings, command.agency: _finding(recorded)}
    if all(a in findings for a in state.agencies):
        events.append(_completed(state, findings, plan_id=plan_id, now=now,
                                 actor=system_actor(superior_id), overdue=False,
                                 command_id=command.command_id))
    return events


def remind(state: AppraisalState, *, plan_id: str, superior_id: str,
           now: datetime) -> list[DomainEvent]:
    if state.completed or not state.missing():
        return []
    number = state.reminders + 1
    return [AppraisalReminderSent(
        plan_id=plan_id, occurred_at=now, actor=system_actor(superior_id),
        command_id=f"appraisal-{state.nomination_id}-r{state.round}-reminder-{number}",
        nomination_id=state.nomination_id, round=state.round, number=number,
        missing=state.missing())]


def expire(state: AppraisalState, *, plan_id: str, superior_id: str,
           now: datetime) -> list[DomainEvent]:
    """The deadline passed: whoever has not answered is named, the superior standing
    committee is told, and the appraisal closes as overdue."""
    if state.completed:
        return []
    actor = system_actor(superior_id)
    command_id = f"appraisal-{state.nomination_id}-r{state.round}-deadline"
    return [
        AppraisalOverdue(plan_id=plan_id, occurred_at=now, actor=actor, command_id=command_id,
                         nomination_id=state.nomination_id, round=state.round,
                         missing=state.missing(),
                         escalated_to=f"{superior_id}:{Role.SUPERIOR_STANDING_COMMITTEE.value}"),
        _completed(state, state.findings, plan_id=plan_id, now=now, actor=actor, overdue=True,
                   command_id=command_id),
    ]


def overall(findings: dict[str, Finding], agencies: tuple[str, ...]) -> str:
    outcomes = {f.outcome for f in findings.values()}
    if FindingOutcome.DISQUALIFYING in outcomes:
        return "disqualified"
    if any(a not in findings for a in agencies):
        return "incomplete"
    if FindingOutcome.CONCERN in outcomes:
        return "concern"
    return "cleared"


def _completed(state: AppraisalState, findings: dict[str, Finding], *, plan_id: str,
               now: datetime, actor: Actor, overdue: bool, command_id: str) -> DomainEvent:
    return AppraisalCompleted(
        plan_id=plan_id, occurred_at=now, actor=actor, command_id=command_id,
        nomination_id=state.nomination_id, round=state.round,
        outcome=overall(findings, state.agencies),
        findings=tuple(AgencyFinding(agency=a, outcome=findings[a].outcome.value)
                       for a in state.agencies if a in findings),
        overdue=overdue)


def _finding(event: FindingRecorded, amendments: int = 0) -> Finding:
    return Finding(agency=event.agency, outcome=FindingOutcome(event.outcome), text=event.text,
                   evidence_ref=event.evidence_ref, recorded_by=event.actor.user_id,
                   amendments=amendments)


def evolve_appraisal(state: AppraisalState, event: DomainEvent) -> AppraisalState:
    if isinstance(event, AppraisalOpened):
        return AppraisalState(nomination_id=event.nomination_id, round=event.round,
                              agencies=event.agencies, deadline=event.deadline)
    if isinstance(event, FindingRecorded):
        previous = state.findings.get(event.agency)
        finding = _finding(event, previous.amendments + 1 if previous else 0)
        return replace(state, findings={**state.findings, event.agency: finding})
    if isinstance(event, AppraisalReminderSent):
        return replace(state, reminders=event.number)
    if isinstance(event, AppraisalOverdue):
        return replace(state, overdue=True)
    if isinstance(event, AppraisalCompleted):
        return replace(state, completed=True, outcome=event.outcome)
    return state
