"""Who is asking: API tokens, web sessions with CSRF tokens, password logins with a rate limit.

The edges call one of these and pass the ``Principal`` to every use case:

- HTTP API and CLI: ``authenticate_token(ctx, token)`` (``Authorization: Bearer nhs_...``; the
  CLI takes ``token_source(settings)``: NHANSU_TOKEN, else the token file);
- web UI: ``log_in(ctx, login, password, source)`` sets the cookie to ``Session.session_id``;
  each request calls ``resume_session(ctx, cookie)`` (or ``session_principal``) and, for a
  form or any unsafe method, ``check_csrf(session, submitted)``; ``log_out`` ends it;
- CLI ``login``: ``log_in_for_cli(ctx, login, password, source, token_file)`` issues the
  user's own token and writes it, readable by its owner only.

A token or a session says who the user is, never which role: the roles are the user's grants
as recorded, read again on every request, so a revoked grant or a deactivated user takes
effect at once.
"""

from __future__ import annotations

import asyncio
import math
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import structlog

from application.errors import Forbidden, LoginLocked, Unauthenticated
from application.principal import OPERATOR_ORGANIZATION, Principal
from application.registry import Context
from application.users import (
    IssuedToken,
    grant_of,
    issue_token_as,
    passwords,
)
from domain.people import Actor, Role
from domain.vocabulary import moment
from identity import store
from identity.accounts import UserAccount, login_problem
from identity.credentials import (
    RATE_LIMIT,
    SESSION_ABSOLUTE,
    SESSION_IDLE,
    TOKEN_LIFETIME,
    RateLimit,
    digest,
    locked_until,
    looks_like_token,
    matches,
    new_csrf_token,
    new_session_id,
    same_text,
)

log = structlog.get_logger("nhansu.authentication")

WRONG_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."
BAD_TOKEN = "Mã truy cập không hợp lệ."
MAX_SOURCE_LENGTH = 200
MAX_LOGIN_KEPT = 100


@dataclass(frozen=True, kw_only=True)
class Session:
    """A web session. ``session_id`` is the cookie value (kept server-side only as its
    SHA-256); ``csrf_token`` goes into every form and unsafe request of the session."""

    session_id: str
    login: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime  # the absolute end: 24 hours after the login
    idle_expires_at: datetime  # 8 hours after the last request, never after expires_at

    def __repr__(self) -> str:
        return (f"Session(login={self.login!r}, created_at={self.created_at!r}, "
                f"expires_at={self.expires_at!r}, session_id=<hidden>, csrf_token=<hidden>)")


def principal_of(account: UserAccount) -> Principal:
    return Principal(user_id=account.login, display_name=account.display_name,
                     grants=tuple(grant_of(g) for g in account.grants))


async def _active_account(ctx: Context, login: str, message: str) -> UserAccount:
    account = await store.read_account(ctx.store, login)
    if account is None or not account.active:
        raise Unauthenticated(message)
    return account


# --- API tokens -----------------------------------------------------------------------------
async def authenticate_token(ctx: Context, token: str) -> Principal:
    """The user an API token belongs to, with their grants. Unauthenticated for a token that
    is malformed, unknown, revoked or expired, or of a deactivated user."""
    token = token.strip()
    if not looks_like_token(token):
        raise Unauthenticated(BAD_TOKEN)
    row = await store.token_by_digest(ctx.engine, digest(token))
    if row is None or not matches(row.secret_sha256, token):
        raise Unauthenticated(BAD_TOKEN)
    now = ctx.clock()
    if row.revoked_at is not None:
        raise Unauthenticated(f"Mã truy cập «{row.name}» đã bị thu hồi; hãy xin mã mới.")
    if now >= row.expires_at:
        raise Unauthenticated(f"Mã truy cập «{row.name}» đã hết hạn từ "
                              f"{row.expires_at:%d/%m/%Y}; hãy xin mã mới.")
    account = await _active_account(ctx, row.login, BAD_TOKEN)
    return principal_of(account)


# --- password logins ------------------------------------------------------------------------
def _source(source: str) -> str:
    return (source.strip() or "unknown")[:MAX_SOURCE_LENGTH]


