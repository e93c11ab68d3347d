"""Incremental verification: only what the latest signed checkpoint does not cover.

A nightly audit need not recompute ten million hashes that a signed checkpoint already
covers. This checks, in one REPEATABLE READ snapshot:

- the latest checkpoint's signature (with the trusted public keys), and that the ledger entry
  it ends at still holds the signed ledger hash;
- every event after that entry in global-log order, ``(transaction_id, position)`` (the
  ledger's order: everything before it was settled when it was sealed, so nothing can join
  the covered range later): its hash recomputed from its content, its link to the previous
  version of its stream (inside the range, or the stored hash of the version before the
  range), versions in order;
- the ledger entries after the checkpoint: numbered on from it, each naming the next event
  of the range, each ledger hash recomputed from the signed one; entries stop where the
  unsealed events begin, and no entry names an event outside the range.

What it does not do, by design: recompute anything the checkpoint covers. An event altered
*before* the checkpoint is found by the full verification (``PostgresEventStore.verify``,
``nhansu audit verify``), which a deployment runs less often; see audit/README.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from eventstore.checkpoints import signature_problem
from eventstore.commitments import stored_opening_problems
from eventstore.fast_verification import _COLUMNS
from eventstore.hashing import GENESIS_HASH
from eventstore.ledger_chain import ledger_link
from eventstore.ledger_reads import latest_checkpoint
from eventstore.model import BrokenLink
from eventstore.progress import Progress, Reporter

_ANCHOR = """
SELECT l.ledger_hash, e.transaction_id, e.position
FROM ledger AS l LEFT JOIN events AS e ON e.position = l.event_position
WHERE l.ledger_seq = $1
"""

_RANGE = f"""
SELECT {_COLUMNS}, l.ledger_seq, l.ledger_hash
FROM events LEFT JOIN ledger AS l ON l.event_position = events.position
WHERE (events.transaction_id, events.position) > ($1::xid8, $2::bigint)
ORDER BY events.transaction_id, events.position
"""

_COUNT = """
SELECT count(*) FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
"""

_PREDECESSORS = """
SELECT k.s, k.v, e.hash
FROM unnest($1::text[], $2::int[]) AS k(s, v)
LEFT JOIN events AS e ON e.stream_id = k.s AND e.stream_version = k.v
"""


@dataclass(frozen=True, kw_only=True)
class IncrementalReport:
    checkpoint_seq: int
    covered: int  # ledger entries the checkpoint covers: trusted by its signature, not redone
    events_checked: int  # events after the checkpoint, hashes recomputed
    streams_checked: int
    sealed_checked: int  # ledger entries after the checkpoint, recomputed
    first_broken: BrokenLink | None
    problem: str | None  # the checkpoint or the ledger after it does not hold

    @property
    def ok(self) -> bool:
        return self.first_broken is None and self.problem is None


class _Walk:
    def __init__(self, covered: int, link: str) -> None:
        self.heads: dict[str, tuple[int, str]] = {}
        self.before: dict[str, tuple[int, str, int]] = {}  # stream: (version, previous, pos)
        self.events = 0
        self.seq = covered
        self.link = link
        self.unsealed_from: int | None = None

    def check(self, row: Any) -> BrokenLink | str | None:
        (position, stream_id, version, previous_hash, stored_hash, head, data, middle,
         metadata, tail, openings, ledger_seq, ledger_hash) = row

        def broken(reason: str) -> BrokenLink:
            return BrokenLink(stream_id=stream_id, stream_version=version, position=position,
                              reason=reason)

        encoded = b"".join((head, data, middle, metadata, tail))  # as stored, as hashed
        if hashlib.sha256(bytes.fromhex(previous_hash) + encoded).hexdigest() != stored_hash:
            return broken("hash mismatch: stored event was altered")
        if problems := stored_opening_problems(data, openings):
            return broken(f"opening mismatch: {'; '.join(problems)}")
        known = self.heads.get(stream_id)
        if known is not None:
            if version != known[0] + 1:
                return broken(f"version gap: expected {known[0] + 1}, found {version}")
            if previous_hash != known[1]:
                return broken(f"previous_hash does not match the hash of version {known[0]}")
        elif version == 1:
            if previous_hash != GENESIS_HASH:
                return broken("previous_hash does not match the genesis hash")
        else:
            self.before[stream_id] = (version, previous_hash, position)
        self.heads[stream_id] = (version, stored_hash)
        self.events += 1
        if ledger_seq is None:
            if self.unsealed_from is None:
                self.unsealed_from = position
            return None
        if self.unsealed_from is not None:
            return (f"ledger seq {ledger_seq} names position {position}, after the unsealed "
                    f"event at position {self.unsealed_from}")
        if ledger_seq != self.seq + 1:
            return (f"ledger seq {self.seq + 1} is missing (found {ledger_seq} at position "
                    f"{position})")
        self.seq = ledger_seq
        self.link = ledger_link(self.link, event_hash=stored_hash, ledger_seq=ledger_seq,
                                position=position, stream_id=stream_id,
                                stream_version=version)
        if self.link != ledger_hash:
            return f"ledger seq {ledger_seq}: stored ledger hash does not match its recomputation"
        return None


async def verify_since_checkpoint_on(conn: Any, keys: dict[str, bytes], *,
                                     progress: Progress | None = None,
                                     page: int = 5000) -> IncrementalReport | None:
    """The incremental verification (module doc) on a raw asyncpg connection; None if no
    checkpoint was ever signed (then only a full verification says anything)."""
    reporter = Reporter(progress)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        latest = await latest_checkpoint(conn)
        if latest is None:
            reporter.finish(0)
            return None

        def report(walk: _Walk | None, *, broken: BrokenLink | None = None,
                   problem: str | None = None) -> IncrementalReport:
            reporter.finish(walk.events if walk else 0)
            return IncrementalReport(
                checkpoint_seq=latest.checkpoint_seq, covered=latest.ledger_size,
                events_checked=walk.events if walk else 0,
                streams_checked=len(walk.heads) if walk else 0,
                sealed_checked=walk.seq - latest.ledger_size if walk else 0,
                first_broken=broken, problem=problem)

        if problem := signature_problem(latest, keys):
            return report(None, problem=f"checkpoint {latest.checkpoint_seq}: {problem}")
        anchor = await conn.fetchrow(_ANCHOR, latest.ledger_size)
        if anchor is None or anchor[2] is None:
            return report(None, problem=f"ledger seq {latest.ledger_size}, where checkpoint "
                          f"{latest.checkpoint_seq} ends, or its event is missing")
        if anchor[0] != latest.ledger_hash:
            return report(None, problem=f"ledger seq {latest.ledger_size}: stored hash differs "
                          f"from checkpoint {latest.checkpoint_seq}")
        after = (anchor[1], anchor[2])
        if reporter.active:
            reporter.total = int(await conn.fetchval(_COUNT, *after))
        walk = _Walk(latest.ledger_size, latest.ledger_hash)
        cursor = await conn.cursor(_RANGE, *after)
        while rows := await cursor.fetch(page):
            for row in rows:
                outcome = walk.check(row)
                if isinstance(outcome, BrokenLink):
                    return report(walk, broken=outcome)
                if outcome is not None:
                    return report(walk, problem=outcome)
            reporter.reach(walk.events)
        last = int(await conn.fetchval("SELECT coalesce(max(ledger_seq), 0) FROM ledger"))
        if last != walk.seq:
            return report(walk, problem=f"ledger seq {walk.seq + 1} to {last} name events "
                          "outside the log after the checkpoint")
        if walk.before:
            streams = list(walk.before)
            rows = await conn.fetch(_PREDECESSORS, streams,
                                    [walk.before[s][0] - 1 for s in streams])
            found = {r[0]: r[2] for r in rows}
            for stream in streams:
                version, previous, position = walk.before[stream]
                if found.get(stream) != previous:
                    return report(walk, broken=BrokenLink(
                        stream_id=stream, stream_version=version, position=position,
                        reason=f"previous_hash does not match the hash of version "
                               f"{version - 1}"))
        return report(walk)
