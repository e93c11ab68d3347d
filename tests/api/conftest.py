"""The HTTP API on real services: one Temporal dev server and one PostgreSQL database (every
migration history) per session, the example registry and the worked example's people (each
with an API token), the app over a context made by ``bootstrap.context`` itself, and a worker
per test on the session's task queue.

Each test that opens plans registers communes of its own under Lâm Đồng (one plan per
organization and term), with a department user for each."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher, Type
from fastapi import FastAPI
from temporalio.client import Client

import bootstrap
from api.app import create_app
from application import users
from application.context import Context
from application.principal import OPERATOR
from identity.credentials import Passwords
from settings import Settings
from tests.integration.conftest import temporal_client, temporal_env  # noqa: F401
from tests.support.databases import REPO_ROOT, backend_names, fresh_database, server_url
from tests.support.keys import TEST_PAYLOAD_KEYS

pytestmark = pytest.mark.api

EXAMPLES = REPO_ROOT / "examples"
PROVINCE = "org-tinh-lam-dong"
OTHER_PROVINCE = "org-tp-hue"
CENTRE = "org-trung-uong"


@pytest.fixture(scope="session", autouse=True)
def cheap_passwords() -> Iterator[None]:
    """Real argon2id at test-sized cost: the worked example sets seven passwords."""
    users._PASSWORDS[:] = [Passwords(PasswordHasher(time_cost=1, memory_cost=8192,
                                                    parallelism=1, type=Type.ID))]
    yield
    users._PASSWORDS.clear()


@pytest.fixture(scope="session")
async def api_database_url() -> AsyncIterator[str]:
    from application.operations import migrate

    async with fresh_database(server_url(backend_names()[-1]), "api", migrate=False) as url:
        await migrate(url)
        yield url


@pytest.fixture(scope="session")
def api_queue() -> str:
    return f"api-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def api_settings(api_database_url: str, temporal_client: Client,  # noqa: F811
                 api_queue: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    target = temporal_client.service_client.config.target_host
    return Settings(database_url=api_database_url, temporal_address=target,
                    temporal_task_queue=api_queue, payload_keys=TEST_PAYLOAD_KEYS,
                    data_dir=tmp_path_factory.mktemp("api-data"), update_timeout_seconds=30.0,
                    codec_cors_origins="http://localhost:8233")


@pytest.fixture(scope="session")
async def ctx(api_settings: Settings) -> AsyncIterator[Context]:
    async with bootstrap.context(api_settings) as context:
        yield context


@dataclasses.dataclass
class World:
    """The registry and the people of the worked example, with their tokens."""

    tokens: dict[str, str]  # login -> API token

    def bearer(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[login]}"}


@pytest.fixture(scope="session")
async def world(ctx: Context) -> World:
    from application.registry import import_registry
    from application.worked_example import users as cast

    await import_registry(ctx, OPERATOR, EXAMPLES / "to-chuc.csv")
    people = await cast(ctx)
    return World(tokens=dict(people.tokens))


async def new_user(ctx: Context, world: World, login: str,
                   grants: list[tuple[str, str, str | None]]) -> str:
    """A user with these (role, organization, agency) grants and an API token."""
    from application.users import create_user, grant_role, issue_token

    await create_user(ctx, OPERATOR, login=login, display_name=f"Người thử {login}")
    for role, organization, agency in grants:
        await grant_role(ctx, OPERATOR, login=login, role=role, organization_id=organization,
                         agency=agency)
    issued = await issue_token(ctx, OPERATOR, login=login, name="test")
    world.tokens[login] = issued.secret
    return issued.secret


async def new_commune(ctx: Context, world: World, label: str,
                      parent: str = PROVINCE) -> tuple[str, str]:
    """A commune of the test's own and the login of its organization department."""
    from application.registry import register_organization

    suffix = uuid.uuid4().hex[:6]
    organization = f"org-xa-{label}-{suffix}"
    await register_organization(ctx, OPERATOR, organization_id=organization,
                                name=f"Đảng bộ xã Thử {label.title()} {suffix}", level="xã",
                                parent_id=parent, valid_from=date(2025, 7, 1))
    login = f"bantochuc.{label}.{suffix}"
    await new_user(ctx, world, login, [("organization_department", organization, None)])
    return organization, login


@pytest.fixture
async def worker(temporal_client: Client, ctx: Context,  # noqa: F811
                 api_queue: str) -> AsyncIterator[None]:
    async with bootstrap.worker(temporal_client, ctx.store, api_queue, digest_key=ctx.id_key):
        yield


@pytest.fixture(scope="session")
def app(ctx: Context, api_settings: Settings) -> FastAPI:
    return create_app(api_settings, context=ctx)


@pytest.fixture(scope="session")
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def plan_body(plan_id: str, organization: str) -> dict[str, Any]:
    return {"plan_id": plan_id, "term": "2025-2030", "term_start": "2025-07-01",
            "procedure": "directive-45-2025", "organization": {"id": organization},
            "seats": {"committee_member": 15},
            "targets": {"women_min": "3/20", "under_40_min": "1/10", "first_time_min": "1/3",
                        "ethnic_minority_min": "1/20"}}


def key(label: str = "k") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


CANDIDATES = EXAMPLES / "ung-vien-xa-doi-may.csv"


def upload(path: Path) -> dict[str, tuple[str, bytes, str]]:
    kind = "text/csv" if path.suffix == ".csv" else "application/octet-stream"
    return {"file": (path.name, path.read_bytes(), kind)}


async def position(ctx: Context) -> int:
    """The event log's last position: unchanged by a refused request."""
    value: int = await ctx.store.max_position()
    return value


async def prepare_plan(ctx: Context, login_token: str, plan_id: str) -> None:
    """The five steps for both groups of a plan with the example list registered, as the
    worked example holds them (a weak incumbent dropped, a step held again), then submitted;
    through the application layer, to keep the tests that need a submitted plan short."""
    from datetime import timedelta

    from application.authentication import authenticate_token
    from application.preparation import load, record_conference, submit_plan
    from application.worked_example import _minutes
    from domain.people import CandidateGroup

    department = await authenticate_token(ctx, login_token)
    held_on = date(2025, 4, 21)
    for group in (CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME):
        for step in range(1, 6):
            attempts = 2 if group is CandidateGroup.FIRST_TIME and step == 2 else 1
            for attempt in range(1, attempts + 1):
                state = await load(ctx, plan_id)
                minutes = _minutes(state, group, step, attempt, held_on, short=attempts == 2)
                await record_conference(ctx, department, plan_id, minutes,
                                        key=key(f"conf-{group.value}-{step}-{attempt}"))
                held_on += timedelta(days=3)
    await submit_plan(ctx, department, plan_id, key=key("submit"))


async def settled(ctx: Context, seconds: float = 1.0) -> int:
    """Wait until the event log stops growing (workflows moving on by themselves, such as
    appraisals opening after a submission) for ``seconds``; its last position."""
    import asyncio

    last, still = await position(ctx), 0.0
    while still < seconds:
        await asyncio.sleep(0.2)
        now = await position(ctx)
        still = still + 0.2 if now == last else 0.0
        last = now
    return last
