"""The projection runner: feeds projections from the global event log, exactly once.

- **Position in the same transaction as the rows.** Each batch of events is applied in one
  transaction that also moves the projections' rows in ``projection_positions``; a crash
  anywhere leaves both as they were, and the batch is applied again, once.
- **Nothing skipped.** Events come from ``PostgresEventStore.read_all``, which delivers a
  transaction's events only once every older transaction has ended, in (transaction id,
  position) order; the runner passes the position of the last event it applied. No table
  lock is taken anywhere.
- **Fenced.** A batch first locks its projections' position rows (``FOR UPDATE``) and goes on
  only if they still hold the position the batch was read after: two runners of the same
  projections (a worker and ``nhansu projections catch-up``, or a rebuild swapping tables in)
  never apply an event twice; the loser re-reads its position and continues from there.
- **One read for a set.** Projections standing at the same position share each read and
  each transaction; one that stands elsewhere (just rebuilt, just added) is fed on its own
  until it reaches the others.
- **Prompt.** ``run`` LISTENs on ``nhansu_events`` (see ``notify.py``) and polls every
  ``poll_seconds`` as the fallback; a wake-up that finds nothing (the new events are still
  held back by an older transaction) is followed by short retries.
- **Never frozen by one event.** An event a projection cannot apply (its ``handle`` raises:
  a value out of range for a column, a row tampered with, an event that cannot be decoded)
  is *set aside* for that projection: recorded in ``projection_quarantine`` in the same
  transaction that moves the projection past it, and logged; the projection goes on with
  the rest, and the other projections apply it as usual. A batch is first applied whole; if
  it fails (the transaction rolls back), it is applied again event by event, each in a
  savepoint, and only what fails then is set aside, so a failure that does not repeat sets
  nothing aside. Failures of the database itself (connection lost, timeouts, deadlocks) are
  not the event's fault: the pass fails and is retried, as before. An event written by a
  newer release (``UnreadableEvent``) is not set aside either: the runner stops in front of
  it until the code is upgraded.
- **Rebuild** builds a projection from the start into fresh tables in a schema of its own,
  then swaps the rows into the live tables in one transaction, with the fresh position; the
  projection's set-aside events are replaced by those of the fresh build.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog

from domain.events import DomainEvent
from eventstore.errors import is_unavailable
from eventstore.model import RecordedEvent
from eventstore.progress import Progress, Reporter
from eventstore.store import PostgresEventStore
from reads.errors import CorruptRecord
from reads.models.base import Projection, UnreadableEvent, decode
from reads.models.connections import driver, quote
from reads.models.notify import CHANNEL

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


DEFAULT_BATCH_SIZE = 2000
POSITIONS = "projection_positions"
QUARANTINE = "projection_quarantine"
ERROR_LIMIT = 1000  # characters of an error kept with an event set aside
# After a wake-up that found nothing: look again after 10 ms, 20, 40, ... up to the poll.
RETRY_START_SECONDS = 0.01
MAX_FAILURE_DELAY_SECONDS = 60.0

log = structlog.get_logger("nhansu.projections")



@dataclass(frozen=True)
class _Item:
    recorded: RecordedEvent
    event: DomainEvent | None  # None: not a domain event, or unreadable
    unreadable: CorruptRecord | None = None


Batch = list[_Item]


@dataclass(frozen=True)
class _Target:
    projection: Projection
    schema: str | None  # where its tables are written; None: the connection's own schema
    key: str  # its row in projection_positions


def _live(projections: Sequence[Projection]) -> list[_Target]:
    names = [p.name for p in projections]
    if len(set(names)) != len(names):
        raise ValueError(f"projection names must be unique: {names}")
    return [_Target(p, None, p.name) for p in projections]


def _lock_key(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(("nhansu.projections", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class _Session:
    """The runner's statements on one connection; ``home`` is the schema of the live tables
    and of ``projection_positions`` (the connection's current schema)."""

    def __init__(self, conn: Any, home: str) -> None:
        self.conn = conn
        self.home = home
        self.positions = f"{quote(home)}.{POSITIONS}"
        self.quarantine = f"{quote(home)}.{QUARANTINE}"

    @classmethod
    async def open(cls, conn: Any) -> _Session:
        home = await conn.fetchval("SELECT current_schema()")
        if home is None:
            raise RuntimeError("no current schema: is the search_path valid?")
        return cls(conn, home)

    async def ensure(self, keys: Sequence[str]) -> None:
        await self.conn.execute(
            f"INSERT INTO {self.positions} (name) SELECT unnest($1::text[]) "
            "ON CONFLICT (name) DO NOTHING", list(keys))

    async def cursors(self, keys: Sequence[str]) -> dict[str, int]:
        rows = await self.conn.fetch(
            f"SELECT name, position FROM {self.positions} WHERE name = ANY($1::text[])",
            list(keys))
        return {r[0]: r[1] for r in rows}

    async def apply(self, targets: Sequence[_Target], cursor: int, batch: Batch) -> bool:
        """Apply ``batch`` (read after ``cursor``) to ``targets`` and move their positions, in
        one transaction. False, with nothing written, if another runner moved them first.
        A batch that fails is applied again event by event, setting aside what fails."""
        try:
            return await self._apply(targets, cursor, batch, careful=False)
        except Exception as error:
            if self.conn.is_closed() or _not_the_events_fault(error):
                raise
            log.info("batch failed; applying it event by event", error=_error_kind(error),
                     after_position=cursor, events=len(batch))
        return await self._apply(targets, cursor, batch, careful=True)

    async def _apply(self, targets: Sequence[_Target], cursor: int, batch: Batch, *,
                     careful: bool) -> bool:
        keys = sorted(t.key for t in targets)
        set_aside: list[tuple[str, RecordedEvent, BaseException]] = []
        async with self.conn.transaction():
            locked = await self.conn.fetch(
                f"SELECT name, position FROM {self.positions} WHERE name = ANY($1::text[]) "
                "ORDER BY name FOR UPDATE", keys)
            if len(locked) != len(keys) or any(r[1] != cursor for r in locked):
                return False
            for target in targets:
                await self.conn.execute("SELECT set_config('search_path', $1, true)",
                                        quote(target.schema or self.home))
                handle_batch = getattr(target.projection, "handle_batch", None)
                if handle_batch is not None and not careful:
                    # Set-based (reads/models/batching.py); a failure lands in the careful
                    # pass, which applies event by event through handle.
                    set_aside.extend((target.key, item.recorded, item.unreadable)
                                     for item in batch if item.unreadable is not None)
                    await handle_batch(self.conn, [(item.recorded, item.event) for item in batch
                                                   if item.event is not None])
                    continue
                for item in batch:
                    if item.unreadable is not None:
                        set_aside.append((target.key, item.recorded, item.unreadable))
                    elif item.event is None:
                        continue
                    elif not careful:
                        await target.projection.handle(self.conn, item.recorded, item.event)
                    else:
                        try:
                            async with self.conn.transaction():  # a savepoint
                                await target.projection.handle(self.conn, item.recorded,
                                                               item.event)
                        except Exception as error:
                            if self.conn.is_closed() or _not_the_events_fault(error):
                                raise
                            set_aside.append((target.key, item.recorded, error))
            if set_aside:
                await self.conn.executemany(
                    f"INSERT INTO {self.quarantine} (projection, position, event_id, "
                    "stream_id, event_type, schema_version, error) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    [(key, r.position, r.event_id, r.stream_id, r.event_type,
                      r.schema_version, _error_text(cause)) for key, r, cause in set_aside])
            await self.conn.execute(
                f"UPDATE {self.positions} SET position = $2, updated_at = now(), "
                "events_processed = events_processed + $3 WHERE name = ANY($1::text[])",
                keys, batch[-1].recorded.position, len(batch))
        for key, r, cause in set_aside:
            log.warning("event set aside: the projection cannot apply it", projection=key,
                        position=r.position, stream_id=r.stream_id, event_type=r.event_type,
                        error=_error_kind(cause))
        return True


