"""How a workflow records what it decided: envelopes with ids made by the workflow, appended
by the idempotent activity with the versions the workflow expects its streams to be at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.event_store import NON_RETRYABLE, EventStoreActivities
    from activities.messages import AppendRequest, EventEnvelope
    from domain.events import DomainEvent, event_from_data
    from workflows.envelopes import envelopes

# An append takes milliseconds; a worker that died mid-append is retried on another soon.
APPEND_TIMEOUT = timedelta(seconds=10)
APPEND_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200),
                           maximum_interval=timedelta(seconds=10),
                           non_retryable_error_types=list(NON_RETRYABLE))


# From this patch on, the append runs as a local activity: in the workflow task itself, with
# no round trip through the task queue (bench/results.md, "Command path"). A worker that dies
# after the append commits and before the task completes leaves no trace of it in history; the
# task runs again, decides again at a later workflow time, and the store refuses the same event
# ids with other times in them. The activity then answers with the events it stored the first
# time (``accept_recorded``), and the workflow folds those: its state is the record's.
LOCAL_APPEND_PATCH = "append-as-local-activity"


@dataclass(frozen=True)
class Appended:
    """What was recorded: the envelopes stored and their positions, and the domain events to
    fold (the decided ones, or those stored by an earlier attempt of the same task)."""

    envelopes: list[EventEnvelope]
    positions: list[int]
    events: list[DomainEvent]


async def append(events: list[DomainEvent], expected: dict[str, int],
                 seen_position: int = 0, *, command_digest: str | None = None) -> Appended:
    """Append ``events`` decided on a state that had folded everything up to global position
    ``seen_position``, expecting each stream they touch at the version ``expected`` gives
    (``domain.plan.expected_versions``). ``command_digest`` (the content of the user's
    command) goes into each event's metadata, so a retry with the same key can be told from a
    reuse of the key long after the workflow has ended."""
    if not events:
        return Appended([], [], [])
    info = workflow.info()
    batch = envelopes(events, new_id=lambda: str(workflow.uuid4()),
                      workflow_id=info.workflow_id, run_id=info.run_id,
                      decided_on={"position": seen_position, "versions": expected},
                      command_digest=command_digest)
    if workflow.patched(LOCAL_APPEND_PATCH):
        result = await workflow.execute_local_activity_method(
            EventStoreActivities.append_events,
            AppendRequest(events=batch, expected_versions=expected, accept_recorded=True),
            start_to_close_timeout=APPEND_TIMEOUT, retry_policy=APPEND_RETRY,
        )
    else:
        result = await workflow.execute_activity_method(
            EventStoreActivities.append_events,
            AppendRequest(events=batch, expected_versions=expected),
            start_to_close_timeout=APPEND_TIMEOUT, retry_policy=APPEND_RETRY,
        )
    if result.recorded is None:
        return Appended(batch, result.positions, list(events))
    return Appended(result.recorded, result.positions,
                    [event_from_data(e.event_type, e.schema_version, e.data)
                     for e in result.recorded])
