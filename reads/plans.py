"""A plan's state folded from its stored events, optionally as of a time or a business day.

Two clocks travel back in time:

- ``as_of`` (a timezone-aware datetime): what had been *recorded* by then;
- ``as_of_date`` (a day): what had *happened* by the end of that day, by business date: a
  conference's ``held_on`` for its result and for every event the same command caused (the
  nominations it advanced or dropped), otherwise the day the event occurred, in Vietnam time
  (UTC+7). A result recorded on 7 May of a conference held on 5 May counts from 5 May.

A day's events are closed over what they cannot exist without, so that the fold is a state the
plan can be in: the earlier events of the same stream (a nomination's step result needs its
registration, however late that was entered) and the other events of the same command (a
conference's result and the nominations it advanced are one decision). Without that, a late
entry could leave a step result about a nomination the fold never registered.

Every read here raises ``reads.errors.CorruptRecord`` for a stored event that cannot be read
or does not fit the plan's history, never a decoder's KeyError or TypeError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from domain.events import (
    ConferenceResultRecorded,
    DomainEvent,
    NominationAdvanced,
    NominationDropped,
    NominationRevoteRequired,
    plan_stream,
)
from domain.plan import PlanState, evolve
from eventstore.model import RecordedEvent
from eventstore.store import PostgresEventStore
from reads.decoding import corrupt, decode, decode_in_place

#: Vietnam time (Indochina Time, UTC+7 all year round): the calendar of business dates.
VIETNAM = timezone(timedelta(hours=7), "ICT")

Decoded = tuple[RecordedEvent, DomainEvent]


def to_domain(recorded: RecordedEvent) -> DomainEvent:
    """The domain event of a stored one; ``CorruptRecord`` if it cannot be read."""
    return decode(recorded)


def conference_dates(events: Iterable[DomainEvent]) -> dict[str, date]:
    """The day each conference was held, by the id of the command that recorded its result
    (which also caused the nominations' results)."""
    return {e.command_id: e.held_on for e in events if isinstance(e, ConferenceResultRecorded)}


def business_date(event: DomainEvent, held_on: Mapping[str, date]) -> date:
    """The day ``event`` happened: its conference's ``held_on`` if a conference's result
    caused it (``held_on`` from ``conference_dates``), else the day it occurred in Vietnam."""
    if isinstance(event, ConferenceResultRecorded):
        return event.held_on
    day = held_on.get(event.command_id)
    if day is not None:
        return day
    return event.occurred_at.astimezone(VIETNAM).date()


def happened_by(history: Sequence[Decoded], day: date) -> list[Decoded]:
    """The events of a plan's ``history`` (in position order) that had happened by the end
    of ``day``, closed over their streams' earlier events and their commands' other events
    (see the module doc); in position order."""
    held = conference_dates(e for _, e in history)
    included = {r.position for r, e in history if business_date(e, held) <= day}
    by_command: dict[str, list[int]] = {}
    for r, e in history:
        by_command.setdefault(e.command_id, []).append(r.position)
    while True:
        last: dict[str, int] = {}
        for r, _ in history:
            if r.position in included:
                last[r.stream_id] = max(last.get(r.stream_id, 0), r.position)
        grown = {r.position for r, _ in history if r.position <= last.get(r.stream_id, 0)}
        for r, e in history:
            if r.position in grown:
                grown.update(by_command[e.command_id])
        if grown <= included:
            return [(r, e) for r, e in history if r.position in included]
        included |= grown


def check_aware(as_of: datetime | None) -> None:
    """A recorded-time ``as_of`` must be timezone-aware (a naive one is a programming error:
    the caller converts user input to Vietnam time first)."""
    if as_of is not None and (as_of.tzinfo is None or as_of.utcoffset() is None):
        raise ValueError(f"as_of must be timezone-aware, not {as_of!r}")


def fold_history(history: Iterable[Decoded], state: PlanState | None = None) -> PlanState:
    """Fold decoded events; an event the plan's history does not allow (it names a
    nomination never registered, ...) is a ``CorruptRecord`` naming it."""
    current = state or PlanState()
    for recorded, event in history:
        try:
            current = evolve(current, event)
        except Exception as error:  # decodable, but not an event this history can have
            raise corrupt(recorded, f"không khớp với lịch sử của đề án "
                                    f"({type(error).__name__}: {error})") from error
    return current


async def plan_history(store: PostgresEventStore, plan_id: str, *,
                       as_of: datetime | None = None, at_position: int | None = None,
                       as_of_date: date | None = None) -> list[Decoded]:
    """The plan's events, stored and decoded, in global order; recorded by ``as_of``, up to
    ``at_position``, and happened by ``as_of_date`` (all that are given)."""
    check_aware(as_of)
    recorded = await store.read_correlated(plan_stream(plan_id), as_of=as_of)
    if at_position is not None:
        recorded = [r for r in recorded if r.position <= at_position]
    history = [(r, decode_in_place(r)) for r in recorded]
    return history if as_of_date is None else happened_by(history, as_of_date)


async def load_plan(store: PostgresEventStore, plan_id: str, *,
                    as_of: datetime | None = None,
                    at_position: int | None = None,
                    as_of_date: date | None = None) -> PlanState:
    """Every stream of the plan in global order: the workflow appended them in decision
    order, so folding them in position order replays the decisions as they were made.
    ``as_of`` (recorded time, timezone-aware), ``at_position`` (global position) and
    ``as_of_date`` (business date, see the module doc) travel back in time."""
    return fold_history(await plan_history(store, plan_id, as_of=as_of,
                                           at_position=at_position, as_of_date=as_of_date))


async def plan_events(store: PostgresEventStore, plan_id: str, *,
                      as_of: datetime | None = None,
                      at_position: int | None = None,
                      as_of_date: date | None = None) -> list[RecordedEvent]:
    """The plan's events in global order, as recorded by a time, up to a global position, or
    happened by a day. Decoded only for ``as_of_date`` (which needs their business dates)."""
    if as_of_date is not None:
        return [r for r, _ in await plan_history(store, plan_id, as_of=as_of,
                                                 at_position=at_position,
                                                 as_of_date=as_of_date)]
    check_aware(as_of)
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
    held_on: date


@dataclass(frozen=True, kw_only=True)
class PlanView:
    state: PlanState
    results: dict[str, list[StepResult]]  # nomination id -> its results, in order


async def plan_view(store: PostgresEventStore, plan_id: str, *,
                    as_of: datetime | None = None,
                    at_position: int | None = None,
                    as_of_date: date | None = None) -> PlanView:
    """The plan's state and each nomination's step results (with their tallies), at the
    same points in time as ``load_plan``."""
    history = await plan_history(store, plan_id, as_of=as_of, at_position=at_position,
                                 as_of_date=as_of_date)
    results: dict[str, list[StepResult]] = {}
    for _, e in history:
        if isinstance(e, (NominationAdvanced, NominationDropped, NominationRevoteRequired)):
            if e.tally is None:
                continue
            outcome = {NominationAdvanced: "advanced", NominationDropped: "dropped",
                       NominationRevoteRequired: "revote"}[type(e)]
            results.setdefault(e.nomination_id, []).append(StepResult(
                step=e.step, attempt=e.attempt, yes=e.tally.yes, needed=e.tally.needed,
                outcome=outcome, held_on=e.tally.held_on))
    return PlanView(state=fold_history(history), results=results)