def _sqlstate(error: BaseException) -> str | None:
    state = getattr(error, "sqlstate", None)
    return state if isinstance(state, str) else None


def _not_the_events_fault(error: BaseException) -> bool:
    """The database failing rather than the event: lost connection, timeouts, deadlocks and
    serialization failures, lock timeouts. Retried as a whole later, never set aside."""
    state = _sqlstate(error) or ""
    return is_unavailable(error) or state.startswith("40") or state == "55P03"


def _error_kind(error: BaseException) -> str:
    """The error's kind for a log line (its class and SQLSTATE), without its message, which
    can quote the value (personal data); the message is kept in the quarantine table."""
    state = _sqlstate(error)
    return type(error).__name__ + (f" (SQLSTATE {state})" if state else "")


def _error_text(error: BaseException) -> str:
    text = f"{_error_kind(error)}: {error}"
    return text if len(text) <= ERROR_LIMIT else text[:ERROR_LIMIT - 1] + "…"


def _decode_all(recorded: Sequence[RecordedEvent]) -> tuple[Batch, UnreadableEvent | None]:
    """Decoded events up to the first one written by a newer release (returned separately);
    an event that cannot be read is kept, marked, to be set aside."""
    batch: Batch = []
    for r in recorded:
        try:
            batch.append(_Item(r, decode(r)))
        except UnreadableEvent as error:
            return batch, error
        except CorruptRecord as error:
            batch.append(_Item(r, None, error))
    return batch, None


