"""The read models hold what folding the same events with the domain gives: plans by status,
nominations with their current step and outcome, structure figures of every list."""

from __future__ import annotations

import pytest

from domain.events import DomainEvent
from eventstore.model import NO_STREAM
from reads.models import runner
from reads.models.base import UnreadableEvent
from reads.models.connections import driver
from reads.models.sets import read_models
from tests.projections.conftest import Db
from tests.projections.expected import assert_read_models_match
from tests.projections.support import (
    Recording,
    append_all,
    delivered,
    final_state,
    full_plan,
    noise,
    organization,
    small_plan,
    steps_from_history,
)

pytestmark = pytest.mark.projection


async def test_every_read_model_agrees_with_the_fold_at_every_stage(db: Db) -> None:
    plans = {
        "full": full_plan("full"),
        "an-binh": small_plan("an-binh", organization("an-binh"), incumbents=[1, 2, 3],
                              first_time=[4], minority=[2]),
        "binh-minh": small_plan("binh-minh", organization("binh-minh"), incumbents=[2, 3, 15],
                                first_time=[16], submitted=False),
    }
    # Interleave the plans' commands; after each round, compare with the fold so far.
    rounds = max(len(steps) for steps in plans.values())
    for i in range(rounds):
        await append_all(db.store, [steps[i] for steps in plans.values() if i < len(steps)])
        assert await runner.catch_up(db.engine, db.store, read_models(), batch_size=37)
        await assert_read_models_match(
            db, [final_state(steps[:i + 1]) for steps in plans.values()])
    assert await runner.catch_up(db.engine, db.store, read_models()) == 0

    async with driver(db.engine) as conn:
        statuses = dict(await conn.fetch("SELECT plan_id, status FROM rm_plans"))
    assert statuses == {"full": "submitted", "an-binh": "submitted", "binh-minh": "in_procedure"}


async def test_events_the_domain_does_not_define_are_passed_over_and_counted(db: Db) -> None:
    steps = small_plan("p", organization("p"), incumbents=[1, 2, 3], first_time=[4])
    added = await db.store.append([noise("ledger-1", 1)], {"ledger-1": NO_STREAM})
    for n, step in enumerate(steps):
        added += await db.store.append([*step.new_events(), noise(f"ledger-x{n}", n)],
                                       {**step.expected, f"ledger-x{n}": NO_STREAM})
    every = await delivered(db.store, [e.event_id for e in added])
    domain_events = sum(len(s.events) for s in steps)
    assert len(every) == domain_events + len(steps) + 1

    processed = await runner.catch_up(db.engine, db.store, [Recording(), *read_models()])
    assert processed == len(every)
    async with driver(db.engine) as conn:
        seen = await conn.fetchval("SELECT count(*) FROM test_seen")
        positions = dict(await conn.fetch("SELECT name, position FROM projection_positions"))
    assert seen == domain_events
    assert set(positions.values()) == {every[-1].position}
    await assert_read_models_match(db, [final_state(steps)])


async def test_an_event_this_code_cannot_read_stops_the_runner_in_front_of_it(db: Db) -> None:
    steps = small_plan("p", organization("p"), incumbents=[1, 2, 3], first_time=[4])
    first = await db.store.append(steps[0].new_events(), steps[0].expected)
    [future] = steps[1].new_events()[:1]
    newer = type(future)(**{**future.__dict__, "schema_version": 99})
    [stuck] = await db.store.append([newer], {newer.stream_id: NO_STREAM})
    after = await db.store.append(steps[2].new_events(), steps[2].expected)
    await delivered(db.store, [stuck.event_id, after[-1].event_id])

    with pytest.raises(UnreadableEvent, match="v99") as caught:
        await runner.catch_up(db.engine, db.store, [Recording()])
    async with driver(db.engine) as conn:
        seen = await conn.fetchval("SELECT count(*) FROM test_seen")
        position = await conn.fetchval(
            "SELECT position FROM projection_positions WHERE name = 'recording'")
    assert seen == len(first) and position == first[-1].position  # applied up to it
    assert caught.value.position == stuck.position
    with pytest.raises(UnreadableEvent):  # and it stays there: never skipped
        await runner.catch_up(db.engine, db.store, [Recording()])


def _histories() -> list[list[DomainEvent]]:
    from tests.unit.test_events import every_history

    return every_history()


@pytest.mark.parametrize("index", range(len(_histories())),
                         ids=["whole-plan", "reviewed-sent-back", "excluded", "rejected"])
async def test_the_review_and_approval_events_agree_with_the_fold(db: Db, index: int) -> None:
    """The unit tests' histories that use every event type between them (appraisal, send
    back, approval with exclusions, rejection): after every command, as the fold says."""
    history = _histories()[index]
    steps = steps_from_history(history[0].plan_id, history)
    for n, step in enumerate(steps):
        await append_all(db.store, [step])
        await runner.catch_up(db.engine, db.store, read_models(), batch_size=5)
        await assert_read_models_match(db, [final_state(steps[:n + 1])])
