"""A domain rejection as the error a client sees: violations kept as structured details."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from domain.errors import CommandRejected
from domain.serialization import to_data


def rejection(exc: CommandRejected) -> ApplicationError:
    return ApplicationError(str(exc), *[to_data(v) for v in exc.violations],
                            type="CommandRejected", non_retryable=True)