async def _catch_up(engine: AsyncEngine, store: PostgresEventStore, targets: Sequence[_Target],
                    batch_size: int, progress: Progress | None = None) -> int:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    keys = [t.key for t in targets]
    processed = 0
    reporter = Reporter(progress)
    async with driver(engine) as conn:
        session = await _Session.open(conn)
        await session.ensure(keys)
        if reporter.active:
            reporter.total = await _remaining(conn, set((await session.cursors(keys)).values()))
        # The next batch is read (on another pooled connection) while this one is applied,
        # so the server's work of reading overlaps the decoding and applying here.
        ahead: dict[int, asyncio.Task[list[RecordedEvent]]] = {}
        try:
            while True:
                cursors = await session.cursors(keys)
                groups: dict[int, list[_Target]] = {}
                for target in targets:
                    groups.setdefault(cursors[target.key], []).append(target)
                progressed = False
                fresh: set[int] = set()
                for cursor, group in groups.items():
                    read = ahead.pop(cursor, None)
                    recorded = await (read if read is not None else
                                      store.read_all(after_position=cursor, limit=batch_size))
                    batch, unreadable = _decode_all(recorded)
                    if batch:
                        progressed = True  # applied, or moved on by another runner
                        if unreadable is None and len(recorded) == batch_size:
                            after = batch[-1].recorded.position
                            ahead[after] = asyncio.ensure_future(
                                store.read_all(after_position=after, limit=batch_size))
                            fresh.add(after)
                        if await session.apply(group, cursor, batch):
                            processed += len(batch)
                            reporter.reach(processed)
                    if unreadable is not None:
                        raise unreadable
                for unused in [c for c in ahead if c not in fresh]:
                    ahead.pop(unused).cancel()  # its group was moved elsewhere meanwhile
                if not progressed:
                    reporter.finish(processed)
                    return processed
        finally:
            for read in ahead.values():
                read.cancel()
            await asyncio.gather(*ahead.values(), return_exceptions=True)


async def _remaining(conn: Any, cursors: set[int]) -> int:
    """About how many events the groups standing at ``cursors`` have still to read: those
    with a higher position (one committed late below a cursor is not counted)."""
    total = 0
    for cursor in cursors:
        total += int(await conn.fetchval(
            "SELECT count(*) FROM events WHERE position > $1", cursor))
    return total


