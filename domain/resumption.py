"""Resuming a plan whose workflow is gone: the decision, on the plan's state as its events
have it (PostgreSQL is the record of truth; Temporal only runs it).

Anyone who reaches the Temporal frontend can terminate a workflow, and a Temporal database can
be lost; the plan must not then be stuck. An operator resumes it with a reason; the resumption
is itself recorded (``PlanResumed``), so that nobody restarts a plan unseen.

Resumable: a plan opened and not closed, in preparation or awaiting the superior committee's
decision. Not while its appraisals run (submitted): their child workflows hold the appraisal's
own timers and state, and restarting them is not built (docs/operations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.door import check_command, check_reason
from domain.errors import Violations
from domain.event_base import common
from domain.events import DomainEvent, PlanResumed
from domain.people import Actor
from domain.plan import PlanPhase, PlanState

RESUMABLE = (PlanPhase.OPEN, PlanPhase.IN_PROCEDURE, PlanPhase.AWAITING_APPROVAL)
CLOSED = (PlanPhase.APPROVED, PlanPhase.REJECTED, PlanPhase.CANCELLED)

#: What Temporal may have said of the old run (its status, lower case), or that it has none.
WORKFLOW_STATUSES = ("not_found", "terminated", "failed", "timed_out", "canceled",
                     "completed", "continued_as_new")


@dataclass(frozen=True, kw_only=True)
class ResumePlan:
    """Khôi phục quy trình của đề án (an operator's command, never a workflow's Update)."""

    command_id: str
    actor: Actor
    plan_id: str
    reason: str


def resume(state: PlanState, command: ResumePlan, *, workflow_status: str,
           now: datetime) -> list[DomainEvent]:
    """The events of resuming ``state``'s plan, or CommandRejected naming the field and
    rule."""
    v = Violations()
    check_command(v, command.command_id, command.actor)
    check_reason(v, "reason", command.reason, what="Lý do khôi phục")
    v.check(workflow_status in WORKFLOW_STATUSES, "workflow_status", "workflow_not_gone",
            "Quy trình của đề án vẫn đang chạy trên Temporal: không cần khôi phục")
    v.raise_if_any()
    if state.phase is PlanPhase.NOT_OPENED:
        v.add("plan_id", "plan_not_opened", "Đề án chưa được lập: không có gì để khôi phục")
    elif state.phase in CLOSED:
        v.add("plan_id", "plan_closed",
              "Đề án đã kết thúc (đã phê duyệt, không phê duyệt hoặc đã hủy): không có gì "
              "để khôi phục")
    elif state.phase not in RESUMABLE:
        v.add("plan_id", "resume_during_appraisal",
              "Đề án đang được thẩm định: chưa khôi phục được quy trình trong lúc thẩm định")
    v.raise_if_any()
    return [PlanResumed(**common(plan_id=state.plan_id, now=now, actor=command.actor,
                                 command_id=command.command_id),
                        reason=command.reason, workflow_status=workflow_status)]
