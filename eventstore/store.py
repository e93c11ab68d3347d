"""The PostgreSQL event store: the record of truth that auditors read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from eventstore.appending import append_on
from eventstore.database import Database, to_asyncpg_dsn
from eventstore.heads import HeadCache
from eventstore.model import NewEvent, RecordedEvent, VerificationReport
from eventstore.progress import Progress
from eventstore.rows import COLUMNS, to_recorded
from eventstore.verification import verify_on

if TYPE_CHECKING:
    from eventstore.database import Connections
    from eventstore.incremental import IncrementalReport

_STREAM = f"""
SELECT {COLUMNS} FROM events
WHERE stream_id = $1
  AND ($2::int IS NULL OR stream_version <= $2)
  AND ($3::timestamptz IS NULL OR recorded_at <= $3)
ORDER BY stream_version
"""

# One append is one transaction: the events stored with the given one.
_APPENDED_WITH = f"""
SELECT {COLUMNS} FROM events
WHERE transaction_id = (SELECT transaction_id FROM events WHERE event_id = $1::uuid)
ORDER BY position
"""

_CORRELATED = f"""
SELECT {COLUMNS} FROM events
WHERE correlation_id = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2)
ORDER BY position
"""

# The cursor is the (transaction_id, position) of the event at $1, or the very start for 0;
# as constants of the statement they let the index scan start right there.
_ALL = f"""
SELECT {COLUMNS} FROM events
WHERE (transaction_id, position) > (
        CASE WHEN $1 = 0 THEN '0'::xid8
             ELSE (SELECT e.transaction_id FROM events AS e WHERE e.position = $1) END,
        $1)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY transaction_id, position
