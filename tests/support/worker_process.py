"""A worker in its own process, so a test can kill it: `python -m tests.support.worker_process`.

With --crash-after-commit MARKER, the first append that sees MARKER deletes it, commits its
events, and kills the process before answering Temporal: the worst moment to die, after the
database has the events and before the workflow knows it."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from temporalio import activity
from temporalio.client import Client

import bootstrap
from activities.event_store import EventStoreActivities
from activities.messages import AppendRequest, AppendResult
from encryption.converter import data_converter
from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.support.keys import TEST_ID_KEY, TEST_PAYLOAD_KEYS


class CrashingActivities(EventStoreActivities):
    def __init__(self, store: PostgresEventStore, marker: Path | None) -> None:
        super().__init__(store, digest_key=TEST_ID_KEY)
        self._marker = marker

    @activity.defn(name="append_events")
    async def append_events(self, request: AppendRequest) -> AppendResult:
        result = await super().append_events(request)
        if self._marker is not None and self._marker.exists():
            self._marker.unlink()
            os._exit(137)  # as SIGKILL would: no cleanup, no reply
        return result


async def main(args: argparse.Namespace) -> None:
    engine = create_engine(args.database_url)
    store = PostgresEventStore(engine)
    client = await Client.connect(args.temporal, data_converter=data_converter(TEST_PAYLOAD_KEYS))
    marker = Path(args.crash_after_commit) if args.crash_after_commit else None
    activities = CrashingActivities(store, marker)
    async with bootstrap.worker(client, store, args.task_queue, activities=activities,
                                digest_key=TEST_ID_KEY):
        print("worker ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--temporal", required=True)
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--crash-after-commit")
    asyncio.run(main(parser.parse_args()))
