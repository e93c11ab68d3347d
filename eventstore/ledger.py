"""The sealer: extends the ledger with newly committed events and signs checkpoints over it.

``seal`` runs under a PostgreSQL advisory lock, so one process at a time extends the ledger
(the worker runs it periodically, ``nhansu ledger seal`` on demand; a second caller gets
``busy``). The lock is held by one connection, which also makes every insert: if that
connection is lost, the lock goes with it and nothing more is written under it. Even without
the lock, the database refuses a duplicate or a gap (primary key and the ``*_contiguous``
triggers).

Events come from ``store.read_all``, which never skips an event that commits late, so the
ledger's order is the global log's order. Nothing is sealed unquestioned: each event's hash is
recomputed from its content and its link to the previous version of its stream is checked; a
checkpoint is only signed after the ledger entries since the previous (verified) checkpoint
are recomputed from that checkpoint's signed hash. A broken event or entry stops the sealer
with ``LedgerRefused`` naming it: the ledger never extends, and no key ever signs, over a
broken chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.util import greenlet_spawn

from eventstore import merkle
from eventstore.checkpoints import CHECKPOINT_GENESIS, Checkpoint, Signer, signature_problem
from eventstore.errors import EventStoreError
from eventstore.hashing import GENESIS_HASH
from eventstore.ledger_chain import LEDGER_GENESIS, ledger_link
from eventstore.ledger_reads import iter_leaf_hashes, latest_checkpoint, ledger_links, snapshot
from eventstore.model import RecordedEvent
from eventstore.progress import Progress, Reporter
from eventstore.store import PostgresEventStore
from eventstore.verification import recompute_hash

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


SEAL_LOCK_KEY = 0x6C6564676572  # "ledger"

_INSERT_LINKS = """
INSERT INTO ledger (ledger_seq, event_position, ledger_hash)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])
"""

_INSERT_CHECKPOINT = """
INSERT INTO checkpoints (checkpoint_seq, ledger_size, ledger_hash, previous_hash, created_at,
                         key_id, signature, tree_root)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""

# For each stream's first event in a batch: its previous version, and whether it is sealed.
_PREDECESSORS = """
SELECT k.s, e.hash, l.ledger_seq IS NOT NULL
FROM unnest($1::text[], $2::int[]) AS k(s, v)
LEFT JOIN events AS e ON e.stream_id = k.s AND e.stream_version = k.v
LEFT JOIN ledger AS l ON l.event_position = e.position
"""


class LedgerRefused(EventStoreError):
    """The sealer found something it will not seal or sign over; the message names it."""


@dataclass(frozen=True, kw_only=True)
class CheckpointPolicy:
    """When ``seal`` signs a checkpoint, given entries not yet covered by one: once there are
    ``every_events`` of them, or ``interval`` after the previous checkpoint if there are any
    (the first checkpoint as soon as there is anything). With neither bound set (the default,
    as for ``nhansu ledger seal``), whenever there is any."""

    every_events: int | None = None
    interval: timedelta | None = None

    def due(self, uncovered: int, age: timedelta | None) -> bool:
        if uncovered <= 0:
            return False
        if self.every_events is None and self.interval is None:
            return True
        if self.every_events is not None and uncovered >= self.every_events:
            return True
        return self.interval is not None and (age is None or age >= self.interval)


@dataclass(frozen=True, kw_only=True)
class SealResult:
    busy: bool  # another process was sealing; nothing was done
    sealed: int  # entries added by this call
    ledger_size: int
    checkpoint: Checkpoint | None  # signed by this call
    latest_checkpoint: Checkpoint | None


async def seal(
    engine: AsyncEngine,
    store: PostgresEventStore,
    signer: Signer | None,
    *,
    policy: CheckpointPolicy | None = None,
    trusted_keys: dict[str, bytes] | None = None,
    batch: int = 1000,
    wait_seconds: float = 0.0,
    progress: Progress | None = None,
) -> SealResult:
    """Extend the ledger to every settled event, then sign a checkpoint if ``policy`` says so
    (never without a ``signer``). ``trusted_keys`` verify the previous checkpoint before it is
    extended (default: the signer's own key; add old public keys after a rotation). Waits up
    to ``wait_seconds`` for another sealer to finish, then answers ``busy``.
    ``progress(done, total)``: events sealed out of the events not yet in the ledger
    (eventstore/progress.py); the final call comes before the checkpoint is signed."""
    reporter = Reporter(progress)
    async with _sealer_lock(engine, wait_seconds) as conn:
        if conn is None:
            reporter.finish(0)
            return SealResult(busy=True, sealed=0, ledger_size=0, checkpoint=None,
                              latest_checkpoint=None)
        sealed, size = await _extend(conn, store, batch, reporter)
        reporter.finish(sealed)
        latest = await latest_checkpoint(conn)
        made = None
        if signer is not None and size > 0:
            keys = dict(trusted_keys or {})
            keys.setdefault(signer.key_id, signer.public_key)
            made = await _checkpoint(conn, signer, keys, size, latest, policy or CheckpointPolicy())
        return SealResult(busy=False, sealed=sealed, ledger_size=size, checkpoint=made,
                          latest_checkpoint=made or latest)