async def _check_password(ctx: Context, login: str, password: str, source: str,
                          rule: RateLimit) -> UserAccount:
    """The account whose password this is, or Unauthenticated with the one message that never
    says which part was wrong. Refused without trying while the login or the source is locked
    out. Each failure is recorded and logged with the login and the source."""
    now = ctx.clock()
    source = _source(source)
    login = login[:MAX_LOGIN_KEPT]  # what is kept and logged of whatever was typed
    since = now - rule.window - rule.lockout
    by_login, by_source = await store.recent_failures(ctx.engine, login, source, since)
    until = max((u for u in (locked_until(by_login, rule.per_login, rule, now),
                             locked_until(by_source, rule.per_source, rule, now))
                 if u is not None), default=None)
    if until is not None:
        log.warning("login_refused_rate_limited", login=login, source=source,
                    until=until.isoformat())
        raise LoginLocked(f"Đăng nhập tạm bị khóa vì nhập sai nhiều lần; hãy thử lại sau "
                          f"{moment(until)}.",
                          retry_after_seconds=max(1, math.ceil((until - now).total_seconds())))
    account = (await store.read_account(ctx.store, login)
               if login_problem(login) is None else None)
    hashed = await store.password_hash(ctx.engine, login) if account is not None else None
    # Verified even without an account or a hash (against a decoy): the same time either way.
    right = await asyncio.to_thread(passwords().verify, hashed, password)
    if account is None or not account.active or not right:
        reason = ("unknown_login" if account is None else
                  "deactivated" if not account.active else
                  "no_password" if hashed is None else "wrong_password")
        await store.add_failure(ctx.engine, login, source, now)
        log.warning("login_failed", login=login, source=source, reason=reason)
        raise Unauthenticated(WRONG_CREDENTIALS)
    await store.clear_failures(ctx.engine, login)
    if hashed is not None and passwords().needs_rehash(hashed):
        new = await asyncio.to_thread(passwords().hash, password)
        await store.replace_hash(ctx.engine, login, hashed, new)
    return account


async def log_in(ctx: Context, login: str, password: str, source: str, *,
                 rate_limit: RateLimit = RATE_LIMIT) -> Session:
    """A new web session for the user whose password this is. ``source`` is where the
    attempt comes from (the client's address). After 5 failures for a login, or 20 from a
    source, within 15 minutes, attempts are refused for 15 minutes, the right password
    included."""
    account = await _check_password(ctx, login, password, source, rate_limit)
    now = ctx.clock()
    session_id, csrf = new_session_id(), new_csrf_token()
    await store.put_session(ctx.engine, store.SessionRow(
        session_sha256=digest(session_id), login=account.login, csrf_token=csrf,
        source=_source(source), created_at=now, expires_at=now + SESSION_ABSOLUTE,
        last_seen_at=now))
    log.info("logged_in", login=account.login, source=_source(source))
    return Session(session_id=session_id, login=account.login, csrf_token=csrf, created_at=now,
                   expires_at=now + SESSION_ABSOLUTE,
                   idle_expires_at=min(now + SESSION_IDLE, now + SESSION_ABSOLUTE))


# --- web sessions ---------------------------------------------------------------------------
EXPIRED = "Phiên đăng nhập đã hết hạn hoặc không còn; hãy đăng nhập lại."


async def resume_session(ctx: Context, session_id: str) -> tuple[Session, Principal]:
    """The session of a request's cookie, slid forward (8 hours idle, 24 hours at most), and
    its user. Unauthenticated for a session that is unknown, ended or expired (an expired one
    is deleted), or of a user deactivated since."""
    if not session_id or len(session_id) > 100:
        raise Unauthenticated(EXPIRED)
    now = ctx.clock()
    row = await store.touch_session(ctx.engine, digest(session_id), now, now - SESSION_IDLE)
    if row is None:
        raise Unauthenticated(EXPIRED)
    account = await _active_account(ctx, row.login, EXPIRED)
    session = Session(session_id=session_id, login=row.login, csrf_token=row.csrf_token,
                      created_at=row.created_at, expires_at=row.expires_at,
                      idle_expires_at=min(now + SESSION_IDLE, row.expires_at))
    return session, principal_of(account)


