"""A nomination's trail with both verdicts an auditor needs: is its hash chain intact, and is
its latest event covered by a valid signed checkpoint (which one)?"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from audit.coverage import Coverage, coverage_on
from audit.redaction import withheld_whole
from domain.events import nomination_stream, private_fields
from domain.vocabulary import label
from eventstore import merkle
from eventstore.checkpoints import Checkpoint
from eventstore.commitments import hashed_form
from eventstore.database import driver
from eventstore.hashing import utc_iso
from eventstore.ledger_reads import (
    latest_checkpoint,
    leaf_hashes,
    snapshot,
    stored_inclusion_proofs,
)
from eventstore.model import RecordedEvent
from eventstore.store import PostgresEventStore
from reads.plans import check_aware
from reads.trail import Trail, trail_from

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
    #: Each event as its hash covers it (the fields of an export line), so that a reader
    #: recomputes every hash from the content shown: ``audit.offline.verify_trail_records``.
    records: tuple[dict[str, Any], ...] = ()
    #: For a reader outside the plan's scope: the person's data left out (module doc).
    redacted: bool = False

    @property
    def ok(self) -> bool:
        return self.trail.verification.ok and not self.coverage.failed


async def trail_report(engine: AsyncEngine, store: PostgresEventStore, nomination_id: str,
                       keys: dict[str, bytes], *, as_of: datetime | None = None,
                       as_of_date: date | None = None, redacted: bool = False) -> TrailReport:
    """The nomination's trail (recorded by ``as_of``, timezone-aware; happened by
    ``as_of_date``, a business date: see reads/plans.py) with its two verdicts. Raises
    ``reads.errors.CorruptRecord`` for a stored event that cannot be read. ``redacted``: for
    a reader outside the plan's scope (module doc)."""
    check_aware(as_of)
    stream = await store.read_stream(nomination_stream(nomination_id), as_of=as_of)
    trail = await trail_from(store, nomination_id, stream, as_of=as_of, as_of_date=as_of_date)
    shown = {e.position for e in trail.entries}
    records = tuple(trail_record(e, redacted=redacted) for e in stream if e.position in shown)
    if redacted:
        trail = _without_personal_data(trail)
    last = trail.entries[-1]
    async with driver(engine) as native:
        coverage = await coverage_on(native, last.position, last.hash, keys)
        inclusion = await _inclusion(native, [e.position for e in trail.entries], keys)
    note = None
    if coverage.checkpoint is not None and coverage.checkpoint.key_id in keys:
        note = coverage.checkpoint.signed_note(keys[coverage.checkpoint.key_id])
    return TrailReport(trail=trail, coverage=coverage, signed_note=note, inclusion=inclusion,
                       records=records, redacted=redacted)


def trail_record(event: RecordedEvent, *, redacted: bool) -> dict[str, Any]:
    """The event as its hash covers it: ``data`` with its commitments (``hashed_form``) and,
    unless ``redacted``, the openings of their values. An event stored in clear before its
    fields were committed to, or that carries a plain command digest, cannot be shown in part
    (``audit.redaction.withheld_whole``): redacted, its data and metadata are withheld
    (``null``) and only its hash's inclusion in the signed tree can be checked."""
    data: dict[str, Any] | None = hashed_form(event.data, event.openings)
    metadata: dict[str, Any] | None = event.metadata
    if redacted and withheld_whole(event.event_type, data, metadata):
        data = metadata = None
    return {"position": event.position, "stream_id": event.stream_id,
            "stream_version": event.stream_version, "event_id": event.event_id,
            "event_type": event.event_type, "schema_version": event.schema_version,
            "data": data, "metadata": metadata, "occurred_at": utc_iso(event.occurred_at),
            "recorded_at": utc_iso(event.recorded_at), "correlation_id": event.correlation_id,
            "previous_hash": event.previous_hash, "hash": event.hash,
            "openings": None if redacted else event.openings}


def _without_personal_data(trail: Trail) -> Trail:
    """The trail as a reader outside the plan's scope sees it: no name, and no description
    drawn from a private field (a finding's text, a withdrawal's reason, the checks' details)."""
    withheld = label("privacy", "withheld")
    return replace(trail, full_name=withheld, entries=[
        replace(e, reason=withheld) if private_fields(e.event_type) else e
        for e in trail.entries])


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
