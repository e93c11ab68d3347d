"""Fixtures shared by the tiers that run once per PostgreSQL backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.databases import (
    Scratch,
    backend_names,
    scratch_database,
    server_url,
    stop_if_started_here,
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A test run stops what it started: the embedded PostgreSQL of the tests, if this run
    started it (each Temporal dev server stops with its fixture)."""
    stop_if_started_here()


@pytest.fixture(scope="session", params=backend_names())
def pg_server(request: pytest.FixtureRequest) -> str:
    """A server of each backend (tests/support/databases.py), for creating test databases."""
    return server_url(request.param)


@pytest.fixture
async def scratch(pg_server: str) -> AsyncIterator[Scratch]:
    """A database of the test's own, on each backend."""
    async with scratch_database(pg_server, "scratch") as db:
        yield db
