"""Runs the Temporal worker: `python worker.py` (or `nhansu worker`).

With no configuration it uses the embedded PostgreSQL and the Temporal dev server, starting
them if they are not running. Beside the worker, a background task seals the ledger and signs
checkpoints (see ``seal_periodically``), and another keeps the read models up to date
(``bootstrap.projector``)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

import bootstrap
import telemetry
from eventstore.checkpoints import Signer
from eventstore.ledger import CheckpointPolicy, LedgerRefused, seal
from eventstore.store import PostgresEventStore
from logs import bind_context, configure_logging
from settings import Settings, get_settings


async def seal_periodically(engine: AsyncEngine, store: PostgresEventStore, signer: Signer,
                            trusted_keys: dict[str, bytes], *, every_events: int,
                            interval_seconds: float, seal_seconds: float = 2.0) -> None:
    """Seal the ledger every ``seal_seconds``; sign a checkpoint once ``every_events`` entries are
    uncovered, or ``interval_seconds`` after the previous checkpoint if any are. Every worker
    runs this; the advisory lock lets one seal at a time. Runs until cancelled; a failure is
    logged and tried again at the next tick (a refusal names the broken event or entry)."""
    log = structlog.get_logger("nhansu.ledger")
    policy = CheckpointPolicy(every_events=every_events,
                              interval=timedelta(seconds=interval_seconds))
    tick = min(max(interval_seconds, 0.05), max(seal_seconds, 0.05))
    log.info("ledger sealer started", key_id=signer.key_id, every_events=every_events,
             interval_seconds=interval_seconds)
    try:
        while True:
            try:
                result = await seal(engine, store, signer, policy=policy,
                                    trusted_keys=trusted_keys)
            except LedgerRefused as refusal:
                log.error("ledger sealing refused", reason=str(refusal))
            except Exception:
                log.exception("ledger sealing failed")
            else:
                if result.checkpoint is not None:
                    log.info("ledger checkpoint signed", sealed=result.sealed,
                             checkpoint_seq=result.checkpoint.checkpoint_seq,
                             ledger_size=result.checkpoint.ledger_size)
                elif result.sealed:
                    log.debug("ledger sealed", sealed=result.sealed,
                              ledger_size=result.ledger_size)
            await asyncio.sleep(tick)
    finally:
        log.info("ledger sealer stopped")


async def serve(settings: Settings) -> None:
    log = structlog.get_logger("nhansu.worker")
    signer = bootstrap.ledger_signer(settings)
    trusted_keys = bootstrap.ledger_public_keys(settings)
    async with bootstrap.database(settings, notify_projections=True,
                                  role="nhansu_worker") as db:
        client = await bootstrap.temporal_client(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        sealer = asyncio.create_task(seal_periodically(
            db.engine, db.store, signer, trusted_keys,
            every_events=settings.ledger_checkpoint_every_events,
            interval_seconds=settings.ledger_checkpoint_interval_seconds,
            seal_seconds=settings.ledger_seal_seconds), name="ledger-sealer")
        metrics = telemetry.serve_metrics(settings, db.engine, db.store)
        try:
            async with (bootstrap.worker(client, db.store, settings.temporal_task_queue,
                                         digest_key=bootstrap.id_key(settings)),
                        bootstrap.projector(settings, db)):
                bind_context(task_queue=settings.temporal_task_queue)
                log.info("worker started", temporal=client.service_client.config.target_host)
                await stop.wait()
                log.info("worker stopping")
        finally:
            for task in (sealer, metrics):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
