"""A nomination's trail with both verdicts an auditor needs: is its hash chain intact, and is
its latest event covered by a valid signed checkpoint (which one)?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from audit.coverage import Coverage, coverage_on
from eventstore import merkle
from eventstore.checkpoints import Checkpoint
from eventstore.database import driver
from eventstore.ledger_reads import (
    latest_checkpoint,
    leaf_hashes,
    snapshot,
    stored_inclusion_proofs,
)
from eventstore.store import PostgresEventStore
from reads.trail import Trail, nomination_trail

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine



@dataclass(frozen=True, kw_only=True)
class InclusionProofs:
    """RFC 9162 inclusion proofs of the trail's sealed events in the tree of the latest
    signed checkpoint that has a tree root (the one a witness co-signs)."""

    checkpoint: Checkpoint
    signed_note: str | None
    proofs: dict[int, tuple[int, list[bytes]]]  # position -> (ledger seq, audit path)


@dataclass(frozen=True, kw_only=True)
class TrailReport:
    trail: Trail
    coverage: Coverage
    signed_note: str | None  # the covering checkpoint as a C2SP note, when its key is known
    inclusion: InclusionProofs | None = None

    @property
    def ok(self) -> bool:
        return self.trail.verification.ok and not self.coverage.failed


async def trail_report(engine: AsyncEngine, store: PostgresEventStore, nomination_id: str,
                       keys: dict[str, bytes], *, as_of: datetime | None = None,
                       as_of_date: date | None = None) -> TrailReport:
    """The nomination's trail (recorded by ``as_of``, timezone-aware; happened by
    ``as_of_date``, a business date: see reads/plans.py) with its two verdicts. Raises
    ``reads.errors.CorruptRecord`` for a stored event that cannot be read."""
    trail = await nomination_trail(store, nomination_id, as_of=as_of, as_of_date=as_of_date)
    last = trail.entries[-1]
    async with driver(engine) as native:
        coverage = await coverage_on(native, last.position, last.hash, keys)
        inclusion = await _inclusion(native, [e.position for e in trail.entries], keys)
    note = None
    if coverage.checkpoint is not None and coverage.checkpoint.key_id in keys:
        note = coverage.checkpoint.signed_note(keys[coverage.checkpoint.key_id])
    return TrailReport(trail=trail, coverage=coverage, signed_note=note, inclusion=inclusion)


async def _inclusion(conn: Any, positions: list[int],
                     keys: dict[str, bytes]) -> InclusionProofs | None:
    async with snapshot(conn):
        checkpoint = await latest_checkpoint(conn)
        if checkpoint is None or checkpoint.tree_root is None:
            return None
        rows = await conn.fetch("SELECT event_position, ledger_seq FROM ledger "
                                "WHERE event_position = ANY($1::bigint[]) AND ledger_seq <= $2",
                                positions, checkpoint.ledger_size)
        seqs = {int(r[0]): int(r[1]) for r in rows}
        # From the stored subtree roots (O(log n) rows a proof); from every leaf only when they
        # are missing or disagree with the signed root.
        paths = await stored_inclusion_proofs(conn, [s - 1 for s in seqs.values()],
                                              checkpoint.ledger_size,
                                              bytes.fromhex(checkpoint.tree_root))
        if paths is None:
            try:
                leaves = await leaf_hashes(conn, checkpoint.ledger_size)
            except ValueError:  # the coverage verdict names what is broken
                return None
            tree = merkle.Tree(leaves)
            paths = {s - 1: tree.inclusion_proof(s - 1) for s in seqs.values()}
    proofs = {position: (seq, paths[seq - 1]) for position, seq in seqs.items()}
    note = (checkpoint.signed_note(keys[checkpoint.key_id]) if checkpoint.key_id in keys
            else None)
    return InclusionProofs(checkpoint=checkpoint, signed_note=note, proofs=proofs)