@asynccontextmanager
async def _sealer_lock(engine: AsyncEngine, wait_seconds: float) -> AsyncIterator[Any]:
    fairy = await engine.raw_connection()
    conn = fairy.driver_connection
    assert conn is not None
    locked = False
    try:
        deadline = time.monotonic() + wait_seconds
        while not (locked := await conn.fetchval("SELECT pg_try_advisory_lock($1)",
                                                 SEAL_LOCK_KEY)):
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.05)
        try:
            yield conn if locked else None
        finally:
            if locked and not conn.is_closed():
                # After a refusal the session is sound: release the lock at once (a closed
                # session releases it too, but only once the server notices).
                with contextlib.suppress(Exception):
                    await conn.fetchval("SELECT pg_advisory_unlock($1)", SEAL_LOCK_KEY)
                    locked = False
    finally:
        if locked:  # cancelled, or the session failed: closing it releases the lock
            fairy.invalidate()
        await greenlet_spawn(fairy.close)


async def _extend(conn: Any, store: PostgresEventStore, batch: int,
                  reporter: Reporter) -> tuple[int, int]:
    head = await conn.fetchrow("SELECT ledger_seq, event_position, ledger_hash FROM ledger "
                               "ORDER BY ledger_seq DESC LIMIT 1")
    seq, position, link = (0, 0, LEDGER_GENESIS) if head is None else tuple(head)
    if reporter.active:  # every event is sealed once, so the rest is the events beyond seq
        reporter.total = max(0, int(await conn.fetchval("SELECT count(*) FROM events")) - seq)
    sealed = 0
    while True:
        try:
            events = await store.read_all(after_position=position, limit=batch)
        except ValueError as error:
            raise LedgerRefused(f"ledger seq {seq} names position {position}, which holds no "
                                f"event: {error}") from None
        if not events:
            return sealed, seq
        await _check_events(conn, events)
        seqs, positions, links = [], [], []
        for event in events:
            seq += 1
            link = ledger_link(link, event_hash=event.hash, ledger_seq=seq,
                               position=event.position, stream_id=event.stream_id,
                               stream_version=event.stream_version)
            seqs.append(seq)
            positions.append(event.position)
            links.append(link)
        await conn.execute(_INSERT_LINKS, seqs, positions, links)
        sealed += len(events)
        reporter.reach(sealed)
        position = events[-1].position


async def _check_events(conn: Any, events: Sequence[RecordedEvent]) -> None:
    """Each event's own hash, and its link to the previous version of its stream, which must
    be sealed already or come earlier in this batch."""
    heads: dict[str, tuple[int, str]] = {}
    wanted: dict[str, int] = {}
    for e in events:
        if e.stream_id not in heads and e.stream_version > 1:
            wanted.setdefault(e.stream_id, e.stream_version - 1)
        heads[e.stream_id] = (e.stream_version, e.hash)
    found = {}
    if wanted:
        rows = await conn.fetch(_PREDECESSORS, list(wanted), list(wanted.values()))
        found = {r[0]: (r[1], r[2]) for r in rows}
    heads.clear()
    for e in events:
        where = f"position {e.position} ({e.stream_id} v{e.stream_version})"
        if recompute_hash(e, e.previous_hash) != e.hash:
            raise LedgerRefused(f"event at {where}: its hash does not match its content")
        if e.stream_id in heads:
            version, expected = heads[e.stream_id]
            if version != e.stream_version - 1:
                raise LedgerRefused(f"event at {where} follows version {version} in the log")
        elif e.stream_version == 1:
            expected = GENESIS_HASH
        else:
            expected, is_sealed = found.get(e.stream_id, (None, False))
            if expected is None or not is_sealed:
                raise LedgerRefused(f"event at {where}: version {e.stream_version - 1} of its "
                                    "stream is not in the ledger before it")
        if e.previous_hash != expected:
            raise LedgerRefused(f"event at {where}: previous_hash does not match version "
                                f"{e.stream_version - 1}")
        heads[e.stream_id] = (e.stream_version, e.hash)


async def _checkpoint(conn: Any, signer: Signer, keys: dict[str, bytes], size: int,
                      latest: Checkpoint | None, policy: CheckpointPolicy) -> Checkpoint | None:
    now: datetime = await conn.fetchval("SELECT clock_timestamp()")
    covered = latest.ledger_size if latest else 0
    age = None if latest is None else now - latest.created_at
    if not policy.due(size - covered, age):
        return None
    if latest is not None and (problem := signature_problem(latest, keys)):
        raise LedgerRefused(f"checkpoint {latest.checkpoint_seq}: {problem}; it will not be "
                            "extended (configure the old public key after a key rotation)")
    root = await _recompute(conn, latest, size)
    tree_root = await _tree_root(conn, latest, size)
    checkpoint = Checkpoint(
        checkpoint_seq=(latest.checkpoint_seq if latest else 0) + 1, ledger_size=size,
        ledger_hash=root,
        previous_hash=latest.body_hash() if latest else CHECKPOINT_GENESIS,
        created_at=max(now, latest.created_at) if latest else now,
        key_id=signer.key_id, signature="", tree_root=tree_root,
    )
    signed = replace(checkpoint, signature=signer.sign(checkpoint.body()))
    await conn.execute(_INSERT_CHECKPOINT, signed.checkpoint_seq, signed.ledger_size,
                       signed.ledger_hash, signed.previous_hash, signed.created_at,
                       signed.key_id, signed.signature, signed.tree_root)
    return signed


