"""The event store's one error root and its kinds."""

from __future__ import annotations

import sys

import asyncpg.exceptions as pg
from asyncpg.exceptions import _base as pg_base


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


class StoreRefusedValue(EventStoreError, ValueError):
    """The store cannot keep a value of these events: refused before writing (it would not
    round-trip, or cannot be encoded) or by the database (an SQLSTATE of a value: data
    exceptions, a check constraint, a value too large for an index). Sending the same events
    again cannot succeed. The message names the SQLSTATE (if the database refused) and the
    event types, never the value itself, which may be personal data."""

    def __init__(self, event_types: tuple[str, ...], detail: str,
                 sqlstate: str | None = None) -> None:
        types = ", ".join(event_types) or "(không rõ)"
        source = (f"cơ sở dữ liệu từ chối (SQLSTATE {sqlstate})" if sqlstate
                  else "bị từ chối trước khi ghi")
        super().__init__(f"Kho sự kiện không lưu được giá trị của sự kiện {types}: {source}: "
                         f"{detail}")
        self.event_types = event_types
        self.detail = detail
        self.sqlstate = sqlstate


class StoreUnavailable(EventStoreError):
    """The database cannot be reached, or did not answer in time (see ``is_unavailable``)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Cơ sở dữ liệu PostgreSQL không kết nối được hoặc không trả lời kịp: "
                         f"{detail}")
        self.detail = detail

    @classmethod
    def from_error(cls, error: BaseException) -> StoreUnavailable:
        """One line about ``error`` (the innermost cause that says what happened)."""
        cause = _unavailable_cause(error) or error
        text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        return cls(f"{type(cause).__name__}: {text}" if text else type(cause).__name__)


# SQLSTATEs of a server that is going away or will not take the session: connection
# exceptions (class 08), operator intervention (57P01-57P05: shutdown, cannot connect now, idle
# session timeout), too many connections, and a statement cancelled by statement_timeout.
_UNAVAILABLE_STATES = ("57P01", "57P02", "57P03", "57P04", "57P05", "53300", "57014")


def _chain(error: BaseException) -> list[BaseException]:
    """``error``, what it wraps (SQLAlchemy's ``orig``) and its causes and contexts."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop(0)
        if any(current is s for s in seen) or len(seen) > 20:
            continue
        seen.append(current)
        for linked in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                todo.append(linked)
    return seen


def _is_unavailable_one(error: BaseException) -> bool:
    if isinstance(error, pg_base.DataError):  # a client-side InterfaceError about a value
        return False
    if isinstance(error, (TimeoutError, OSError, pg.PostgresConnectionError,
                          pg.CannotConnectNowError, pg.ConnectionDoesNotExistError,
                          pg.InterfaceError, pg_base.InternalClientError)):
        # InternalClientError: "cannot switch to state ...; another operation is in
        # progress", a connection left mid-conversation by a server that went away.
        return True
    sa = sys.modules.get("sqlalchemy.exc")  # its errors exist only if SQLAlchemy was used
    if sa is not None:
        if isinstance(error, (sa.TimeoutError, sa.DisconnectionError)):
            return True
        if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
            return True
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and (state.startswith("08") or state in _UNAVAILABLE_STATES)


def _unavailable_cause(error: BaseException) -> BaseException | None:
    for linked in _chain(error):
        if _is_unavailable_one(linked):
            return linked
    return None


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is unreachable or not answering (connection refused
    or reset, a connect or command timeout, the server shutting down or refusing sessions, an
    exhausted pool), directly or wrapped by SQLAlchemy (``DBAPIError.orig``) or as a cause.
    Errors about the statement or its values are not."""
    return _unavailable_cause(exc) is not None
