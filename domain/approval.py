"""Phê duyệt: the superior standing committee approves the plan, approves it with named
candidates excluded, sends it back to a named step for a named group, or rejects it.

Separation of duties: who submitted the plan or recorded an appraisal finding on it does not
decide on it. Deadlines and reminders are decided here too, as events of the system actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.appraisal import system_actor
from domain.commands import Command
from domain.door import MAX_PARAGRAPH, MAX_REFERENCE, check_command, check_reason
from domain.errors import Violations
from domain.events import (
    Acknowledgement,
    AppraisalResult,
    AppraisalsCompleted,
    ApprovalOverdue,
    ApprovalReminderSent,
    DomainEvent,
    Exclusion,
    ListEntry,
    NominationApproved,
    NominationExcluded,
    NominationSentBack,
    PlanApproved,
    PlanRejected,
    PlanSentBack,
    PlanTermReleased,
    common,
)
from domain.people import CandidateGroup, Role
from domain.plan import Nomination, NominationStatus, PlanPhase, PlanState, failed_checks
from domain.text import check_text
from domain.vocabulary import (
    CANDIDATE_GROUPS,
    DECISIONS,
    ELIGIBILITY_CHECKS,
    PHASES,
    ROLES,
    number,
    person,
)


class Decision(StrEnum):
    APPROVE = "approve"  # phê duyệt
    APPROVE_WITH_EXCLUSIONS = "approve_with_exclusions"  # phê duyệt, loại một số nhân sự
    SEND_BACK = "send_back"  # chỉ đạo điều chỉnh, bổ sung
    REJECT = "reject"  # không phê duyệt


@dataclass(frozen=True, kw_only=True)
class SendBack:
    position_group: str
    candidate_group: CandidateGroup
    step: int
    nominations: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RecordApprovalDecision(Command):
    decision: Decision
    decision_ref: str  # số văn bản, quyết định
    reasons: str = ""
    excluded: tuple[Exclusion, ...] = ()
    send_back: SendBack | None = None
    # Each failed eligibility check of a candidate approved anyway, with the reason
    # (required when approving: eligibility_unacknowledged).
    acknowledged: tuple[Acknowledgement, ...] = ()


def conclude_appraisals(state: PlanState, *, now: datetime) -> list[DomainEvent]:
    """Every listed nomination is appraised: the plan goes to the superior committee."""
    if state.phase is not PlanPhase.SUBMITTED:
        return []
    listed = state.all_listed()
    appraisals = [state.appraisals.get(n.nomination_id) for n in listed]
    if any(a is None or not a.completed for a in appraisals):
        return []
    return [AppraisalsCompleted(
        plan_id=state.plan_id, occurred_at=now, actor=system_actor(state.superior_id),
        command_id=f"appraisals-r{state.round}-completed", round=state.round,
        results=tuple(AppraisalResult(nomination_id=n.nomination_id,
                                      outcome=state.appraisals[n.nomination_id].outcome or "")
                      for n in listed))]


def approval_reminder(state: PlanState, *, now: datetime) -> list[DomainEvent]:
    if state.phase is not PlanPhase.AWAITING_APPROVAL:
        return []
    number = state.approval_reminders + 1
    return [ApprovalReminderSent(
        plan_id=state.plan_id, occurred_at=now, actor=system_actor(state.superior_id),
        command_id=f"approval-r{state.round}-reminder-{number}", round=state.round,
        number=number)]


def approval_overdue(state: PlanState, *, now: datetime) -> list[DomainEvent]:
    """Past the deadline the level above the superior committee is told; the decision is
    still the superior committee's to make."""
    if state.phase is not PlanPhase.AWAITING_APPROVAL or state.approval_escalated:
        return []
    return [ApprovalOverdue(
        plan_id=state.plan_id, occurred_at=now, actor=system_actor(state.superior_id),
        command_id=f"approval-r{state.round}-deadline", round=state.round,
        escalated_to=f"cấp trên của {state.superior_id}")]


