"""Managing users: accounts, role grants, passwords, API tokens.

Every use case takes the acting principal: an administrator (``Role.ADMINISTRATOR``) whose
grant reaches the organizations concerned (their own subtree; an administrator at the central
level reaches all), or ``application.principal.OPERATOR`` for the operator's own shell
(recorded as the operator). Anyone else is refused (``Forbidden``). Changes are events on the
user's stream; a secret changes in the same transaction as its event (identity/store.py), and
never appears in one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import procedures
from application.errors import Conflict, Forbidden, NotFound, Rejected
from application.principal import Grant, Principal
from application.registry import Context, clean_text, registry_view
from domain.access import (
    ADMINISTRATOR,
    Operation,
    ParentsView,
    refusal_vi,
    role_named,
)
from domain.errors import CommandRejected, Violation
from domain.people import Actor, Role
from domain.vocabulary import business_day
from eventstore.errors import WrongExpectedVersion
from identity import registry_tables, store
from identity.accounts import (
    AnyUserCommand,
    ChangePassword,
    CreateUser,
    DeactivateUser,
    Directory,
    GrantRole,
    IssueToken,
    RevokeRole,
    RevokeToken,
    RoleGrant,
    UserAccount,
    UserEvent,
    decide_user,
    evolve_account,
)
from identity.credentials import (
    TOKEN_LIFETIME,
    Passwords,
    digest,
    new_token,
    new_token_id,
    password_problem,
)

USER = "người dùng"
MAX_TOKEN_LIFETIME = timedelta(days=366)


@dataclass(frozen=True, kw_only=True)
class TokenSummary:
    token_id: str
    name: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class UserSummary:
    login: str
    display_name: str
    active: bool
    grants: tuple[Grant, ...]
    password_set: bool
    tokens: tuple[TokenSummary, ...]


@dataclass(frozen=True, kw_only=True)
class IssuedToken:
    """A new API token. ``secret`` is shown this once: only its SHA-256 is kept."""

    token_id: str
    login: str
    name: str
    expires_at: datetime
    secret: str

    def __repr__(self) -> str:  # never in a log line or a traceback by accident
        return (f"IssuedToken(token_id={self.token_id!r}, login={self.login!r}, "
                f"name={self.name!r}, expires_at={self.expires_at!r}, secret=<hidden>)")


def summary(account: UserAccount) -> UserSummary:
    return UserSummary(
        login=account.login, display_name=account.display_name, active=account.active,
        grants=tuple(grant_of(g) for g in account.grants), password_set=account.password_set,
        tokens=tuple(TokenSummary(token_id=t.token_id, name=t.name, issued_at=t.issued_at,
                                  expires_at=t.expires_at, revoked_at=t.revoked_at)
                     for t in sorted(account.tokens.values(), key=lambda t: t.issued_at)))


def grant_of(grant: RoleGrant) -> Grant:
    return Grant(role=grant.role, organization_id=grant.organization_id, agency=grant.agency)


@cache
def agency_codes() -> frozenset[str]:
    """The appraisal agencies of every procedure on file."""
    return frozenset(code for key in procedures.available()
                     for code in procedures.load(key).appraisal.agency_codes())


_PASSWORDS: list[Passwords] = []


def passwords() -> Passwords:
    """The process's argon2id hasher (made on first use: it hashes a decoy)."""
    if not _PASSWORDS:
        _PASSWORDS.append(Passwords())
    return _PASSWORDS[0]


# --- who acts -------------------------------------------------------------------------------
async def _acting(ctx: Context, principal: Principal, organizations: Sequence[str]) -> Actor:
    """The operator, or an administrator grant reaching every one of ``organizations`` (the
    organizations of the user's grants, or of the grant given or taken; none: any
    administrator may act)."""
    if principal.operator:
        return principal.acting(Operation.MANAGE_USERS, None, ParentsView({}))
    own = [g.organization_id for g in principal.grants if g.role == ADMINISTRATOR]
    if not own:
        raise Forbidden(refusal_vi(Operation.MANAGE_USERS, None))
    targets = list(organizations) or own[:1]
    view = await registry_view(ctx, business_day(ctx.clock()), [*targets, *own])
    actor: Actor | None = None
    for target in targets:
        acting = principal.acting(Operation.MANAGE_USERS, target, view)
        actor = actor or acting
    assert actor is not None
    return actor


async def _account(ctx: Context, login: str) -> UserAccount:
    account = await store.read_account(ctx.store, login)
    if account is None:
        raise NotFound(USER, login)
    return account


Then = Callable[[Any], Awaitable[None]]


