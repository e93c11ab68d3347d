"""Read model ``rm_nominations``: each nomination with its status, the step it is at and the
outcome of the last decision about it.

``current_step`` is the step the nomination faces next while it is in play (registered or
standing), with ``attempt`` when the step is being held again; it is NULL once the
nomination is out of the steps (listed, dropped, approved, excluded). ``last_step``,
``last_outcome``, ``last_yes``/``last_needed`` and ``reason`` describe the latest decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.events import (
    AppraisalCompleted,
    CandidateRegistered,
    DomainEvent,
    NominationAdvanced,
    NominationApproved,
    NominationDropped,
    NominationExcluded,
    NominationRevoteRequired,
    NominationSentBack,
    PlanOpened,
)
from domain.plan import NominationStatus
from eventstore.model import RecordedEvent
from reads.models.base import Connection
from reads.models.batching import Row, Rows

_PLAN = "INSERT INTO rm_nomination_plans (plan_id, first_step) VALUES ($1, $2)"

_REGISTER = """
INSERT INTO rm_nominations (nomination_id, plan_id, full_name, party_card_number, gender,
                            birth_date, ethnicity, current_post, position_group,
                            candidate_group, status, current_step, attempt, last_outcome,
                            registered_at, updated_at, last_position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
        (SELECT first_step FROM rm_nomination_plans WHERE plan_id = $2), 1, 'registered',
        $12, $13, $14)
"""

_DECIDED = """
UPDATE rm_nominations
SET status = coalesce($2, status), current_step = $3, attempt = $4, last_outcome = $5,
    last_step = $6, last_yes = $7, last_needed = $8, reason_code = $9, reason = $10,
    updated_at = $11, last_position = $12
WHERE nomination_id = $1
"""

_REVIEWED = """
UPDATE rm_nominations
SET status = $2, current_step = $3, attempt = $4, last_outcome = $5, reason_code = NULL,
    reason = $6, appraisal_outcome = CASE WHEN $7 THEN NULL ELSE appraisal_outcome END,
    updated_at = $8, last_position = $9
