"""The store against bad values, dead or frozen databases, and long jobs:

- a value the store cannot keep is refused once, as ``StoreRefusedValue`` naming the SQLSTATE
  and the event type and never the value, and the append activity does not retry it;
- an engine against a closed port or a server that never answers fails within seconds with an
  error ``is_unavailable`` recognises; a statement that runs too long is cut off;
- verify and seal report their progress.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.event_store import NON_RETRYABLE, EventStoreActivities
from activities.messages import AppendRequest, EventEnvelope
from eventstore.database import create_engine
from eventstore.errors import StoreRefusedValue, StoreUnavailable, is_unavailable
from eventstore.ledger import seal
from eventstore.model import NO_STREAM, NewEvent
from eventstore.progress import Reporter
from eventstore.store import PostgresEventStore
from tests.contract.builders import count, event, events, stream, tamper
from tests.support.databases import Scratch
from tests.support.keys import TEST_ID_KEY

pytestmark = pytest.mark.contract

PERSONAL = "Nguyễn Thị Bí Mật"


def envelope(new: NewEvent) -> EventEnvelope:
    return EventEnvelope(event_id=new.event_id, stream_id=new.stream_id,
                         event_type=new.event_type, schema_version=new.schema_version,
                         data=new.data, metadata=new.metadata, occurred_at=new.occurred_at,
                         correlation_id=new.correlation_id or new.stream_id)


async def run_append(store: PostgresEventStore, *new: NewEvent,
                     expected: dict[str, int]) -> None:
    request = AppendRequest(events=[envelope(e) for e in new], expected_versions=expected)
    activities = EventStoreActivities(store, digest_key=TEST_ID_KEY)
    await ActivityEnvironment().run(activities.append_events, request)


# --- values the store cannot keep ------------------------------------------------------------
async def test_a_nul_in_the_data_fails_the_activity_once_and_changes_nothing(
        store: PostgresEventStore, engine: AsyncEngine) -> None:
    s = stream("nomination")
    await run_append(store, event(s, 1), expected={s: NO_STREAM})
    bad = event(s, 2, event_type="NominationAdvanced",
                data={"reason": f"{PERSONAL}\u0000", "step": 2})

    with pytest.raises(ApplicationError) as caught:
        await run_append(store, bad, expected={s: 1})
    error = caught.value
    assert error.type == "StoreRefusedValue" and error.non_retryable
    assert "StoreRefusedValue" in NON_RETRYABLE
    assert "NominationAdvanced" in error.message and "data.reason" in error.message
    assert PERSONAL not in error.message and error.__cause__ is None
    assert await count(engine, s) == 1
    assert [e.stream_version for e in await store.read_stream(s)] == [1]


async def test_a_value_the_database_refuses_names_the_sqlstate_not_the_value(
        store: PostgresEventStore, engine: AsyncEngine) -> None:
    """A stream id too large for the unique index: PostgreSQL refuses the row (54000)."""
    rng = random.Random(7)
    huge = "nomination-" + "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(3000))
    bad = event(huge, 1, event_type="CandidateRegistered")

    with pytest.raises(StoreRefusedValue) as direct:
        await store.append([bad], {huge: NO_STREAM})
    assert direct.value.sqlstate == "54000"
    assert direct.value.event_types == ("CandidateRegistered",)
    assert "54000" in str(direct.value) and huge[20:40] not in str(direct.value)

    with pytest.raises(ApplicationError) as caught:
        await run_append(store, bad, expected={huge: NO_STREAM})
    assert caught.value.type == "StoreRefusedValue" and caught.value.non_retryable
    assert "SQLSTATE 54000" in caught.value.message
    assert "CandidateRegistered" in caught.value.message
    assert huge[20:40] not in caught.value.message
    assert await count(engine, huge) == 0


async def test_text_that_is_not_utf8_is_refused_before_writing(
        store: PostgresEventStore, engine: AsyncEngine) -> None:
    s = stream()
    bad = event(s, 1, event_type="CandidateRegistered",
                data={"full_name": PERSONAL + "\ud800"})
    with pytest.raises(StoreRefusedValue) as caught:
        await store.append([bad], {s: NO_STREAM})
    assert caught.value.sqlstate is None
    assert "CandidateRegistered" in str(caught.value) and PERSONAL not in str(caught.value)
    assert await count(engine, s) == 0
    # The store is still usable, and so is the stream.
    await store.append([event(s, 1)], {s: NO_STREAM})
    assert await store.stream_version(s) == 1


async def test_a_conflict_still_stops_the_activity_and_a_lost_database_is_retried(
        store: PostgresEventStore) -> None:
    s = stream()
    await store.append([event(s, 1)], {s: NO_STREAM})
    with pytest.raises(ApplicationError) as caught:
        await run_append(store, event(s, 1), expected={s: NO_STREAM})
    assert caught.value.type == "WrongExpectedVersion"

    dead = create_engine(f"postgresql://postgres@127.0.0.1:{closed_port()}/nhansu",
                         connect_timeout=2)
    try:
        with pytest.raises(Exception) as lost:
            await run_append(PostgresEventStore(dead), event(stream(), 1),
                             expected={s: NO_STREAM})
        assert not isinstance(lost.value, ApplicationError)  # Temporal retries it
        assert is_unavailable(lost.value)
    finally:
        await dead.dispose()


# --- dead and frozen databases -----------------------------------------------------------------
def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def frozen_server() -> AsyncIterator[int]:
    """A TCP listener that accepts connections and never answers: a frozen database."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def _select_one(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def test_a_closed_port_fails_within_seconds_as_unavailable() -> None:
    engine = create_engine(f"postgresql://postgres@127.0.0.1:{closed_port()}/nhansu")
    started = time.monotonic()
    try:
        with pytest.raises(Exception) as caught:
            await _select_one(engine)
    finally:
        await engine.dispose()
    assert time.monotonic() - started < 6
    assert is_unavailable(caught.value)
    unavailable = StoreUnavailable.from_error(caught.value)
    assert "\n" not in str(unavailable) and "PostgreSQL" in str(unavailable)