async def catch_up(engine: AsyncEngine, store: PostgresEventStore,
                   projections: Sequence[Projection],
                   batch_size: int = DEFAULT_BATCH_SIZE, *,
                   progress: Progress | None = None) -> int:
    """Apply every settled event the projections have not seen yet, ``batch_size`` events per
    transaction; return how many events were read and applied. Projections standing at the
    same position share each read, and an event counts once for all of them; one standing
    elsewhere (just added, or rebuilt) is fed separately, and those events count again.
    Safe to run beside other runners of the same projections (batches are fenced).

    An event a projection cannot apply is set aside for it (see the module doc and
    ``reading.set_aside``) and counts as read. Raises UnreadableEvent, after applying the
    events before it, for a domain event written by a newer release: it is never skipped.
    ``progress(done, total)``: events read, out of about as many as are left
    (eventstore/progress.py)."""
    return await _catch_up(engine, store, _live(projections), batch_size, progress)


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True


class _Listener:
    """The LISTEN connection, which also holds the set's leader lock (a session advisory
    lock): one runner per projection set works, others stand by. Lost with its connection,
    and then taken again (or by another runner) when the connection is made again."""

    def __init__(self, engine: AsyncEngine, wake: asyncio.Event, lock_key: int) -> None:
        self._engine = engine
        self._wake = wake
        self._lock_key = lock_key
        self._conn: AsyncConnection | None = None
        self._native: Any = None
        self.leading = False

    def _notified(self, *_: Any) -> None:
        self._wake.set()

    @property
    def listening(self) -> bool:
        return self._native is not None and not self._native.is_closed()

    async def ensure(self) -> bool:
        """Listen (again) if not listening; True if this runner may work."""
        if not self.listening:
            await self.close()
            try:
                conn = await self._engine.connect()
                raw = await conn.get_raw_connection()
                native: Any = raw.driver_connection
                self._conn, self._native = conn, native
                await native.add_listener(CHANNEL, self._notified)
                native.add_termination_listener(self._notified)
            except Exception as error:
                log.warning("cannot listen for new events; polling only", error=str(error))
                await self.close()
                return True  # the batches are fenced: working without the lock is safe
            log.info("listening for new events", channel=CHANNEL)
            self._wake.set()  # whatever was committed while nobody listened
        if not self.leading:
            self.leading = bool(await self._native.fetchval(
                "SELECT pg_try_advisory_lock($1)", self._lock_key))
        return self.leading

    async def close(self) -> None:
        conn, self._conn, self._native, self.leading = self._conn, None, None, False
        if conn is not None:
            try:
                await conn.invalidate()  # ends the session: UNLISTEN and unlock at once
            finally:
                await conn.close()


async def run(engine: AsyncEngine, store: PostgresEventStore, projections: Sequence[Projection],
              *, poll_seconds: float, batch_size: int = DEFAULT_BATCH_SIZE,
              caught_up: asyncio.Event | None = None) -> None:
    """Keep ``projections`` up to date until cancelled: catch up, then wait for a NOTIFY on
    ``nhansu_events`` or ``poll_seconds``, whichever comes first. ``caught_up`` is set after
    every pass that found the log exhausted. A failing pass is logged and retried with a
    growing delay; the runner itself never gives up (the worker runs it in the background)."""
    if poll_seconds <= 0:
        raise ValueError("poll_seconds must be positive")
    targets = _live(projections)
    wake = asyncio.Event()
    listener = _Listener(engine, wake, _lock_key("run", *sorted(t.key for t in targets)))
    retry: float | None = None
    woken = False
    failures = 0
    standing_by = False
    try:
        while True:
            try:
                leading = await listener.ensure()
            except Exception as error:
                log.warning("listener failed", error=str(error))
                await listener.close()
                leading = True
            if not leading:
                if not standing_by:
                    log.info("another runner keeps these projections; standing by",
                             projections=[t.key for t in targets])
                    standing_by = True
                await asyncio.sleep(poll_seconds)
                continue
            standing_by = False
            wake.clear()
            try:
                processed = await _catch_up(engine, store, targets, batch_size)
            except Exception as error:
                failures += 1
                delay = min(poll_seconds * 2 ** min(failures - 1, 16), MAX_FAILURE_DELAY_SECONDS)
                log.error("projection pass failed", error=str(error), retry_in=delay,
                          exc_info=not isinstance(error, UnreadableEvent))
                await asyncio.sleep(delay)
                continue
            failures = 0
            if caught_up is not None:
                caught_up.set()
            if processed:
                log.debug("projected", events=processed)
                retry = None
            elif woken and retry is None:
                retry = RETRY_START_SECONDS
            elif retry is not None:
                retry = retry * 2 if retry * 2 < poll_seconds else None
            woken = await _wait(wake, poll_seconds if retry is None else retry)
    finally:
        await asyncio.shield(listener.close())


