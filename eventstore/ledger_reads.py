"""Reading the ledger and its checkpoints, on a raw asyncpg connection (as ``verify_on``), so
that a caller can read inside a transaction of its own: one snapshot for an export, or the
transaction in which a test has just tampered with the rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from eventstore import merkle
from eventstore.checkpoints import Checkpoint
from eventstore.rows import COLUMNS

_CHECKPOINT_COLUMNS = ("checkpoint_seq, ledger_size, ledger_hash, previous_hash, created_at, "
                       "key_id, signature, tree_root")

_LINKS = """
SELECT l.ledger_seq, l.ledger_hash, l.event_position, e.stream_id, e.stream_version, e.hash
FROM ledger AS l LEFT JOIN events AS e ON e.position = l.event_position
WHERE l.ledger_seq BETWEEN $1 AND $2
ORDER BY l.ledger_seq
"""

#: Every ledger entry with its event (NULL columns if the event is missing), in ledger order.
SEALED_EVENTS = f"""
SELECT l.ledger_seq, l.ledger_hash, l.event_position,
       {", ".join("e." + c.strip() for c in COLUMNS.split(","))}
FROM ledger AS l LEFT JOIN events AS e ON e.position = l.event_position
ORDER BY l.ledger_seq
"""

#: Events the ledger does not have yet, in global-log order.
UNSEALED_EVENTS = f"""
SELECT {COLUMNS} FROM events AS e
WHERE NOT EXISTS (SELECT FROM ledger AS l WHERE l.event_position = e.position)
ORDER BY e.transaction_id, e.position
"""


@dataclass(frozen=True, kw_only=True)
class LedgerLink:
    """One ledger entry with what its link hashes; the event's fields are None if the event
    it names is missing."""

    ledger_seq: int
    ledger_hash: str
    position: int
    stream_id: str | None
    stream_version: int | None
    event_hash: str | None


@asynccontextmanager
async def snapshot(conn: Any) -> AsyncIterator[None]:
    """One consistent view for several reads (and the transaction a cursor needs): a
    REPEATABLE READ read-only transaction, or the caller's own transaction if it has one."""
    if conn.is_in_transaction():
        yield
        return
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        yield


def to_checkpoint(row: Any) -> Checkpoint:
    return Checkpoint(checkpoint_seq=row[0], ledger_size=row[1], ledger_hash=row[2],
                      previous_hash=row[3], created_at=row[4], key_id=row[5], signature=row[6],
                      tree_root=row[7])


async def read_checkpoints(conn: Any) -> list[Checkpoint]:
    rows = await conn.fetch(f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints "
                            "ORDER BY checkpoint_seq")
    return [to_checkpoint(r) for r in rows]


async def latest_checkpoint(conn: Any) -> Checkpoint | None:
    row = await conn.fetchrow(f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints "
                              "ORDER BY checkpoint_seq DESC LIMIT 1")
    return None if row is None else to_checkpoint(row)


async def checkpoint_at(conn: Any, checkpoint_seq: int) -> Checkpoint | None:
    row = await conn.fetchrow(f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints "
                              "WHERE checkpoint_seq = $1", checkpoint_seq)
    return None if row is None else to_checkpoint(row)


async def covering_checkpoint(conn: Any, ledger_seq: int) -> Checkpoint | None:
    """The first checkpoint whose ledger size reaches ``ledger_seq``."""
    row = await conn.fetchrow(f"SELECT {_CHECKPOINT_COLUMNS} FROM checkpoints "
                              "WHERE ledger_size >= $1 ORDER BY checkpoint_seq LIMIT 1",
                              ledger_seq)
    return None if row is None else to_checkpoint(row)


_LEAVES = """
SELECT l.ledger_seq, e.hash FROM ledger AS l LEFT JOIN events AS e ON e.position = l.event_position
WHERE l.ledger_seq <= $1 ORDER BY l.ledger_seq
"""


