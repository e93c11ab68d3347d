"""Domain events for the projection tests, decided by the domain (``decide`` / ``evolve``) from
the builders' commands and stored the way the workflow stores them (``workflows.envelopes``),
so that projections see exactly what production writes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from domain.commands import PlanCommand
from domain.decide import decide
from domain.events import DomainEvent
from domain.people import Actor, Candidate, CandidateGroup, Organization, Role
from domain.plan import PlanState, expected_versions, fold
from eventstore.model import NewEvent, RecordedEvent
from eventstore.store import PostgresEventStore
from reads.models.base import Connection
from tests.support import scenario
from tests.support.plans import NOW, all_steps, candidate, open_plan, register, submit, votes
from workflows.envelopes import envelope

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME


@dataclass(frozen=True)
class Step:
    """One command's events: appended atomically, with the versions they expect."""

    plan_id: str
    events: tuple[DomainEvent, ...]
    expected: dict[str, int]

    def new_events(self) -> list[NewEvent]:
        """Fresh event ids every call: a rolled-back attempt is retried as new events."""
        out = []
        for event in self.events:
            e = envelope(event, event_id=str(uuid.uuid4()), workflow_id=f"plan-{self.plan_id}",
                         run_id="test-run")
            out.append(NewEvent(event_id=e.event_id, stream_id=e.stream_id,
                                event_type=e.event_type, schema_version=e.schema_version,
                                data=e.data, metadata=e.metadata, occurred_at=e.occurred_at,
                                correlation_id=e.correlation_id))
        return out


def steps_of(plan_id: str, commands: Iterable[PlanCommand], *,
             legacy: bool = False) -> list[Step]:
    """The events each command decides, in order, each with the versions it expects (the
    domain's ``expected_versions``: an opening's term claim expects the term stream where the
    claim read it). ``legacy`` decides as before the door checks (no term claim)."""
    state, steps = PlanState(), []
    for command in commands:
        events = decide(state, command, now=NOW, legacy=legacy)
        if not events:
            continue
        steps.append(Step(plan_id, tuple(events), expected_versions(state, events)))
        state = fold(events, state)
    return steps


def final_state(steps: Sequence[Step]) -> PlanState:
    return fold(e for s in steps for e in s.events)


def full_plan(plan_id: str) -> list[Step]:
    """tests/support/scenario.py: 15 seats, 19 candidates, a repeat, drops, submitted with 17
    (32 commands, about 170 events)."""
    return steps_of(plan_id, [scenario.opening(plan_id), *scenario.all_commands(plan_id)])


def organization(code: str) -> Organization:
    return Organization(organization_id=f"org-{code}", name=f"Đảng bộ {code}",
                        parent_id="org-tinh", level="grassroots")


def small_plan(plan_id: str, org: Organization, *, incumbents: Sequence[int],
               first_time: Sequence[int], minority: Sequence[int] = (),
               submitted: bool = True) -> list[Step]:
    """Three seats (a list of exactly four), everyone through every step; candidates are
    ``tests.support.plans.candidate(i)`` (women: i % 3 == 1; born 1970 + i % 20)."""
    actor = Actor(user_id="ban-to-chuc", role=Role.ORGANIZATION_DEPARTMENT,
                  organization_id=org.organization_id)

    def nid(i: int) -> str:
        return scenario.nomination(plan_id, i)

    def person(i: int) -> Candidate:
        return candidate(i, ethnicity="Tày" if i in minority else "Kinh")

    commands: list[Any] = [replace(open_plan(plan_id=plan_id, seats=3,
                                             command_id=f"{plan_id}-open"), organization=org)]
    commands += [register(i, group, nomination_id=nid(i), person=person(i),
                          command_id=f"{plan_id}-reg-{i}")
                 for group, numbers in ((INCUMBENT, incumbents), (FIRST_TIME, first_time))
                 for i in numbers]
    for group, numbers in ((INCUMBENT, incumbents), (FIRST_TIME, first_time)):
        commands += [replace(c, command_id=f"{plan_id}-{c.command_id}")
                     for c in all_steps(group, votes([nid(i) for i in numbers]))]
    if submitted:
        commands.append(submit(command_id=f"{plan_id}-submit"))
    return steps_of(plan_id, [replace(c, actor=actor) for c in commands])


def noise(stream_id: str, n: int) -> NewEvent:
    """An event of a type the domain does not define (another part's event in the log)."""
    return NewEvent(event_id=str(uuid.uuid4()), stream_id=stream_id, event_type="LedgerNoise",
                    schema_version=1, data={"n": n}, metadata={}, occurred_at=NOW)


class Recording:
    """A projection that records every event it is handed in ``test_seen``; the primary key
    turns a second delivery of an event into an error, which fails the batch."""

    name = "recording"
    tables = ("test_seen",)

    CREATE = """
    CREATE TABLE IF NOT EXISTS test_seen (
        event_id uuid PRIMARY KEY, position bigint NOT NULL, stream_id text NOT NULL,
        stream_version integer NOT NULL, event_type text NOT NULL,
        delivered bigint GENERATED ALWAYS AS IDENTITY)
    """

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        assert recorded.event_type == type(event).TYPE
        await conn.execute("INSERT INTO test_seen (event_id, position, stream_id, "
                           "stream_version, event_type) VALUES ($1, $2, $3, $4, $5)",
                           recorded.event_id, recorded.position, recorded.stream_id,
                           recorded.stream_version, recorded.event_type)

    async def reset(self, conn: Connection) -> None:
        await conn.execute("DELETE FROM test_seen")


async def seen(conn: Connection) -> list[tuple[str, int, str, int]]:
    """What ``Recording`` received, in the order it received it."""
    rows = await conn.fetch("SELECT event_id::text, position, stream_id, stream_version "
                            "FROM test_seen ORDER BY delivered")
    return [(r[0], r[1], r[2], r[3]) for r in rows]



async def delivered(store: PostgresEventStore, event_ids: Iterable[str]) -> list[RecordedEvent]:
    """The whole log, once it delivers every one of ``event_ids``. Waits, because an open
    write transaction anywhere on the server (another test session's too) legitimately holds
    the log back; once delivered, events stay delivered."""
    want = set(event_ids)
    async with asyncio.timeout(60):
        while True:
            log = await store.read_all(limit=1_000_000)
            if want <= {e.event_id for e in log}:
                return log
            await asyncio.sleep(0.01)


async def append_all(store: PostgresEventStore, steps: Iterable[Step]) -> list[RecordedEvent]:
    """Append the steps one by one; return the whole log once it delivers them."""
    added = [r for step in steps for r in await store.append(step.new_events(), step.expected)]
    return await delivered(store, [r.event_id for r in added])


def steps_from_history(plan_id: str, events: Sequence[DomainEvent]) -> list[Step]:
    """A recorded history (e.g. ``tests.unit.test_events.every_history()``) as appendable
    steps: consecutive events of one command form one atomic append, expecting the versions
    the domain's ``expected_versions`` gives on the history folded so far."""
    steps: list[Step] = []
    state = PlanState()
    group: list[DomainEvent] = []
    for event in [*events, None]:
        if group and (event is None or event.command_id != group[-1].command_id):
            steps.append(Step(plan_id, tuple(group), expected_versions(state, group)))
            state = fold(group, state)
            group = []
        if event is not None:
            group.append(event)
    return steps
