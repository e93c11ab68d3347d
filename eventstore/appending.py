"""Appending: optimistic concurrency, idempotent retries and the hash chain.

``append_on`` works on a raw asyncpg connection. Outside a transaction its single INSERT is the
whole atomic write, so no BEGIN/COMMIT round trips are spent, and with the head already known
(a new stream, or one this process appended to last) that INSERT is the only round trip.
Inside a caller's transaction the INSERT runs under a savepoint, so that a conflict leaves the
caller's transaction usable.

Linking to a head read earlier without holding a lock is safe: rows are never updated, so a
head's hash cannot change, and UNIQUE(stream_id, stream_version) rejects the append if another
writer took the next version in between. The conflict is then explained after the fact: a
faithful retry gets its original result, anything else WrongExpectedVersion with the actual
version, exactly as if both had been checked first.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import asyncpg.exceptions as pg
from asyncpg.exceptions import UniqueViolationError
from asyncpg.exceptions import _base as pg_base

from eventstore.commitments import COMMITMENTS, seal
from eventstore.errors import StaleTransaction, StoreRefusedValue, WrongExpectedVersion
from eventstore.hashing import (
    GENESIS_HASH,
    canonical_from_encoded,
    chain_hash,
    check_json,
    dumps,
    utc_iso,
)
from eventstore.heads import HeadCache, read_heads
from eventstore.idempotency import original_result
from eventstore.model import NO_STREAM, NewEvent, RecordedEvent

# Positions are drawn in the caller's order (the global log keeps a transaction's events in
# it), but rows go into the unique index sorted by (stream, version): two appends that collide
# on several streams then wait on each other in one order and cannot deadlock. A session's
# nextval() only ever grows, so the returned positions, sorted, are in the caller's order.
_INSERT = """
WITH input AS (
    SELECT u.*, nextval('events_position_seq'::regclass) AS pos
    FROM unnest($1::text[], $2::int[], $3::uuid[], $4::text[], $5::int[], $6::bytea[],
                $7::bytea[], $8::text[], $9::timestamptz[], $11::text[], $12::text[],
                $13::bytea[])
         WITH ORDINALITY AS u(s, v, i, t, sv, d, m, c, o, p, h, op, ord)
    ORDER BY u.ord
)
INSERT INTO events (position, stream_id, stream_version, event_id, event_type,
                    schema_version, data, metadata, correlation_id, occurred_at, recorded_at,
                    previous_hash, hash, openings)
OVERRIDING SYSTEM VALUE
SELECT pos, s, v, i, t, sv, d, m, c, o, $10::timestamptz, p, h, op
FROM input ORDER BY s COLLATE "C", v
RETURNING position
"""


def _validated(events: Sequence[NewEvent], expected: Mapping[str, int]) -> list[NewEvent]:
    streams = {e.stream_id for e in events}
    if missing := streams - expected.keys():
        raise ValueError(f"no expected version for streams {sorted(missing)}")
    if extra := expected.keys() - streams:
        raise ValueError(f"expected versions for streams without events {sorted(extra)}")
    if bad := [s for s, v in expected.items() if v < 0]:
        raise ValueError(f"expected versions must be >= 0: {bad}")
    batch = []
    for e in events:
        try:
            batch.append(_checked(e))
        except ValueError as error:
            raise StoreRefusedValue((_type_name(e),), str(error)) from error
    if len({e.event_id for e in batch}) != len(batch):
        raise ValueError("the same event id appears twice in one append")
    return batch


def _checked(e: NewEvent) -> NewEvent:
    check_json(e.data, "data")
    if COMMITMENTS in e.data:
        raise ValueError(f"event {e.event_id}: data: the key {COMMITMENTS} is the store's own")
    if type(e.private_fields) is not tuple or not all(
            type(f) is str and f for f in e.private_fields):
        raise ValueError(f"event {e.event_id}: private_fields must be a tuple of field names")
    check_json(e.metadata, "metadata")
    _check_text(e.stream_id, "stream_id", e.event_id)
    _check_text(e.event_type, "event_type", e.event_id)
    if e.correlation_id is not None:
        _check_text(e.correlation_id, "correlation_id", e.event_id)
    if type(e.schema_version) is not int or e.schema_version < 1:
        raise ValueError(f"event {e.event_id}: schema_version must be an int >= 1")
    # The stored uuid reads back in this spelling; the hash must use the same one.
    canonical_id = str(uuid.UUID(e.event_id))
    return e if canonical_id == e.event_id else replace(e, event_id=canonical_id)


def _type_name(e: NewEvent) -> str:
    """The event's type for a message: a code, or "?" if it is not a usable one."""
    name = e.event_type
    if type(name) is not str or not name or len(name) > 100 or not name.isprintable():
        return "?"
    return name


