"""An approved plan written straight into the event store, for tests of the congress: the
congress reads the plan from PostgreSQL only, so its five steps, appraisal and approval are
decided by the domain here (as its own workflow would decide them) and appended as one
batch, without running the plan's workflow.

The plan (directive-45-2025, its latest version): committee_member 15 seats, 17 on the list
(incumbents c1-c11, first-time c12-c17); secretary 1 seat, c1 and c2 on the list. Each plan is
of a commune of its own directly under Lâm Đồng, whose standing committee decides."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from domain.approval import Decision, conclude_appraisals
from domain.commands import PlanCommand
from domain.events import Acknowledgement, DomainEvent, stream_of
from domain.people import Actor, CandidateGroup, Organization
from domain.plan import PlanPhase, PlanState
from domain.plan_terms import SeatAllocation
from eventstore.model import NewEvent
from eventstore.store import PostgresEventStore
from tests.support.people import PROVINCE
from tests.support.plans import (
    DEPARTMENT,
    NOW,
    all_steps,
    open_plan,
    registrations,
    submit,
)
from tests.unit import review
from workflows.envelopes import envelope

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
COMMITTEE, SECRETARY = "committee_member", "secretary"


def organization_of(plan_id: str) -> Organization:
    return Organization(organization_id=f"org-{plan_id}"[:64].rstrip("-"),
                        name=f"Đảng bộ xã Đại Hội {plan_id[-6:]}", parent_id=PROVINCE,
                        level="commune")


def department_of(plan_id: str) -> Actor:
    return replace(DEPARTMENT, organization_id=organization_of(plan_id).organization_id)


def nomination(plan_id: str, i: int, group: str = COMMITTEE) -> str:
    """Candidate ``i``'s nomination id for ``group`` in the plan (a UUID of the plan's own:
    nomination streams are global)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nhansu-approved:{plan_id}:{group}:{i}"))


def approved_history(plan_id: str) -> list[DomainEvent]:
    """Every event of the plan from its opening to its approval, as the domain decides them."""
    department = department_of(plan_id)
    opening = replace(open_plan(plan_id=plan_id, procedure_id="directive-45-2025"),
                      organization=organization_of(plan_id), seats=(
                          SeatAllocation(position_group=COMMITTEE, seats=15),
                          SeatAllocation(position_group=SECRETARY, seats=1)))

    def own(numbers: Any, group: str = COMMITTEE) -> dict[str, int]:
        return {nomination(plan_id, i, group): 15 for i in numbers}

    def registered(group: str = COMMITTEE, **groups: Any) -> list[PlanCommand]:
        return [replace(c, nomination_id=nomination(
            plan_id, int(str(c.candidate.party_card_number)[3:]), group))
                for c in registrations(**groups, position_group=group)]

    commands: list[PlanCommand] = [
        opening, *registered(incumbents=range(1, 12), first_time=range(12, 18)),
        *registered(SECRETARY, incumbents=[1, 2]),
        *all_steps(INCUMBENT, own(range(1, 12))), *all_steps(FIRST_TIME, own(range(12, 18))),
        *all_steps(INCUMBENT, own([1, 2], SECRETARY), position_group=SECRETARY),
        submit()]
    history = review.History()
    history.decide(*(replace(c, actor=department) for c in commands))
    appraisers = {a: replace(x, organization_id=PROVINCE) for a, x in review.APPRAISERS.items()}
    history.appraise(by=appraisers)
    history.add(conclude_appraisals(history.state, now=NOW))
    acknowledged = tuple(Acknowledgement(nomination_id=n.nomination_id, check_code=c.code,
                                         reason="Đã xem xét, vẫn giới thiệu")
                         for n, c in history.state.eligibility_warnings())
    history.decide(replace(review.decision(
        Decision.APPROVE, actor=replace(review.APPROVER, organization_id=PROVINCE)),
        acknowledged=acknowledged))
    assert history.state.phase is PlanPhase.APPROVED
    return history.events


async def store_approved_plan(store: PostgresEventStore, plan_id: str) -> PlanState:
    """Append the approved plan's events (every stream new) and return its state."""
    from domain.plan import fold

    events = approved_history(plan_id)
    batch = [_new(envelope(e, event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{plan_id}:{i}")),
                           workflow_id=f"plan-{plan_id}", run_id="test-approved"))
             for i, e in enumerate(events)]
    await store.append(batch, dict.fromkeys({stream_of(e) for e in events}, 0))
    return fold(events)


def _new(stored: Any) -> NewEvent:
    return NewEvent(event_id=stored.event_id, stream_id=stored.stream_id,
                    event_type=stored.event_type, schema_version=stored.schema_version,
                    data=stored.data, metadata=stored.metadata, occurred_at=stored.occurred_at,
                    correlation_id=stored.correlation_id)
