"""The peer: the ``eventsourcing`` library's PostgreSQL application recorder (9.5), configured
in code, in its default and safe mode: every append takes ``LOCK TABLE ... IN EXCLUSIVE MODE``
so that readers of its notification log never skip an event (its opt-in unlocked path was
measured to skip some: /work/shared/reference/event-stores.md). Aggregate ids are its default
type, uuid. It is synchronous (psycopg 3), so concurrent writers are threads.

The recorder gets what its mapper would hand it: a topic and the event's state as JSON bytes
(data, metadata and business time, encoded with the same encoder our store uses, so encoding
costs the same on both sides); reads decode that JSON again, as our reads decode jsonb.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from bench import payloads
from bench.server import libpq_parts
from eventstore.hashing import dumps

PEER_TOPIC = "domain.events:NominationAdvanced"


def peer_state(data_json: str, metadata_json: str, occurred_at: datetime) -> bytes:
    return (f'{{"data":{data_json},"metadata":{metadata_json},'
            f'"occurred_at":"{occurred_at.isoformat()}"}}').encode()


def _datastore(url: str, pool_size: int) -> PostgresDatastore:
    parts = libpq_parts(url)
    return PostgresDatastore(parts.dbname, parts.host, parts.port, parts.user, parts.password,
                             pool_size=pool_size, max_overflow=0, max_waiting=0)


def prepare_peer_tables(url: str) -> None:
    """Create the recorder's table, type and function in the database of ``url``."""
    datastore = _datastore(url, 1)
    try:
        PostgresApplicationRecorder(datastore).create_table()
    finally:
        datastore.close()


class Peer:
    name = "peer"

    def __init__(self, url: str, connections: int) -> None:
        self._datastore = _datastore(url, connections)
        self.recorder = PostgresApplicationRecorder(self._datastore)
        self.recorder.create_table()
        self._datastore.pool.wait(timeout=30)  # every connection open before anything is timed
        self._lock = threading.Lock()
        self.full_streams: list[uuid.UUID] = []  # streams holding stream_length events

    def close(self) -> None:
        self._datastore.close()

    def append(self, stream: uuid.UUID, first_version: int, count: int) -> int:
        events = []
        for version in range(first_version, first_version + count):
            stream_id = f"nomination-{stream}"
            state = peer_state(dumps(payloads.data(stream_id, version)),
                               dumps(payloads.metadata(version, payloads.RUN_ID)),
                               payloads.occurred_at(version))
            events.append(StoredEvent(originator_id=stream, originator_version=version,
                                      topic=PEER_TOPIC, state=state))
        self.recorder.insert_events(events)
        return count

    def remember_full(self, stream: uuid.UUID) -> None:
        with self._lock:
            self.full_streams.append(stream)

    def read_stream(self, stream: uuid.UUID) -> int:
        events = self.recorder.select_events(stream)
        decoded = [json.loads(e.state) for e in events]
        return len(decoded)

    def scan(self, limit_events: int, page: int) -> int:
        """Read the notification log from the start in pages, as its projections do."""
        seen, cursor = 0, 0
        while seen < limit_events:
            notifications: Sequence[Any] = self.recorder.select_notifications(
                start=cursor, limit=min(page, limit_events - seen), inclusive_of_start=False)
            if not notifications:
                break
            for n in notifications:
                json.loads(n.state)
            seen += len(notifications)
            cursor = notifications[-1].id
        return seen