# --- positions, digests, rebuild ---------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class PositionRow:
    name: str
    position: int
    events_processed: int
    updated_at: datetime


async def positions(engine: AsyncEngine) -> list[PositionRow]:
    """Every row of ``projection_positions`` (live projections and rebuilds under way)."""
    async with driver(engine) as conn:
        rows = await conn.fetch(f"SELECT name, position, events_processed, updated_at "
                                f"FROM {POSITIONS} ORDER BY name")
    return [PositionRow(name=r[0], position=r[1], events_processed=r[2], updated_at=r[3])
            for r in rows]


async def is_behind(store: PostgresEventStore, position: int) -> bool:
    """Whether the settled log holds an event after ``position``. If the event at
    ``position`` is gone (deleted or renumbered behind the store's back), whether any event
    has a higher position: the question still gets an answer."""
    try:
        return bool(await store.read_all(after_position=position, limit=1))
    except ValueError:  # no event at position to continue after
        return await store.max_position() > position


async def table_digest(conn: Any, schema: str, tables: Sequence[str]) -> tuple[int, str]:
    """(rows, digest) of ``tables`` in ``schema``, independent of row order: the sorted md5s
    of each row's text, hashed per table, then over the tables by name."""
    parts = []
    total = 0
    for table in sorted(tables):
        count, rows_hash = await conn.fetchrow(
            "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h COLLATE \"C\")), '') "
            f"FROM (SELECT md5(t::text) AS h FROM {quote(schema)}.{quote(table)} AS t) AS r")
        parts.append(f"{table}:{count}:{rows_hash}")
        total += count
    return total, hashlib.sha256("\n".join(parts).encode()).hexdigest()


async def digest(engine: AsyncEngine, projection: Projection,
                 schema: str | None = None) -> tuple[int, str]:
    """``table_digest`` of a projection's tables, live (``schema`` None) or elsewhere."""
    async with driver(engine) as conn:
        session = await _Session.open(conn)
        return await table_digest(conn, schema or session.home, projection.tables)


def fresh_key(projection: Projection, schema: str) -> str:
    return f"{projection.name}@{schema}"


async def build_fresh(engine: AsyncEngine, store: PostgresEventStore, projection: Projection,
                      schema: str, *, batch_size: int = DEFAULT_BATCH_SIZE,
                      progress: Progress | None = None) -> int:
    """Build ``projection`` from the start of the log into new, empty copies of its tables in
    ``schema`` (dropped first if it exists), with its own position and its own set-aside
    events (from a clean slate); return the events read. The live tables are not touched."""
    async with driver(engine) as conn:
        session = await _Session.open(conn)
        if schema == session.home:
            raise ValueError("a fresh build needs a schema other than the live one")
        async with conn.transaction():
            await conn.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
            await conn.execute(f"CREATE SCHEMA {quote(schema)}")
            for table in projection.tables:
                await conn.execute(f"CREATE TABLE {quote(schema)}.{quote(table)} "
                                   f"(LIKE {quote(session.home)}.{quote(table)} INCLUDING ALL)")
            await conn.execute("SELECT set_config('search_path', $1, true)", quote(schema))
            await projection.reset(conn)
            await conn.execute(
                f"INSERT INTO {session.positions} (name) VALUES ($1) ON CONFLICT (name) DO "
                "UPDATE SET position = 0, events_processed = 0, updated_at = now()",
                fresh_key(projection, schema))
            await conn.execute(f"DELETE FROM {session.quarantine} WHERE projection = $1",
                               fresh_key(projection, schema))
    return await _catch_up(engine, store, [_Target(projection, schema,
                                                   fresh_key(projection, schema))], batch_size,
                           progress)


