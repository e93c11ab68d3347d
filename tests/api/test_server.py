"""``nhansu serve`` as it runs: uvicorn on a real port, with the worker, the projector and the
ledger sealer in the same process; a write through real HTTP is applied by that worker."""

from __future__ import annotations

import asyncio
import socket
import uuid

import httpx
import pytest

from api.server import serve_async
from application.context import Context
from settings import Settings
from tests.api.conftest import World, key, new_commune, plan_body

pytestmark = pytest.mark.api


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_serve_answers_over_http_and_its_own_worker_applies_writes(
        api_settings: Settings, ctx: Context, world: World) -> None:
    organization, login = await new_commune(ctx, world, "maychu")
    port = free_port()
    # A queue of its own: only the server's worker can apply this plan's commands.
    settings = api_settings.replace(temporal_task_queue=f"serve-{uuid.uuid4().hex[:8]}",
                                    ledger_checkpoint_interval_seconds=0.5,
                                    projection_poll_seconds=0.2)
    stop = asyncio.Event()
    server = asyncio.create_task(serve_async(settings, host="127.0.0.1", port=port,
                                             with_worker=True, stop=stop))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            for _ in range(100):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            assert (await http.get("/readyz")).json()["status"] == "ok"
            plan_id = f"p-{uuid.uuid4().hex[:8]}"
            opened = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                                     headers={**world.bearer(login), "Idempotency-Key": key()})
            assert opened.status_code == 201, opened.text
            # The projector of the same process brings the plan into the list.
            for _ in range(100):
                listed = await http.get("/api/v1/plans", headers=world.bearer(login))
                if any(p["plan_id"] == plan_id for p in listed.json()["items"]):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the in-process projector did not list the plan")
            # And the sealer signs a checkpoint over it.
            for _ in range(100):
                checkpoint = await http.get("/api/v1/ledger/checkpoint",
                                            headers=world.bearer("kiemtoan.trunguong"))
                if checkpoint.status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert checkpoint.status_code == 200, checkpoint.text
            assert checkpoint.json()["signed_note"].strip()
    finally:
        stop.set()
        await asyncio.wait_for(server, 30)
