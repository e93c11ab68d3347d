"""A faster check of every hash chain, for ``verify()`` over the whole store.

``verification.verify_on`` walks rows in (stream_id, stream_version) order and turns each into
a RecordedEvent before recomputing its hash: on a large table PostgreSQL must sort (or jump
through the heap by index) and Python builds an object per row. Here the rows are read in
position order, which is nearly the heap's order; the chains are followed with one head per
stream in memory; and each hash is computed over the stored bytes as they are: data and
metadata are stored as the canonical bytes that were hashed (revision 0003_stored_bytes), and
PostgreSQL spells out the fixed fields around them, so nothing is decoded or re-encoded.

This pass only ever says "everything holds". It checks the same conditions as the walk in
stream order (versions 1, 2, 3... per stream, each previous_hash the hash before it, positions
rising with versions, each hash recomputed from the stored fields): in position order a stream
whose versions run 1..n with rising positions is met exactly as 1, 2, ..., n. At the first
anomaly of any kind it stops and returns None, and the caller runs the reference walk, which
finds and describes the first broken link with the standard library alone, exactly as before.

Memory: one (version, hash) per stream. A table with more rows (which bound the number of
streams) than ``STREAMS_PER_PASS`` is checked in several passes, each over the streams of one
share of a hash of the stream id, each holding only its share of the heads.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from eventstore.commitments import COMMITMENTS_MARK, stored_opening_problems
from eventstore.hashing import GENESIS_HASH
from eventstore.model import VerificationReport
from eventstore.progress import Progress, Reporter

STREAMS_PER_PASS = 2_000_000

# PostgreSQL spells out the fixed parts of each event's canonical encoding (``hashing.
# canonical_from_encoded``: the same keys in the same order, strings quoted by to_json with the
# escapes of Python's encoder, timestamps as utc_iso writes them) as UTF-8 bytes, on its own
# core, around the stored data and metadata bytes; Python computes every hash.
_UTC = """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'"""
_COLUMNS = f"""position, stream_id, stream_version, previous_hash, hash,
    convert_to('{{"correlation_id":' || coalesce(to_json(correlation_id)::text, 'null')
               || ',"data":', 'UTF8'),
    data,
    convert_to(',"event_id":"' || event_id::text || '","event_type":'
               || to_json(event_type)::text || ',"metadata":', 'UTF8'),
    metadata,
    convert_to(',"occurred_at":"' || {_UTC.format("occurred_at")}
               || '","recorded_at":"' || {_UTC.format("recorded_at")}
               || '","schema_version":' || schema_version || ',"stream_id":'
               || to_json(stream_id)::text || ',"stream_version":' || stream_version || '}}',
               'UTF8'),
    openings"""
_ONE_PASS = f"SELECT {_COLUMNS} FROM events ORDER BY position"
_PASS = (f"SELECT {_COLUMNS} FROM events "
         "WHERE abs(hashtext(stream_id)::bigint) % $1 = $2 ORDER BY position")
_ESTIMATE = "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'events'::regclass"


async def verify_all_fast(conn: Any, page: int = 5000, *,
                          progress: Progress | Reporter | None = None
                          ) -> VerificationReport | None:
    """The report for the whole store when every chain holds; None at the first anomaly (the
    caller then runs the reference walk to describe it). One REPEATABLE READ snapshot.
    ``progress`` (see eventstore/progress.py) counts events checked out of the events in the
    snapshot; given a ``Reporter``, the caller makes the final call."""
    reporter = progress if isinstance(progress, Reporter) else Reporter(progress)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        if reporter.active and reporter.total is None:
            reporter.total = int(await conn.fetchval("SELECT count(*) FROM events"))
        estimate = int(await conn.fetchval(_ESTIMATE) or 0)
        passes = max(1, -(-estimate // STREAMS_PER_PASS))
        streams = events = 0
        for part in range(passes):
            query, args = (_ONE_PASS, ()) if passes == 1 else (_PASS, (passes, part))
            result = await _verify_pass(await conn.cursor(query, *args), page, reporter,
                                        events)
            if result is None:
                if reporter is not progress:
                    reporter.finish()
                return None
            streams += result[0]
            events += result[1]
    if reporter is not progress:
        reporter.finish(events)
    return VerificationReport(streams_checked=streams, events_checked=events, first_broken=None)


class _Pass:
    def __init__(self) -> None:
        self.heads: dict[str, tuple[int, str]] = {}
        self.events = 0
        self.last_position = 0


async def _verify_pass(cursor: Any, page: int, reporter: Reporter,
                       before: int) -> tuple[int, int] | None:
    """While one page is checked, PostgreSQL already produces the next (the request goes out
    first, and the check yields to the event loop now and then to take in what arrived):
    the server's share of the work runs on another core. ``before``: events checked by
    earlier passes, for the progress."""
    state = _Pass()
    rows = await cursor.fetch(page)
    while rows:
        following = asyncio.ensure_future(cursor.fetch(page))
        await asyncio.sleep(0)
        intact = True
        try:
            for start in range(0, len(rows), _SLICE):
                intact = _check(rows[start:start + _SLICE], state)
                if not intact:
                    break
                reporter.reach(before + state.events)
                await asyncio.sleep(0)
        finally:
            rows = await following  # the connection is idle again before the snapshot ends
        if not intact:
            return None
    return len(state.heads), state.events


_SLICE = 250


def _check(rows: Any, state: _Pass) -> bool:
    heads, last_position = state.heads, state.last_position
    sha256, fromhex, genesis, mark = hashlib.sha256, bytes.fromhex, GENESIS_HASH, COMMITMENTS_MARK
    for (position, stream_id, version, previous_hash, stored_hash,
         head, data, middle, metadata, tail, openings) in rows:
        known = heads.get(stream_id)
        if known is None:
            if version != 1 or previous_hash != genesis:
                return False
        elif version != known[0] + 1 or previous_hash != known[1]:
            return False
        if position <= last_position:
            return False
        encoded = b"".join((head, data, middle, metadata, tail))
        if sha256(fromhex(previous_hash) + encoded).hexdigest() != stored_hash:
            return False
        if (openings is not None or mark in data) and stored_opening_problems(data, openings):
            return False
        heads[stream_id] = (version, stored_hash)
        last_position = position
    state.last_position = last_position
    state.events += len(rows)
    return True
