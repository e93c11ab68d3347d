"""How a workflow records what it decided: envelopes with ids made by the workflow, appended
by the idempotent activity with the versions the workflow expects its streams to be at."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.event_store import NON_RETRYABLE, EventStoreActivities
    from activities.messages import AppendRequest, EventEnvelope
    from domain.events import DomainEvent
    from workflows.envelopes import envelopes

# An append takes milliseconds; a worker that died mid-append is retried on another soon.
APPEND_TIMEOUT = timedelta(seconds=10)
APPEND_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200),
                           maximum_interval=timedelta(seconds=10),
                           non_retryable_error_types=list(NON_RETRYABLE))


async def append(events: list[DomainEvent], expected: dict[str, int],
                 seen_position: int = 0, *, command_digest: str | None = None,
                 ) -> tuple[list[EventEnvelope], list[int]]:
    """Append ``events`` decided on a state that had folded everything up to global position
    ``seen_position``, expecting each stream they touch at the version ``expected`` gives
    (``domain.plan.expected_versions``); return their envelopes and global positions.
    ``command_digest`` (the content of the user's command) goes into each event's metadata,
    so a retry with the same key can be told from a reuse of the key long after the workflow
    has ended."""
    if not events:
        return [], []
    info = workflow.info()
    batch = envelopes(events, new_id=lambda: str(workflow.uuid4()),
                      workflow_id=info.workflow_id, run_id=info.run_id,
                      decided_on={"position": seen_position, "versions": expected},
                      command_digest=command_digest)
    result = await workflow.execute_activity_method(
        EventStoreActivities.append_events,
        AppendRequest(events=batch, expected_versions=expected),
        start_to_close_timeout=APPEND_TIMEOUT, retry_policy=APPEND_RETRY,
    )
    return batch, result.positions
