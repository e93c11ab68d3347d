"""The event store's one error root and its kinds."""

from __future__ import annotations


class EventStoreError(Exception):
    """Root of every error the event store raises."""


class WrongExpectedVersion(EventStoreError):
    """Another writer got there first: the stream is not at the version the caller expected."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id}: expected version {expected}, actual version {actual}"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class EventIdReused(EventStoreError):
    """An event id already stored with a different payload: a bug or a forged retry."""

    def __init__(self, event_id: str, detail: str) -> None:
        super().__init__(f"event {event_id} is already stored with different content: {detail}")
        self.event_id = event_id
        self.detail = detail


class StaleTransaction(WrongExpectedVersion):
    """The append runs in a caller's transaction that took its transaction id before the
    stream's newest event was written. Appending would put the new event before that one in the
    global log, so it is refused; retry in a fresh transaction (as for any version conflict)."""

    def __init__(self, stream_id: str, version: int) -> None:
        super().__init__(stream_id, version, version)
        self.args = (
            f"stream {stream_id}: the transaction is older than the writer of version "
            f"{version}; retry in a new transaction",
        )
