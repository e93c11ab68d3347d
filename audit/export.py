"""Exporting the whole log for an auditor: ``export(engine, DIR)`` writes

- ``checkpoints.jsonl``: every signed checkpoint, by checkpoint_seq;
- ``events.jsonl``: every ledger entry with its event, by ledger_seq; then the events the
  ledger does not have yet (``ledger_seq`` null), in global-log order;
- ``header.json``: format, version, origin, the counts of the two files, and whether the
  export is redacted (without the values of private fields).

All from one REPEATABLE READ snapshot, so the files agree with each other. Lines are the
export's canonical JSON (``audit.spec.dumps``). The exporter copies; it computes and signs
nothing, so it needs no key and cannot vouch for anything the verifier would not check.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from audit.offline import CHECKPOINTS, EVENTS, HEADER
from audit.redaction import withheld_whole
from audit.spec import ORIGIN, dumps
from audit.verifier import EXPORT_FORMAT, EXPORT_VERSION
from eventstore.checkpoints import Checkpoint
from eventstore.database import driver
from eventstore.hashing import utc_iso
from eventstore.ledger_reads import (
    SEALED_EVENTS,
    UNSEALED_EVENTS,
    read_checkpoints,
    snapshot,
)
from eventstore.progress import Progress, Reporter

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine



@dataclass(frozen=True, kw_only=True)
class ExportSummary:
    directory: Path
    events: int
    sealed: int
    checkpoints: int
    latest_checkpoint: Checkpoint | None
    seconds: float


def checkpoint_record(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"checkpoint_seq": checkpoint.checkpoint_seq, "ledger_size": checkpoint.ledger_size,
            "ledger_hash": checkpoint.ledger_hash, "previous_hash": checkpoint.previous_hash,
            "created_at": utc_iso(checkpoint.created_at), "key_id": checkpoint.key_id,
            "signature": checkpoint.signature, "tree_root": checkpoint.tree_root}


def _json(value: Any) -> Any:
    """A stored document (the canonical bytes that were hashed) as its JSON value. Bytes that
    are not the canonical encoding of their own value were not written by the store (a
    spacing or key order changed behind its back): they are exported as their text instead,
    so that the hash over the export, like the hash over the stored bytes, no longer matches."""
    if isinstance(value, bytes | bytearray | memoryview):
        stored = bytes(value)
        decoded = json.loads(stored)
        return decoded if dumps(decoded).encode() == stored else stored.decode()
    return json.loads(value) if isinstance(value, str) else value


def event_record(row: Any, ledger_seq: int | None = None, ledger_hash: str | None = None, *,
                 redacted: bool = False) -> dict[str, Any]:
    """An ``events`` row selected with ``eventstore.rows.COLUMNS`` as an export line;
    ``redacted``: without the values of its private fields (``openings`` null), which its
    data holds only as commitments; an event that would still give a person away
    (``audit.redaction.withheld_whole``) shows neither data nor metadata (``null``): its hash,
    proven by the ledger, stands for it."""
    data, metadata = _json(row[6]), _json(row[7])
    if redacted and withheld_whole(row[4], data, metadata):
        data = metadata = None
    return {
        "ledger_seq": ledger_seq, "ledger_hash": ledger_hash, "position": row[0],
        "stream_id": row[1], "stream_version": row[2], "event_id": str(row[3]),
        "event_type": row[4], "schema_version": row[5], "data": data,
        "metadata": metadata, "occurred_at": utc_iso(row[8]),
        "recorded_at": utc_iso(row[9]), "correlation_id": row[10], "previous_hash": row[11],
        "hash": row[12], "openings": None if redacted or row[13] is None else _json(row[13]),
    }


def sealed_record(row: Any, *, redacted: bool = False) -> dict[str, Any]:
    """A row of ``SEALED_EVENTS``; an entry whose event is missing keeps only its own fields."""
    if row[3] is None:
        missing: dict[str, Any] = dict.fromkeys(
            ("stream_id", "stream_version", "event_id", "event_type", "schema_version", "data",
             "metadata", "occurred_at", "recorded_at", "correlation_id", "previous_hash",
             "hash", "openings"))
        return {**missing, "ledger_seq": row[0], "ledger_hash": row[1], "position": row[2]}
    return event_record(row[3:], row[0], row[1], redacted=redacted)


async def log_records(conn: Any, prefetch: int = 2000, *,
                      redacted: bool = False) -> AsyncIterator[dict[str, Any]]:
    """Every export line of ``events.jsonl``, in order (call inside a transaction)."""
    async for row in conn.cursor(SEALED_EVENTS, prefetch=prefetch):
        yield sealed_record(row, redacted=redacted)
    async for row in conn.cursor(UNSEALED_EVENTS, prefetch=prefetch):
        yield event_record(row, redacted=redacted)


class _Files:
    """The three files, written under temporary names and renamed into place at the end, so a
    directory never holds a half-written export under the real names."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._final = {name: directory / name for name in (CHECKPOINTS, EVENTS, HEADER)}
        self._partial = {name: directory / f".{name}.partial" for name in self._final}
        self._handles: dict[str, IO[str]] = {
            name: path.open("w", encoding="utf-8", newline="\n")
            for name, path in self._partial.items()}

    def write(self, name: str, record: dict[str, Any]) -> None:
        handle = self._handles[name]
        handle.write(dumps(record))
        handle.write("\n")

    def close(self, *, keep: bool) -> None:
        for handle in self._handles.values():
            handle.close()
        for name, path in self._partial.items():
            if keep:
                os.replace(path, self._final[name])
            else:
                path.unlink(missing_ok=True)


