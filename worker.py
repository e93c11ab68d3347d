"""Runs the Temporal worker: `python worker.py` (or `nhansu worker`).

With no configuration it uses the embedded PostgreSQL and the Temporal dev server, starting
them if they are not running."""

from __future__ import annotations

import asyncio
import signal

import structlog

import bootstrap
from logs import bind_context, configure_logging
from settings import Settings, get_settings


async def serve(settings: Settings) -> None:
    log = structlog.get_logger("nhansu.worker")
    async with bootstrap.database(settings) as db:
        client = await bootstrap.temporal_client(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with bootstrap.worker(client, db.store, settings.temporal_task_queue):
            bind_context(task_queue=settings.temporal_task_queue)
            log.info("worker started", temporal=client.service_client.config.target_host)
            await stop.wait()
            log.info("worker stopping")


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
