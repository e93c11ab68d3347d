"""Read model ``rm_plans``: every plan with its organization, term and status."""

from __future__ import annotations

from domain.events import (
    AppraisalsCompleted,
    CandidateRegistered,
    ConferenceResultRecorded,
    DomainEvent,
    PlanApproved,
    PlanOpened,
    PlanRejected,
    PlanSentBack,
    PlanSubmitted,
)
from domain.plan import PlanPhase
from eventstore.model import RecordedEvent
from reads.models.base import Connection


def status_after(event: DomainEvent) -> PlanPhase | None:
    """The plan's phase once ``event`` applies, as ``domain.plan.evolve`` sets it; None if
    the event leaves it as it was."""
    if isinstance(event, PlanOpened):
        return PlanPhase.OPEN
    if isinstance(event, (ConferenceResultRecorded, PlanSentBack)):
        return PlanPhase.IN_PROCEDURE
    if isinstance(event, PlanSubmitted):
        return PlanPhase.SUBMITTED
    if isinstance(event, AppraisalsCompleted):
        return PlanPhase.AWAITING_APPROVAL
    if isinstance(event, PlanApproved):
        return PlanPhase.APPROVED
    if isinstance(event, PlanRejected):
        return PlanPhase.REJECTED
    return None


_OPEN = """
INSERT INTO rm_plans (plan_id, organization_id, organization_name, parent_organization_id,
                      organization_level, term, term_start, procedure_key, status, seats,
                      opened_at, updated_at, last_position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
"""

_REGISTERED = """
UPDATE rm_plans SET candidates = candidates + 1, updated_at = $2, last_position = $3
WHERE plan_id = $1
"""

_STATUS = """
UPDATE rm_plans SET status = $2,
       last_held_on = coalesce($3, last_held_on),
       submitted_at = coalesce($4, submitted_at),
       decided_at = coalesce($5, decided_at),
       round = coalesce($6, round),
       updated_at = $7, last_position = $8
WHERE plan_id = $1
"""


class PlansProjection:
    name = "plans"
    tables = ("rm_plans",)

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        at, position = recorded.recorded_at, recorded.position
        if isinstance(event, PlanOpened):
            org = event.organization
            await conn.execute(
                _OPEN, event.plan_id, org.organization_id, org.name, org.parent_id, org.level,
                event.term, event.term_start, event.procedure.key, PlanPhase.OPEN.value,
                sum(s.seats for s in event.seats), event.occurred_at, at, position)
        elif isinstance(event, CandidateRegistered):
            await conn.execute(_REGISTERED, event.plan_id, at, position)
        elif (status := status_after(event)) is not None:
            await conn.execute(
                _STATUS, event.plan_id, status.value,
                event.held_on if isinstance(event, ConferenceResultRecorded) else None,
                event.occurred_at if isinstance(event, PlanSubmitted) else None,
                event.occurred_at if isinstance(event, (PlanApproved, PlanRejected)) else None,
                event.round + 1 if isinstance(event, PlanSentBack) else None,
                at, position)

    async def reset(self, conn: Connection) -> None:
        await conn.execute("DELETE FROM rm_plans")