async def session_principal(ctx: Context, session_id: str) -> Principal:
    """The user of a web session (see ``resume_session``)."""
    _, principal = await resume_session(ctx, session_id)
    return principal


async def log_out(ctx: Context, session_id: str) -> bool:
    """End the session; whether there was one."""
    ended = await store.delete_session(ctx.engine, digest(session_id))
    if ended:
        log.info("logged_out")
    return ended


def check_csrf(session: Session, token: str | None) -> None:
    """Forbidden unless ``token`` is the session's CSRF token (compared in constant time)."""
    if not same_text(session.csrf_token, token):
        raise Forbidden("Yêu cầu không kèm mã chống giả mạo (CSRF) đúng của phiên đăng nhập; "
                        "hãy tải lại trang rồi thử lại.")


async def forget_expired(ctx: Context) -> tuple[int, int]:
    """Housekeeping for the operator: delete dead sessions and failures older than the rate
    limit looks at. Returns (sessions, failures) deleted."""
    now = ctx.clock()
    sessions = await store.delete_dead_sessions(ctx.engine, now, now - SESSION_IDLE)
    failures = await store.forget_failures_before(
        ctx.engine, now - RATE_LIMIT.window - RATE_LIMIT.lockout)
    return sessions, failures


# --- the CLI's token ------------------------------------------------------------------------
class TokenSettings(Protocol):
    """What ``token_source`` reads of the settings (NHANSU_TOKEN, NHANSU_TOKEN_FILE)."""

    @property
    def token(self) -> str | None: ...

    @property
    def token_file(self) -> Path: ...


#: Where ``login`` keeps the CLI's token unless told otherwise (settings expand the ``~``).
DEFAULT_TOKEN_FILE = Path("~/.config/nhansu/token")


def token_source(settings: TokenSettings) -> str | None:
    """The token a CLI command acts with: ``settings.token`` (NHANSU_TOKEN) if set, else the
    token file if it exists; None when there is neither. A token file others may read or
    write is refused (Unauthenticated): ``chmod 600`` it."""
    if settings.token and settings.token.strip():
        return settings.token.strip()
    return read_token_file(settings.token_file)


def read_token_file(path: Path) -> str | None:
    path = path.expanduser()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(mode):
        raise Unauthenticated(f"«{path}» không phải một tệp mã truy cập.")
    if mode & 0o077:
        raise Unauthenticated(f"Tệp mã truy cập «{path}» để người khác đọc hoặc ghi được; hãy "
                              f"chạy: chmod 600 {path}")
    text = path.read_text(encoding="ascii", errors="replace").strip()
    return text or None


def write_token_file(path: Path, token: str) -> Path:
    """Write ``token`` to ``path`` (created readable by its owner only, replaced atomically;
    the folder made with mode 0700 if missing)."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".token.")
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, (token + "\n").encode("ascii"))
        os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path


async def log_in_for_cli(ctx: Context, login: str, password: str, source: str,
                         token_file: Path, *, name: str = "cli",
                         lifetime: timedelta = TOKEN_LIFETIME,
                         rate_limit: RateLimit = RATE_LIMIT) -> IssuedToken:
    """The CLI's ``login``: with the right password (rate-limited as the web login), issue the
    user's own API token and write it to ``token_file`` (mode 0600). Recorded with the user
    as actor, in the role ``system`` (the service acting on the user's proven request)."""
    account = await _check_password(ctx, login, password, source, rate_limit)
    actor = Actor(user_id=account.login, role=Role.SYSTEM, organization_id=OPERATOR_ORGANIZATION)
    issued = await issue_token_as(ctx, account, actor, name=name, lifetime=lifetime,
                                  metadata={"on_behalf_of": "self", "source": _source(source)})
    await asyncio.to_thread(write_token_file, token_file, issued.secret)
    log.info("cli_token_issued", login=account.login, token_id=issued.token_id)
    return issued