async def _record(ctx: Context, account: UserAccount | None, commands: Sequence[AnyUserCommand],
                  *, directory: Directory | None = None, then: Then | None = None,
                  metadata: dict[str, Any] | None = None) -> tuple[UserAccount | None,
                                                                    list[UserEvent]]:
    """Decide ``commands`` one after another on the account, then append their events with
    ``then`` in one transaction. Returns the account after and the events (none when every
    command had been decided before: a retry)."""
    now = ctx.clock()
    current, events = account, []
    try:
        for command in commands:
            decided = decide_user(current, command, now=now, directory=directory)
            for event in decided:
                current = evolve_account(current, event)
            events += decided
    except CommandRejected as rejected:
        raise Rejected(rejected.violations) from None
    if events:
        try:
            await store.record(ctx.engine, events, account.version if account else 0,
                               then=then, metadata=metadata)
        except WrongExpectedVersion as moved:
            raise Conflict((Violation(
                field="login", rule="concurrent_change",
                message=f"người dùng «{events[0].login}» vừa được thay đổi ở nơi khác; hãy "
                        f"thử lại ({moved})"),)) from moved
    return current, events


def _id(command_id: str | None) -> str:
    return command_id or f"user-{uuid.uuid4().hex}"


# --- the use cases --------------------------------------------------------------------------
async def create_user(ctx: Context, principal: Principal, *, login: str, display_name: str,
                      command_id: str | None = None) -> UserSummary:
    """A new user, with no role and no password yet (``grant_role``, ``set_password``)."""
    actor = await _acting(ctx, principal, ())
    account = await store.read_account(ctx.store, login)
    after, _ = await _record(ctx, account, [CreateUser(
        command_id=_id(command_id), actor=actor, login=login,
        display_name=clean_text(display_name))])
    assert after is not None
    return summary(after)


async def _directory(ctx: Context, organization_id: str) -> Directory:
    day = business_day(ctx.clock())
    version = await registry_tables.version_on(ctx.engine, organization_id, day)
    active = version is not None and version.active
    return Directory(organization_exists=lambda o: active and o == organization_id,
                     agency_codes=agency_codes())


def _role_grant(role: Role | str, organization_id: str, agency: str | None) -> RoleGrant:
    try:
        parsed = role if isinstance(role, Role) else role_named(role)
    except ValueError:
        raise Rejected((Violation(field="grant.role", rule="unknown_role",
                                  message=f"không có vai trò «{role}»"),)) from None
    return RoleGrant(role=parsed, organization_id=organization_id, agency=agency or None)


async def grant_role(ctx: Context, principal: Principal, *, login: str, role: Role | str,
                     organization_id: str, agency: str | None = None,
                     command_id: str | None = None) -> UserSummary:
    """Give ``login`` a role for an organization of the registry (active today); an appraisal
    agency names its agency (organization_department, inspection_committee, internal_affairs).
    The administrator must reach the organization."""
    grant = _role_grant(role, organization_id, agency)
    await _acting(ctx, principal, ())  # an administrator at all, before saying more
    account = await _account(ctx, login)
    directory = await _directory(ctx, organization_id)
    if not directory.organization_exists(organization_id):
        raise Rejected((Violation(
            field="grant.organization_id", rule="unknown_organization",
            message=f"không có tổ chức «{organization_id}» đang hoạt động trong danh mục"),))
    actor = await _acting(ctx, principal, [organization_id])
    after, _ = await _record(ctx, account, [GrantRole(
        command_id=_id(command_id), actor=actor, login=login, grant=grant)],
        directory=directory)
    assert after is not None
    return summary(after)


async def revoke_role(ctx: Context, principal: Principal, *, login: str, role: Role | str,
                      organization_id: str, agency: str | None = None,
                      command_id: str | None = None) -> UserSummary:
    grant = _role_grant(role, organization_id, agency)
    account = await _account(ctx, login)
    actor = await _acting(ctx, principal, [organization_id])
    after, _ = await _record(ctx, account, [RevokeRole(
        command_id=_id(command_id), actor=actor, login=login, grant=grant)])
    assert after is not None
    return summary(after)


def _reach(account: UserAccount) -> list[str]:
    return sorted({g.organization_id for g in account.grants})


async def set_password(ctx: Context, principal: Principal, *, login: str, password: str,
                       command_id: str | None = None) -> None:
    """Set ``login``'s password (at least 12 characters; argon2id). The user's web sessions
    end with it. The event says only that the password changed."""
    problem = password_problem(password)
    if problem is not None:
        raise Rejected((Violation(field="password", rule=problem[0], message=problem[1]),))
    account = await _account(ctx, login)
    actor = await _acting(ctx, principal, _reach(account))
    await change_password_as(ctx, account, actor, password, command_id=command_id)


async def change_password_as(ctx: Context, account: UserAccount, actor: Actor, password: str,
                             *, command_id: str | None = None,
                             metadata: dict[str, Any] | None = None) -> None:
    """The password change itself, by an actor already authorized (an administrator, the
    operator, or the user after proving who they are)."""
    problem = password_problem(password)
    if problem is not None:
        raise Rejected((Violation(field="password", rule=problem[0], message=problem[1]),))
    hashed = await asyncio.to_thread(passwords().hash, password)
    now = ctx.clock()

    async def keep(conn: Any) -> None:
        await store.put_password(conn, account.login, hashed, now)
        await store.delete_sessions_of(conn, account.login)

    await _record(ctx, account, [ChangePassword(
        command_id=_id(command_id), actor=actor, login=account.login)], then=keep,
        metadata=metadata)