def _types(batch: Sequence[NewEvent]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_type_name(e) for e in batch))


# What the database says about a value rather than about the statement or the connection:
# data exceptions (class 22: out of range, invalid text, untranslatable characters, too
# long...), a check or not-null constraint, and a value too large for a row or an index
# (54000). asyncpg's own DataError (an argument it cannot encode) is one too.
_VALUE_ERRORS: tuple[type[BaseException], ...] = (
    pg.DataError, pg.CheckViolationError, pg.NotNullViolationError,
    pg.ProgramLimitExceededError, pg_base.DataError)


def _refused(error: BaseException, batch: Sequence[NewEvent]) -> StoreRefusedValue:
    """The refusal, naming the SQLSTATE and the error's kind; never its message, which can
    quote the value."""
    sqlstate = getattr(error, "sqlstate", None)
    detail = type(error).__name__
    constraint = getattr(error, "constraint_name", None)
    if constraint:
        detail += f" ({constraint})"
    return StoreRefusedValue(_types(batch), detail,
                             sqlstate=sqlstate if isinstance(sqlstate, str) else None)


def _check_text(value: object, name: str, event_id: str) -> None:
    if type(value) is not str or not value or "\x00" in value:
        raise ValueError(f"event {event_id}: {name} must be a non-empty string without NUL")


async def append_on(
    conn: Any,
    events: Sequence[NewEvent],
    expected_versions: Mapping[str, int],
    heads: HeadCache | None = None,
) -> list[RecordedEvent]:
    """Append on a raw asyncpg connection (see module doc); semantics of
    ``PostgresEventStore.append``. ``heads`` is consulted and updated only outside a
    transaction, where a returned INSERT is a committed one."""
    batch = _validated(events, expected_versions)
    if not batch:
        return []
    in_transaction = conn.is_in_transaction()
    cache = None if in_transaction else heads
    streams = list(dict.fromkeys(e.stream_id for e in batch))
    links: dict[str, str] = {}
    for stream in streams:
        expected = expected_versions[stream]
        known = GENESIS_HASH if expected == NO_STREAM else (
            cache.hash_at(stream, expected) if cache is not None else None)
        if known is not None:
            links[stream] = known
    if unknown := [s for s in streams if s not in links]:
        for stream, head in (await read_heads(conn, unknown)).items():
            if head.version != expected_versions[stream]:
                return await _conflict(conn, batch, stream, expected_versions[stream],
                                       head.version)
            if head.stale_transaction:
                raise StaleTransaction(stream, head.version)
            links[stream] = head.hash

    recorded_at = datetime.now(UTC)
    try:
        columns, openings = _chain(batch, expected_versions, links, recorded_at)
    except ValueError as error:  # text that is not UTF-8, an int too long to write out
        detail = (f"{type(error).__name__}: {error.reason}"
                  if isinstance(error, UnicodeEncodeError) else str(error))
        raise StoreRefusedValue(_types(batch), detail) from None
    try:
        if in_transaction:
            async with conn.transaction():
                rows = await conn.fetch(_INSERT, *columns)
        else:
            rows = await conn.fetch(_INSERT, *columns)
    except UniqueViolationError:
        if cache is not None:
            for stream in streams:
                cache.forget(stream)
        return await _after_violation(conn, batch, expected_versions)
    except _VALUE_ERRORS as error:
        raise _refused(error, batch) from None  # the driver's message may quote the value
    positions = sorted(r[0] for r in rows)
    versions, previous, hashes = columns[1], columns[10], columns[11]
    recorded = [
        RecordedEvent(
            position=positions[n], stream_id=e.stream_id, stream_version=versions[n],
            event_id=e.event_id, event_type=e.event_type, schema_version=e.schema_version,
            data=e.data, metadata=e.metadata, occurred_at=e.occurred_at,
            recorded_at=recorded_at, correlation_id=e.correlation_id,
            previous_hash=previous[n], hash=hashes[n],
            openings=openings[n],
        )
        for n, e in enumerate(batch)
    ]
    if cache is not None:
        for e in recorded:
            cache.remember(e.stream_id, e.stream_version, e.hash)
    return recorded


