"""The activity that appends a workflow's decided events to the PostgreSQL event store."""

from __future__ import annotations

import dataclasses

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.messages import AppendRequest, AppendResult, EventEnvelope
from domain.events import private_fields
from domain.idempotency import DIGEST_METADATA_KEY, KEYED_PREFIX, keyed_digest
from eventstore.errors import EventIdReused, StoreRefusedValue, WrongExpectedVersion
from eventstore.model import NewEvent, RecordedEvent
from eventstore.store import PostgresEventStore

#: Errors a retry cannot cure: the workflow (single writer of its streams) must be told.
#: ``StoreRefusedValue``: a value the store cannot keep (see eventstore.errors); connection
#: errors and timeouts stay retryable.
NON_RETRYABLE = ("WrongExpectedVersion", "EventIdReused", "StoreRefusedValue")


def new_event(envelope: EventEnvelope) -> NewEvent:
    """The event to append, with the fields the domain says are about a person kept as
    salted commitments (``DomainEvent.PRIVATE_FIELDS``, eventstore/commitments.py)."""
    e = envelope
    return NewEvent(event_id=e.event_id, stream_id=e.stream_id, event_type=e.event_type,
                    schema_version=e.schema_version, data=e.data, metadata=e.metadata,
                    occurred_at=e.occurred_at, correlation_id=e.correlation_id,
                    private_fields=private_fields(e.event_type))


class EventStoreActivities:
    def __init__(self, store: PostgresEventStore, *, digest_key: bytes) -> None:
        """``digest_key``: the installation's secret (``NHANSU_ID_KEY``), under which the
        command digest in each event's metadata is kept (domain/idempotency.py)."""
        self._store = store
        self._digest_key = digest_key

    @activity.defn(name="append_events")
    async def append_events(self, request: AppendRequest) -> AppendResult:
        """Append idempotently: a retry after a crash that followed the commit returns the
        original positions and writes nothing."""
        events = [new_event(self._keyed(e)) for e in request.events]
        try:
            recorded = await self._store.append(events, request.expected_versions)
        except WrongExpectedVersion as exc:
            raise ApplicationError(str(exc), type="WrongExpectedVersion",
                                   non_retryable=True) from exc
        except EventIdReused as exc:
            stored = await self._recorded_before(request) if request.accept_recorded else None
            if stored is None:
                raise ApplicationError(str(exc), type="EventIdReused",
                                       non_retryable=True) from exc
            activity.logger.info("append already made by an earlier attempt of this task",
                                 extra={"events": len(stored)})
            return AppendResult(positions=[e.position for e in stored],
                                recorded=[_envelope(e) for e in stored])
        except StoreRefusedValue as exc:
            # Not chained: a cause travels with the failure, and a driver's message can quote
            # the refused value (personal data). The message names SQLSTATE and event types.
            raise ApplicationError(str(exc), exc.sqlstate, list(exc.event_types),
                                   type="StoreRefusedValue", non_retryable=True) from None
        activity.logger.debug("appended %d events", len(recorded),
                             extra={"streams": sorted(request.expected_versions)})
        return AppendResult(positions=[r.position for r in recorded])

    def _keyed(self, envelope: EventEnvelope) -> EventEnvelope:
        """The envelope with its command digest keyed. Done here, not in the workflow, because
        the workflow holds no secret; the same digest keyed again gives the same bytes, so a
        retried append stays the same append."""
        digest = envelope.metadata.get(DIGEST_METADATA_KEY)
        if not isinstance(digest, str) or digest.startswith(KEYED_PREFIX):
            return envelope
        metadata = {**envelope.metadata,
                    DIGEST_METADATA_KEY: keyed_digest(self._digest_key, digest)}
        return dataclasses.replace(envelope, metadata=metadata)

    async def _recorded_before(self, request: AppendRequest) -> list[RecordedEvent] | None:
        """The events an earlier attempt of the same workflow task stored for the same command
        (its first event id, command and run), or None: then the ids were reused by something
        else, which stays a refusal."""
        first = request.events[0]
        stored = await self._store.read_appended_with(first.event_id)
        same = ("command_id", "workflow_id", "workflow_run_id")
        if not stored or stored[0].event_id != first.event_id or any(
                e.metadata.get(k) != first.metadata.get(k) for e in stored for k in same):
            return None
        return stored


def _envelope(e: RecordedEvent) -> EventEnvelope:
    return EventEnvelope(event_id=str(e.event_id), stream_id=e.stream_id,
                         event_type=e.event_type, schema_version=e.schema_version, data=e.data,
                         metadata=e.metadata, occurred_at=e.occurred_at,
                         correlation_id=e.correlation_id or "")
