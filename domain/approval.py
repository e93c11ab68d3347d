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
from domain.errors import Violations
from domain.events import (
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
    common,
)
from domain.people import CandidateGroup, Role
from domain.plan import NominationStatus, PlanPhase, PlanState


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


def decide_approval(state: PlanState, c: RecordApprovalDecision, *,
                    now: datetime) -> list[DomainEvent]:
    v = Violations()
    if state.phase is not PlanPhase.AWAITING_APPROVAL:
        v.add("plan_id", "not_awaiting_approval",
              f"the plan is {state.phase.value}, not awaiting the superior committee's decision")
        v.raise_if_any()
    assert state.organization is not None and state.procedure is not None
    v.check(c.actor.role is Role.SUPERIOR_STANDING_COMMITTEE, "actor.role", "role_not_permitted",
            f"role {c.actor.role.value} may not decide on a plan; only "
            f"{Role.SUPERIOR_STANDING_COMMITTEE.value} (ban thường vụ cấp trên) may")
    v.check(c.actor.organization_id == state.superior_id, "actor.organization_id",
            "outside_scope", f"the plan is decided by {state.superior_id}, "
            f"not {c.actor.organization_id}")
    v.check(c.actor.user_id not in state.submitters, "actor.user_id", "separation_of_duties",
            f"{c.actor.user_id} submitted this plan and may not decide on it")
    v.check(c.actor.user_id not in state.finding_actors, "actor.user_id",
            "separation_of_duties",
            f"{c.actor.user_id} recorded an appraisal finding on this plan and may not "
            f"decide on it")
    v.check(bool(c.decision_ref.strip()), "decision_ref", "required",
            "the decision's document number (số văn bản) is required")
    if c.decision is not Decision.APPROVE:
        v.check(bool(c.reasons.strip()), "reasons", "reason_required",
                f"a decision to {c.decision.value} must give its reasons")
    if c.decision is not Decision.SEND_BACK:
        v.check(c.send_back is None, "send_back", "only_when_sending_back",
                "a step to return to is given only when sending the plan back")
    if c.decision is Decision.APPROVE:
        v.check(not c.excluded, "excluded", "use_approve_with_exclusions",
                "exclusions need the decision approve_with_exclusions")
    if c.decision in (Decision.SEND_BACK, Decision.REJECT):
        v.check(not c.excluded, "excluded", "only_when_approving",
                f"a decision to {c.decision.value} excludes no one; exclusions are made "
                f"when approving (approve_with_exclusions)")
    if c.decision in (Decision.APPROVE, Decision.APPROVE_WITH_EXCLUSIONS):
        _check_list(state, c, v)
    if c.decision is Decision.SEND_BACK:
        _check_send_back(state, c, v)
    v.raise_if_any()
    base = common(plan_id=state.plan_id, now=now, actor=c.actor, command_id=c.command_id)
    if c.decision is Decision.REJECT:
        return [PlanRejected(**base, round=state.round, decision_ref=c.decision_ref,
                             reasons=c.reasons)]
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
                     reasons=c.reasons, excluded=c.excluded, lists=lists),
        *(NominationExcluded(**base, nomination_id=e.nomination_id, round=state.round,
                             decision_ref=c.decision_ref, reason=e.reason)
          for e in c.excluded),
        *(NominationApproved(**base, nomination_id=n, round=state.round,
                             decision_ref=c.decision_ref)
          for n in approved),
    ]


def _check_list(state: PlanState, c: RecordApprovalDecision, v: Violations) -> None:
    listed = {n.nomination_id for n in state.all_listed()}
    excluded = [e.nomination_id for e in c.excluded]
    v.check(len(excluded) == len(set(excluded)), "excluded", "once_each",
            "a nomination is excluded once")
    if c.decision is Decision.APPROVE_WITH_EXCLUSIONS:
        v.check(bool(excluded), "excluded", "required", "name the nominations excluded")
    for i, e in enumerate(c.excluded):
        v.check(e.nomination_id in listed, f"excluded[{i}].nomination_id", "on_the_list",
                f"{e.nomination_id} is not on the submitted list")
        v.check(bool(e.reason.strip()), f"excluded[{i}].reason", "reason_required",
                "each exclusion gives its reason")
    for n in state.all_listed():
        appraisal = state.appraisals.get(n.nomination_id)
        if (appraisal is not None and appraisal.outcome == "disqualified"
                and n.nomination_id not in excluded):
            v.add("excluded", "disqualified_not_excluded",
                  f"{n.candidate.full_name} ({n.nomination_id}) was found disqualifying in "
                  f"appraisal: exclude the nomination or send the plan back")
    extra = state.procedure.approval.min_extra_after_exclusions if state.procedure else 1
    for s in state.seats:
        remaining = [n for n in state.listed(s.position_group) if n.nomination_id not in excluded]
        v.check(len(remaining) >= s.seats + extra, f"lists.{s.position_group}",
                "list_longer_than_seats",
                f"{len(remaining)} would remain for {s.seats} seats; the procedure needs at "
                f"least {s.seats + extra} after exclusions (approval.min_extra_after_exclusions)")


def _check_send_back(state: PlanState, c: RecordApprovalDecision, v: Violations) -> None:
    assert state.procedure is not None
    back = c.send_back
    if back is None:
        v.add("send_back", "required", "name the step, the group and the candidates concerned")
        return
    steps = [s.number for s in state.procedure.steps]
    v.check(back.step in steps, "send_back.step", "known_step",
            f"step {back.step} is not a step of {state.procedure.key} ({steps})")
    track = (back.position_group, back.candidate_group)
    v.check(track in state.tracks(), "send_back.position_group", "known_group",
            f"{back.position_group}/{back.candidate_group.value} is not a group of this plan")
    v.check(bool(back.nominations), "send_back.nominations", "required",
            "name the candidates concerned")
    v.check(len(back.nominations) == len(set(back.nominations)), "send_back.nominations",
            "once_each", "a nomination is sent back once")
    for i, nomination_id in enumerate(back.nominations):
        n = state.nominations.get(nomination_id)
        ok = (n is not None and (n.position_group, n.candidate_group) == track
              and n.status is NominationStatus.LISTED)
        v.check(ok, f"send_back.nominations[{i}]", "listed_in_group",
                f"{nomination_id} is not on the list of {back.position_group}/"
                f"{back.candidate_group.value}")