WHERE nomination_id = $1
"""

_APPRAISED = """
UPDATE rm_nominations SET appraisal_outcome = $2, updated_at = $3, last_position = $4
WHERE nomination_id = $1
"""


_PLAN_COLUMNS = {"plan_id": "text", "first_step": "int"}
_COLUMNS = {
    "nomination_id": "text", "plan_id": "text", "full_name": "text",
    "party_card_number": "text", "gender": "text", "birth_date": "date", "ethnicity": "text",
    "current_post": "text", "position_group": "text", "candidate_group": "text",
    "status": "text", "current_step": "int", "attempt": "int", "last_outcome": "text",
    "last_step": "int", "last_yes": "int", "last_needed": "int", "reason_code": "text",
    "reason": "text", "appraisal_outcome": "text", "registered_at": "timestamptz",
    "updated_at": "timestamptz", "last_position": "bigint",
}
_REQUIRED = frozenset(_COLUMNS) - {"party_card_number", "current_step", "attempt",
                                   "last_step", "last_yes", "last_needed", "reason_code",
                                   "appraisal_outcome"}


def _decided(row: Row, status: str | None, current_step: int | None, attempt: int | None,
             outcome: str, step: int | None, yes: int | None, needed: int | None,
             reason_code: str | None, reason: str | None) -> None:
    """What ``_DECIDED`` sets."""
    if status is not None:
        row["status"] = status
    row.update(current_step=current_step, attempt=attempt, last_outcome=outcome,
               last_step=step, last_yes=yes, last_needed=needed, reason_code=reason_code,
               reason=reason)


def _reviewed(row: Row, status: str, current_step: int | None, attempt: int | None,
              outcome: str, reason: str | None, clear_appraisal: bool) -> None:
    """What ``_REVIEWED`` sets."""
    row.update(status=status, current_step=current_step, attempt=attempt,
               last_outcome=outcome, reason_code=None, reason=reason)
    if clear_appraisal:
        row["appraisal_outcome"] = None


class NominationsProjection:
    name = "nominations"
    tables = ("rm_nominations", "rm_nomination_plans")

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        at, position = recorded.recorded_at, recorded.position
        if isinstance(event, PlanOpened):
            await conn.execute(_PLAN, event.plan_id, event.procedure.steps[0].number)
        elif isinstance(event, CandidateRegistered):
            c = event.candidate
            await conn.execute(
                _REGISTER, event.nomination_id, event.plan_id, c.full_name,
                c.party_card_number, c.gender.value, c.birth_date, c.ethnicity, c.current_post,
                event.position_group, event.candidate_group.value,
                NominationStatus.REGISTERED.value, event.occurred_at, at, position)
        elif isinstance(event, NominationAdvanced):
            listed = event.next_step is None
            status = NominationStatus.LISTED if listed else NominationStatus.STANDING
            await conn.execute(
                _DECIDED, event.nomination_id, status.value, event.next_step,
                None if listed else 1, "advanced", event.step, event.tally.yes,
                event.tally.needed, None, event.reason, at, position)
        elif isinstance(event, NominationRevoteRequired):
            await conn.execute(
                _DECIDED, event.nomination_id, None, event.step, event.attempt + 1,
                "revote_required", event.step, event.tally.yes, event.tally.needed, None,
                event.reason, at, position)
        elif isinstance(event, NominationDropped):
            tally = event.tally
            await conn.execute(
                _DECIDED, event.nomination_id, NominationStatus.DROPPED.value, None, None,
                "dropped", event.step, tally.yes if tally else None,
                tally.needed if tally else None, event.reason_code, event.reason, at, position)
        elif isinstance(event, NominationApproved):
            await conn.execute(_REVIEWED, event.nomination_id, NominationStatus.APPROVED.value,
                               None, None, "approved", event.decision_ref, False, at, position)
        elif isinstance(event, NominationExcluded):
            await conn.execute(_REVIEWED, event.nomination_id, NominationStatus.EXCLUDED.value,
                               None, None, "excluded", event.reason, False, at, position)
        elif isinstance(event, NominationSentBack):
            await conn.execute(_REVIEWED, event.nomination_id, NominationStatus.STANDING.value,
                               event.step, 1, "sent_back", event.reasons, True, at, position)
        elif isinstance(event, AppraisalCompleted):
            await conn.execute(_APPRAISED, event.nomination_id, event.outcome, at, position)

    async def handle_batch(self, conn: Connection,
                           items: Sequence[tuple[RecordedEvent, DomainEvent]]) -> None:
        """``handle`` of each event in turn, set-based (reads/models/batching.py)."""
        plans = Rows("rm_nomination_plans", ("plan_id",), _PLAN_COLUMNS,
                     required=frozenset(_PLAN_COLUMNS))
        rows = Rows("rm_nominations", ("nomination_id",), _COLUMNS, required=_REQUIRED)
        await plans.load(conn, "plan_id", (getattr(e, "plan_id", None) for _, e in items))
        await rows.load(conn, "nomination_id",
                        (getattr(e, "nomination_id", None) for _, e in items))
        for recorded, event in items:
            at, position = recorded.recorded_at, recorded.position
            if isinstance(event, PlanOpened):
                plans.insert({"plan_id": event.plan_id,
                              "first_step": event.procedure.steps[0].number})
                continue
            if isinstance(event, CandidateRegistered):
                c, plan = event.candidate, plans.get(event.plan_id)
                rows.insert({
                    "nomination_id": event.nomination_id, "plan_id": event.plan_id,
                    "full_name": c.full_name, "party_card_number": c.party_card_number,
                    "gender": c.gender.value, "birth_date": c.birth_date,
                    "ethnicity": c.ethnicity, "current_post": c.current_post,
                    "position_group": event.position_group,
                    "candidate_group": event.candidate_group.value,
                    "status": NominationStatus.REGISTERED.value,
                    "current_step": None if plan is None else plan["first_step"],
                    "attempt": 1, "last_outcome": "registered", "reason": "",
                    "registered_at": event.occurred_at, "updated_at": at,
                    "last_position": position})
                continue
            row = rows.get(getattr(event, "nomination_id", None))
            if row is None:
                continue  # an UPDATE of no row
            if isinstance(event, NominationAdvanced):
                listed = event.next_step is None
                status = NominationStatus.LISTED if listed else NominationStatus.STANDING
                _decided(row, status.value, event.next_step, None if listed else 1, "advanced",
                         event.step, event.tally.yes, event.tally.needed, None, event.reason)
            elif isinstance(event, NominationRevoteRequired):
                _decided(row, None, event.step, event.attempt + 1, "revote_required",
                         event.step, event.tally.yes, event.tally.needed, None, event.reason)
            elif isinstance(event, NominationDropped):
                tally = event.tally
                _decided(row, NominationStatus.DROPPED.value, None, None, "dropped", event.step,
                         tally.yes if tally else None, tally.needed if tally else None,
                         event.reason_code, event.reason)
            elif isinstance(event, NominationApproved):
                _reviewed(row, NominationStatus.APPROVED.value, None, None, "approved",
                          event.decision_ref, False)
            elif isinstance(event, NominationExcluded):
                _reviewed(row, NominationStatus.EXCLUDED.value, None, None, "excluded",
                          event.reason, False)
            elif isinstance(event, NominationSentBack):
                _reviewed(row, NominationStatus.STANDING.value, event.step, 1, "sent_back",
                          event.reasons, True)
            elif isinstance(event, AppraisalCompleted):
                row["appraisal_outcome"] = event.outcome
            else:
                continue
            row.update(updated_at=at, last_position=position)
            rows.changed(row)
        await plans.write(conn)
        await rows.write(conn)

    async def reset(self, conn: Connection) -> None:
        await conn.execute("DELETE FROM rm_nominations")
        await conn.execute("DELETE FROM rm_nomination_plans")