async def export_on(conn: Any, directory: Path, *, progress: Progress | None = None,
                    redacted: bool = False) -> ExportSummary:
    """Export through a raw asyncpg connection; inside the caller's transaction if it has one
    (a test exports what it has just tampered with), else in a snapshot of its own.
    ``progress(done, total)``: lines of ``events.jsonl`` written, out of the events stored
    (eventstore/progress.py). ``redacted``: without the values of private fields."""
    async with snapshot(conn):
        return await _export(conn, directory, Reporter(progress), redacted)


async def _export(conn: Any, directory: Path, reporter: Reporter,
                  redacted: bool) -> ExportSummary:
    started = time.perf_counter()
    if reporter.active:  # one line per event (and per ledger entry whose event is gone)
        reporter.total = int(await conn.fetchval("SELECT count(*) FROM events"))
    checkpoints = await read_checkpoints(conn)
    events = sealed = 0
    files = _Files(directory)
    try:
        for checkpoint in checkpoints:
            files.write(CHECKPOINTS, checkpoint_record(checkpoint))
        async for record in log_records(conn, redacted=redacted):
            files.write(EVENTS, record)
            events += 1
            sealed += record["ledger_seq"] is not None
            reporter.reach(events)
        files.write(HEADER, {"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
                             "origin": ORIGIN, "events": events, "ledger_size": sealed,
                             "checkpoints": len(checkpoints), "redacted": redacted})
    except BaseException:
        files.close(keep=False)
        raise
    files.close(keep=True)
    reporter.finish(events)
    return ExportSummary(directory=directory, events=events, sealed=sealed,
                         checkpoints=len(checkpoints),
                         latest_checkpoint=checkpoints[-1] if checkpoints else None,
                         seconds=time.perf_counter() - started)


async def export(engine: AsyncEngine, directory: Path, *, progress: Progress | None = None,
                 redacted: bool = False) -> ExportSummary:
    """Export the whole log into ``directory`` (see the module doc). A long job at national
    scale: give it an engine without a statement timeout. ``progress(done, total)``: lines
    of ``events.jsonl`` written, out of the events stored. ``redacted``: for a reader who may
    not see personal data: the values of private fields are left out (their commitments,
    which the hashes cover, stay), and the export still verifies."""
    async with driver(engine) as native:
        return await export_on(native, directory, progress=progress, redacted=redacted)