_LEAVES_BETWEEN = """
SELECT l.ledger_seq, e.hash FROM ledger AS l LEFT JOIN events AS e ON e.position = l.event_position
WHERE l.ledger_seq BETWEEN $1 AND $2 ORDER BY l.ledger_seq
"""


async def iter_leaf_hashes(conn: Any, first: int, last: int) -> AsyncIterator[bytes]:
    """The Merkle leaf hashes of ledger entries ``first``..``last`` in order, streamed (the
    caller's transaction, or a snapshot of its own); ValueError names the first entry that is
    missing or whose event is gone."""
    expected = first
    async for seq, event_hash in conn.cursor(_LEAVES_BETWEEN, first, last, prefetch=5000):
        if seq != expected:
            raise ValueError(f"ledger seq {expected} is missing")
        if event_hash is None:
            raise ValueError(f"ledger seq {seq}: its event is missing")
        yield merkle.leaf_hash(bytes.fromhex(event_hash))
        expected += 1
    if expected != last + 1 and last >= first:
        raise ValueError(f"ledger seq {expected} is missing")


async def leaf_hashes(conn: Any, size: int) -> list[bytes]:
    """The Merkle leaf hashes of ledger entries 1..``size`` (eventstore/merkle.py); ValueError
    names the first entry that is missing or whose event is gone."""
    leaves: list[bytes] = []
    async with snapshot(conn):
        async for seq, event_hash in conn.cursor(_LEAVES, size, prefetch=5000):
            if seq != len(leaves) + 1:
                raise ValueError(f"ledger seq {len(leaves) + 1} is missing")
            if event_hash is None:
                raise ValueError(f"ledger seq {seq}: its event is missing")
            leaves.append(merkle.leaf_hash(bytes.fromhex(event_hash)))
    if len(leaves) != size:
        raise ValueError(f"ledger seq {len(leaves) + 1} is missing")
    return leaves


_LEAVES_AT = """
SELECT l.ledger_seq, e.hash FROM ledger AS l LEFT JOIN events AS e ON e.position = l.event_position
WHERE l.ledger_seq = ANY($1::bigint[])
"""
_NODES_AT = """
SELECT n.level, n.idx, n.hash FROM ledger_nodes AS n
JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) ON (n.level, n.idx) = (w.level, w.idx)
"""


async def _blocks(conn: Any, wanted: set[tuple[int, int]],
                  leaf_indexes: set[int]) -> tuple[dict[tuple[int, int], bytes],
                                                   dict[int, bytes]] | None:
    """The roots of the ``wanted`` perfect subtrees (stored from ``merkle.STORED_LEVEL`` up,
    made from their leaves below it) and the leaf hashes of ``leaf_indexes`` (0-based); None
    if a stored node or a leaf is missing."""
    stored = sorted(b for b in wanted if b[0] >= merkle.STORED_LEVEL)
    low = [b for b in wanted if b[0] < merkle.STORED_LEVEL]
    leaf_indexes = leaf_indexes | {
        i for level, idx in low for i in range(idx << level, (idx + 1) << level)}
    async with snapshot(conn):
        nodes = await conn.fetch(_NODES_AT, [b[0] for b in stored], [b[1] for b in stored])
        rows = await conn.fetch(_LEAVES_AT, sorted(i + 1 for i in leaf_indexes))
    block = {(int(r[0]), int(r[1])): bytes(r[2]) for r in nodes}
    leaves = {int(r[0]) - 1: merkle.leaf_hash(bytes.fromhex(r[1])) for r in rows
              if r[1] is not None}
    if len(block) != len(stored) or len(leaves) != len(leaf_indexes):
        return None
    for level, idx in low:
        first = idx << level
        block[(level, idx)] = merkle.root([leaves[i] for i in range(first, first + (1 << level))])
    return block, leaves


