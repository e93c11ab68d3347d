"""Use cases of the superior level: the appraisal agencies' findings (thẩm định) and the
superior standing committee's decision (phê duyệt, loại, trả lại, không phê duyệt).

The decision form shows every failed eligibility check and every finding, and approving
requires each failed check of a candidate kept on the list to be acknowledged with a reason
(or the candidate excluded): nobody approves without having seen them."""

from __future__ import annotations

from dataclasses import dataclass

from application.access import acting
from application.context import Context
from application.errors import Rejected
from application.inputs import GROUP_ALIASES, parse_choice
from application.labels import CATALOGUE
from application.preparation import (
    CandidateWarning,
    Written,
    load,
    resolve,
    settle,
    warnings_of,
)
from application.principal import Principal
from application.results import Recorded
from domain.access import Operation
from domain.appraisal import FindingOutcome, RecordFinding
from domain.approval import Decision, RecordApprovalDecision, SendBack
from domain.errors import Violation
from domain.events import Acknowledgement, Exclusion
from domain.people import CandidateGroup
from domain.plan import NominationStatus, PlanPhase
from domain.text import nfc
from domain.vocabulary import label, person


@dataclass(frozen=True, kw_only=True)
class FindingView:
    agency: str
    agency_label: str
    outcome: str
    outcome_label: str
    text: str
    evidence_ref: str
    recorded_by: str
    amendments: int


@dataclass(frozen=True, kw_only=True)
class AppraisalRow:
    nomination_id: str
    who: str
    full_name: str
    party_card_number: str | None
    status: str
    status_label: str
    failed_checks: tuple[CandidateWarning, ...]
    findings: tuple[FindingView | None, ...]  # in the order of ``AppraisalView.agencies``
    result: str | None  # cleared, concern, disqualified, incomplete; None: not yet appraised
    result_label: str
    deadline: str | None  # ISO moment of the appraisal's deadline, if open


@dataclass(frozen=True, kw_only=True)
class AppraisalView:
    plan_id: str
    organization_name: str
    superior_id: str
    phase: str
    phase_label: str
    round: int
    agencies: tuple[str, ...]
    agency_labels: tuple[str, ...]
    rows: tuple[AppraisalRow, ...]
    warnings: tuple[CandidateWarning, ...]  # everything an approver must see


async def appraisal_view(ctx: Context, principal: Principal, plan_id: str) -> AppraisalView:
    """Each listed nomination's appraisal: who it is, the automatic checks it failed, each
    agency's finding, the result."""
    state = await load(ctx, plan_id)
    assert state.organization is not None and state.procedure is not None
    await acting(ctx, principal, Operation.READ_PLAN, state.organization.organization_id)
    if state.phase in (PlanPhase.OPEN, PlanPhase.IN_PROCEDURE, PlanPhase.CANCELLED) \
            and not state.appraisals:
        raise Rejected((Violation(
            field="plan_id", rule="not_submitted",
            message=f"Đề án {plan_id} chưa được trình cấp trên "
                    f"({label('phase', state.phase.value)}): chưa có gì để thẩm định."),))
    agencies = state.procedure.appraisal.agency_codes()
    rows = []
    for n in state.nominations.values():
        appraisal = state.appraisals.get(n.nomination_id)
        if appraisal is None and n.status not in (NominationStatus.LISTED,
                                                  NominationStatus.APPROVED,
                                                  NominationStatus.EXCLUDED):
            continue
        findings = []
        for code in agencies:
            f = appraisal.findings.get(code) if appraisal else None
            findings.append(None if f is None else FindingView(
                agency=code, agency_label=label("agency", code), outcome=f.outcome.value,
                outcome_label=label("finding", f.outcome.value), text=f.text,
                evidence_ref=f.evidence_ref, recorded_by=f.recorded_by,
                amendments=f.amendments))
        result = None if appraisal is None else (appraisal.outcome or "")
        rows.append(AppraisalRow(
            nomination_id=n.nomination_id,
            who=person(n.candidate.full_name, n.candidate.party_card_number),
            full_name=n.candidate.full_name, party_card_number=n.candidate.party_card_number,
            status=n.status.value, status_label=label("nomination_status", n.status.value),
            failed_checks=warnings_of(state, [n.nomination_id]), findings=tuple(findings),
            result=result,
            result_label=("chưa thẩm định" if result is None else
                          label("appraisal_result", result) if result else "đang thẩm định"),
            deadline=(appraisal.deadline.isoformat() if appraisal and appraisal.deadline
                      and not appraisal.completed else None)))
    return AppraisalView(
        plan_id=plan_id, organization_name=state.organization.name,
        superior_id=state.superior_id, phase=state.phase.value,
        phase_label=label("phase", state.phase.value), round=state.round, agencies=agencies,
        agency_labels=tuple(label("agency", a) for a in agencies), rows=tuple(rows),
        warnings=warnings_of(state))


