"""Time travel for auditors: the plan exactly as the one who made a decision saw it.

Every event the workflows append records ``decided_on``: the last global position folded into
the state that decided, and the versions of the streams written. Folding the plan's events up
to that position rebuilds that state; the recorded versions are checked against it, so a
mismatch (an event missing or added since) shows."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events import DomainEvent
from domain.plan import PlanState
from eventstore.model import RecordedEvent
from eventstore.store import PostgresEventStore
from reads.decoding import corrupt, decode_in_place
from reads.plans import load_plan, plan_events


class EventNotFound(LookupError):
    pass


@dataclass(frozen=True, kw_only=True)
class DecisionBasis:
    event: RecordedEvent
    decision: DomainEvent
    seen_position: int
    state: PlanState  # the plan as the decider saw it
    versions_match: bool  # the recorded versions agree with the rebuilt state
    mismatches: dict[str, tuple[int, int]]  # stream -> (recorded, rebuilt)


async def find_event(store: PostgresEventStore, plan_id: str, event_id: str) -> RecordedEvent:
    for recorded in await plan_events(store, plan_id):
        if recorded.event_id == event_id:
            return recorded
    raise EventNotFound(f"no event {event_id} in plan {plan_id}")


async def decision_basis(store: PostgresEventStore, plan_id: str,
                         event_id: str) -> DecisionBasis:
    recorded = await find_event(store, plan_id, event_id)
    decision = decode_in_place(recorded)
    try:
        decided_on = recorded.metadata.get("decided_on") or {}
        seen = int(decided_on.get("position", 0))
        versions: dict[str, int] = {str(k): int(v)
                                    for k, v in decided_on.get("versions", {}).items()}
    except (AttributeError, TypeError, ValueError) as error:
        raise corrupt(recorded, f"metadata decided_on không hợp lệ ({error})") from error
    state = await load_plan(store, plan_id, at_position=seen)
    mismatches = {stream: (version, state.version_of(stream))
                  for stream, version in versions.items() if state.version_of(stream) != version}
    return DecisionBasis(event=recorded, decision=decision, seen_position=seen,
                         state=state, versions_match=not mismatches, mismatches=mismatches)
