"""Recomputing the hash chains from what is stored, to catch edits made behind the store's back
(a DBA with the trigger disabled, a restored backup that was tampered with).

What a per-stream chain cannot show on its own: removing a stream's newest events, or a whole
stream, leaves a shorter chain that is still valid. The global ledger and its signed
checkpoints catch that (ledger.py; verified by ``audit/``).
"""

from __future__ import annotations

from typing import Any

from eventstore.commitments import COMMITMENTS, hashed_form, stored_opening_problems
from eventstore.fast_verification import verify_all_fast
from eventstore.hashing import (
    GENESIS_HASH,
    canonical_bytes,
    canonical_from_encoded,
    chain_hash,
    utc_iso,
)
from eventstore.model import BrokenLink, RecordedEvent, VerificationReport
from eventstore.progress import Progress, Reporter
from eventstore.rows import COLUMNS, to_recorded

_ALL = f"SELECT {COLUMNS} FROM events ORDER BY stream_id, stream_version"
_ONE = f"SELECT {COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version"
_COUNT_ALL = "SELECT count(*) FROM events"
_COUNT_ONE = "SELECT count(*) FROM events WHERE stream_id = $1"


def stored_hash(event: RecordedEvent, data: bytes, metadata: bytes, previous_hash: str) -> str:
    """The hash of ``event`` over its stored data and metadata bytes as they are (not over
    their decoded values encoded again): bytes changed in any way change the hash."""
    try:
        data_json, metadata_json = data.decode(), metadata.decode()
    except UnicodeDecodeError:
        return ""  # not what was hashed: no hash matches
    canonical = canonical_from_encoded(
        event_id=event.event_id, stream_id=event.stream_id, stream_version=event.stream_version,
        event_type=event.event_type, schema_version=event.schema_version, data_json=data_json,
        metadata_json=metadata_json, occurred_at=utc_iso(event.occurred_at),
        recorded_at=utc_iso(event.recorded_at), correlation_id=event.correlation_id)
    return chain_hash(previous_hash, canonical)


def recompute_hash(event: RecordedEvent, previous_hash: str) -> str:
    """The hash of ``event`` over its values encoded canonically (for an event at hand; a
    stored row is checked over its bytes, ``stored_hash``). Its committed fields count by
    their commitments, recomputed from the openings: an opened value that is not the one
    committed to gives another hash, and so do commitments that nothing opened (the openings
    removed, emptied or replaced beside the hash: a stored row always has both, and reading
    it back takes the commitments out of ``data``)."""
    if isinstance(event.data, dict) and COMMITMENTS in event.data:
        return ""
    canonical = canonical_bytes(
        event_id=event.event_id, stream_id=event.stream_id, stream_version=event.stream_version,
        event_type=event.event_type, schema_version=event.schema_version,
        data=hashed_form(event.data, event.openings),
        metadata=event.metadata, occurred_at=event.occurred_at, recorded_at=event.recorded_at,
        correlation_id=event.correlation_id,
    )
    return chain_hash(previous_hash, canonical)


class _Chain:
    """Walks rows in (stream_id, stream_version) order, remembering one link per stream."""

    def __init__(self) -> None:
        self.streams = 0
        self.events = 0
        self._stream: str | None = None
        self._version = 0
        self._hash = GENESIS_HASH
        self._position = 0

    def check(self, event: RecordedEvent, data: bytes, metadata: bytes,
              openings: bytes | None = None) -> str | None:
        """``data``, ``metadata``: the row's stored bytes, which the hash covers as they are;
        ``openings``: the committed values' salts and values, checked against ``data``."""
        if event.stream_id != self._stream:
            self._stream, self._version = event.stream_id, 0
            self._hash, self._position = GENESIS_HASH, 0
            self.streams += 1
        self.events += 1
        expected = self._version + 1
        if event.stream_version != expected:
            return f"version gap: expected {expected}, found {event.stream_version}"
        if event.previous_hash != self._hash:
            before = "the genesis hash" if expected == 1 else f"the hash of version {expected - 1}"
            return f"previous_hash does not match {before}"
        if event.position <= self._position:
            return "position order does not match version order"
        if stored_hash(event, data, metadata, self._hash) != event.hash:
            return "hash mismatch: stored event was altered"
        if problems := stored_opening_problems(data, openings):
            return f"opening mismatch: {'; '.join(problems)}"
        self._version, self._hash, self._position = expected, event.hash, event.position
        return None


async def verify_on(conn: Any, stream_id: str | None, prefetch: int = 2000, *,
                    fast: bool = True, progress: Progress | None = None) -> VerificationReport:
    """Verify one stream or all, streaming rows through a server-side cursor in one
    REPEATABLE READ snapshot, so memory stays flat and concurrent appends do not interfere.
    Stops at the first broken link; the counts then cover what was checked up to it.
    ``fast=False`` skips the fast pass (the benchmark times the walk alone). ``progress``
    (eventstore/progress.py): events checked out of the events to check; after the fast pass
    meets an anomaly, the walk's count continues from where the fast pass stood."""
    reporter = Reporter(progress)
    if stream_id is None and fast:
        # The whole store: a faster pass (fast_verification.py) confirms an intact store; only
        # when it meets an anomaly does the walk below run, to find and describe it.
        report = await verify_all_fast(conn, progress=reporter)
        if report is not None:
            reporter.finish(report.events_checked)
            return report
    chain = _Chain()
    query, args = (_ALL, ()) if stream_id is None else (_ONE, (stream_id,))
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        if reporter.active and reporter.total is None:
            reporter.total = int(await conn.fetchval(_COUNT_ALL) if stream_id is None
                                 else await conn.fetchval(_COUNT_ONE, stream_id))
        async for row in conn.cursor(query, *args, prefetch=prefetch):
            event = to_recorded(row)
            reason = chain.check(event, row[6], row[7], row[13])
            if reason is not None:
                broken = BrokenLink(stream_id=event.stream_id,
                                    stream_version=event.stream_version,
                                    position=event.position, reason=reason)
                reporter.finish(chain.events)
                return VerificationReport(streams_checked=chain.streams,
                                          events_checked=chain.events, first_broken=broken)
            reporter.reach(chain.events)
    reporter.finish(chain.events)
    return VerificationReport(streams_checked=chain.streams, events_checked=chain.events,
                              first_broken=None)
