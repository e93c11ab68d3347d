"""Is an event covered by a valid signed checkpoint, and which one?

The proof needs only the stretch of the ledger between two checkpoints: the previous
checkpoint's signed ledger hash is a trusted starting point (the same key vouched for it), so
recomputing the links from there to the first checkpoint that reaches the event, and finding
that checkpoint's signed hash at the end, shows that the event (its hash, position, stream and
version) is in the log both checkpoints attest, at its ledger seq. The cost is one checkpoint
interval, not the whole log. Hashes and signatures are checked with ``audit.spec``, not with
the event store's code.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Literal

from audit.spec import ZERO_HASH, body_hash, checkpoint_body, ledger_link, signature_valid
from eventstore.checkpoints import Checkpoint
from eventstore.hashing import utc_iso
from eventstore.ledger_reads import (
    checkpoint_at,
    covering_checkpoint,
    ledger_links,
    ledger_seq_of,
    snapshot,
)

Status = Literal["covered", "not_sealed", "not_checkpointed", "untrusted", "broken"]


@dataclass(frozen=True, kw_only=True)
class Coverage:
    status: Status
    position: int
    ledger_seq: int | None
    checkpoint: Checkpoint | None  # the first checkpoint that reaches the event
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "covered"

    @property
    def failed(self) -> bool:
        """Evidence of tampering or of an untrusted signer (not merely "not yet")."""
        return self.status in ("untrusted", "broken")


def _body(checkpoint: Checkpoint) -> str:
    return checkpoint_body(checkpoint_seq=checkpoint.checkpoint_seq,
                           ledger_size=checkpoint.ledger_size,
                           ledger_hash=checkpoint.ledger_hash,
                           previous_hash=checkpoint.previous_hash,
                           created_at=utc_iso(checkpoint.created_at),
                           tree_root=checkpoint.tree_root)


def _signature_problem(checkpoint: Checkpoint, keys: dict[str, bytes]) -> str | None:
    public = keys.get(checkpoint.key_id)
    if public is None:
        return (f"checkpoint {checkpoint.checkpoint_seq} is signed with key "
                f"{checkpoint.key_id!r}, which is not a trusted key")
    if not signature_valid(public, _body(checkpoint), base64.b64decode(checkpoint.signature)):
        return (f"the signature of checkpoint {checkpoint.checkpoint_seq} does not verify "
                f"with key {checkpoint.key_id!r}")
    return None


async def coverage_on(conn: Any, position: int, event_hash: str,
                      keys: dict[str, bytes]) -> Coverage:
    """Whether the event at ``position`` with hash ``event_hash`` is covered (see module)."""
    seq = await ledger_seq_of(conn, position)
    if seq is None:
        return Coverage(status="not_sealed", position=position, ledger_seq=None, checkpoint=None)
    cover = await covering_checkpoint(conn, seq)
    if cover is None:
        return Coverage(status="not_checkpointed", position=position, ledger_seq=seq,
                        checkpoint=None)

    def result(status: Status, problem: str) -> Coverage:
        return Coverage(status=status, position=position, ledger_seq=seq, checkpoint=cover,
                        problem=problem)

    previous = None
    if cover.checkpoint_seq > 1:
        previous = await checkpoint_at(conn, cover.checkpoint_seq - 1)
        if previous is None:
            return result("broken", f"checkpoint {cover.checkpoint_seq - 1} is missing")
    for checkpoint in (previous, cover):
        if checkpoint is not None and (problem := _signature_problem(checkpoint, keys)):
            return result("untrusted", problem)
    if cover.previous_hash != (body_hash(_body(previous)) if previous else ZERO_HASH):
        return result("broken", f"checkpoint {cover.checkpoint_seq} does not chain to "
                                f"checkpoint {cover.checkpoint_seq - 1}")
    link = previous.ledger_hash if previous else ZERO_HASH
    expected = previous.ledger_size if previous else 0
    found = False
    async with snapshot(conn):
        async for entry in ledger_links(conn, expected + 1, cover.ledger_size):
            expected += 1
            if entry.ledger_seq != expected:
                return result("broken", f"ledger seq {expected} is missing")
            if entry.event_hash is None or entry.stream_id is None \
                    or entry.stream_version is None:
                return result("broken", f"ledger seq {expected}: the event at position "
                                        f"{entry.position} is missing")
            if entry.ledger_seq == seq:
                found = entry.position == position and entry.event_hash == event_hash
            link = ledger_link(link, event_hash=entry.event_hash, ledger_seq=entry.ledger_seq,
                               position=entry.position, stream_version=entry.stream_version,
                               stream_id=entry.stream_id)
    if expected != cover.ledger_size:
        return result("broken", f"ledger seq {expected + 1} is missing")
    if not found:
        return result("broken", f"ledger seq {seq} does not hold this event as it is now")
    if link != cover.ledger_hash:
        return result("broken", f"ledger seq {(previous.ledger_size if previous else 0) + 1}.."
                                f"{cover.ledger_size} do not hash to checkpoint "
                                f"{cover.checkpoint_seq}'s signed ledger hash")
    return Coverage(status="covered", position=position, ledger_seq=seq, checkpoint=cover)
