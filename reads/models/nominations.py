"""Read model ``rm_nominations``: each nomination with its status, the step it is at and the
outcome of the last decision about it.

``current_step`` is the step the nomination faces next while it is in play (registered or
standing), with ``attempt`` when the step is being held again; it is NULL once the
nomination is out of the steps (listed, dropped, approved, excluded). ``last_step``,
``last_outcome``, ``last_yes``/``last_needed`` and ``reason`` describe the latest decision.
"""

from __future__ import annotations

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

    async def reset(self, conn: Connection) -> None:
        await conn.execute("DELETE FROM rm_nominations")
        await conn.execute("DELETE FROM rm_nomination_plans")
