"""The full verification split over several processes, each with its own connection.

On one connection the fast pass (fast_verification.py) is bound by one client core
(re-encoding and SHA-256) and one server backend (reading, formatting). Here the streams are
split into ``workers`` shares by a hash of the stream id (the shares of the fast pass's
``_PASS``); each share is verified by a process of its own on a backend of its own, all in
one snapshot: the leader exports its REPEATABLE READ snapshot (``pg_export_snapshot``) and
every worker's transaction adopts it (``SET TRANSACTION SNAPSHOT``), so the shares together
are exactly what a serial verification in the leader's snapshot would check.

A stream lies wholly in one share, so each share's check is complete for its streams. As with
the fast pass, a worker only ever says "intact"; at the first anomaly in any share the caller
runs the reference walk (verification.py) to find and describe the first broken link.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue as queues
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from eventstore.fast_verification import _PASS, _verify_pass
from eventstore.model import VerificationReport
from eventstore.progress import Progress, Reporter

PAGE = 5000
REPORT_EVERY = 10_000  # events between a worker's progress messages


def _share(dsn: str, snapshot: str, shares: int, share: int, messages: Any) -> \
        tuple[int, int] | None:
    """One worker process: (streams, events) of its share, or None at an anomaly."""
    return asyncio.run(_verify_share(dsn, snapshot, shares, share, messages))


async def _verify_share(dsn: str, snapshot: str, shares: int, share: int,
                        messages: Any) -> tuple[int, int] | None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute(f"SET TRANSACTION SNAPSHOT '{_snapshot_id(snapshot)}'")
            reporter = Reporter(lambda done, _total: messages.put((share, done)),
                                every=REPORT_EVERY)
            cursor = await conn.cursor(_PASS, shares, share)
            result = await _verify_pass(cursor, PAGE, reporter, 0)
            if result is not None:
                messages.put((share, result[1]))
            return result
    finally:
        await conn.close()


def _snapshot_id(snapshot: str) -> str:
    """A snapshot id as PostgreSQL exports it (hex digits and dashes), nothing else."""
    if not snapshot or any(c not in "0123456789ABCDEFabcdef-" for c in snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    return snapshot


async def verify_split_on(conn: Any, dsn: str, workers: int, *,
                          progress: Progress | None = None) -> VerificationReport | None:
    """The fast pass over every stream, split over ``workers`` processes (module doc): the
    report when every chain holds, None at the first anomaly (run the reference walk then).
    ``conn``: the leader's connection (asyncpg), ``dsn``: for the workers' own."""
    if workers < 1:
        raise ValueError("workers must be at least 1")
    reporter = Reporter(progress)
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # no fork of a process running a loop
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # The leader only holds the snapshot while the workers read: idle in its transaction
        # for as long as they take, which a pool's idle timeout must not end.
        await conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        snapshot = str(await conn.fetchval("SELECT pg_export_snapshot()"))
        if reporter.active:
            reporter.total = int(await conn.fetchval("SELECT count(*) FROM events"))
        with context.Manager() as manager, ProcessPoolExecutor(
                workers, mp_context=context) as pool:
            messages = manager.Queue()
            jobs = [loop.run_in_executor(pool, _share, dsn, snapshot, workers, share, messages)
                    for share in range(workers)]
            done_by: dict[int, int] = {}
            pending: set[Any] = set(jobs)
            while pending:
                _, pending = await asyncio.wait(pending, timeout=0.2)
                while True:
                    try:
                        share, done = messages.get_nowait()
                    except queues.Empty:
                        break
                    done_by[share] = max(done, done_by.get(share, 0))
                reporter.reach(sum(done_by.values()))
            results = [job.result() for job in jobs]  # the snapshot is held until all end
    if any(r is None for r in results):
        reporter.finish()
        return None
    streams = sum(r[0] for r in results if r is not None)
    events = sum(r[1] for r in results if r is not None)
    reporter.finish(events)
    return VerificationReport(streams_checked=streams, events_checked=events, first_broken=None)
