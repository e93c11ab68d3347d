"""``nhansu serve``: the HTTP API (and the web interface) under uvicorn.

With ``with_worker`` (the default, right for one machine and the embedded setup) the same
process also runs the Temporal worker, the read models' projector and the ledger sealer,
exactly as ``nhansu worker`` does; ``--no-worker`` serves HTTP only, for a deployment that runs
the worker as its own service (docker-compose.yml: ``api`` and ``worker``), so that each can be
scaled and restarted alone and a slow request never delays a workflow task."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AsyncExitStack

import structlog

import bootstrap
import telemetry
from settings import Settings


def serve(settings: Settings, *, host: str | None = None, port: int | None = None,
          with_worker: bool = True) -> None:
    from logs import configure_logging

    configure_logging(settings)
    asyncio.run(serve_async(settings, host=host, port=port, with_worker=with_worker))


async def serve_async(settings: Settings, *, host: str | None = None, port: int | None = None,
                      with_worker: bool = True, stop: asyncio.Event | None = None) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn's own handling), or until ``stop`` is set."""
    import uvicorn

    from api.app import create_app

    log = structlog.get_logger("nhansu.api")
    async with AsyncExitStack() as stack:
        ctx = await stack.enter_async_context(bootstrap.context(settings, role="nhansu_api"))
        if with_worker:
            await _worker(stack, settings)
        metrics = telemetry.serve_metrics(settings, ctx.engine, ctx.store)
        if metrics is not None:
            stack.callback(metrics.cancel)
        app = create_app(settings, context=ctx)
        config = uvicorn.Config(app, host=host or settings.api_host,
                                port=port or settings.api_port, log_config=None,
                                proxy_headers=True, server_header=False)
        server = uvicorn.Server(config)
        if stop is not None:
            async def stopper() -> None:
                await stop.wait()
                server.should_exit = True

            watcher = asyncio.create_task(stopper())
            stack.callback(watcher.cancel)
        log.info("api started", host=config.host, port=config.port, with_worker=with_worker)
        await server.serve()


async def _worker(stack: AsyncExitStack, settings: Settings) -> None:
    """The worker, the projector and the ledger sealer in this process (worker.py's serve)."""
    from worker import seal_periodically

    db = await stack.enter_async_context(bootstrap.database(
        settings, notify_projections=True, role="nhansu_api"))
    client = await bootstrap.temporal_client(settings)
    await stack.enter_async_context(bootstrap.worker(client, db.store,
                                                     settings.temporal_task_queue,
                                                     digest_key=bootstrap.id_key(settings)))
    await stack.enter_async_context(bootstrap.projector(settings, db))
    sealer = asyncio.create_task(seal_periodically(
        db.engine, db.store, bootstrap.ledger_signer(settings),
        bootstrap.ledger_public_keys(settings),
        every_events=settings.ledger_checkpoint_every_events,
        interval_seconds=settings.ledger_checkpoint_interval_seconds,
        seal_seconds=settings.ledger_seal_seconds), name="ledger-sealer")

    async def stop_sealer() -> None:
        sealer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sealer

    stack.push_async_callback(stop_sealer)
