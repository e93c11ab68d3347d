"""How a workflow tells a client that a command was not applied: structured errors a client
translates (application/plans.py), never a workflow task that fails and retries forever."""

from __future__ import annotations

from temporalio.exceptions import ActivityError, ApplicationError

from domain.errors import CommandRejected
from domain.serialization import to_data

# Error types a client reads (and the reason for each).
REJECTED = "CommandRejected"  # the domain refused it: every violation is in the details
KEY_REUSED = "IdempotencyKeyReused"  # the command id was applied before, with other content
STORE_REFUSED = "StoreRefusedValue"  # the database refused a value: retrying cannot cure it
CONCURRENT_CHANGE = "ConcurrentChange"  # another writer moved a stream this one expected


def rejection(exc: CommandRejected) -> ApplicationError:
    return ApplicationError(str(exc), *[to_data(v) for v in exc.violations],
                            type=REJECTED, non_retryable=True)


def key_reused(command_id: str) -> ApplicationError:
    return ApplicationError(f"command id {command_id} was applied with other content",
                            command_id, type=KEY_REUSED, non_retryable=True)


def store_failure(exc: ActivityError) -> Exception:
    """A non-retryable append failure as the command's own failure; anything else (which a
    retry policy without limit never produces) is passed on unchanged."""
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        if cause.type == "WrongExpectedVersion":
            return ApplicationError(cause.message, type=CONCURRENT_CHANGE, non_retryable=True)
        if cause.type in (STORE_REFUSED, "EventIdReused"):
            return ApplicationError(cause.message, type=STORE_REFUSED, non_retryable=True)
    return exc
