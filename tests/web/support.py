"""The web interface's test server and the plans its journeys act on.

``make_app`` is what the HTTP API's ``create_app`` does for the web interface: the router at
``/``, ``web/static`` at ``/static``, the application context in ``app.state.ctx``. It lets
these tests run without the API package.

The live server runs in a thread of its own with its own event loop, in which everything
asynchronous lives: the Temporal dev server, the database, the context, a worker, the read
models' projector, uvicorn. Tests (synchronous: selenium and httpx) hand coroutines to that
loop with ``LiveServer.run``."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from application.context import Context
from application.principal import OPERATOR, Principal
from application.worked_example import EXAMPLES, Cast
from settings import Settings

T = TypeVar("T")
TEMPORAL_CLI = Path(sys.executable).parent / "temporal"
AGENCIES = ("organization_department", "inspection_committee", "internal_affairs")
SUPERIOR = "org-tinh-lam-dong"
STARTUP_SECONDS = 240


def make_app(ctx: Context, settings: Settings) -> Any:
    from fastapi import FastAPI
    from starlette.staticfiles import StaticFiles

    from web.routes import STATIC, not_found_page, router

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.ctx = ctx
    app.state.settings = settings
    app.add_exception_handler(404, not_found_page)
    return app


@dataclass
class LiveServer:
    base_url: str
    loop: asyncio.AbstractEventLoop
    ctx: Context
    cast: Cast
    server: Any  # uvicorn.Server
    settings: Settings

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 300.0) -> T:
        """Run ``work`` on the server's loop (where the context lives) and wait for it."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)


def start(data_dir: Path) -> tuple[LiveServer, threading.Thread]:
    """The live server, started in a thread; returned once it answers."""
    ready = threading.Event()
    found: dict[str, Any] = {}

    def main() -> None:
        try:
            asyncio.run(_serve(data_dir, found, ready))
        except BaseException as exc:  # reported to the test session below
            found.setdefault("error", exc)
            ready.set()

    thread = threading.Thread(target=main, name="web-live-server", daemon=True)
    thread.start()
    if not ready.wait(STARTUP_SECONDS):
        raise TimeoutError("the web test server did not start")
    if "error" in found:
        raise RuntimeError("the web test server failed to start") from found["error"]
    live: LiveServer = found["live"]
    return live, thread


def stop(live: LiveServer, thread: threading.Thread) -> None:
    live.server.should_exit = True
    thread.join(60)


async def _serve(data_dir: Path, found: dict[str, Any], ready: threading.Event) -> None:
    import uvicorn
    from temporalio.testing import WorkflowEnvironment

    import bootstrap
    from application.operations import migrate
    from application.registry import import_registry
    from application.worked_example import users
    from encryption.converter import data_converter
    from tests.support.databases import backend_names, fresh_database, server_url
    from tests.support.keys import TEST_PAYLOAD_KEYS

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_CLI),
        data_converter=data_converter(TEST_PAYLOAD_KEYS))
    try:
        async with fresh_database(server_url(backend_names()[-1]), "web", migrate=False) as url:
            await migrate(url)
            settings = Settings(
                database_url=url,
                temporal_address=env.client.service_client.config.target_host,
                payload_keys=TEST_PAYLOAD_KEYS, data_dir=data_dir,
                temporal_task_queue=f"web-{uuid.uuid4().hex[:10]}",
                projection_poll_seconds=0.3, log_level="WARNING")
            async with bootstrap.context(settings) as ctx:
                client = await bootstrap.temporal_client(settings)
                async with bootstrap.worker(client, ctx.store, ctx.task_queue,
                                            digest_key=ctx.id_key), \
                        bootstrap.projector(settings, ctx.db):
                    await import_registry(ctx, OPERATOR, EXAMPLES / "to-chuc.csv")
                    cast = await users(ctx)
                    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    listener.bind(("127.0.0.1", 0))
                    port = listener.getsockname()[1]
                    server = uvicorn.Server(uvicorn.Config(
                        make_app(ctx, settings), log_level="warning", lifespan="off",
                        access_log=False))
                    serving = asyncio.create_task(server.serve(sockets=[listener]))
                    while not server.started:
                        if serving.done():
                            serving.result()
                        await asyncio.sleep(0.05)
                    found["live"] = LiveServer(base_url=f"http://127.0.0.1:{port}",
                                               loop=asyncio.get_running_loop(), ctx=ctx,
                                               cast=cast, server=server,
                                               settings=settings)
                    ready.set()
                    await serving
    finally:
        await env.shutdown()


@asynccontextmanager
async def side_server(live: LiveServer, **changes: Any) -> AsyncIterator[str]:
    """A second server of the same database with other settings (another task queue, a
    shorter wait for answers); its base URL. Runs on the live server's loop."""
    import uvicorn

    import bootstrap

    settings = live.settings.replace(**changes)
    async with bootstrap.context(settings) as ctx:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(make_app(ctx, settings), log_level="warning",
                                               lifespan="off", access_log=False))
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started:
            if serving.done():
                serving.result()
            await asyncio.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await serving


