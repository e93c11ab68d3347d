"""The bare path of the command-path bench (bench/command_path.py): an Update whose handler runs
one activity inserting one row with a pooled connection. A module of its own, with nothing
but Temporal and asyncpg imported, so the workflow sandbox can load it as it loads ours."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    import asyncpg


class BareActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="bare_insert")
    async def insert(self, key: str) -> int:
        async with self._pool.acquire() as connection:
            value: int = await connection.fetchval(
                "INSERT INTO bench_bare (key) VALUES ($1) ON CONFLICT (key) DO UPDATE "
                "SET key = EXCLUDED.key RETURNING id", key)
        return value


@workflow.defn(name="BenchBare")
class BareWorkflow:
    @workflow.init
    def __init__(self, local: bool) -> None:
        self._local = local
        self._done = False

    @workflow.run
    async def run(self, local: bool) -> None:
        await workflow.wait_condition(lambda: self._done)

    @workflow.update
    async def insert(self, key: str) -> int:
        if self._local:
            return await workflow.execute_local_activity_method(
                BareActivities.insert, key, start_to_close_timeout=timedelta(seconds=10))
        return await workflow.execute_activity_method(
            BareActivities.insert, key, start_to_close_timeout=timedelta(seconds=10))

    @workflow.signal
    def finish(self) -> None:
        self._done = True


