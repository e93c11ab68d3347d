"""Domain events to store envelopes, with who/why metadata."""

from __future__ import annotations

from collections.abc import Callable

from activities.messages import EventEnvelope
from domain.events import DomainEvent, event_to_data, plan_stream, stream_of
from domain.idempotency import DIGEST_METADATA_KEY


def envelope(event: DomainEvent, *, event_id: str, workflow_id: str, run_id: str,
             decided_on: dict[str, object] | None = None,
             command_digest: str | None = None) -> EventEnvelope:
    data = event_to_data(event)
    metadata: dict[str, object] = {
        "actor": event.actor.user_id,
        "role": event.actor.role.value,
        "organization_id": event.actor.organization_id,
        "command_id": event.command_id,
        "workflow_id": workflow_id,
        "workflow_run_id": run_id,
    }
    if decided_on is not None:
        metadata["decided_on"] = decided_on
    if command_digest is not None:
        metadata[DIGEST_METADATA_KEY] = command_digest
    step = data.get("step")
    if isinstance(step, int):
        metadata["step"] = step
    return EventEnvelope(
        event_id=event_id, stream_id=stream_of(event), event_type=event.TYPE,
        schema_version=event.SCHEMA_VERSION, data=data, metadata=metadata,
        occurred_at=event.occurred_at, correlation_id=plan_stream(event.plan_id),
    )


def envelopes(events: list[DomainEvent], *, new_id: Callable[[], str], workflow_id: str,
              run_id: str, decided_on: dict[str, object] | None = None,
              command_digest: str | None = None) -> list[EventEnvelope]:
    """``decided_on`` says what the decider saw: the last global position folded into its
    state and the versions of the streams it appends to, so an auditor can rebuild exactly
    the state a decision was made on."""
    return [envelope(e, event_id=new_id(), workflow_id=workflow_id, run_id=run_id,
                     decided_on=decided_on, command_digest=command_digest) for e in events]