async def issue_token(ctx: Context, principal: Principal, *, login: str, name: str,
                      lifetime: timedelta = TOKEN_LIFETIME,
                      command_id: str | None = None) -> IssuedToken:
    """A new API token for ``login`` (90 days unless told, at most a year). Its secret is in
    the answer and nowhere else: store it now."""
    account = await _account(ctx, login)
    actor = await _acting(ctx, principal, _reach(account))
    return await issue_token_as(ctx, account, actor, name=name, lifetime=lifetime,
                                command_id=command_id)


async def issue_token_as(ctx: Context, account: UserAccount, actor: Actor, *, name: str,
                         lifetime: timedelta = TOKEN_LIFETIME, command_id: str | None = None,
                         metadata: dict[str, Any] | None = None) -> IssuedToken:
    if not timedelta(0) < lifetime <= MAX_TOKEN_LIFETIME:
        raise Rejected((Violation(field="lifetime", rule="range",
                                  message="thời hạn của mã truy cập phải từ vài phút đến "
                                          "366 ngày"),))
    now = ctx.clock()
    secret, token_id = new_token(), new_token_id()
    command = IssueToken(command_id=_id(command_id), actor=actor, login=account.login,
                         token_id=token_id, name=clean_text(name),
                         expires_at=now + lifetime)

    async def keep(conn: Any) -> None:
        await store.put_token(conn, store.TokenRow(
            token_id=token_id, login=account.login, secret_sha256=digest(secret),
            name=command.name, created_at=now, expires_at=command.expires_at,
            revoked_at=None))

    _, events = await _record(ctx, account, [command], then=keep, metadata=metadata)
    if not events:
        raise Conflict((Violation(
            field="command_id", rule="already_applied",
            message="mã truy cập đã được cấp với khóa lệnh này và chỉ hiện một lần; hãy thu "
                    "hồi nó và cấp mã mới"),))
    return IssuedToken(token_id=token_id, login=account.login, name=command.name,
                       expires_at=command.expires_at, secret=secret)


async def revoke_token(ctx: Context, principal: Principal, *, login: str, token_id: str,
                       command_id: str | None = None) -> None:
    account = await _account(ctx, login)
    actor = await _acting(ctx, principal, _reach(account))
    await revoke_token_as(ctx, account, actor, token_id, command_id=command_id)


async def revoke_token_as(ctx: Context, account: UserAccount, actor: Actor, token_id: str, *,
                          command_id: str | None = None) -> None:
    now = ctx.clock()

    async def keep(conn: Any) -> None:
        await store.revoke_tokens(conn, account.login, now, token_id)

    await _record(ctx, account, [RevokeToken(command_id=_id(command_id), actor=actor,
                                             login=account.login, token_id=token_id)],
                  then=keep)


async def deactivate_user(ctx: Context, principal: Principal, *, login: str, reason: str = "",
                          command_id: str | None = None) -> UserSummary:
    """The user can no longer sign in: their sessions end and their tokens are revoked (each
    recorded). The account and its history stay."""
    account = await _account(ctx, login)
    actor = await _acting(ctx, principal, _reach(account))
    now = ctx.clock()
    base = _id(command_id)
    live = sorted(t.token_id for t in account.tokens.values() if t.revoked_at is None)
    commands: list[AnyUserCommand] = [DeactivateUser(command_id=base, actor=actor, login=login,
                                                     reason=clean_text(reason))]
    commands += [RevokeToken(command_id=f"{base}-{t}", actor=actor, login=login, token_id=t)
                 for t in live]

    async def keep(conn: Any) -> None:
        await store.revoke_tokens(conn, login, now)
        await store.delete_sessions_of(conn, login)

    # Revoking needs the account still active for RevokeToken: tokens first, then the user.
    after, _ = await _record(ctx, account, [*commands[1:], commands[0]], then=keep)
    assert after is not None
    return summary(after)


async def get_user(ctx: Context, principal: Principal, login: str) -> UserSummary:
    account = await _account(ctx, login)
    await _acting(ctx, principal, _reach(account))
    return summary(account)


async def list_users(ctx: Context, principal: Principal) -> list[UserSummary]:
    """Every user the principal manages: all for the operator and an administrator at a root;
    for another administrator, those whose every grant lies in its subtree (and those with no
    grant)."""
    await _acting(ctx, principal, ())
    accounts = await store.read_accounts(ctx.store)
    if principal.operator:
        return [summary(a) for a in accounts]
    organizations = {g.organization_id for a in accounts for g in a.grants}
    own = {g.organization_id for g in principal.grants if g.role == ADMINISTRATOR}
    view = await registry_view(ctx, business_day(ctx.clock()), [*organizations, *own])
    return [summary(a) for a in accounts
            if all(principal.grant_for(Operation.MANAGE_USERS, g.organization_id, view)
                   for g in a.grants)]

