"""The worked example, second part: the superior level appraises and decides.

The three agencies answer for every nomination; the inspection committee finds one
incumbent disqualifying (a warning still within its bar); the organization department
raises a concern on another and amends it to cleared once the missing declaration comes
in; an appraiser's attempt to decide is refused (separation of duties); the standing
committee sends two first-time candidates back to step 3; they pass again, are appraised
again, and the plan is approved with the disqualified incumbent excluded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta

from rich.console import Console

from application.errors import Rejected
from application.plans import PlanService
from domain.appraisal import FindingOutcome, RecordFinding
from domain.approval import Decision, RecordApprovalDecision, SendBack
from domain.commands import RecordConferenceResult, SubmitPlan
from domain.events import Exclusion
from domain.people import Actor, CandidateGroup, Role
from domain.plan import PlanPhase, PlanState
from domain.plan_terms import Vote
from eventstore.store import PostgresEventStore
from reads.plans import load_plan

DISQUALIFIED = "TD-100010"  # a warning of 2025-03-01: barred for 30 months
AMENDED = "TD-100002"
SENT_BACK = ("TD-100012", "TD-100013")
AGENCIES = ("organization_department", "inspection_committee", "internal_affairs")


def by_card(state: PlanState, card: str) -> str:
    return next(n.nomination_id for n in state.nominations.values()
                if n.candidate.party_card_number == card)


async def wait_for(store: PostgresEventStore, plan_id: str,
                   ready: Callable[[PlanState], bool]) -> PlanState:
    """The plan workflow moves on by itself (children, phases): wait until it has."""
    for _ in range(600):
        state = await load_plan(store, plan_id)
        if ready(state):
            return state
        await asyncio.sleep(0.1)
    raise TimeoutError(f"plan {plan_id} did not reach the expected state")


async def review(service: PlanService, store: PostgresEventStore, plan_id: str,
                 department: Actor, console: Console) -> None:
    state = await load_plan(store, plan_id)
    superior = state.superior_id
    staff = {a: Actor(user_id=f"tham-dinh.{a}", role=Role.APPRAISAL_AGENCY,
                      organization_id=superior) for a in AGENCIES}
    committee = Actor(user_id="btv.huyen-thuan-an", role=Role.SUPERIOR_STANDING_COMMITTEE,
                      organization_id=superior)

    async def appraise(nominations: list[str], round_: int) -> None:
        await wait_for(store, plan_id, lambda s: all(
            (a := s.appraisals.get(n)) is not None and a.round == round_ for n in nominations))
        for n in nominations:
            for agency in AGENCIES:
                findings = [(FindingOutcome.CLEARED, "")]
                if n == by_card(state, DISQUALIFIED) and agency == "inspection_committee":
                    findings = [(FindingOutcome.DISQUALIFYING,
                                 "Bị kỷ luật cảnh cáo ngày 01/3/2025, chưa hết thời hạn 30 tháng")]
                if n == by_card(state, AMENDED) and agency == "organization_department":
                    findings = [(FindingOutcome.CONCERN,
                                 "Chưa có bản kê khai tài sản, thu nhập đã được xác minh"),
                                (FindingOutcome.CLEARED,
                                 "Đã bổ sung bản kê khai đã xác minh")]
                for i, (outcome, text) in enumerate(findings):
                    key = f"{plan_id}-r{round_}-{n}-{agency}-{i}"
                    await service.record_finding(RecordFinding(
                        command_id=key, actor=staff[agency], nomination_id=n, agency=agency,
                        outcome=outcome, text=text, evidence_ref=f"HS-{agency}-{n[:8]}"), key)

    listed = [n.nomination_id for n in state.all_listed()]
    await appraise(listed, 1)
    console.print(f"4. Thẩm định vòng 1: {len(listed)} nhân sự × {len(AGENCIES)} cơ quan; "
                  f"Ủy ban kiểm tra kết luận 1 người không đủ tiêu chuẩn; Ban tổ chức nêu vấn đề "
                  f"rồi sửa kết luận cho 1 người.")
    await wait_for(store, plan_id, lambda s: s.phase is PlanPhase.AWAITING_APPROVAL)

    appraiser = Actor(user_id=staff["inspection_committee"].user_id,
                      role=Role.SUPERIOR_STANDING_COMMITTEE, organization_id=superior)
    try:
        await service.decide_on_plan(plan_id, RecordApprovalDecision(
            command_id=f"{plan_id}-by-appraiser", actor=appraiser, decision=Decision.APPROVE,
            decision_ref="QĐ-thu"), f"{plan_id}-by-appraiser")
    except Rejected as exc:
        console.print(f"   Quyết định bị từ chối: {exc.violations[0]}")
    else:
        raise AssertionError("an appraiser was allowed to decide")

    back = tuple(by_card(state, card) for card in SENT_BACK)
    await service.decide_on_plan(plan_id, RecordApprovalDecision(
        command_id=f"{plan_id}-back", actor=committee, decision=Decision.SEND_BACK,
        decision_ref="CV-123/BTV",
        reasons="Đề nghị Ban chấp hành thảo luận lại về 2 đồng chí lần đầu tham gia",
        send_back=SendBack(position_group="committee_member",
                           candidate_group=CandidateGroup.FIRST_TIME, step=3,
                           nominations=back)), f"{plan_id}-back")
    console.print("5. Ban thường vụ cấp trên trả lại bước 3 cho 2 nhân sự lần đầu tham gia.")
    await wait_for(store, plan_id, lambda s: s.phase is PlanPhase.IN_PROCEDURE)

    held_on = date(2025, 6, 10)
    for step, body in ((3, 15), (4, 5), (5, 15)):
        key = f"{plan_id}-r2-{step}"
        await service.record_conference_result(plan_id, RecordConferenceResult(
            command_id=key, actor=department, position_group="committee_member",
            candidate_group=CandidateGroup.FIRST_TIME, step=step, held_on=held_on,
            summoned=body, attending=body, ballots_issued=body, ballots_valid=body,
            votes=tuple(Vote(nomination_id=n, yes=body - 1) for n in back)), key)
        held_on += timedelta(days=3)
    await service.submit(plan_id, SubmitPlan(command_id=f"{plan_id}-submit-r2",
                                             actor=department), f"{plan_id}-submit-r2")
    console.print("6. Vòng 2: bước 3–5 làm lại cho 2 nhân sự, trình lại, thẩm định lại.")
    await appraise(list(back), 2)
    await wait_for(store, plan_id, lambda s: s.phase is PlanPhase.AWAITING_APPROVAL)

    disqualified = by_card(state, DISQUALIFIED)
    await service.decide_on_plan(plan_id, RecordApprovalDecision(
        command_id=f"{plan_id}-approve", actor=committee,
        decision=Decision.APPROVE_WITH_EXCLUSIONS, decision_ref="QĐ-456/BTV",
        reasons="Phê duyệt đề án nhân sự", excluded=(Exclusion(
            nomination_id=disqualified,
            reason="Không đủ tiêu chuẩn theo kết luận của Ủy ban kiểm tra"),)),
        f"{plan_id}-approve")
    await wait_for(store, plan_id, lambda s: s.phase is PlanPhase.APPROVED)
    console.print("7. Ban thường vụ cấp trên phê duyệt đề án, loại 1 nhân sự.")