APPROVING = (Decision.APPROVE, Decision.APPROVE_WITH_EXCLUSIONS)


def decide_approval(state: PlanState, c: RecordApprovalDecision, *,
                    now: datetime, legacy: bool = False) -> list[DomainEvent]:
    """The superior committee's decision. ``legacy=True`` (see ``decide``) approves without
    acknowledgements of failed eligibility checks, as before they were required."""
    v = Violations()
    check_command(v, c.command_id, c.actor)
    if state.phase is not PlanPhase.AWAITING_APPROVAL:
        v.add("plan_id", "not_awaiting_approval",
              f"Đề án đang ở trạng thái «{PHASES.get(state.phase, state.phase)}», không chờ "
              f"cấp trên phê duyệt")
        v.raise_if_any()
    assert state.organization is not None and state.procedure is not None
    decision_vi = DECISIONS.get(c.decision, c.decision)
    v.check(c.actor.role is Role.SUPERIOR_STANDING_COMMITTEE, "actor.role", "role_not_permitted",
            f"Vai trò {ROLES.get(c.actor.role, c.actor.role)} không được quyết định về đề án; "
            f"chỉ {ROLES[Role.SUPERIOR_STANDING_COMMITTEE]} được quyết định")
    v.check(c.actor.organization_id == state.superior_id, "actor.organization_id",
            "outside_scope", f"Đề án do cấp ủy {state.superior_id} quyết định, không phải "
            f"{c.actor.organization_id}")
    v.check(c.actor.user_id not in state.submitters, "actor.user_id", "separation_of_duties",
            f"{c.actor.user_id} đã trình đề án này nên không được quyết định về đề án")
    v.check(c.actor.user_id not in state.finding_actors, "actor.user_id",
            "separation_of_duties",
            f"{c.actor.user_id} đã ghi kết luận thẩm định của đề án này nên không được quyết "
            f"định về đề án")
    check_text(v, "decision_ref", c.decision_ref, what="Số văn bản quyết định",
               limit=MAX_REFERENCE, required=True)
    check_text(v, "reasons", c.reasons, what="Lý do", limit=MAX_PARAGRAPH, multiline=True)
    if c.decision is not Decision.APPROVE:
        v.check(bool(c.reasons.strip()), "reasons", "reason_required",
                f"Quyết định «{decision_vi}» phải nêu lý do")
    if c.decision is not Decision.SEND_BACK:
        v.check(c.send_back is None, "send_back", "only_when_sending_back",
                "Chỉ ghi bước cần làm lại khi trả lại đề án để điều chỉnh, bổ sung")
    if c.decision is Decision.APPROVE:
        v.check(not c.excluded, "excluded", "use_approve_with_exclusions",
                f"Loại nhân sự khỏi danh sách cần quyết định "
                f"«{DECISIONS[Decision.APPROVE_WITH_EXCLUSIONS]}»")
    if c.decision in (Decision.SEND_BACK, Decision.REJECT):
        v.check(not c.excluded, "excluded", "only_when_approving",
                f"Quyết định «{decision_vi}» không loại nhân sự nào; chỉ loại nhân sự khi "
                f"phê duyệt («{DECISIONS[Decision.APPROVE_WITH_EXCLUSIONS]}»)")
        v.check(not c.acknowledged, "acknowledged", "only_when_approving",
                f"Quyết định «{decision_vi}» không cần ghi nhận tiêu chuẩn, điều kiện chưa "
                f"đạt; chỉ ghi nhận khi phê duyệt")
    if c.decision in APPROVING:
        _check_list(state, c, v)
        _check_acknowledgements(state, c, v, legacy=legacy)
    if c.decision is Decision.SEND_BACK:
        _check_send_back(state, c, v)
    v.raise_if_any()
    base = common(plan_id=state.plan_id, now=now, actor=c.actor, command_id=c.command_id)
    if c.decision is Decision.REJECT:
        rejected: list[DomainEvent] = [PlanRejected(**base, round=state.round,
                                                    decision_ref=c.decision_ref,
                                                    reasons=c.reasons)]
        if state.term_held:
            rejected.append(PlanTermReleased(
                **base, organization_id=state.organization.organization_id, term=state.term,
                reason_code="rejected"))
        return rejected
    if c.decision is Decision.SEND_BACK:
        assert c.send_back is not None
        back = c.send_back
        return [
            PlanSentBack(**base, round=state.round, decision_ref=c.decision_ref,
                         reasons=c.reasons, position_group=back.position_group,
                         candidate_group=back.candidate_group, step=back.step,
                         nominations=back.nominations),
            *(NominationSentBack(**base, nomination_id=n, round=state.round,
                                 step=back.step, decision_ref=c.decision_ref,
                                 reasons=c.reasons)
              for n in back.nominations),
        ]
    excluded = {e.nomination_id: e for e in c.excluded}
    lists = tuple(ListEntry(position_group=s.position_group, seats=s.seats,
                            nominations=tuple(n.nomination_id
                                              for n in state.listed(s.position_group)
                                              if n.nomination_id not in excluded))
                  for s in state.seats)
    approved = [n for entry in lists for n in entry.nominations]
    return [
        PlanApproved(**base, round=state.round, decision_ref=c.decision_ref,
                     reasons=c.reasons, excluded=c.excluded, lists=lists,
                     acknowledged=c.acknowledged),
        *(NominationExcluded(**base, nomination_id=e.nomination_id, round=state.round,
                             decision_ref=c.decision_ref, reason=e.reason)
          for e in c.excluded),
        *(NominationApproved(**base, nomination_id=n, round=state.round,
                             decision_ref=c.decision_ref)
          for n in approved),
    ]