async def stored_inclusion_proofs(conn: Any, indexes: Sequence[int], size: int,
                                  tree_root: bytes) -> dict[int, list[bytes]] | None:
    """PATH(i, D[size]) for each 0-based leaf index, from the stored subtree roots
    (``ledger_nodes``) and the few leaves below ``merkle.STORED_LEVEL``: O(log size) rows each.
    Each proof is checked against ``tree_root`` with its own leaf. None when a node is missing
    (a ledger the sealer has not walked since revision 0004_ledger_nodes) or a proof does not
    lead to ``tree_root`` (a stored node is wrong): the caller then uses every leaf."""
    wanted: set[tuple[int, int]] = set()
    for index in indexes:
        wanted |= merkle.needed_blocks(index, size)
    found = await _blocks(conn, wanted, set(indexes))
    if found is None:
        return None
    block, leaves = found
    proofs = {}
    for index in indexes:
        proof = merkle.proof_from_blocks(index, size, block)
        if not merkle.verify_inclusion(leaves[index], index, size, proof, tree_root):
            return None
        proofs[index] = proof
    return proofs


async def stored_consistency_proof(conn: Any, first: int, size: int,
                                   tree_root: bytes) -> list[bytes] | None:
    """PROOF(first, D[size]) from the stored subtree roots, as ``stored_inclusion_proofs``:
    checked to lead from the root of the first ``first`` leaves to ``tree_root``; None sends
    the caller to every leaf."""
    ranges = merkle.consistency_ranges(first, size)
    if not ranges:
        return []
    wanted = {b for lo, hi in [*ranges, (0, first)] for b in merkle.perfect_blocks(lo, hi)}
    found = await _blocks(conn, wanted, set())
    if found is None:
        return None
    block, _ = found
    proof = [merkle.range_root(lo, hi, block) for lo, hi in ranges]
    if not merkle.verify_consistency(first, size, merkle.range_root(0, first, block),
                                     tree_root, proof):
        return None
    return proof


async def ledger_size(conn: Any) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(ledger_seq), 0) FROM ledger"))


async def ledger_seq_of(conn: Any, position: int) -> int | None:
    seq = await conn.fetchval("SELECT ledger_seq FROM ledger WHERE event_position = $1",
                              position)
    return None if seq is None else int(seq)


async def ledger_links(conn: Any, first: int, last: int,
                       prefetch: int = 2000) -> AsyncIterator[LedgerLink]:
    """Entries ``first``..``last`` in order, through a cursor (call inside a transaction)."""
    async for r in conn.cursor(_LINKS, first, last, prefetch=prefetch):
        yield LedgerLink(ledger_seq=r[0], ledger_hash=r[1], position=r[2], stream_id=r[3],
                         stream_version=r[4], event_hash=r[5])


@dataclass(frozen=True, kw_only=True)
class LedgerStatus:
    """How far sealing and signing trail the log, for monitoring (not for verification)."""

    log_position: int
    unsealed_events: int
    uncovered_entries: int
    last_checkpoint_at: Any  # datetime | None


_STATUS = """
SELECT (SELECT coalesce(max(position), 0) FROM events) AS log_position,
       (SELECT coalesce(max(ledger_seq), 0) FROM ledger) AS ledger_size,
       (SELECT coalesce(max(event_position), 0) FROM ledger) AS sealed_position,
       (SELECT ledger_size FROM checkpoints ORDER BY checkpoint_seq DESC LIMIT 1) AS covered,
       (SELECT created_at FROM checkpoints ORDER BY checkpoint_seq DESC LIMIT 1) AS signed_at
"""


async def ledger_status(conn: Any) -> LedgerStatus:
    """Cheap at any size: index look-ups only. Unsealed events are counted after the newest
    sealed position (an event committed late below it is sealed within a tick and is not
    counted meanwhile; verification, not this gauge, is what proves completeness)."""
    row = await conn.fetchrow(_STATUS)
    unsealed = int(await conn.fetchval(
        "SELECT count(*) FROM events WHERE position > $1", int(row["sealed_position"])))
    return LedgerStatus(log_position=int(row["log_position"]), unsealed_events=unsealed,
                        uncovered_entries=int(row["ledger_size"]) - int(row["covered"] or 0),
                        last_checkpoint_at=row["signed_at"])
