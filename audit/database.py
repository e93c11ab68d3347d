"""Verifying the ledger and its checkpoints in the database, with the same engine as an
export: the rows are turned into export records and checked exactly as the files would be."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit.export import checkpoint_record, log_records
from audit.spec import Note
from audit.verifier import LedgerVerifier, Report
from eventstore.database import driver
from eventstore.ledger_reads import read_checkpoints, snapshot

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine



async def verify_ledger_on(conn: Any, keys: dict[str, bytes], *, trusted: Note | None = None,
                           min_size: int | None = None, max_failures: int = 100) -> Report:
    """Every event, ledger entry and checkpoint, in one snapshot (or the caller's
    transaction). Failures name ledger seqs, positions and checkpoint seqs, not lines."""
    verifier = LedgerVerifier(keys, events_source="ledger", checkpoints_source="checkpoints",
                              max_failures=max_failures, redacted=False)

    async with snapshot(conn):
        for checkpoint in await read_checkpoints(conn):
            verifier.add_checkpoint(None, checkpoint_record(checkpoint))
        async for record in log_records(conn):
            verifier.add_event(None, record)
    return verifier.finish(trusted=trusted, min_size=min_size)


async def verify_ledger(engine: AsyncEngine, keys: dict[str, bytes], *,
                        trusted: Note | None = None, min_size: int | None = None) -> Report:
    async with driver(engine) as native:
        return await verify_ledger_on(native, keys, trusted=trusted,
                                      min_size=min_size)
