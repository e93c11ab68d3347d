"""A read model never freezes for everyone: an event one projection cannot apply is set aside
for that projection (``projection_quarantine``), logged, and reported by ``freshness``; the
projection goes on with the events after it, the others apply it as usual, and every event is
still applied or set aside exactly once. A rebuild starts from a clean slate and sets aside
again what still fails. Catch-up and rebuild report progress."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
import structlog

from domain.events import DomainEvent, PlanOpened
from eventstore.model import NO_STREAM, RecordedEvent
from reads.models import reading, runner
from reads.models.base import Connection, UnreadableEvent
from reads.models.connections import driver
from reads.models.sets import by_name, read_models
from tests.contract.builders import tamper
from tests.projections.conftest import Db
from tests.projections.expected import assert_read_models_match
from tests.projections.support import (
    Recording,
    Step,
    append_all,
    delivered,
    final_state,
    full_plan,
    organization,
    seen,
    small_plan,
    steps_of,
)
from tests.support import scenario

pytestmark = pytest.mark.projection

HUGE = 10**19  # seats: beyond a bigint


def a_plan(plan_id: str, incumbents: Sequence[int] = (1, 2, 3),
           first_time: Sequence[int] = (4,)) -> list[Step]:
    return small_plan(plan_id, organization(plan_id), incumbents=incumbents,
                      first_time=first_time)


def opened_with_seats(plan_id: str, seats: int) -> list[Step]:
    """A plan's opening as a store written before the door checks holds it: decided as then
    (``legacy``: no term claim) and with any positive seat count; the domain has refused more
    than 500 seats of a group since, but the read models still meet the events it wrote."""
    [step] = steps_of(plan_id, [scenario.opening(plan_id)], legacy=True)
    [opened] = step.events
    assert isinstance(opened, PlanOpened)
    return [replace(step, events=(replace(opened, seats=tuple(
        replace(s, seats=seats) for s in opened.seats)),))]


def huge_plan(plan_id: str) -> list[Step]:
    """A plan opened with more seats than a bigint holds: the plans and structure read
    models cannot store it."""
    return opened_with_seats(plan_id, HUGE)


async def quarantine(db: Db) -> list[tuple[str, int, str, str]]:
    return [(s.projection, s.position, s.stream_id, s.event_type)
            for s in await reading.set_aside(db.engine)]


async def position_of(db: Db, name: str) -> int:
    async with driver(db.engine) as conn:
        return int(await conn.fetchval(
            "SELECT position FROM projection_positions WHERE name = $1", name))


async def test_an_event_one_projection_cannot_apply_is_set_aside_and_the_rest_goes_on(
        db: Db) -> None:
    before, after = a_plan("truoc"), a_plan("sau", incumbents=(5, 6, 7), first_time=(8,))
    huge = huge_plan("qua-lon")
    log = await append_all(db.store, [*before, *huge, *after])
    [opened] = [r for r in log if r.stream_id == "plan-qua-lon"]

    with structlog.testing.capture_logs() as logs:
        processed = await runner.catch_up(db.engine, db.store, [Recording(), *read_models()],
                                          batch_size=7)
    assert processed == len(log)
    # The plans and structure read models cannot store the seats; the others could.
    assert await quarantine(db) == [("plans", opened.position, "plan-qua-lon", "PlanOpened"),
                                    ("structure", opened.position, "plan-qua-lon",
                                     "PlanOpened")]
    [item] = await reading.set_aside(db.engine, ["plans"])
    assert item.event_id == opened.event_id and "out of int64 range" in item.error
    warned = [e for e in logs if e["event"].startswith("event set aside")]
    assert {(e["projection"], e["position"], e["stream_id"]) for e in warned} == {
        ("plans", opened.position, "plan-qua-lon"),
        ("structure", opened.position, "plan-qua-lon")}
    assert all(e["log_level"] == "warning" and str(HUGE) not in str(e) for e in warned)

    # Every event before and after it is applied, by every projection, once.
    async with driver(db.engine) as conn:
        assert [r[0] for r in await seen(conn)] == [e.event_id for e in log]
        assert await conn.fetchval(
            "SELECT first_step FROM rm_nomination_plans WHERE plan_id = 'qua-lon'") == 1
    await assert_read_models_match(db, [final_state(before), final_state(after)])
    assert {p.position for p in await runner.positions(db.engine)} == {log[-1].position}

    # Status says so, per read model.
    status = {f.name: f for f in await reading.freshness(db.engine, db.store)}
    assert (status["plans"].set_aside, status["structure"].set_aside,
            status["nominations"].set_aside) == (1, 1, 0)
    [first] = status["plans"].first_set_aside
    assert (first.position, first.stream_id) == (opened.position, "plan-qua-lon")
    assert not any(f.behind for f in status.values())

    # Nothing more to do, and nothing is set aside twice.
    assert await runner.catch_up(db.engine, db.store, read_models()) == 0
    assert len(await quarantine(db)) == 2


async def test_a_rebuild_starts_clean_and_sets_aside_again_what_still_fails(db: Db) -> None:
    first = a_plan("mot")
    log = await append_all(db.store, [*first, *huge_plan("hai")])
    [opened] = [r for r in log if r.stream_id == "plan-hai"]
    await runner.catch_up(db.engine, db.store, read_models())
    before = await reading.set_aside(db.engine, ["plans"])

    report = await runner.rebuild(db.engine, db.store, by_name("plans"))
    assert report.matched_live is True
    again = await reading.set_aside(db.engine, ["plans"])
    assert [(s.position, s.event_id) for s in again] == [(opened.position, opened.event_id)]
    assert again[0].set_aside_at >= before[0].set_aside_at
    assert [s.projection for s in await reading.set_aside(db.engine)] == ["plans", "structure"]

    # Once the event can be applied (here: the row is put right), a rebuild applies it and
    # its projection has nothing set aside any more; the others keep theirs.
    data = dict(opened.data)
    data["seats"] = [{**data["seats"][0], "seats": 15}]
    await tamper(db.engine, f"UPDATE events SET data = convert_to('{json.dumps(data)}', "
                            f"'UTF8') WHERE position = {opened.position}")
    await runner.rebuild(db.engine, db.store, by_name("plans"))
    assert await reading.set_aside(db.engine, ["plans"]) == []
    assert [s.projection for s in await reading.set_aside(db.engine)] == ["structure"]
    async with driver(db.engine) as conn:
        assert await conn.fetchval("SELECT seats FROM rm_plans WHERE plan_id = 'hai'") == 15


class FailsOn:
    """Wraps a projection; every time it is handed the event ``event_id``, it fails."""

    def __init__(self, inner: Any, event_id: str) -> None:
        self.inner, self.event_id = inner, event_id
        self.name, self.tables = inner.name, inner.tables

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        await self.inner.handle(conn, recorded, event)  # written, then rolled back
        if recorded.event_id == self.event_id:
            raise RuntimeError("cannot apply this one")

    async def reset(self, conn: Connection) -> None:
        await self.inner.reset(conn)


async def test_exactly_once_holds_around_an_event_set_aside(db: Db) -> None:
    """Whatever the batch size, the failing event leaves no row (its savepoint is rolled
    back), every other event is recorded once in log order, and positions end together."""
    steps = [*a_plan("x"), *a_plan("y", incumbents=(2, 3, 15), first_time=(16,))]
    log = await append_all(db.store, steps)
    bad = log[len(log) // 2]
    for size in (1, 5, 500):
        async with driver(db.engine) as conn:
            await conn.execute("DELETE FROM test_seen")
            await conn.execute("DELETE FROM projection_quarantine")
            await conn.execute("DELETE FROM projection_positions WHERE name = 'recording'")
        processed = await runner.catch_up(db.engine, db.store,
                                          [FailsOn(Recording(), bad.event_id)],
                                          batch_size=size)
        assert processed == len(log), size
        async with driver(db.engine) as conn:
            got = [r[0] for r in await seen(conn)]
        assert got == [e.event_id for e in log if e.event_id != bad.event_id], size
        assert await quarantine(db) == [("recording", bad.position, bad.stream_id,
                                         bad.event_type)], size
        assert await position_of(db, "recording") == log[-1].position


async def test_a_tampered_event_is_set_aside_and_every_read_model_read_still_answers(
        db: Db) -> None:
    """A registration whose stored data lost a field cannot be decoded: every projection
    sets it aside; lists, reports and status still answer."""
    good, damaged = a_plan("tot"), a_plan("hong")
    log = await append_all(db.store, [*good, *damaged])
    registration = next(r for r in log if r.event_type == "CandidateRegistered"
                        and r.data["plan_id"] == "hong")
    await tamper(db.engine, "UPDATE events SET data = convert_to((convert_from(data, 'UTF8')"
                            "::jsonb - 'candidate')::text, 'UTF8') "
                            f"WHERE position = {registration.position}")

    assert await runner.catch_up(db.engine, db.store, [Recording(), *read_models()]) == len(log)
    names = {s.projection for s in await reading.set_aside(db.engine)
             if s.position == registration.position}
    assert names == {"recording", "plans", "nominations", "structure",
                     "committees"}
    [item] = await reading.set_aside(db.engine, ["recording"], per_projection=1)
    assert "KHÔNG khớp mã băm" in item.error and "nhansu audit verify" in item.error

    assert len(await quarantine(db)) == 5  # nothing else is set aside

    # Lists, reports and status answer; the good plan is whole, the damaged one lacks the
    # registration its read models could not read.
    rows = {r.plan_id: r for r in await reading.plans(db.engine)}
    assert set(rows) == {"tot", "hong"}
    assert rows["tot"].candidates == len(final_state(good).nominations)
    assert rows["hong"].candidates == len(final_state(damaged).nominations) - 1
    assert {s.plan_id for s in await reading.structure(db.engine)} == {"tot", "hong"}
    status = await reading.freshness(db.engine, db.store)
    assert {f.name: f.set_aside for f in status} == {
        "recording": 1, "plans": 1, "nominations": 1, "structure": 1, "committees": 1}
    assert all(f.first_set_aside[0].position == registration.position for f in status)


async def test_a_newer_schema_version_waits_but_a_forged_one_is_set_aside(db: Db) -> None:
    """schema_version 99 written by the store (a newer release; the row matches its hash)
    stops the runner in front of it; the same number written behind the store's back (the
    hash no longer matches) is corruption, and is set aside."""
    steps = a_plan("p")
    first = await db.store.append(steps[0].new_events(), steps[0].expected)
    [future] = steps[1].new_events()[:1]
    newer = type(future)(**{**future.__dict__, "schema_version": 99})
    [stuck] = await db.store.append([newer], {newer.stream_id: NO_STREAM})
    await delivered(db.store, [stuck.event_id])
    with pytest.raises(UnreadableEvent):
        await runner.catch_up(db.engine, db.store, [Recording()])
    assert await position_of(db, "recording") == first[-1].position

    await tamper(db.engine, "UPDATE events SET data = convert_to((convert_from(data, 'UTF8')"
                            "::jsonb || '{\"x\": 1}'::jsonb)::text, 'UTF8') "
                            f"WHERE position = {stuck.position}")
    assert await runner.catch_up(db.engine, db.store, [Recording()]) == 1
    assert await quarantine(db) == [("recording", stuck.position, stuck.stream_id,
                                     stuck.event_type)]


async def test_catch_up_and_rebuild_report_progress(db: Db) -> None:
    steps = [step for k in range(8) for step in full_plan(f"p{k}")]
    log = await append_all(db.store, steps)
    assert len(log) > 1000

    calls: list[tuple[int, int | None]] = []
    await runner.catch_up(db.engine, db.store, read_models(), batch_size=100,
                          progress=lambda done, total: calls.append((done, total)))
    done = [c[0] for c in calls]
    assert done == sorted(done) and calls[-1] == (len(log), len(log))
    assert calls[0][1] == len(log)  # the total is counted at the start
    assert max(b - a for a, b in zip([0, *done], done, strict=False)) <= 1100

    rebuilt: list[tuple[int, int | None]] = []
    await runner.rebuild(db.engine, db.store, by_name("nominations"), batch_size=250,
                         progress=lambda done, total: rebuilt.append((done, total)))
    assert rebuilt[-1] == (len(log), len(log)) and len(rebuilt) >= 2

    nothing: list[tuple[int, int | None]] = []
    await runner.catch_up(db.engine, db.store, read_models(),
                          progress=lambda done, total: nothing.append((done, total)))
    assert nothing == [(0, 0)]


async def test_a_count_that_fits_a_bigint_is_stored_not_set_aside(db: Db) -> None:
    """The issue's seat count, 2**63 - 1, overflowed the 32-bit column; it is now kept."""
    steps = opened_with_seats("lon", 2**63 - 1)
    await append_all(db.store, steps)
    await runner.catch_up(db.engine, db.store, read_models())
    assert await reading.set_aside(db.engine) == []
    [row] = await reading.plans(db.engine)
    assert row.seats == 2**63 - 1
    [figures] = await reading.structure(db.engine)
    assert figures.seats == 2**63 - 1


async def test_status_still_answers_when_the_event_at_a_position_is_gone(db: Db) -> None:
    log = await append_all(db.store, a_plan("mat"))
    await runner.catch_up(db.engine, db.store, read_models())
    await tamper(db.engine, f"DELETE FROM events WHERE position = {log[-1].position}")
    status = await reading.freshness(db.engine, db.store)
    assert {f.name for f in status} == {p.name for p in read_models()}
    assert not any(f.behind for f in status)
    assert (await reading.plans(db.engine))[0].plan_id == "mat"