async def record_finding(ctx: Context, principal: Principal, plan_id: str, ref: str, *,
                         agency: str, outcome: str, text: str, evidence_ref: str,
                         key: str) -> Written:
    """Kết luận thẩm định of one agency on one nomination (or its amendment); ``agency`` and
    ``outcome`` are codes or their Vietnamese labels."""
    agency = parse_choice(agency, "agency", dict(CATALOGUE["agency"]), "một cơ quan thẩm định")
    chosen = FindingOutcome(parse_choice(outcome, "outcome", dict(CATALOGUE["finding"]),
                                         "một kết luận thẩm định"))
    state = await load(ctx, plan_id)
    assert state.organization is not None
    nomination = resolve(state, ref)
    actor = await acting(ctx, principal, Operation.RECORD_FINDING,
                         state.organization.organization_id, agency=agency)
    command = RecordFinding(command_id=key, actor=actor,
                            nomination_id=nomination.nomination_id, agency=agency,
                            outcome=chosen, text=nfc(text), evidence_ref=nfc(evidence_ref))
    recorded = await ctx.plans.record_finding(command)
    who = person(nomination.candidate.full_name, nomination.candidate.party_card_number)
    done = "AppraisalCompleted" in recorded.event_types
    if done:
        # The last appraisal of the round closing sends the plan to the standing committee:
        # answer once it is there, so that the decision can follow at once.
        await settle(ctx, plan_id, lambda s: any(
            a.round == s.round and not a.completed for a in s.appraisals.values())
            or s.phase is not PlanPhase.SUBMITTED)
    return Written(recorded=recorded,
                   summary=f"Đã ghi kết luận của {label('agency', agency)} về {who}: "
                           f"{label('finding', chosen.value)}"
                           + (" — thẩm định đã hoàn tất." if done else "."))


@dataclass(frozen=True, kw_only=True)
class SendBackRequest:
    step: int
    candidate_group: str  # code or label: tái cử / lần đầu
    candidates: tuple[str, ...]  # nomination ids or party cards
    position_group: str = "committee_member"


async def decide_plan(ctx: Context, principal: Principal, plan_id: str, *,
                      decision: str, decision_ref: str, reasons: str = "",
                      exclusions: tuple[tuple[str, str], ...] = (),
                      acknowledgements: tuple[tuple[str, str, str], ...] = (),
                      send_back: SendBackRequest | None = None, key: str) -> Written:
    """Quyết định của Ban thường vụ cấp trên. Candidates are named by nomination id or party
    card; ``acknowledgements`` are (candidate, check code, reason)."""
    chosen = Decision(parse_choice(decision, "decision", dict(CATALOGUE["decision"]),
                                   "một quyết định"))
    state = await load(ctx, plan_id)
    assert state.organization is not None
    actor = await acting(ctx, principal, Operation.DECIDE_APPROVAL,
                         state.organization.organization_id)
    excluded = tuple(Exclusion(nomination_id=resolve(state, ref).nomination_id,
                               reason=nfc(reason)) for ref, reason in exclusions)
    acknowledged = tuple(Acknowledgement(nomination_id=resolve(state, ref).nomination_id,
                                         check_code=check, reason=nfc(reason))
                         for ref, check, reason in acknowledgements)
    back = None
    if send_back is not None:
        group = CandidateGroup(parse_choice(send_back.candidate_group, "send_back.group",
                                            dict(CATALOGUE["candidate_group"]), "một nhóm",
                                            aliases=GROUP_ALIASES))
        back = SendBack(position_group=send_back.position_group, candidate_group=group,
                        step=send_back.step,
                        nominations=tuple(resolve(state, ref).nomination_id
                                          for ref in send_back.candidates))
    command = RecordApprovalDecision(
        command_id=key, actor=actor, decision=chosen,
        decision_ref=nfc(decision_ref), reasons=nfc(reasons), excluded=excluded,
        acknowledged=acknowledged, send_back=back)
    recorded: Recorded = await ctx.plans.send(plan_id, "decide_on_plan",
                                              command)
    return Written(recorded=recorded,
                   summary=f"Đã ghi quyết định «{label('decision', chosen.value)}» "
                           f"({decision_ref}) cho đề án {plan_id}: "
                           f"{label('phase', recorded.phase) if recorded.phase else ''}.")


async def pending_findings(ctx: Context, principal: Principal, plan_id: str, *,
                           agency: str | None = None) -> list[str]:
    """Who still awaits a finding of ``agency`` (default: the principal's own agency) in the
    open appraisals of the plan: their party cards (or nomination ids)."""
    view = await appraisal_view(ctx, principal, plan_id)
    codes = [g.agency for g in principal.grants if g.agency is not None]
    chosen = agency or (codes[0] if len(codes) == 1 else None)
    if chosen is None:
        raise Rejected((Violation(field="agency", rule="required",
                                  message="Hãy nêu cơ quan thẩm định (--agency)."),))
    chosen = parse_choice(chosen, "agency", dict(CATALOGUE["agency"]), "một cơ quan thẩm định")
    if chosen not in view.agencies:
        raise Rejected((Violation(field="agency", rule="unknown_agency",
                                  message=f"{label('agency', chosen)} không thẩm định đề án "
                                          f"này."),))
    index = view.agencies.index(chosen)
    return [r.party_card_number or r.nomination_id for r in view.rows
            if r.result == "" and r.findings[index] is None]
