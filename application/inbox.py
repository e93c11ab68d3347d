"""The superior level's work lists: an appraisal agency's queue of nominations awaiting its
findings, and the superior standing committee's approval inbox, each with its deadline.

Which plans are candidates comes from the plans read model (``reports.plans``: the plan's
status and organization); what is still missing, and by when, is folded from each plan's own
events, so that an item leaves the list the moment its finding or decision is recorded. A
person sees only the plans their own posts permit them to act on (``domain.access``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.context import Context
from application.principal import Principal
from domain.access import Operation
from domain.people import Role
from domain.procedure import duration
from domain.vocabulary import VIETNAM, label, person


@dataclass(frozen=True, kw_only=True)
class PendingFinding:
    """One nomination of a plan under appraisal whose finding by ``agency`` is awaited (or,
    with ``recorded``, was recorded and may still be amended while the appraisal is open)."""

    nomination_id: str
    who: str
    agency: str
    agency_label: str
    recorded: str | None  # the finding recorded so far (its code), None: still awaited
    deadline: datetime | None
    overdue: bool


@dataclass(frozen=True, kw_only=True)
class QueuedPlan:
    plan_id: str
    organization_id: str
    organization_name: str
    term: str
    round: int
    submitted_at: datetime | None
    items: tuple[PendingFinding, ...]

    @property
    def awaited(self) -> int:
        return sum(1 for i in self.items if i.recorded is None)

    @property
    def deadline(self) -> datetime | None:
        """The earliest deadline of what is still awaited."""
        return min((i.deadline for i in self.items if i.recorded is None and i.deadline),
                   default=None)

    @property
    def overdue(self) -> bool:
        return any(i.overdue for i in self.items if i.recorded is None)


@dataclass(frozen=True, kw_only=True)
class AppraisalQueue:
    plans: tuple[QueuedPlan, ...]
    behind: tuple[str, ...]  # read models behind the event log


@dataclass(frozen=True, kw_only=True)
class InboxItem:
    plan_id: str
    organization_id: str
    organization_name: str
    term: str
    phase: str
    phase_label: str
    round: int
    listed: int
    warnings: int  # failed eligibility checks of candidates on the list
    awaiting_since: datetime | None  # when the appraisals completed (the clock starts)
    due: datetime | None  # the procedure's approval deadline from then
    overdue: bool
    escalated: bool  # the level above was told (ApprovalOverdue)
    reminders: int


@dataclass(frozen=True, kw_only=True)
class ApprovalInbox:
    items: tuple[InboxItem, ...]  # awaiting a decision first, by due date; then under appraisal
    behind: tuple[str, ...]


async def _candidates(ctx: Context, principal: Principal, statuses: tuple[str, ...],
                      operation: Operation, role: Role) -> tuple[list[Any], tuple[str, ...]]:
    """Plan rows in ``statuses`` on which one of the principal's ``role`` posts permits
    ``operation`` (agencies: any of their agencies)."""
    from application.access import readable
    from application.reports import behind
    from reads.models import reading

    rows = await reading.plans(ctx.engine, status=statuses)
    if not principal.grants_for(role):
        return [], await behind(ctx, ["plans"])
    mine = Principal(user_id=principal.user_id, display_name=principal.display_name,
                     grants=tuple(principal.grants_for(role)))
    check = Operation.READ_PLAN if operation is Operation.RECORD_FINDING else operation
    allowed = await readable(ctx, mine, check, [r.organization_id for r in rows])
    return [r for r in rows if r.organization_id in allowed], await behind(ctx, ["plans"])


async def appraisal_queue(ctx: Context, principal: Principal) -> AppraisalQueue:
    """Cơ quan thẩm định: nominations of its superior's direct children's submitted plans
    whose appraisal is open, with what each of the principal's agencies has recorded and the
    deadline; the plans with something awaited first, the earliest deadline first."""
    from application.access import acting
    from application.errors import Forbidden
    from application.preparation import load

    rows, lag = await _candidates(ctx, principal, ("submitted",), Operation.RECORD_FINDING,
                                  Role.APPRAISAL_AGENCY)
    now = ctx.clock()
    agencies = sorted({g.agency for g in principal.grants_for(Role.APPRAISAL_AGENCY)
                       if g.agency})
    plans = []
    for row in rows:
        mine = []
        for agency in agencies:
            try:
                await acting(ctx, principal, Operation.RECORD_FINDING, row.organization_id,
                             agency=agency)
            except Forbidden:
                continue
            mine.append(agency)
        if not mine:
            continue
        state = await load(ctx, row.plan_id)
        items = []
        for n in state.nominations.values():
            appraisal = state.appraisals.get(n.nomination_id)
            if appraisal is None or appraisal.completed or appraisal.round != state.round:
                continue
            for agency in mine:
                if agency not in appraisal.agencies:
                    continue
                found = appraisal.findings.get(agency)
                items.append(PendingFinding(
                    nomination_id=n.nomination_id,
                    who=person(n.candidate.full_name, n.candidate.party_card_number),
                    agency=agency, agency_label=label("agency", agency),
                    recorded=None if found is None else found.outcome.value,
                    deadline=appraisal.deadline,
                    overdue=bool(appraisal.overdue or (appraisal.deadline is not None
                                                       and now >= appraisal.deadline))))
        if items:
            plans.append(QueuedPlan(
                plan_id=row.plan_id, organization_id=row.organization_id,
                organization_name=row.organization_name, term=row.term, round=state.round,
                submitted_at=row.submitted_at, items=tuple(items)))
    far = datetime.max.replace(tzinfo=VIETNAM)
    plans.sort(key=lambda p: (p.awaited == 0, p.deadline or far, p.plan_id))
    return AppraisalQueue(plans=tuple(plans), behind=lag)


async def approval_inbox(ctx: Context, principal: Principal) -> ApprovalInbox:
    """Ban Thường vụ cấp trên: its direct children's plans awaiting its decision, with the
    procedure's deadline counted from the moment the appraisals completed, overdue marks and
    reminders; then those still under appraisal (coming soon)."""
    from application.preparation import load
    from reads.plans import plan_events

    rows, lag = await _candidates(ctx, principal, ("awaiting_approval", "submitted"),
                                  Operation.DECIDE_APPROVAL, Role.SUPERIOR_STANDING_COMMITTEE)
    now = ctx.clock()
    items = []
    for row in rows:
        state = await load(ctx, row.plan_id)
        assert state.procedure is not None
        since = None
        if state.phase.value == "awaiting_approval":
            completed = [e for e in await plan_events(ctx.store, row.plan_id)
                         if e.event_type == "AppraisalsCompleted"]
            since = completed[-1].occurred_at if completed else None
        due = since + duration(state.procedure.approval.deadline) if since else None
        items.append(InboxItem(
            plan_id=row.plan_id, organization_id=row.organization_id,
            organization_name=row.organization_name, term=row.term,
            phase=state.phase.value, phase_label=label("phase", state.phase.value),
            round=state.round, listed=len(state.all_listed()),
            warnings=sum(1 for n, _ in state.eligibility_warnings()
                         if n.status.value == "listed"),
            awaiting_since=since, due=due,
            overdue=state.approval_escalated or (due is not None and now >= due),
            escalated=state.approval_escalated, reminders=state.approval_reminders))
    far = datetime.max.replace(tzinfo=VIETNAM)
    items.sort(key=lambda i: (i.phase != "awaiting_approval", i.due or far, i.plan_id))
    return ApprovalInbox(items=tuple(items), behind=lag)
