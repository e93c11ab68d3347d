"""What each event means to a reader of a trail, in Vietnamese: its outcome and its reason."""

from __future__ import annotations

from dataclasses import dataclass

from domain.appraisal import OUTCOME_VI as FINDING_VI
from domain.events import (
    AppraisalCompleted,
    AppraisalOpened,
    AppraisalOverdue,
    AppraisalReminderSent,
    CandidateRegistered,
    DomainEvent,
    EligibilityChecked,
    FindingRecorded,
    NominationAdvanced,
    NominationApproved,
    NominationDropped,
    NominationExcluded,
    NominationRevoteRequired,
    NominationSentBack,
)
from domain.plan_terms import Tally

APPRAISAL_RESULT_VI = {"cleared": "Đạt", "concern": "Có vấn đề cần lưu ý",
                       "disqualified": "Không đủ tiêu chuẩn", "incomplete": "Chưa đủ kết luận"}


@dataclass(frozen=True, kw_only=True)
class Description:
    outcome_vi: str
    reason: str
    step: int | None = None
    attempt: int | None = None
    tally: Tally | None = None


def describe(event: DomainEvent) -> Description:
    if isinstance(event, (NominationAdvanced, NominationDropped, NominationRevoteRequired)):
        outcome = {NominationAdvanced: "Đạt, được giới thiệu tiếp",
                   NominationDropped: "Không đạt, dừng",
                   NominationRevoteRequired: "Bỏ phiếu lại (thiếu số dư)"}[type(event)]
        return Description(outcome_vi=outcome, reason=event.reason, step=event.step,
                           attempt=event.attempt, tally=event.tally)
    if isinstance(event, CandidateRegistered):
        return Description(outcome_vi="Đăng ký nhân sự",
                           reason=f"{event.candidate_group.value}, {event.position_group}")
    if isinstance(event, EligibilityChecked):
        failed = [c for c in event.checks if not c.passed]
        occasion = "khi đăng ký" if event.occasion == "registration" else "khi trình"
        return Description(
            outcome_vi=f"Kiểm tra tiêu chuẩn, điều kiện {occasion}",
            reason="; ".join(f"[{c.severity}] {c.detail}" for c in failed) if failed
            else "đạt tất cả: " + "; ".join(c.detail for c in event.checks))
    if isinstance(event, AppraisalOpened):
        return Description(outcome_vi=f"Bắt đầu thẩm định (vòng {event.round})",
                           reason=f"cơ quan: {', '.join(event.agencies)}; hạn "
                                  f"{event.deadline:%Y-%m-%d %H:%M}")
    if isinstance(event, FindingRecorded):
        amended = f" (sửa kết luận trước: {FINDING_VI[event.amends]})" if event.amends else ""
        return Description(outcome_vi=f"Thẩm định — {event.agency}: {FINDING_VI[event.outcome]}",
                           reason=f"{event.text or 'không có vấn đề'}; căn cứ "
                                  f"{event.evidence_ref}{amended}")
    if isinstance(event, AppraisalReminderSent):
        return Description(outcome_vi=f"Nhắc thẩm định lần {event.number}",
                           reason=f"chưa có kết luận của: {', '.join(event.missing)}")
    if isinstance(event, AppraisalOverdue):
        return Description(outcome_vi="Quá hạn thẩm định, báo cáo cấp trên",
                           reason=f"chưa có kết luận của: {', '.join(event.missing)}; "
                                  f"báo cáo {event.escalated_to}")
    if isinstance(event, AppraisalCompleted):
        summary = ", ".join(f"{f.agency}: {FINDING_VI[f.outcome]}" for f in event.findings)
        return Description(outcome_vi=f"Kết thúc thẩm định: {APPRAISAL_RESULT_VI[event.outcome]}",
                           reason=summary + (" (quá hạn)" if event.overdue else ""))
    if isinstance(event, NominationSentBack):
        return Description(outcome_vi=f"Cấp trên trả lại bước {event.step}",
                           reason=f"{event.reasons} ({event.decision_ref})", step=event.step)
    if isinstance(event, NominationExcluded):
        return Description(outcome_vi="Cấp trên loại khỏi danh sách",
                           reason=f"{event.reason} ({event.decision_ref})")
    if isinstance(event, NominationApproved):
        return Description(outcome_vi="Cấp trên phê duyệt", reason=event.decision_ref)
    return Description(outcome_vi=event.TYPE, reason="")
