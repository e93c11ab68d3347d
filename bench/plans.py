"""Real plan histories, for the projection catch-up: the worked scenario of the tests
(tests/support/scenario.py: 19 candidates through the five steps, a repeated step, drops,
the submission) decided once by the domain and stored as the workflow stores it
(workflows.envelopes), then copied under other plan ids, command by command, each command's
events in one append with the versions it expects."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.decide import decide
from domain.events import stream_of
from domain.plan import PlanState, fold
from eventstore.model import NewEvent
from eventstore.store import PostgresEventStore
from tests.support import scenario
from tests.support.plans import NOW
from workflows.envelopes import envelope

TEMPLATE_ID = "benchplan000000"


def template() -> str:
    """The scenario's appends as JSON text, plan id ``TEMPLATE_ID``."""
    state, steps = PlanState(), []
    for command in [scenario.opening(TEMPLATE_ID), *scenario.all_commands(TEMPLATE_ID)]:
        events = decide(state, command, now=NOW)
        if not events:
            continue
        expected = {s: state.version_of(s) for s in dict.fromkeys(stream_of(e) for e in events)}
        stored = []
        for event in events:
            e = envelope(event, event_id="-", workflow_id=f"plan-{TEMPLATE_ID}", run_id="bench")
            stored.append({"stream_id": e.stream_id, "event_type": e.event_type,
                           "schema_version": e.schema_version, "data": e.data,
                           "metadata": e.metadata, "occurred_at": e.occurred_at.isoformat(),
                           "correlation_id": e.correlation_id})
        steps.append({"expected": expected, "events": stored})
        state = fold(events, state)
    return json.dumps(steps, ensure_ascii=False)


def plan_steps(text: str, number: int) -> list[tuple[list[NewEvent], dict[str, int]]]:
    plan_id = f"benchplan{number:06d}"
    # Nomination ids are UUIDs derived from the plan id, so each copy gets its own.
    for i in range(100):
        text = text.replace(scenario.nomination(TEMPLATE_ID, i), scenario.nomination(plan_id, i))
    steps: list[dict[str, Any]] = json.loads(text.replace(TEMPLATE_ID, plan_id))
    return [([NewEvent(event_id=str(uuid.uuid4()), stream_id=e["stream_id"],
                       event_type=e["event_type"], schema_version=e["schema_version"],
                       data=e["data"], metadata=e["metadata"],
                       occurred_at=datetime.fromisoformat(e["occurred_at"]),
                       correlation_id=e["correlation_id"]) for e in step["events"]],
             step["expected"]) for step in steps]


async def store_plans(store: PostgresEventStore, plans: int, writers: int) -> int:
    """Append ``plans`` copies, ``writers`` plans at a time; the number of events."""
    text = template()
    queue = list(range(plans))
    written = 0

    async def writer() -> None:
        nonlocal written
        while queue:
            for events, expected in plan_steps(text, queue.pop()):
                appended = await store.append(events, expected)
                written += len(appended)  # after the await: += would read written before it

    await asyncio.gather(*(writer() for _ in range(writers)))
    return written


class PerEvent:
    """A read model without its ``handle_batch``: the runner applies it event by event, as
    it did before batching (the reference path, for the figure before and after)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.tables: Sequence[str] = inner.tables

    async def handle(self, conn: Any, recorded: Any, event: Any) -> None:
        await self.inner.handle(conn, recorded, event)

    async def reset(self, conn: Any) -> None:
        await self.inner.reset(conn)


async def reset_read_models(engine: Any, projections: Sequence[Any]) -> None:
    """Empty the read models and their positions, for a second catch-up from the start."""
    from reads.models.connections import driver

    async with driver(engine) as conn, conn.transaction():
        for projection in projections:
            await projection.reset(conn)
        await conn.execute("DELETE FROM projection_positions")