def _chain(
    batch: list[NewEvent], expected: Mapping[str, int], head_hashes: dict[str, str],
    recorded_at: datetime,
) -> tuple[list[Any], list[dict[str, Any] | None]]:
    """The INSERT's parameters, with each event's version and hash linked to its stream's,
    and each event's openings (its committed values, as the RecordedEvent carries them).
    Data and metadata are encoded once, for the hash and for the stored bytes alike."""
    version = dict(expected)
    last = dict(head_hashes)
    recorded = utc_iso(recorded_at)
    cols: list[list[Any]] = [[] for _ in range(12)]
    opened: list[dict[str, Any] | None] = []
    for e in batch:
        version[e.stream_id] += 1
        openings = None
        if e.private_fields:
            hashed, openings = seal(e.data, e.private_fields)
            data = dumps(hashed)
        else:
            data = dumps(e.data)
        opened.append(openings)
        metadata = dumps(e.metadata)
        canonical = canonical_from_encoded(
            event_id=e.event_id, stream_id=e.stream_id, stream_version=version[e.stream_id],
            event_type=e.event_type, schema_version=e.schema_version, data_json=data,
            metadata_json=metadata, occurred_at=utc_iso(e.occurred_at), recorded_at=recorded,
            correlation_id=e.correlation_id,
        )
        digest = chain_hash(last[e.stream_id], canonical)
        # Stored as the very bytes hashed (the canonical encoding, UTF-8).
        row = (e.stream_id, version[e.stream_id], e.event_id, e.event_type, e.schema_version,
               data.encode(), metadata.encode(), e.correlation_id, e.occurred_at,
               last[e.stream_id], digest,
               None if openings is None else dumps(openings).encode())
        for col, value in zip(cols, row, strict=True):
            col.append(value)
        last[e.stream_id] = digest
    return [*cols[:9], recorded_at, *cols[9:]], opened


async def _conflict(
    conn: Any, batch: list[NewEvent], stream: str, expected: int, actual: int
) -> list[RecordedEvent]:
    original = await original_result(conn, batch)
    if original is not None:
        return original
    raise WrongExpectedVersion(stream, expected, actual)


async def _after_violation(
    conn: Any, batch: list[NewEvent], expected: Mapping[str, int]
) -> list[RecordedEvent]:
    streams = list(dict.fromkeys(e.stream_id for e in batch))
    for stream, head in (await read_heads(conn, streams)).items():
        if head.version != expected[stream]:
            return await _conflict(conn, batch, stream, expected[stream], head.version)
    original = await original_result(conn, batch)
    if original is not None:
        return original
    # The conflicting writer committed, yet this snapshot (a caller's REPEATABLE READ
    # transaction) cannot see it: report the conflict on the first stream.
    raise WrongExpectedVersion(streams[0], expected[streams[0]], expected[streams[0]] + 1)
