"""Users' events and secrets on PostgreSQL.

Events: stream ``user-{login}``, correlation ``users`` (so every user's events come back in
one indexed read). Secrets: the ``identity_*`` tables (identity/migrations), which an operator
can rotate and clean, unlike the append-only log. A change of a secret and its event commit in
one transaction (``identity.database``): a token is never usable without its ``TokenIssued``,
and a password never changes without its ``PasswordChanged``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventstore.model import RecordedEvent
from eventstore.store import PostgresEventStore
from identity.accounts import (
    CORRELATION_ID,
    UserAccount,
    UserEvent,
    evolve_account,
    user_event_from_data,
    user_event_to_data,
    user_stream,
)
from identity.database import append_in, driver, envelope, transaction

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


Then = Callable[[Any], Awaitable[None]]


# --- events ---------------------------------------------------------------------------------
def decode(recorded: RecordedEvent) -> UserEvent:
    return user_event_from_data(recorded.event_type, recorded.schema_version, recorded.data)


async def read_account(store: PostgresEventStore, login: str) -> UserAccount | None:
    account: UserAccount | None = None
    for recorded in await store.read_stream(user_stream(login)):
        account = evolve_account(account, decode(recorded))
    return account


async def read_accounts(store: PostgresEventStore) -> list[UserAccount]:
    """Every user, by login."""
    accounts: dict[str, UserAccount] = {}
    for recorded in await store.read_correlated(CORRELATION_ID):
        event = decode(recorded)
        accounts[event.login] = evolve_account(accounts.get(event.login), event)
    return [accounts[login] for login in sorted(accounts)]


async def record(engine: AsyncEngine, events: Sequence[UserEvent], expected_version: int, *,
                 then: Then | None = None,
                 metadata: dict[str, Any] | None = None) -> list[RecordedEvent]:
    """Append ``events`` (all of one user) and run ``then`` on the same connection, in one
    transaction. Raises WrongExpectedVersion when the user's stream moved on."""
    if not events:
        return []
    logins = {e.login for e in events}
    if len(logins) != 1:
        raise ValueError(f"events of one user at a time, not {sorted(logins)}")
    stream = user_stream(events[0].login)
    batch = [envelope(stream_id=stream, event_type=e.TYPE, schema_version=e.SCHEMA_VERSION,
                      data=user_event_to_data(e), actor=e.actor, command_id=e.command_id,
                      occurred_at=e.occurred_at, correlation_id=CORRELATION_ID,
                      metadata=metadata) for e in events]
    async with transaction(engine) as conn:
        recorded = await append_in(conn, batch, {stream: expected_version})
        if then is not None:
            await then(conn)
    return recorded


