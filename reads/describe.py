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
    CandidateWithdrawn,
    DomainEvent,
    EligibilityChecked,
    FindingRecorded,
    NominationAdvanced,
    NominationApproved,
    NominationDropped,
    NominationExcluded,
    NominationRevoteRequired,
    NominationSentBack,
    PlanResumed,
    RegistrationCorrected,
)
from domain.plan_terms import Tally
from domain.procedure import ProcedureDefinition
from domain.vocabulary import CATALOGUE, moment
from domain.vocabulary import label as vocabulary_label

# The catalogue's kinds under the names used below (domain/vocabulary.py holds every word).
_KINDS = {"event_type": "event", "role": "role", "agency": "agency",
          "position_group": "position_group", "candidate_group": "candidate_group",
          "body": "body", "finding": "finding", "appraisal_result": "appraisal_result",
          "severity": "severity", "occasion": "occasion", "pass_base": "pass_base"}
_STEP_OUTCOMES = {"advanced": "Đạt, được giới thiệu tiếp", "dropped": "Không đạt, dừng",
                  "revote": "Bỏ phiếu lại (thiếu số dư)"}
#: The appraisal results' labels (kept under this name for the renderers).
APPRAISAL_RESULT_VI = dict(CATALOGUE["appraisal_result"])


def label(kind: str, code: str) -> str:
    """The Vietnamese label of ``code`` from the label catalogue; the code itself only when
    there is none (a code this release does not know)."""
    if kind == "step_outcome":
        return _STEP_OUTCOMES.get(code, code)
    return vocabulary_label(_KINDS.get(kind, kind), code)


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
    if sep and role in CATALOGUE["role"]:
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
                   f"{moment(event.deadline)}")
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
    if isinstance(event, CandidateWithdrawn):
        return Description(outcome_vi=label("event_type", event.TYPE), reason=event.reason)
    if isinstance(event, RegistrationCorrected):
        changed = [name for name in ("full_name", "birth_date", "gender", "ethnicity",
                                     "current_post", "party_card_number", "in_cadre_plan",
                                     "discipline")
                   if getattr(event.previous, name) != getattr(event.candidate, name)]
        return Description(outcome_vi=label("event_type", event.TYPE),
                           reason=f"{event.reason} (sửa: {', '.join(_FIELDS[c] for c in changed)})"
                           if changed else event.reason)
    if isinstance(event, PlanResumed):
        return Description(outcome_vi=label("event_type", event.TYPE),
                           reason=f"{event.reason} (người thực hiện: {event.actor.user_id})")
    return Description(outcome_vi=label("event_type", event.TYPE), reason="")


_FIELDS = {"full_name": "họ và tên", "birth_date": "ngày sinh", "gender": "giới tính",
           "ethnicity": "dân tộc", "current_post": "chức vụ", "party_card_number": "số thẻ đảng",
           "in_cadre_plan": "quy hoạch", "discipline": "kỷ luật"}