# --- plans for the journeys -----------------------------------------------------------------
async def commune(ctx: Context, suffix: str) -> tuple[str, str, Principal]:
    """A commune of its own under Lâm Đồng province (one plan per organization and term),
    and its organization department, authenticated as the web would see it."""
    from application.authentication import authenticate_token
    from application.registry import register_organization
    from application.users import create_user, grant_role, issue_token, set_password
    from application.worked_example import PASSWORD

    organization_id, name = f"org-xa-web-{suffix}", f"Đảng bộ xã Thử Nghiệm {suffix.upper()}"
    await register_organization(ctx, OPERATOR, organization_id=organization_id, name=name,
                                level="xã", parent_id=SUPERIOR, valid_from=date(2025, 7, 1))
    login = f"bantochuc.web{suffix}"
    await create_user(ctx, OPERATOR, login=login, display_name=f"Ban Tổ chức xã {suffix}")
    await set_password(ctx, OPERATOR, login=login, password=PASSWORD)
    await grant_role(ctx, OPERATOR, login=login, role="organization_department",
                     organization_id=organization_id)
    issued = await issue_token(ctx, OPERATOR, login=login, name="web-test")
    return organization_id, name, await authenticate_token(ctx, issued.secret)


async def open_with_candidates(ctx: Context, department: Principal, organization_id: str,
                               name: str, plan_id: str) -> None:
    from application.files import read_candidates, read_plan
    from application.preparation import import_candidates, open_plan

    plan = dataclasses.replace(read_plan(EXAMPLES / "plan-xa-doi-may.toml"), plan_id=plan_id,
                               organization_id=organization_id, organization_name=name)
    await open_plan(ctx, department, plan, key=f"open-{plan_id}")
    await import_candidates(ctx, department, plan_id,
                            read_candidates(EXAMPLES / "ung-vien-xa-doi-may.csv"))


async def run_steps(ctx: Context, department: Principal, plan_id: str, *,
                    done: frozenset[tuple[str, int]] = frozenset(),
                    held_on: date = date(2025, 4, 24)) -> None:
    """The five steps for both groups as the worked example holds them (a weak incumbent
    dropped at step 2, the first-time group's step 2 held twice), but those ``done``."""
    from application.preparation import load, record_conference
    from application.worked_example import _minutes
    from domain.people import CandidateGroup

    for group in (CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME):
        for step in range(1, 6):
            if (group.value, step) in done:
                continue
            attempts = 2 if group is CandidateGroup.FIRST_TIME and step == 2 else 1
            for attempt in range(1, attempts + 1):
                state = await load(ctx, plan_id)
                minutes = _minutes(state, group, step, attempt, held_on, short=attempts == 2)
                await record_conference(ctx, department, plan_id, minutes,
                                        key=f"{plan_id}-{group.value}-{step}-{attempt}")
                held_on += timedelta(days=3)


async def submitted(ctx: Context, department: Principal, plan_id: str) -> list[str]:
    """Submit the plan and wait for its appraisals to open; the listed nominations."""
    from application.preparation import submit_plan
    from application.worked_example import wait_for

    await submit_plan(ctx, department, plan_id, key=f"submit-{plan_id}")
    state = await wait_for(ctx, plan_id, lambda s: s.phase.value == "submitted" and all(
        (a := s.appraisals.get(n.nomination_id)) is not None and a.deadline is not None
        for n in s.all_listed()))
    return [n.nomination_id for n in state.all_listed()]


async def prepared(ctx: Context, suffix: str) -> tuple[str, list[str]]:
    """A plan of a commune of its own, through its five steps, submitted, appraisals open."""
    organization_id, name, department = await commune(ctx, suffix)
    plan_id = f"xa-web-{suffix}-2025-2030"
    await open_with_candidates(ctx, department, organization_id, name, plan_id)
    await run_steps(ctx, department, plan_id)
    return plan_id, await submitted(ctx, department, plan_id)


async def appraised(ctx: Context, cast: Cast, plan_id: str, nominations: list[str],
                    disqualified: str, *, concern: str | None = None) -> None:
    """Every agency's finding on every listed nomination: cleared, but the inspection
    committee finds ``disqualified`` (a party card) disqualifying and the organization
    department raises a concern about ``concern``. Then the plan awaits the committee's
    decision."""
    from application.preparation import load, resolve
    from application.review import record_finding
    from application.worked_example import wait_for

    state = await load(ctx, plan_id)
    bad = resolve(state, disqualified).nomination_id
    doubtful = resolve(state, concern).nomination_id if concern else None
    for nomination in nominations:
        for agency in AGENCIES:
            refused = nomination == bad and agency == "inspection_committee"
            noted = nomination == doubtful and agency == "organization_department"
            await record_finding(
                ctx, cast.agencies[agency], plan_id, nomination, agency=agency,
                outcome="disqualifying" if refused else "concern" if noted else "cleared",
                text="Bị kỷ luật cảnh cáo, chưa hết thời hạn 30 tháng" if refused
                else "Chưa có bản kê khai tài sản đã xác minh" if noted else "",
                evidence_ref=f"HS-{agency}-{nomination[:8]}",
                key=f"finding-{plan_id}-{nomination}-{agency}")
    await wait_for(ctx, plan_id, lambda s: s.phase.value == "awaiting_approval")


async def event_count(ctx: Context) -> int:
    """Every event of the log: a refused write adds none."""
    from sqlalchemy import text

    async with ctx.engine.connect() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM events"))).scalar_one())