def _who(n: Nomination) -> str:
    return person(n.candidate.full_name, n.candidate.party_card_number)


def _named(state: PlanState, nomination_id: str) -> str:
    known = state.nominations.get(nomination_id)
    return _who(known) if known is not None else f"mã đề cử {nomination_id}"


def _check_list(state: PlanState, c: RecordApprovalDecision, v: Violations) -> None:
    listed = {n.nomination_id for n in state.all_listed()}
    excluded = [e.nomination_id for e in c.excluded]
    v.check(len(excluded) == len(set(excluded)), "excluded", "once_each",
            "Mỗi nhân sự chỉ bị loại một lần")
    if c.decision is Decision.APPROVE_WITH_EXCLUSIONS:
        v.check(bool(excluded), "excluded", "required", "Phải nêu những nhân sự bị loại")
    for i, e in enumerate(c.excluded):
        v.check(e.nomination_id in listed, f"excluded[{i}].nomination_id", "on_the_list",
                f"{_named(state, e.nomination_id)} không có trong danh sách đề án đã trình")
        v.check(bool(e.reason.strip()), f"excluded[{i}].reason", "reason_required",
                "Mỗi nhân sự bị loại phải có lý do")
        check_text(v, f"excluded[{i}].reason", e.reason, what="Lý do loại",
                   limit=MAX_PARAGRAPH, multiline=True)
    for n in state.all_listed():
        appraisal = state.appraisals.get(n.nomination_id)
        if (appraisal is not None and appraisal.outcome == "disqualified"
                and n.nomination_id not in excluded):
            v.add("excluded", "disqualified_not_excluded",
                  f"{_who(n)} có kết luận thẩm định không đủ tiêu chuẩn, điều kiện: phải loại "
                  f"nhân sự này hoặc trả lại đề án")
    extra = state.procedure.approval.min_extra_after_exclusions if state.procedure else 1
    for s in state.seats:
        remaining = [n for n in state.listed(s.position_group) if n.nomination_id not in excluded]
        title = (state.procedure.position_group_title(s.position_group) if state.procedure
                 else s.position_group)
        v.check(len(remaining) >= s.seats + extra, f"lists.{s.position_group}",
                "list_longer_than_seats",
                f"{title}: sau khi loại chỉ còn {number(len(remaining))} người cho "
                f"{number(s.seats)} chỉ tiêu; quy trình yêu cầu ít nhất "
                f"{number(s.seats + extra)} người")