async def discard_fresh(engine: AsyncEngine, projection: Projection, schema: str) -> None:
    async with driver(engine) as conn, conn.transaction():
        session = await _Session.open(conn)
        await conn.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
        await conn.execute(f"DELETE FROM {session.positions} WHERE name = $1",
                           fresh_key(projection, schema))
        await conn.execute(f"DELETE FROM {session.quarantine} WHERE projection = $1",
                           fresh_key(projection, schema))


@dataclass(frozen=True, kw_only=True)
class RebuildReport:
    name: str
    events: int  # events read from the start into the fresh tables
    position: int  # where the rebuilt projection stands
    rows: int
    digest: str
    live_digest: str | None  # the replaced rows' digest, when they stood at the same position

    @property
    def matched_live(self) -> bool | None:
        """None when the live rows stood elsewhere in the log and cannot be compared."""
        return None if self.live_digest is None else self.live_digest == self.digest


async def swap_in(engine: AsyncEngine, projection: Projection, schema: str,
                  *, events: int = 0) -> RebuildReport:
    """Replace the live rows with those built in ``schema`` and set the live position to the
    fresh one, in one transaction (readers see the old rows until it commits; a live runner
    is fenced out meanwhile and continues from the new position); then drop ``schema``."""
    live_key, built_key = projection.name, fresh_key(projection, schema)
    async with driver(engine) as conn:
        session = await _Session.open(conn)
        await session.ensure([live_key])
        async with conn.transaction():
            locked = await conn.fetch(
                f"SELECT name, position FROM {session.positions} WHERE name = ANY($1::text[]) "
                "ORDER BY name FOR UPDATE", [live_key, built_key])
            at = {r[0]: r[1] for r in locked}
            if built_key not in at:
                raise LookupError(f"no fresh build of {projection.name} in {schema}")
            rows, built = await table_digest(conn, schema, projection.tables)
            live = None
            if at[live_key] == at[built_key]:
                _, live = await table_digest(conn, session.home, projection.tables)
            for table in projection.tables:
                target = f"{quote(session.home)}.{quote(table)}"
                await conn.execute(f"DELETE FROM {target}")
                await conn.execute(
                    f"INSERT INTO {target} SELECT * FROM {quote(schema)}.{quote(table)}")
            await conn.execute(
                f"UPDATE {session.positions} SET position = $2, updated_at = now() "
                "WHERE name = $1", live_key, at[built_key])
            await conn.execute(f"DELETE FROM {session.positions} WHERE name = $1", built_key)
            await conn.execute(f"DELETE FROM {session.quarantine} WHERE projection = $1",
                               live_key)
            await conn.execute(f"UPDATE {session.quarantine} SET projection = $1 "
                               "WHERE projection = $2", live_key, built_key)
            await conn.execute(f"DROP SCHEMA {quote(schema)} CASCADE")
    return RebuildReport(name=projection.name, events=events, position=at[built_key],
                         rows=rows, digest=built, live_digest=live)


class RebuildRunning(RuntimeError):
    pass


async def rebuild(engine: AsyncEngine, store: PostgresEventStore, projection: Projection,
                  *, batch_size: int = DEFAULT_BATCH_SIZE,
                  progress: Progress | None = None) -> RebuildReport:
    """Rebuild ``projection`` from the start of the log (blue/green): build into fresh tables
    in schema ``rebuild_<name>``, then swap them in. One rebuild per projection at a time.
    The events it set aside are those the fresh build set aside (what still fails).
    ``progress(done, total)``: events read into the fresh tables (eventstore/progress.py).
    A long job at national scale: give it an engine without a statement timeout."""
    schema = f"rebuild_{projection.name}"
    async with driver(engine) as lock_conn:
        key = _lock_key("rebuild", projection.name)
        if not await lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
            raise RebuildRunning(f"a rebuild of {projection.name} is already running")
        try:
            events = await build_fresh(engine, store, projection, schema,
                                       batch_size=batch_size, progress=progress)
            return await swap_in(engine, projection, schema, events=events)
        finally:
            await lock_conn.execute("SELECT pg_advisory_unlock($1)", key)