#: The right edge of the tree each database's latest checkpoint signed, kept by a long-lived
#: sealer (the worker) so that a checkpoint reads only the entries after the previous one. It
#: is used only while its root is the latest checkpoint's signed root; otherwise (a new
#: process, another database, a checkpoint signed elsewhere) it is rebuilt from every leaf.
_edges: dict[str, merkle.CompactRange] = {}


async def _tree_root(conn: Any, latest: Checkpoint | None, size: int) -> str:
    """The Merkle tree root at ``size``, over the stored event hashes; the latest checkpoint's
    signed tree root (if it has one) must be the root of the first part, which the rest then
    extends (the tree is built by appending), or nothing is signed."""
    key = str(await conn.fetchval(
        "SELECT current_database() || '@' || coalesce(inet_server_addr()::text, 'socket') "
        "|| ':' || coalesce(inet_server_port(), 0)"))
    signed = None if latest is None or latest.tree_root is None else \
        (latest.ledger_size, bytes.fromhex(latest.tree_root))
    edge = _edges.get(key)
    if edge is None or signed is None or (edge.size, edge.root()) != signed:
        edge, first = merkle.CompactRange(), 1  # from the first leaf
    else:
        edge, first = edge.copy(), edge.size + 1
    # In windows, each read in a snapshot of its own and its subtree roots stored after it (a
    # snapshot is read-only): entries and events never change, and the signed root is checked.
    for start in range(first, size + 1, LEAVES_PER_WINDOW):
        nodes: list[tuple[int, int, bytes]] = []
        try:
            async with snapshot(conn):
                async for leaf in iter_leaf_hashes(
                        conn, start, min(size, start + LEAVES_PER_WINDOW - 1)):
                    nodes += [n for n in edge.append(leaf) if n[0] >= merkle.STORED_LEVEL]
                    if signed is not None and edge.size == signed[0] and \
                            edge.root() != signed[1]:
                        raise LedgerRefused(
                            f"checkpoint {latest.checkpoint_seq if latest else 0}: its tree "
                            "root differs from the one recomputed from the stored events")
        except ValueError as error:
            raise LedgerRefused(str(error)) from None
        await _store_nodes(conn, nodes)
    if signed is not None and signed[0] > size:
        raise LedgerRefused("the ledger is shorter than its latest checkpoint")
    _edges[key] = edge
    return edge.root().hex()


LEAVES_PER_WINDOW = 1 << 18
# A node already there (a sealer that walked the leaves again from the first) is the same hash
# of the same leaves: kept as it is.
_INSERT_NODES = """
INSERT INTO ledger_nodes (level, idx, hash)
SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])
ON CONFLICT (level, idx) DO NOTHING
"""


async def _store_nodes(conn: Any, nodes: list[tuple[int, int, bytes]]) -> None:
    """The roots of the perfect subtrees this checkpoint completes (eventstore/merkle.py)."""
    if nodes:
        await conn.execute(_INSERT_NODES, [n[0] for n in nodes], [n[1] for n in nodes],
                           [n[2] for n in nodes])


async def _recompute(conn: Any, latest: Checkpoint | None, size: int) -> str:
    """The ledger hash at ``size``, recomputed from the latest checkpoint's signed hash (or
    from the start) over the stored entries, each of which must agree."""
    start = latest.ledger_size if latest else 0
    link = latest.ledger_hash if latest else LEDGER_GENESIS
    expected_seq = start
    async with snapshot(conn):
        async for entry in ledger_links(conn, max(start, 1), size):
            if entry.ledger_seq == start:  # the checkpoint's own last entry
                if entry.ledger_hash != link:
                    raise LedgerRefused(f"ledger seq {start}: stored hash differs from "
                                        f"checkpoint {latest.checkpoint_seq if latest else 0}")
                continue
            expected_seq += 1
            if entry.ledger_seq != expected_seq:
                raise LedgerRefused(f"ledger seq {expected_seq} is missing")
            if entry.event_hash is None or entry.stream_id is None \
                    or entry.stream_version is None:
                raise LedgerRefused(f"ledger seq {entry.ledger_seq}: the event at position "
                                    f"{entry.position} is missing")
            link = ledger_link(link, event_hash=entry.event_hash, ledger_seq=entry.ledger_seq,
                               position=entry.position, stream_id=entry.stream_id,
                               stream_version=entry.stream_version)
            if link != entry.ledger_hash:
                raise LedgerRefused(f"ledger seq {entry.ledger_seq}: stored ledger hash does "
                                    "not match its recomputation")
    if expected_seq != size:
        raise LedgerRefused(f"ledger seq {expected_seq + 1} is missing")
    return link