def _check_acknowledgements(state: PlanState, c: RecordApprovalDecision, v: Violations, *,
                            legacy: bool) -> None:
    """Approving while a candidate on the list still fails a check needs the committee to say,
    for each person and check, why it approves anyway."""
    excluded = {e.nomination_id for e in c.excluded}
    on_list = {n.nomination_id: n for n in state.all_listed()}
    failed = {(n.nomination_id, check.code): check
              for n in on_list.values() if n.nomination_id not in excluded
              for check in failed_checks(n)}
    given: set[tuple[str, str]] = set()
    for i, ack in enumerate(c.acknowledged):
        key = (ack.nomination_id, ack.check_code)
        if ack.nomination_id not in on_list:
            v.add(f"acknowledged[{i}].nomination_id", "acknowledgement_unknown",
                  f"{_named(state, ack.nomination_id)} không có trong danh sách đề án đã "
                  f"trình")
        elif key not in failed:
            v.add(f"acknowledged[{i}].check_code", "acknowledgement_unknown",
                  f"{_who(on_list[ack.nomination_id])} không có tiêu chuẩn "
                  f"«{ELIGIBILITY_CHECKS.get(ack.check_code, ack.check_code)}» chưa đạt cần "
                  f"ghi nhận")
        v.check(key not in given, f"acknowledged[{i}]", "once_each",
                "Mỗi tiêu chuẩn chưa đạt của một nhân sự chỉ ghi nhận một lần")
        given.add(key)
        check_reason(v, f"acknowledged[{i}].reason", ack.reason, what="Lý do vẫn phê duyệt")
    if legacy:
        return
    for (nomination_id, code), check in failed.items():
        if (nomination_id, code) not in given:
            v.add("acknowledged", "eligibility_unacknowledged",
                  f"{_who(on_list[nomination_id])} chưa đạt tiêu chuẩn "
                  f"«{ELIGIBILITY_CHECKS.get(code, code)}»: {check.detail}. Phê duyệt cần ghi "
                  f"nhận điều này kèm lý do, hoặc loại nhân sự khỏi danh sách")


def _check_send_back(state: PlanState, c: RecordApprovalDecision, v: Violations) -> None:
    assert state.procedure is not None
    back = c.send_back
    if back is None:
        v.add("send_back", "required",
              "Phải nêu bước cần làm lại, nhóm và những nhân sự liên quan")
        return
    steps = [s.number for s in state.procedure.steps]
    v.check(back.step in steps, "send_back.step", "known_step",
            f"Bước {back.step} không có trong {state.procedure.title_vi} (các bước "
            f"{', '.join(str(s) for s in steps)})")
    track = (back.position_group, back.candidate_group)
    group_vi = (f"{state.procedure.position_group_title(back.position_group)}, nhóm "
                f"{CANDIDATE_GROUPS.get(back.candidate_group, back.candidate_group)}")
    v.check(track in state.tracks(), "send_back.position_group", "known_group",
            f"{group_vi} không phải một nhóm của đề án")
    v.check(bool(back.nominations), "send_back.nominations", "required",
            "Phải nêu những nhân sự liên quan")
    v.check(len(back.nominations) == len(set(back.nominations)), "send_back.nominations",
            "once_each", "Mỗi nhân sự chỉ được trả lại một lần")
    for i, nomination_id in enumerate(back.nominations):
        n = state.nominations.get(nomination_id)
        ok = (n is not None and (n.position_group, n.candidate_group) == track
              and n.status is NominationStatus.LISTED)
        v.check(ok, f"send_back.nominations[{i}]", "listed_in_group",
                f"{_named(state, nomination_id)} không có trong danh sách của {group_vi}")
