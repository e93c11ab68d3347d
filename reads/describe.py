"""What each event means to a reader of a trail, in Vietnamese: its outcome and its reason.

Codes (roles, agencies, groups, outcomes, event types) stay English in events and JSON; the
words people read come from ``LABELS_VI``, the one place that holds them here, until the label
catalogue (``domain/vocabulary.py``) replaces it. A plan's own procedure names its position
groups and agencies (``title_vi``); ``describe`` uses those when it is given the procedure.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from domain.procedure import ProcedureDefinition

#: Vietnamese labels of the codes, by kind. The only Vietnamese words of the descriptions
#: below that name a code; everything else in them is sentence glue.
LABELS_VI: dict[str, dict[str, str]] = {
    "event_type": {
        "PlanOpened": "Lập đề án nhân sự",
        "CandidateRegistered": "Đăng ký nhân sự",
        "ConferenceResultRecorded": "Ghi kết quả hội nghị",
        "NominationAdvanced": "Đạt, được giới thiệu tiếp",
        "NominationDropped": "Không đạt, dừng",
        "NominationRevoteRequired": "Bỏ phiếu lại (thiếu số dư)",
        "GroupCompletedSteps": "Hoàn thành 5 bước",
        "PlanSubmitted": "Trình cấp trên",
        "EligibilityChecked": "Kiểm tra tiêu chuẩn, điều kiện",
        "StructureAssessed": "Đánh giá cơ cấu, số dư",
        "AppraisalOpened": "Bắt đầu thẩm định",
        "FindingRecorded": "Kết luận thẩm định",
        "AppraisalReminderSent": "Nhắc thẩm định",
        "AppraisalOverdue": "Quá hạn thẩm định, báo cáo cấp trên",
        "AppraisalCompleted": "Kết thúc thẩm định",
        "AppraisalsCompleted": "Hoàn thành thẩm định đề án",
        "ApprovalReminderSent": "Nhắc phê duyệt",
        "ApprovalOverdue": "Quá hạn phê duyệt, báo cáo cấp trên",
        "PlanApproved": "Cấp trên phê duyệt đề án",
        "PlanSentBack": "Cấp trên trả lại đề án để điều chỉnh, bổ sung",
        "PlanRejected": "Cấp trên không phê duyệt đề án",
        "NominationApproved": "Cấp trên phê duyệt",
        "NominationExcluded": "Cấp trên loại khỏi danh sách",
        "NominationSentBack": "Cấp trên trả lại",
    },
    "role": {
        "organization_department": "Ban tổ chức cấp ủy",
        "superior_standing_committee": "Ban thường vụ cấp ủy cấp trên",
        "appraisal_agency": "Cơ quan chuyên môn thẩm định",
        "vote_counting_committee": "Ban kiểm phiếu",
        "auditor": "Kiểm toán, thanh tra",
        "system": "Hệ thống (tự động)",
    },
    "agency": {
        "organization_department": "Ban Tổ chức cấp ủy cấp trên",
        "inspection_committee": "Ủy ban Kiểm tra cấp ủy cấp trên",
        "internal_affairs": "Ban Nội chính cấp ủy cấp trên",
    },
    "position_group": {
        "committee_member": "Ủy viên Ban chấp hành (cấp ủy viên)",
        "standing_committee_member": "Ủy viên Ban thường vụ",
        "deputy_secretary": "Phó Bí thư",
        "secretary": "Bí thư",
        "inspection_committee_member": "Ủy viên Ủy ban kiểm tra",
        "upper_congress_delegate": "Đại biểu dự đại hội cấp trên",
    },
    "candidate_group": {"incumbent": "tái cử", "first_time": "lần đầu tham gia"},
    "body": {
        "standing_committee": "Ban thường vụ",
        "key_cadres_conference": "Hội nghị cán bộ chủ chốt",
        "executive_committee": "Ban chấp hành",
    },
    "finding": {"cleared": "Đạt", "concern": "Có vấn đề cần lưu ý",
                "disqualifying": "Không đủ tiêu chuẩn, điều kiện"},
    "appraisal_result": {"cleared": "Đạt", "concern": "Có vấn đề cần lưu ý",
                         "disqualified": "Không đủ tiêu chuẩn", "incomplete": "Chưa đủ kết luận"},
    "severity": {"concern": "cần lưu ý", "disqualifying": "không đủ tiêu chuẩn, điều kiện",
                 "block": "chặn", "warn": "cảnh báo"},
    "occasion": {"registration": "khi đăng ký", "submission": "khi trình"},
    "pass_base": {"summoned": "số được triệu tập", "attending": "số có mặt",
                  "valid_ballots": "số phiếu hợp lệ"},
    "step_outcome": {"advanced": "Đạt, được giới thiệu tiếp", "dropped": "Không đạt, dừng",
                     "revote": "Bỏ phiếu lại (thiếu số dư)"},
}

#: The appraisal results' labels (kept under this name for the renderers).
APPRAISAL_RESULT_VI = LABELS_VI["appraisal_result"]


def label(kind: str, code: str) -> str:
    """The Vietnamese label of ``code`` (a ``kind`` of ``LABELS_VI``); the code itself only
    when there is none (a code this release does not know)."""
    return LABELS_VI.get(kind, {}).get(code, code)


@dataclass(frozen=True, kw_only=True)
class Description:
    outcome_vi: str
    reason: str
    step: int | None = None  # the step the event is about, if any
    attempt: int | None = None  # which holding of that step, only for a conference's result
    tally: Tally | None = None


def _position_group(code: str, procedure: ProcedureDefinition | None) -> str:
    if procedure is not None:
        for group in procedure.position_groups:
            if group.code == code:
                return group.title_vi
    return label("position_group", code)


def _agency(code: str, procedure: ProcedureDefinition | None) -> str:
    if procedure is not None:
        for agency in procedure.appraisal.agencies:
            if agency.code == code:
                return agency.title_vi
    return label("agency", code)


def _agencies(codes: tuple[str, ...], procedure: ProcedureDefinition | None) -> str:
    return ", ".join(_agency(c, procedure) for c in codes)


def _escalated_to(target: str) -> str:
    """``org:role`` (appraisal) names a role of an organization; other texts are Vietnamese
    already (``cấp trên của org``)."""
    organization, sep, role = target.rpartition(":")
    if sep and role in LABELS_VI["role"]:
        return f"{label('role', role)} ({organization})"
    return target


def describe(event: DomainEvent, procedure: ProcedureDefinition | None = None) -> Description:
    """The outcome and reason of ``event`` in Vietnamese. ``procedure`` (the plan's, from its
    PlanOpened) names position groups and agencies as the plan's regulation does."""
    if isinstance(event, NominationAdvanced):
        return Description(outcome_vi=label("step_outcome", "advanced"), reason=event.reason,
                           step=event.step, attempt=event.attempt, tally=event.tally)
    if isinstance(event, NominationDropped):
        return Description(outcome_vi=label("step_outcome", "dropped"), reason=event.reason,
                           step=event.step, attempt=event.attempt, tally=event.tally)
    if isinstance(event, NominationRevoteRequired):
        return Description(outcome_vi=label("step_outcome", "revote"), reason=event.reason,
                           step=event.step, attempt=event.attempt, tally=event.tally)
    if isinstance(event, CandidateRegistered):
        return Description(
            outcome_vi=label("event_type", event.TYPE),
            reason=f"nhóm {label('candidate_group', event.candidate_group.value)}, "
                   f"{_position_group(event.position_group, procedure)}")
    if isinstance(event, EligibilityChecked):
        failed = [c for c in event.checks if not c.passed]
        occasion = label("occasion", event.occasion)
        return Description(
            outcome_vi=f"{label('event_type', event.TYPE)} {occasion}",
            reason="; ".join(f"[{label('severity', c.severity)}] {c.detail}" for c in failed)
            if failed else "đạt tất cả: " + "; ".join(c.detail for c in event.checks))
    if isinstance(event, AppraisalOpened):
        return Description(
            outcome_vi=f"{label('event_type', event.TYPE)} (vòng {event.round})",
            reason=f"cơ quan thẩm định: {_agencies(event.agencies, procedure)}; hạn "
                   f"{event.deadline:%Y-%m-%d %H:%M}")
    if isinstance(event, FindingRecorded):
        amended = (f" (sửa kết luận trước: {label('finding', event.amends)})"
                   if event.amends else "")
        return Description(
            outcome_vi=f"Thẩm định — {_agency(event.agency, procedure)}: "
                       f"{label('finding', event.outcome)}",
            reason=f"{event.text or 'không có vấn đề'}; căn cứ {event.evidence_ref}{amended}")
    if isinstance(event, AppraisalReminderSent):
        return Description(
            outcome_vi=f"{label('event_type', event.TYPE)} lần {event.number}",
            reason=f"chưa có kết luận của: {_agencies(event.missing, procedure)}")
    if isinstance(event, AppraisalOverdue):
        return Description(
            outcome_vi=label("event_type", event.TYPE),
            reason=f"chưa có kết luận của: {_agencies(event.missing, procedure)}; "
                   f"báo cáo {_escalated_to(event.escalated_to)}")
    if isinstance(event, AppraisalCompleted):
        summary = ", ".join(f"{_agency(f.agency, procedure)}: {label('finding', f.outcome)}"
                            for f in event.findings)
        return Description(
            outcome_vi=f"{label('event_type', event.TYPE)}: "
                       f"{label('appraisal_result', event.outcome)}",
            reason=summary + (" (quá hạn)" if event.overdue else ""))
    if isinstance(event, NominationSentBack):
        return Description(outcome_vi=f"{label('event_type', event.TYPE)} bước {event.step}",
                           reason=f"{event.reasons} (quyết định {event.decision_ref})",
                           step=event.step)
    if isinstance(event, NominationExcluded):
        return Description(outcome_vi=label("event_type", event.TYPE),
                           reason=f"{event.reason} (quyết định {event.decision_ref})")
    if isinstance(event, NominationApproved):
        return Description(outcome_vi=label("event_type", event.TYPE),
                           reason=f"quyết định {event.decision_ref}")
    return Description(outcome_vi=label("event_type", event.TYPE), reason="")
