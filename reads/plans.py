"""A plan's state folded from its stored events, optionally as of a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.events import (
    DomainEvent,
    NominationAdvanced,
    NominationDropped,
    NominationRevoteRequired,
    event_from_data,
    plan_stream,
)
from domain.plan import PlanState, fold
from eventstore.model import RecordedEvent
from eventstore.store import PostgresEventStore


def to_domain(recorded: RecordedEvent) -> DomainEvent:
    return event_from_data(recorded.event_type, recorded.schema_version, recorded.data)


async def load_plan(store: PostgresEventStore, plan_id: str, *,
                    as_of: datetime | None = None,
                    at_position: int | None = None) -> PlanState:
    """Every stream of the plan in global order: the workflow appended them in decision
    order, so folding them in position order replays the decisions as they were made.
    ``as_of`` (recorded time) and ``at_position`` (global position) travel back in time."""
    return fold(to_domain(r) for r in await plan_events(store, plan_id, as_of=as_of,
                                                        at_position=at_position))


async def plan_events(store: PostgresEventStore, plan_id: str, *,
                      as_of: datetime | None = None,
                      at_position: int | None = None) -> list[RecordedEvent]:
    """The plan's events in global order, as recorded by a time or up to a global position."""
    recorded = await store.read_correlated(plan_stream(plan_id), as_of=as_of)
    if at_position is None:
        return recorded
    return [r for r in recorded if r.position <= at_position]


async def plan_ids(store: PostgresEventStore) -> list[str]:
    streams = await store.list_streams("plan-")
    return [s.removeprefix("plan-") for s in streams]


@dataclass(frozen=True, kw_only=True)
class StepResult:
    step: int
    attempt: int
    yes: int
    needed: int
    outcome: str  # advanced, dropped, revote


@dataclass(frozen=True, kw_only=True)
class PlanView:
    state: PlanState
    results: dict[str, list[StepResult]]  # nomination id -> its results, in order


async def plan_view(store: PostgresEventStore, plan_id: str, *,
                    as_of: datetime | None = None,
                    at_position: int | None = None) -> PlanView:
    events = [to_domain(r) for r in await plan_events(store, plan_id, as_of=as_of,
                                                      at_position=at_position)]
    results: dict[str, list[StepResult]] = {}
    for e in events:
        if isinstance(e, (NominationAdvanced, NominationDropped, NominationRevoteRequired)):
            if e.tally is None:
                continue
            outcome = {NominationAdvanced: "advanced", NominationDropped: "dropped",
                       NominationRevoteRequired: "revote"}[type(e)]
            results.setdefault(e.nomination_id, []).append(StepResult(
                step=e.step, attempt=e.attempt, yes=e.tally.yes, needed=e.tally.needed,
                outcome=outcome))
    return PlanView(state=fold(events), results=results)
