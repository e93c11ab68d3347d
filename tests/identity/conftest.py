"""Each test gets a database of its own on every PostgreSQL backend (tests/support/
databases.py), migrated by the event store's history and the identity tables' history, and a
context like ``application.context.Context`` whose clock the test moves.

Passwords are hashed with real argon2id at test-sized cost (``cheap_passwords``);
``test_authentication.py`` checks the production parameters once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy.ext.asyncio import AsyncEngine

from application import users
from application.principal import OPERATOR, Grant, Principal
from domain.people import Role
from eventstore.store import PostgresEventStore
from identity import migrate
from identity.credentials import Passwords
from tests.support.databases import scratch_database

pytestmark = pytest.mark.identity

START = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
CENTRE = "org-trung-uong"
ADMIN = Principal(user_id="quan.tri", display_name="Quản trị Trung ương",
                  grants=(Grant(role=Role.ADMINISTRATOR, organization_id=CENTRE),))


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Ctx:
    """What the use cases take, as ``application.context.Context`` gives it."""

    store: PostgresEventStore
    engine: AsyncEngine
    url: str
    clock: Clock = field(default_factory=Clock)


@pytest.fixture
async def ctx(pg_server: str) -> AsyncIterator[Ctx]:
    async with scratch_database(pg_server, "identity") as scratch:
        await migrate.upgrade(scratch.url)
        yield Ctx(scratch.store, scratch.engine, scratch.url)


@pytest.fixture(autouse=True)
def cheap_passwords() -> Iterator[None]:
    users._PASSWORDS[:] = [Passwords(PasswordHasher(time_cost=1, memory_cost=8192,
                                                    parallelism=1, type=Type.ID))]
    yield
    users._PASSWORDS.clear()


@pytest.fixture
def operator() -> Principal:
    return OPERATOR


EXAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "examples" / "to-chuc.csv"


@pytest.fixture
async def country(ctx: Ctx) -> Ctx:
    """The context with the example registry imported: the centre, 34 provinces, Đồi Mây."""
    from application.registry import import_registry

    await import_registry(ctx, OPERATOR, EXAMPLE_REGISTRY)
    return ctx
