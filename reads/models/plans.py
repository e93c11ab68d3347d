"""Read model ``rm_plans``: every plan with its organization, term and status."""

from __future__ import annotations

from collections.abc import Sequence

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
from reads.models.batching import Rows


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


_COLUMNS = {
    "plan_id": "text", "organization_id": "text", "organization_name": "text",
    "parent_organization_id": "text", "organization_level": "text", "term": "text",
    "term_start": "date", "procedure_key": "text", "status": "text", "round": "int",
    "seats": "int", "candidates": "int", "last_held_on": "date", "opened_at": "timestamptz",
    "submitted_at": "timestamptz", "decided_at": "timestamptz", "updated_at": "timestamptz",
    "last_position": "bigint",
}
_REQUIRED = frozenset(_COLUMNS) - {"parent_organization_id", "last_held_on", "submitted_at",
                                   "decided_at"}


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

    async def handle_batch(self, conn: Connection,
                           items: Sequence[tuple[RecordedEvent, DomainEvent]]) -> None:
        """``handle`` of each event in turn, set-based (reads/models/batching.py)."""
        plans = Rows("rm_plans", ("plan_id",), _COLUMNS, required=_REQUIRED)
        await plans.load(conn, "plan_id", (getattr(e, "plan_id", None) for _, e in items))
        for recorded, event in items:
            at, position = recorded.recorded_at, recorded.position
            if isinstance(event, PlanOpened):
                org = event.organization
                plans.insert({
                    "plan_id": event.plan_id, "organization_id": org.organization_id,
                    "organization_name": org.name, "parent_organization_id": org.parent_id,
                    "organization_level": org.level, "term": event.term,
                    "term_start": event.term_start, "procedure_key": event.procedure.key,
                    "status": PlanPhase.OPEN.value, "round": 1,
                    "seats": sum(s.seats for s in event.seats), "candidates": 0,
                    "opened_at": event.occurred_at, "updated_at": at,
                    "last_position": position})
            elif isinstance(event, CandidateRegistered):
                if (row := plans.get(event.plan_id)) is not None:
                    row.update(candidates=row["candidates"] + 1, updated_at=at,
                               last_position=position)
                    plans.changed(row)
            elif ((status := status_after(event)) is not None
                  and (row := plans.get(getattr(event, "plan_id", None))) is not None):
                row["status"] = status.value
                if isinstance(event, ConferenceResultRecorded) and event.held_on is not None:
                    row["last_held_on"] = event.held_on
                if isinstance(event, PlanSubmitted):
                    row["submitted_at"] = event.occurred_at
                if isinstance(event, (PlanApproved, PlanRejected)):
                    row["decided_at"] = event.occurred_at
                if isinstance(event, PlanSentBack):
                    row["round"] = event.round + 1
                row.update(updated_at=at, last_position=position)
                plans.changed(row)
        await plans.write(conn)

    async def reset(self, conn: Connection) -> None:
        await conn.execute("DELETE FROM rm_plans")
