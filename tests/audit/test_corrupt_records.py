"""A row of ``events`` altered behind the application's back (the append-only trigger
disabled, as a superuser could) gives every read path one clear error,
``reads.errors.CorruptRecord``, naming the position and the stream and saying to run
``nhansu audit verify``: never a KeyError, TypeError, ValueError or AssertionError from deep
in the decoder. Reads that can still answer do: the read models, once their runner has set
the event aside, and the trails that do not touch it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from audit.trail import trail_report
from eventstore.model import NewEvent, RecordedEvent
from reads.errors import CorruptRecord, ReadError
from reads.models import migrate, reading, runner
from reads.models.sets import read_models
from reads.plans import load_plan, plan_view
from reads.timetravel import decision_basis
from reads.trail import nomination_trail
from tests.audit.log import KEYS
from tests.audit.plans import dropped, incumbent, record_plan
from tests.contract.builders import tamper
from tests.support.databases import Scratch

pytestmark = pytest.mark.audit

PLAN = "hong"

# How a row can stop decoding, as SQL on the row at :p (the position). The payload is stored
# as bytes: read as jsonb, changed, written back as bytes.
DATA = "convert_from(data, 'UTF8')::jsonb"
TAMPERINGS = {
    "missing_field": "UPDATE events SET data = convert_to((" + DATA + " - 'reason')::text, "
                     "'UTF8') WHERE position = {p}",
    "wrong_type": "UPDATE events SET data = convert_to(jsonb_set(" + DATA + ", '{{step}}', "
                  "'\"ba\"')::text, 'UTF8') WHERE position = {p}",
    "wrong_nested_type": "UPDATE events SET data = convert_to(jsonb_set(" + DATA + ", "
                         "'{{tally,held_on}}', '12345')::text, 'UTF8') WHERE position = {p}",
    "unknown_event_type": "UPDATE events SET event_type = 'NominationPromoted' "
                          "WHERE position = {p}",
    "not_an_object": "UPDATE events SET data = convert_to('[1, 2, 3]', 'UTF8') "
                     "WHERE position = {p}",
    "newer_schema_forged": "UPDATE events SET schema_version = 7 WHERE position = {p}",
    # Decodes, but names another nomination than the one whose stream holds it.
    "foreign_nomination": "UPDATE events SET data = convert_to(jsonb_set(" + DATA + ", "
                          "'{{nomination_id}}', '\"someone-else\"')::text, 'UTF8') "
                          "WHERE position = {p}",
}


async def _recorded(scratch: Scratch) -> tuple[RecordedEvent, RecordedEvent]:
    """The incumbent's first step result, and the dropped nomination's registration."""
    stream = await scratch.store.read_stream(f"nomination-{incumbent(PLAN)}")
    advanced = next(r for r in stream if r.event_type == "NominationAdvanced")
    other = (await scratch.store.read_stream(f"nomination-{dropped(PLAN)}"))[0]
    return advanced, other


def _assert_corrupt(error: CorruptRecord, target: RecordedEvent) -> None:
    assert isinstance(error, ReadError)
    assert (error.position, error.stream_id) == (target.position, target.stream_id)
    message = str(error)
    assert f"vị trí {target.position}" in message and target.stream_id in message
    assert "nhansu audit verify" in message and "\n" not in message
    assert error.hash_matches is False  # the row no longer matches its own hash


@pytest.mark.parametrize("how", list(TAMPERINGS))
async def test_every_read_path_names_the_altered_event(scratch: Scratch, how: str) -> None:
    await migrate.upgrade(scratch.url)
    await record_plan(scratch.store, PLAN)
    target, untouched = await _recorded(scratch)
    await tamper(scratch.engine, TAMPERINGS[how].format(p=target.position))

    paths: dict[str, Callable[[], Awaitable[Any]]] = {
        "plan show": lambda: plan_view(scratch.store, PLAN),
        "load_plan": lambda: load_plan(scratch.store, PLAN),
        "time travel": lambda: load_plan(scratch.store, PLAN, at_position=target.position),
        "audit trail": lambda: trail_report(scratch.engine, scratch.store, incumbent(PLAN),
                                            KEYS),
        "trail": lambda: nomination_trail(scratch.store, incumbent(PLAN)),
        "trail by business date": lambda: nomination_trail(
            scratch.store, dropped(PLAN), as_of_date=untouched.occurred_at.date()),
        "decision basis": lambda: decision_basis(scratch.store, PLAN, target.event_id),
    }
    for name, read in paths.items():
        with pytest.raises(CorruptRecord) as caught:
            await read()
        _assert_corrupt(caught.value, target)
        assert caught.value.position == target.position, name

    # What does not touch the altered event still answers.
    trail = await nomination_trail(scratch.store, dropped(PLAN))
    assert trail.entries and trail.verification.ok
    before = await load_plan(scratch.store, PLAN, at_position=target.position - 1)
    assert before.nominations

    # The read models set the event aside (or pass over a type the domain does not define)
    # and answer: plan list, report plans, report structure, projections status.
    await runner.catch_up(scratch.engine, scratch.store, read_models())
    assert [p.plan_id for p in await reading.plans(scratch.engine)] == [PLAN]
    assert await reading.plans(scratch.engine, status="submitted")
    assert [p.plan_id for p in await reading.plans(
        scratch.engine, status=("awaiting_approval", "submitted"))] == [PLAN]
    assert await reading.plans(scratch.engine, status=("awaiting_approval", "cancelled")) == []
    assert {s.plan_id for s in await reading.structure(scratch.engine)} == {PLAN}
    # Another session's open transaction on a shared server holds the global log back for a
    # moment (eventstore/README.md): catch up again until the log has settled, for a bounded time.
    for _ in range(50):
        status = await reading.freshness(scratch.engine, scratch.store)
        if status and not any(f.behind for f in status):
            break
        await asyncio.sleep(0.2)
        await runner.catch_up(scratch.engine, scratch.store, read_models())
    assert status and not any(f.behind for f in status)
    set_aside = {(s.projection, s.position) for s in await reading.set_aside(scratch.engine)}
    if how == "unknown_event_type":
        assert set_aside == set()  # not a domain event: no projection has anything to do
    elif how == "foreign_nomination":
        assert set_aside == set()  # decodes; the read models have no row of that one
    else:
        assert set_aside == {(p.name, target.position) for p in read_models()}
        assert {f.name: f.set_aside for f in status} == {p.name: 1 for p in read_models()}


async def test_a_nomination_whose_first_event_is_not_a_registration_is_corrupt(
        scratch: Scratch) -> None:
    await record_plan(scratch.store, PLAN)
    first = (await scratch.store.read_stream(f"nomination-{incumbent(PLAN)}"))[0]
    [check] = [r for r in await scratch.store.read_stream(f"nomination-{incumbent(PLAN)}")
               if r.event_type == "EligibilityChecked"][:1]
    # The registration's row now holds the eligibility check's type and data (its committed
    # values too).
    await tamper(scratch.engine, f"UPDATE events SET event_type = '{check.event_type}', "
                                 "(data, openings) = (SELECT data, openings FROM events WHERE "
                                 f"position = {check.position}) WHERE position = "
                                 f"{first.position}")
    with pytest.raises(CorruptRecord) as caught:
        await nomination_trail(scratch.store, incumbent(PLAN))
    _assert_corrupt(caught.value, first)
    assert "không phải là đăng ký" in str(caught.value)


async def test_an_event_of_a_newer_release_says_to_upgrade(scratch: Scratch) -> None:
    """Not tampered with (the store wrote it, its hash matches): the error says so."""
    await record_plan(scratch.store, PLAN)
    plan_events = await scratch.store.read_correlated(f"plan-{PLAN}")
    last = plan_events[-1]
    newer = await scratch.store.append([_copy(last, schema_version=9)],
                                       {last.stream_id: last.stream_version})
    with pytest.raises(CorruptRecord) as caught:
        await load_plan(scratch.store, PLAN)
    assert caught.value.position == newer[0].position
    assert caught.value.hash_matches is True and caught.value.newer_schema
    assert "nâng cấp nhansu" in str(caught.value)


def _copy(recorded: RecordedEvent, **changes: Any) -> NewEvent:
    fields: dict[str, Any] = {
        "event_id": str(uuid.uuid4()), "stream_id": recorded.stream_id,
        "event_type": recorded.event_type, "schema_version": recorded.schema_version,
        "data": recorded.data, "metadata": recorded.metadata,
        "occurred_at": recorded.occurred_at, "correlation_id": recorded.correlation_id}
    fields.update(changes)
    return NewEvent(**fields)


@pytest.mark.parametrize("how", ["step_outside_the_procedure", "registration_deleted"])
async def test_an_event_that_decodes_but_does_not_fit_the_history_is_corrupt(
        scratch: Scratch, how: str) -> None:
    await record_plan(scratch.store, PLAN)
    plan_events = await scratch.store.read_correlated(f"plan-{PLAN}")
    if how == "step_outside_the_procedure":
        target = next(r for r in plan_events if r.event_type == "ConferenceResultRecorded")
        await tamper(scratch.engine, "UPDATE events SET data = convert_to(jsonb_set("
                                     "convert_from(data, 'UTF8')::jsonb, '{step}', '9')::text, "
                                     f"'UTF8') WHERE position = {target.position}")
    else:
        stream = f"nomination-{incumbent(PLAN)}"
        registration = next(r for r in plan_events if r.stream_id == stream)
        await tamper(scratch.engine, f"DELETE FROM events WHERE position = "
                                     f"{registration.position}")
        # The first event after it that needs the nomination registered.
        target = next(r for r in plan_events if r.stream_id == stream
                      and r.position > registration.position)
    with pytest.raises(CorruptRecord) as caught:
        await load_plan(scratch.store, PLAN)
    assert (caught.value.position, caught.value.stream_id) == (target.position,
                                                               target.stream_id)
    assert "không khớp với lịch sử của đề án" in str(caught.value)
    with pytest.raises(CorruptRecord):
        await plan_view(scratch.store, PLAN)