# --- passwords ------------------------------------------------------------------------------
async def put_password(conn: Any, login: str, hashed: str, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO identity_passwords (login, hash, changed_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (login) DO UPDATE SET hash = excluded.hash, "
        "changed_at = excluded.changed_at", login, hashed, at)


async def password_hash(engine: AsyncEngine, login: str) -> str | None:
    async with driver(engine) as conn:
        value = await conn.fetchval("SELECT hash FROM identity_passwords WHERE login = $1",
                                    login)
    return str(value) if value is not None else None


async def replace_hash(engine: AsyncEngine, login: str, old: str, new: str) -> None:
    """A stronger hash of the same password (argon2 parameters raised), if unchanged since."""
    async with driver(engine) as conn:
        await conn.execute("UPDATE identity_passwords SET hash = $3 WHERE login = $1 AND "
                           "hash = $2", login, old, new)


# --- API tokens -----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class TokenRow:
    token_id: str
    login: str
    secret_sha256: bytes
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


_TOKEN_COLUMNS = "token_id, login, secret_sha256, name, created_at, expires_at, revoked_at"


def _token(row: Any) -> TokenRow:
    return TokenRow(token_id=row[0], login=row[1], secret_sha256=bytes(row[2]), name=row[3],
                    created_at=row[4], expires_at=row[5], revoked_at=row[6])


async def put_token(conn: Any, token: TokenRow) -> None:
    await conn.execute(
        f"INSERT INTO identity_tokens ({_TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        token.token_id, token.login, token.secret_sha256, token.name, token.created_at,
        token.expires_at, token.revoked_at)


async def token_by_digest(engine: AsyncEngine, secret_sha256: bytes) -> TokenRow | None:
    async with driver(engine) as conn:
        row = await conn.fetchrow(
            f"SELECT {_TOKEN_COLUMNS} FROM identity_tokens WHERE secret_sha256 = $1",
            secret_sha256)
    return _token(row) if row is not None else None


async def tokens_of(engine: AsyncEngine, login: str) -> list[TokenRow]:
    async with driver(engine) as conn:
        rows = await conn.fetch(
            f"SELECT {_TOKEN_COLUMNS} FROM identity_tokens WHERE login = $1 "
            "ORDER BY created_at, token_id", login)
    return [_token(r) for r in rows]


async def revoke_tokens(conn: Any, login: str, at: datetime,
                        token_id: str | None = None) -> list[str]:
    """Revoke one of ``login``'s tokens (or all of them); the ids revoked now."""
    rows = await conn.fetch(
        "UPDATE identity_tokens SET revoked_at = $2 WHERE login = $1 AND revoked_at IS NULL "
        "AND ($3::text IS NULL OR token_id = $3) RETURNING token_id", login, at, token_id)
    return sorted(r[0] for r in rows)


# --- web sessions ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SessionRow:
    session_sha256: bytes
    login: str
    csrf_token: str
    source: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime


_SESSION_COLUMNS = ("session_sha256, login, csrf_token, source, created_at, expires_at, "
                    "last_seen_at")


def _session(row: Any) -> SessionRow:
    return SessionRow(session_sha256=bytes(row[0]), login=row[1], csrf_token=row[2],
                      source=row[3], created_at=row[4], expires_at=row[5],
                      last_seen_at=row[6])


async def put_session(engine: AsyncEngine, session: SessionRow) -> None:
    async with driver(engine) as conn:
        await conn.execute(
            f"INSERT INTO identity_sessions ({_SESSION_COLUMNS}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            session.session_sha256, session.login, session.csrf_token, session.source,
            session.created_at, session.expires_at, session.last_seen_at)


async def touch_session(engine: AsyncEngine, session_sha256: bytes, now: datetime,
                        idle_since: datetime) -> SessionRow | None:
    """The session, its ``last_seen_at`` moved to ``now``, if it is still alive: not past its
    absolute end and seen after ``idle_since``. A dead session is deleted."""
    async with driver(engine) as conn:
        row = await conn.fetchrow(
            f"UPDATE identity_sessions SET last_seen_at = $2 WHERE session_sha256 = $1 "
            f"AND expires_at > $2 AND last_seen_at > $3 RETURNING {_SESSION_COLUMNS}",
            session_sha256, now, idle_since)
        if row is None:
            await conn.execute("DELETE FROM identity_sessions WHERE session_sha256 = $1",
                               session_sha256)
            return None
    return _session(row)


async def delete_session(engine: AsyncEngine, session_sha256: bytes) -> bool:
    async with driver(engine) as conn:
        status = await conn.execute("DELETE FROM identity_sessions WHERE session_sha256 = $1",
                                    session_sha256)
    return bool(status.endswith(" 1"))


async def delete_sessions_of(conn: Any, login: str) -> None:
    await conn.execute("DELETE FROM identity_sessions WHERE login = $1", login)


async def delete_dead_sessions(engine: AsyncEngine, now: datetime,
                               idle_since: datetime) -> int:
    """Remove sessions past their end or idle too long; how many."""
    async with driver(engine) as conn:
        status = await conn.execute(
            "DELETE FROM identity_sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
            now, idle_since)
    return int(status.split()[-1])


# --- failed logins --------------------------------------------------------------------------
async def add_failure(engine: AsyncEngine, login: str, source: str, at: datetime) -> None:
    async with driver(engine) as conn:
        await conn.execute(
            "INSERT INTO identity_login_failures (login, source, at) VALUES ($1, $2, $3)",
            login, source, at)


async def recent_failures(engine: AsyncEngine, login: str, source: str,
                          since: datetime) -> tuple[list[datetime], list[datetime]]:
    """Times of the failures since ``since``: (of this login, from this source)."""
    async with driver(engine) as conn:
        by_login = await conn.fetch(
            "SELECT at FROM identity_login_failures WHERE login = $1 AND at > $2", login, since)
        by_source = await conn.fetch(
            "SELECT at FROM identity_login_failures WHERE source = $1 AND at > $2", source,
            since)
    return [r[0] for r in by_login], [r[0] for r in by_source]


async def clear_failures(engine: AsyncEngine, login: str) -> None:
    async with driver(engine) as conn:
        await conn.execute("DELETE FROM identity_login_failures WHERE login = $1", login)


async def forget_failures_before(engine: AsyncEngine, before: datetime) -> int:
    async with driver(engine) as conn:
        status = await conn.execute("DELETE FROM identity_login_failures WHERE at < $1",
                                    before)
    return int(status.split()[-1])