LIMIT $2
"""

_STREAMS = """
SELECT DISTINCT stream_id FROM events
WHERE $1::text IS NULL OR starts_with(stream_id, $1)
ORDER BY stream_id
"""


def _check_aware(moment: datetime | None) -> None:
    """A naive time would be read as UTC by the driver, silently hours off: refuse it."""
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"as_of must be timezone-aware, not {moment!r}")


class PostgresEventStore:
    """Append and read events on one database. The hot paths use the pooled connection's
    asyncpg driver directly: SQLAlchemy's per-row processing would cost more than the
    database work of a small append."""

    def __init__(self, engine: Connections) -> None:
        self._engine = engine
        self._heads = HeadCache()

    @asynccontextmanager
    async def _driver(self) -> AsyncIterator[Any]:
        if isinstance(self._engine, Database):
            async with self._engine.connection() as conn:
                yield conn
            return
        from sqlalchemy.util import greenlet_spawn

        # Checking a pooled connection out directly costs a third of engine.connect() (one
        # greenlet switch instead of three), which matters at a few thousand appends a second.
        fairy = await self._engine.raw_connection()
        driver = fairy.driver_connection
        try:
            yield driver
        except BaseException as error:
            # A cancelled or broken conversation must not go back to the pool half-finished.
            if not isinstance(error, Exception) or driver is None or driver.is_closed():
                fairy.invalidate()
            raise
        finally:
            await greenlet_spawn(fairy.close)

    async def append(
        self, events: Sequence[NewEvent], expected_versions: Mapping[str, int]
    ) -> list[RecordedEvent]:
        """Append ``events`` (one or several streams) atomically.

        Each stream in ``events`` must appear in ``expected_versions`` (``NO_STREAM`` for a new
        one); its events get versions expected+1, expected+2, ... in the given order. Raises
        WrongExpectedVersion if a stream has moved on. Sending the same events again (same ids
        and content) returns the original RecordedEvents and writes nothing, even when the
        expected versions are stale by then; a reused id with other content, or a retry in which
        only some ids are stored, raises EventIdReused.
        """
        async with self._driver() as conn:
            return await append_on(conn, events, expected_versions, self._heads)

    async def read_stream(
        self, stream_id: str, *, to_version: int | None = None, as_of: datetime | None = None
    ) -> list[RecordedEvent]:
        """The stream in version order, up to ``to_version`` and/or as recorded by ``as_of``
        (timezone-aware)."""
        _check_aware(as_of)
        async with self._driver() as conn:
            rows = await conn.fetch(_STREAM, stream_id, to_version, as_of)
        return [to_recorded(r) for r in rows]

    async def read_correlated(
        self, correlation_id: str, *, as_of: datetime | None = None
    ) -> list[RecordedEvent]:
        """Every event sharing ``correlation_id`` (a plan's streams), by position; as recorded
        by ``as_of`` (timezone-aware) if given."""
        _check_aware(as_of)
        async with self._driver() as conn:
            rows = await conn.fetch(_CORRELATED, correlation_id, as_of)
        return [to_recorded(r) for r in rows]

    async def read_appended_with(self, event_id: str) -> list[RecordedEvent]:
        """Every event the append that stored ``event_id`` stored (one transaction), by
        position; empty if no event has that id."""
        async with self._driver() as conn:
            rows = await conn.fetch(_APPENDED_WITH, event_id)
        return [to_recorded(r) for r in rows]

    async def stream_version(self, stream_id: str) -> int:
        async with self._driver() as conn:
            version = await conn.fetchval(
                "SELECT max(stream_version) FROM events WHERE stream_id = $1", stream_id
            )
        return cast(int, version or 0)

    async def max_position(self) -> int:
        """The highest position of any stored event (0 for none), settled or not."""
        async with self._driver() as conn:
            return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """The next settled events of the global log after the event at ``after_position``
        (0: from the start). Pass the position of the last event received to continue.

        Why not simply ``position > after ORDER BY position``: positions are drawn at INSERT and
        commit in another order, so a reader could pass position 7 while the transaction holding
        position 6 is still open, and never see 6. Instead only events of transactions older
        than every transaction still running (``transaction_id < pg_snapshot_xmin``) are
        returned: that set only ever grows at its end, so nothing can appear behind a reader.
        The log is therefore ordered by (transaction id, position), and a reader continues from
        the last event's pair, which the store looks up from its position. Positions ascend
        within a transaction and within a stream, but not always across transactions: one that
        took its transaction id early is delivered first even if its positions are higher.
        No table lock is taken; the price is that an open write transaction anywhere in the
        cluster holds delivery back until it ends (keep transactions short and set
        idle_in_transaction_session_timeout).

        Raises ValueError if ``after_position`` names no stored event.
        """
        async with self._driver() as conn:
            rows = await conn.fetch(_ALL, after_position, limit)
            if not rows and after_position and not await conn.fetchval(
                "SELECT true FROM events WHERE position = $1", after_position
            ):
                raise ValueError(f"no event at position {after_position} to continue after")
        return [to_recorded(r) for r in rows]

    async def verify(self, stream_id: str | None = None, *,
                     progress: Progress | None = None, workers: int = 1) -> VerificationReport:
        """Recompute the hash chain of one stream, or of every stream; see verification.py.
        ``progress(done, total)``: events checked (eventstore/progress.py). Over the whole
        store this is a long job: give it an engine without a statement timeout.
        ``workers`` > 1 splits the whole store's check over that many processes and
        connections in one snapshot (split_verification.py)."""
        async with self._driver() as conn:
            if stream_id is None and workers > 1:
                from eventstore.split_verification import verify_split_on

                report = await verify_split_on(conn, self._dsn(), workers, progress=progress)
                if report is not None:
                    return report
                # An anomaly in some share: the reference walk finds and describes it.
                return await verify_on(conn, None, fast=False, progress=progress)
            return await verify_on(conn, stream_id, progress=progress)

    async def verify_since_checkpoint(
        self, keys: dict[str, bytes], *, progress: Progress | None = None
    ) -> IncrementalReport | None:
        """What the latest signed checkpoint does not cover (incremental.py); None if no
        checkpoint was ever signed. ``keys``: the trusted public keys by key id."""
        from eventstore.incremental import verify_since_checkpoint_on

        async with self._driver() as conn:
            return await verify_since_checkpoint_on(conn, keys, progress=progress)

    def _dsn(self) -> str:
        """The database's URL for asyncpg, for connections of other processes."""
        if isinstance(self._engine, Database):
            return to_asyncpg_dsn(self._engine.url)
        return to_asyncpg_dsn(self._engine.url.render_as_string(hide_password=False))

    async def list_streams(self, prefix: str | None = None) -> list[str]:
        async with self._driver() as conn:
            rows = await conn.fetch(_STREAMS, prefix)
        return [r[0] for r in rows]