async def test_a_frozen_server_fails_within_the_connect_timeout(frozen_server: int) -> None:
    for timeout, limit in ((1.0, 3.0), (None, 6.5)):  # None: the default of 5 s
        kw = {} if timeout is None else {"connect_timeout": timeout}
        engine = create_engine(f"postgresql://postgres@127.0.0.1:{frozen_server}/nhansu",
                               **kw)
        started = time.monotonic()
        try:
            with pytest.raises(Exception) as caught:
                await _select_one(engine)
        finally:
            await engine.dispose()
        took = time.monotonic() - started
        assert took < limit, took
        assert is_unavailable(caught.value), repr(caught.value)


async def test_statements_are_cut_off_after_the_command_timeout(database_url: str) -> None:
    engine = create_engine(database_url, command_timeout=1)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SHOW statement_timeout")) == "1s"
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_sleep(20)"))
        assert time.monotonic() - started < 5
        assert is_unavailable(caught.value)
    finally:
        await engine.dispose()

    defaults, unlimited = create_engine(database_url), create_engine(database_url,
                                                                     command_timeout=None)
    try:
        async with defaults.connect() as conn:
            assert await conn.scalar(text("SHOW statement_timeout")) == "30s"
        async with unlimited.connect() as conn:
            assert await conn.scalar(text("SHOW statement_timeout")) == "0"
    finally:
        await defaults.dispose()
        await unlimited.dispose()


async def test_errors_about_values_or_statements_are_not_unavailability(
        engine: AsyncEngine) -> None:
    for statement in ("SELECT 1/0", "SELECT * FROM no_such_table", "SELECT 'x'::int"):
        with pytest.raises(Exception) as caught:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        assert not is_unavailable(caught.value), statement
    assert not is_unavailable(StoreRefusedValue(("X",), "detail"))
    assert is_unavailable(ConnectionResetError("reset by peer"))
    assert is_unavailable(RuntimeError("wrapped")) is False


# --- progress ---------------------------------------------------------------------------------
class Calls:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))

    def check(self, expected_total: int) -> None:
        done = [c[0] for c in self.calls]
        assert done == sorted(done), self.calls
        assert self.calls[-1] == (expected_total, expected_total), self.calls[-3:]
        steps = [b - a for a, b in zip([0, *done], done, strict=False)]
        assert max(steps) <= 1000 + 250, steps  # at least every ~1,000 events


