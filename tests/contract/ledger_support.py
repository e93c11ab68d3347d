"""Sealing in tests. The global log (and so the ledger) waits for every older transaction in
the cluster to end, other test sessions' included, so tests seal until the ledger reaches the
size they expect instead of assuming that one call gets there."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore.checkpoints import Signer
from eventstore.ledger import SealResult, seal
from eventstore.store import PostgresEventStore
from tests.contract.builders import driver

SIGNER = Signer("test-ledger", bytes(range(32)))
OTHER = Signer("test-ledger-2", bytes(range(1, 33)))


async def seal_to(engine: AsyncEngine, store: PostgresEventStore, size: int,
                  signer: Signer | None = SIGNER, **kw: Any) -> SealResult:
    """Extend the ledger to ``size`` entries, then seal once more with ``signer`` (so that a
    checkpoint, if one is due, covers exactly ``size``)."""
    async with asyncio.timeout(60):
        while True:
            if (await seal(engine, store, None, **kw)).ledger_size >= size:
                break
            await asyncio.sleep(0.01)
    result = await seal(engine, store, signer, **kw)
    assert result.ledger_size == size, result
    return result


TABLES = ("events", "ledger", "ledger_nodes", "checkpoints")


async def tamper_all(engine: AsyncEngine, *statements: str) -> None:
    """What a superuser could do: switch every guard of the record's tables off (the
    append-only and numbering triggers and the foreign keys), edit, switch them on."""
    async with driver(engine) as conn, conn.transaction():
        for table in TABLES:
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        for statement in statements:
            await conn.execute(statement)
        for table in TABLES:
            await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
