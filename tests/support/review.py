"""Actors and commands of the review: appraisal agencies and the superior committee."""

from __future__ import annotations

from domain.appraisal import FindingOutcome, RecordFinding
from domain.approval import Decision, RecordApprovalDecision, SendBack
from domain.events import Exclusion
from domain.people import Actor, CandidateGroup, Role
from tests.support.plans import ORG

SUPERIOR = ORG.parent_id or ""
AGENCIES = ("organization_department", "inspection_committee", "internal_affairs")
AGENCY_STAFF = {code: Actor(user_id=f"tham-dinh.{code}", role=Role.APPRAISAL_AGENCY,
                            organization_id=SUPERIOR) for code in AGENCIES}
APPROVER = Actor(user_id="btv.cap-tren", role=Role.SUPERIOR_STANDING_COMMITTEE,
                 organization_id=SUPERIOR)


def finding(nomination_id: str, agency: str, outcome: FindingOutcome = FindingOutcome.CLEARED,
            text: str = "", *, command_id: str | None = None,
            actor: Actor | None = None) -> RecordFinding:
    return RecordFinding(
        command_id=command_id or f"finding-{nomination_id}-{agency}-{outcome.value}",
        actor=actor or AGENCY_STAFF[agency], nomination_id=nomination_id, agency=agency,
        outcome=outcome, text=text, evidence_ref=f"HS-{agency}-{nomination_id[-3:]}")


def approve(command_id: str, *, excluded: tuple[Exclusion, ...] = (),
            actor: Actor = APPROVER) -> RecordApprovalDecision:
    return RecordApprovalDecision(
        command_id=command_id, actor=actor,
        decision=Decision.APPROVE_WITH_EXCLUSIONS if excluded else Decision.APPROVE,
        decision_ref=f"QĐ-{command_id}", reasons="Đủ điều kiện" if excluded else "",
        excluded=excluded)


def send_back(command_id: str, nominations: tuple[str, ...], *, step: int = 3,
              group: CandidateGroup = CandidateGroup.FIRST_TIME,
              actor: Actor = APPROVER) -> RecordApprovalDecision:
    return RecordApprovalDecision(
        command_id=command_id, actor=actor, decision=Decision.SEND_BACK,
        decision_ref=f"CV-{command_id}",
        reasons="Đề nghị đánh giá lại nhân sự lần đầu tham gia ở bước 3",
        send_back=SendBack(position_group="committee_member", candidate_group=group, step=step,
                           nominations=nominations))