async def test_verify_reports_progress_over_the_whole_store_and_one_stream(
        scratch: Scratch) -> None:
    streams = [stream() for _ in range(5)]
    for s in streams:
        await scratch.store.append(events(s, 600), {s: NO_STREAM})

    whole = Calls()
    report = await scratch.store.verify(progress=whole)
    assert report.ok and report.events_checked == 3000
    whole.check(3000)
    assert len(whole.calls) >= 3

    one = Calls()
    assert (await scratch.store.verify(streams[0], progress=one)).ok
    one.check(600)

    # A broken store: the fast pass stops, the walk finds the break; progress still ends.
    [row] = await scratch.store.read_stream(streams[2], to_version=1)
    await tamper(scratch.engine, "UPDATE events SET data = convert_to('{\"n\": 99}', 'UTF8') "
                                 f"WHERE position = {row.position}")
    broken = Calls()
    report = await scratch.store.verify(progress=broken)
    assert not report.ok
    done = [c[0] for c in broken.calls]
    assert done == sorted(done) and broken.calls[-1][0] == broken.calls[-1][1]


async def test_seal_reports_progress(scratch: Scratch) -> None:
    s = stream()
    await scratch.store.append(events(s, 2500), {s: NO_STREAM})
    async with asyncio.timeout(60):  # other sessions' open transactions hold the log back
        while True:
            if len(await scratch.store.read_all(limit=10_000)) == 2500:
                break
            await asyncio.sleep(0.01)
    calls = Calls()
    result = await seal(scratch.engine, scratch.store, None, progress=calls)
    assert result.sealed == 2500
    calls.check(2500)
    assert calls.calls[0][1] == 2500  # the total is known from the start

    again = Calls()
    await seal(scratch.engine, scratch.store, None, progress=again)
    assert again.calls == [(0, 0)]


def test_the_reporter_is_monotonic_and_ends_with_done_equal_to_total() -> None:
    calls = Calls()
    reporter = Reporter(calls, total=10, every=3)
    for done in (1, 2, 3, 2, 5, 6, 7, 12):
        reporter.reach(done)
    reporter.finish()
    assert calls.calls == [(3, 10), (6, 10), (12, 12), (12, 12)]
    silent = Reporter(None)
    silent.advance(5000)
    silent.finish()
    assert not silent.active


async def test_read_times_must_be_timezone_aware(store: PostgresEventStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.read_stream(stream(), as_of=datetime(2025, 5, 5, 12, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.read_correlated("plan-x", as_of=datetime(2025, 5, 5, 12, 0))


# --- a workflow task run again after its local-activity append committed ----------------------
async def test_a_task_run_again_gets_the_events_its_first_attempt_stored(
        scratch: Scratch) -> None:
    """The same command decided again at a later workflow time: the same event ids, other
    times. With ``accept_recorded`` (the local-activity path) the activity answers with what
    the first attempt stored, and writes nothing; without it, or for ids another command or
    run stored, it is the refusal it always was."""
    from dataclasses import replace
    from datetime import timedelta

    store = scratch.store
    s = stream()
    meta = {"command_id": "cmd-1", "workflow_id": "plan-x", "workflow_run_id": "run-1"}
    first = [replace(e, metadata=meta) for e in events(s, 3)]
    activities = EventStoreActivities(store, digest_key=TEST_ID_KEY)
    stored = await ActivityEnvironment().run(activities.append_events, AppendRequest(
        events=[envelope(e) for e in first], expected_versions={s: NO_STREAM},
        accept_recorded=True))
    assert stored.recorded is None
    later = [envelope(replace(e, occurred_at=e.occurred_at + timedelta(seconds=12)))
             for e in first]

    again = await ActivityEnvironment().run(activities.append_events, AppendRequest(
        events=later, expected_versions={s: NO_STREAM}, accept_recorded=True))
    assert again.positions == stored.positions
    assert again.recorded is not None
    assert [(e.event_id, e.occurred_at) for e in again.recorded] == [
        (e.event_id, e.occurred_at) for e in first]  # the first attempt's times
    assert await count(scratch.engine, s) == 3

    with pytest.raises(ApplicationError) as refused:  # the regular activity: as before
        await ActivityEnvironment().run(activities.append_events, AppendRequest(
            events=later, expected_versions={s: NO_STREAM}))
    assert refused.value.type == "EventIdReused"
    other = [replace(e, metadata={**e.metadata, "workflow_run_id": "run-2"}) for e in later]
    with pytest.raises(ApplicationError) as foreign:
        await ActivityEnvironment().run(activities.append_events, AppendRequest(
            events=other, expected_versions={s: NO_STREAM}, accept_recorded=True))
    assert foreign.value.type == "EventIdReused"
    assert await count(scratch.engine, s) == 3
