"""Users and their role grants, as events on the stream ``user-{login}``, and the rules their
changes obey. Pure: no I/O, time and ids are arguments.

No secret is ever in an event: ``PasswordChanged`` says that a password was set, not what it is
or its hash; ``TokenIssued`` names the token (id, name, expiry), never the secret or its
digest. Every event records who acted (an administrator, or the operator of the installation,
recorded as such) and the command it came from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, ClassVar

from domain.access import (
    ADMINISTRATOR,
    GRANTABLE_ROLES,
    ROLE_LABELS_VI,
    actor_from_data,
    role_named,
)
from domain.errors import Violations
from domain.people import Actor, Role
from domain.serialization import to_data

LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MAX_DISPLAY_NAME = 200
MAX_TOKEN_NAME = 100
MAX_REASON = 500
CORRELATION_ID = "users"
_CONTROL = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def user_stream(login: str) -> str:
    return f"user-{login}"


# --- events ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class UserEvent:
    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    login: str
    occurred_at: datetime
    actor: Actor
    command_id: str


@dataclass(frozen=True, kw_only=True)
class UserCreated(UserEvent):
    TYPE: ClassVar[str] = "UserCreated"
    display_name: str


@dataclass(frozen=True, kw_only=True)
class RoleGranted(UserEvent):
    TYPE: ClassVar[str] = "RoleGranted"
    role: Role
    organization_id: str
    agency: str | None


@dataclass(frozen=True, kw_only=True)
class RoleRevoked(UserEvent):
    TYPE: ClassVar[str] = "RoleRevoked"
    role: Role
    organization_id: str
    agency: str | None


@dataclass(frozen=True, kw_only=True)
class UserDeactivated(UserEvent):
    TYPE: ClassVar[str] = "UserDeactivated"
    reason: str


@dataclass(frozen=True, kw_only=True)
class PasswordChanged(UserEvent):
    """A password was set. The password and its hash are kept in ``identity_passwords``."""

    TYPE: ClassVar[str] = "PasswordChanged"


@dataclass(frozen=True, kw_only=True)
class TokenIssued(UserEvent):
    """An API token was issued. Its secret is shown once and kept only as a digest in
    ``identity_tokens``; neither is here."""

    TYPE: ClassVar[str] = "TokenIssued"
    token_id: str
    name: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class TokenRevoked(UserEvent):
    TYPE: ClassVar[str] = "TokenRevoked"
    token_id: str


USER_EVENT_TYPES: dict[str, type[UserEvent]] = {
    cls.TYPE: cls
    for cls in (UserCreated, RoleGranted, RoleRevoked, UserDeactivated, PasswordChanged,
                TokenIssued, TokenRevoked)
}
_FIELDS = {cls: {f.name for f in fields(cls)} for cls in USER_EVENT_TYPES.values()}


def user_event_to_data(event: UserEvent) -> dict[str, Any]:
    data: dict[str, Any] = to_data(event)
    return data


def user_event_from_data(event_type: str, schema_version: int,
                         data: Mapping[str, Any]) -> UserEvent:
    """The event stored as ``event_type`` v``schema_version``. Every type is at v1; a
    document of another version or shape is refused (ValueError)."""
    cls = USER_EVENT_TYPES[event_type]
    if schema_version != cls.SCHEMA_VERSION:
        raise ValueError(f"{event_type} v{schema_version}: this code reads v{cls.SCHEMA_VERSION}")
    if data.keys() != _FIELDS[cls]:
        raise ValueError(f"{event_type}: fields {sorted(data)} are not {sorted(_FIELDS[cls])}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name == "actor":
            values[name] = actor_from_data(value)
        elif name in ("occurred_at", "expires_at"):
            values[name] = datetime.fromisoformat(value)
        elif name == "role":
            values[name] = _role(value)
        elif name == "agency":
            values[name] = None if value is None else _text(value, name)
        else:
            values[name] = _text(value, name)
    return cls(**values)


def _role(value: Any) -> Role:
    return role_named(_text(value, "role"))


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected text, got {type(value).__name__}")
    return value


# --- state ----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RoleGrant:
    """A role held for an organization; an appraisal agency's also names its agency."""

    role: Role
    organization_id: str
    agency: str | None = None

    def key(self) -> tuple[str, str, str | None]:
        return (str(self.role), self.organization_id, self.agency)

    def describe_vi(self) -> str:
        label = ROLE_LABELS_VI.get(str(self.role), str(self.role))
        agency = f" ({self.agency})" if self.agency else ""
        return f"{label}{agency} của «{self.organization_id}»"


@dataclass(frozen=True, kw_only=True)
class TokenInfo:
    token_id: str
    name: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, kw_only=True)
class UserAccount:
    """A user as their events make them."""

    login: str
    display_name: str
    active: bool = True
    grants: tuple[RoleGrant, ...] = ()
    tokens: Mapping[str, TokenInfo] = field(default_factory=dict)
    password_set: bool = False
    created_at: datetime
    version: int = 0  # events folded: the stream's version
    processed_commands: frozenset[str] = frozenset()


def evolve_account(account: UserAccount | None, event: UserEvent) -> UserAccount:
    if isinstance(event, UserCreated):
        current = UserAccount(login=event.login, display_name=event.display_name,
                              created_at=event.occurred_at)
    elif account is None:
        raise ValueError(f"{event.TYPE} of {event.login} before UserCreated")
    elif isinstance(event, RoleGranted):
        granted = RoleGrant(role=event.role, organization_id=event.organization_id,
                            agency=event.agency)
        current = replace(account, grants=(*account.grants, granted))
    elif isinstance(event, RoleRevoked):
        gone = (str(event.role), event.organization_id, event.agency)
        current = replace(account, grants=tuple(g for g in account.grants if g.key() != gone))
    elif isinstance(event, UserDeactivated):
        current = replace(account, active=False)
    elif isinstance(event, PasswordChanged):
        current = replace(account, password_set=True)
    elif isinstance(event, TokenIssued):
        token = TokenInfo(token_id=event.token_id, name=event.name,
                          issued_at=event.occurred_at, expires_at=event.expires_at)
        current = replace(account, tokens={**account.tokens, event.token_id: token})
    elif isinstance(event, TokenRevoked):
        old = account.tokens.get(event.token_id)
        tokens = dict(account.tokens)
        if old is not None:
            tokens[event.token_id] = replace(old, revoked_at=event.occurred_at)
        current = replace(account, tokens=tokens)
    else:
        raise TypeError(f"unknown user event {type(event).__name__}")
    previous = account.version if account is not None else 0
    seen = account.processed_commands if account is not None else frozenset()
    return replace(current, version=previous + 1,
                   processed_commands=seen | {event.command_id})


def fold_account(events: Iterable[UserEvent]) -> UserAccount | None:
    account: UserAccount | None = None
    for event in events:
        account = evolve_account(account, event)
    return account


# --- commands and their rules ---------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class UserCommand:
    command_id: str
    actor: Actor
    login: str


@dataclass(frozen=True, kw_only=True)
class CreateUser(UserCommand):
    display_name: str


@dataclass(frozen=True, kw_only=True)
class GrantRole(UserCommand):
    grant: RoleGrant


@dataclass(frozen=True, kw_only=True)
class RevokeRole(UserCommand):
    grant: RoleGrant


@dataclass(frozen=True, kw_only=True)
class DeactivateUser(UserCommand):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ChangePassword(UserCommand):
    """Only that a password is set; the password itself never enters a command."""


@dataclass(frozen=True, kw_only=True)
class IssueToken(UserCommand):
    token_id: str
    name: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class RevokeToken(UserCommand):
    token_id: str


AnyUserCommand = (CreateUser | GrantRole | RevokeRole | DeactivateUser | ChangePassword
                  | IssueToken | RevokeToken)


#: What a user may do on their own account (after proving who they are, e.g. the CLI's login
#: issuing its own token), recorded with the user as actor in the role ``system``.
SELF_SERVICE = (ChangePassword, IssueToken, RevokeToken)


@dataclass(frozen=True, kw_only=True)
class Directory:
    """What a grant is checked against: which organizations exist (on the day of the grant),
    and the appraisal agency codes of every procedure."""

    organization_exists: Callable[[str], bool]
    agency_codes: Collection[str]


def text_problem(text: str, what: str, limit: int) -> tuple[str, str] | None:
    if not text.strip():
        return "required", f"{what} không được để trống"
    if any(unicodedata.category(ch) in _CONTROL for ch in text):
        return "control_character", f"{what} có ký tự điều khiển (xuống dòng, tab…)"
    if unicodedata.normalize("NFC", text) != text:
        return "nfc", f"{what} phải ở dạng Unicode dựng sẵn (NFC)"
    if text != text.strip():
        return "whitespace", f"{what} không được có khoảng trắng ở đầu hoặc cuối"
    if len(text) > limit:
        return "too_long", f"{what} dài {len(text)} ký tự, quá giới hạn {limit} ký tự"
    return None


def login_problem(login: str) -> str | None:
    if LOGIN.match(login):
        return None
    return (f"tên đăng nhập «{login}» không hợp lệ: 2–64 ký tự gồm chữ thường không dấu, chữ "
            "số, dấu chấm, gạch dưới, gạch ngang; bắt đầu bằng chữ hoặc số (ví dụ "
            "nguyen.van.an)")


def decide_user(account: UserAccount | None, command: AnyUserCommand, *, now: datetime,
                directory: Directory | None = None) -> list[UserEvent]:
    """The events ``command`` records on the user's stream, or CommandRejected naming every
    field and rule it breaks. A command already decided on this user decides nothing again.
    ``directory`` is needed to grant a role."""
    if account is not None and command.command_id in account.processed_commands:
        return []
    v = Violations()
    v.check(bool(command.actor.user_id.strip()), "actor.user_id", "required",
            "phải ghi rõ người thực hiện")
    v.check(command.actor.role == ADMINISTRATOR or (
        command.actor.user_id == command.login and isinstance(command, SELF_SERVICE)),
        "actor.role", "role_not_permitted",
        "chỉ quản trị hệ thống hoặc người vận hành mới được quản lý người dùng")
    common: dict[str, Any] = {"login": command.login, "occurred_at": now,
                              "actor": command.actor, "command_id": command.command_id}
    if isinstance(command, CreateUser):
        problem = login_problem(command.login)
        if problem is not None:
            v.add("login", "format", problem)
        v.check(account is None, "login", "already_exists",
                f"đã có người dùng «{command.login}»")
        _text_rule(v, "display_name", command.display_name, "tên hiển thị", MAX_DISPLAY_NAME)
        v.raise_if_any()
        return [UserCreated(**common, display_name=command.display_name)]
    if account is None:
        v.add("login", "unknown_user", f"không có người dùng «{command.login}»")
        v.raise_if_any()
    assert account is not None
    if isinstance(command, DeactivateUser):
        v.check(account.active, "login", "already_deactivated",
                f"người dùng «{command.login}» đã bị vô hiệu hóa")
        if command.reason:
            _text_rule(v, "reason", command.reason, "lý do", MAX_REASON)
        v.raise_if_any()
        return [UserDeactivated(**common, reason=command.reason)]
    v.check(account.active, "login", "deactivated",
            f"người dùng «{command.login}» đã bị vô hiệu hóa")
    if isinstance(command, GrantRole):
        _check_grant(account, command.grant, directory, v)
        v.raise_if_any()
        g = command.grant
        return [RoleGranted(**common, role=g.role, organization_id=g.organization_id,
                            agency=g.agency)]
    if isinstance(command, RevokeRole):
        v.check(command.grant.key() in {g.key() for g in account.grants}, "grant",
                "not_granted", f"«{command.login}» không giữ vai trò "
                               f"{command.grant.describe_vi()}")
        v.raise_if_any()
        g = command.grant
        return [RoleRevoked(**common, role=g.role, organization_id=g.organization_id,
                            agency=g.agency)]
    if isinstance(command, ChangePassword):
        v.raise_if_any()
        return [PasswordChanged(**common)]
    if isinstance(command, IssueToken):
        _text_rule(v, "name", command.name, "tên của mã truy cập", MAX_TOKEN_NAME)
        v.check(command.expires_at > now, "expires_at", "in_the_future",
                "mã truy cập phải hết hạn sau thời điểm cấp")
        v.check(command.token_id not in account.tokens, "token_id", "already_issued",
                f"mã truy cập «{command.token_id}» đã được cấp")
        v.raise_if_any()
        return [TokenIssued(**common, token_id=command.token_id, name=command.name,
                            expires_at=command.expires_at)]
    if isinstance(command, RevokeToken):
        token = account.tokens.get(command.token_id)
        if token is None:
            v.add("token_id", "unknown_token",
                  f"«{command.login}» không có mã truy cập «{command.token_id}»")
        else:
            v.check(token.revoked_at is None, "token_id", "already_revoked",
                    f"mã truy cập «{command.token_id}» đã bị thu hồi")
        v.raise_if_any()
        return [TokenRevoked(**common, token_id=command.token_id)]
    raise TypeError(f"unknown user command {type(command).__name__}")


def _text_rule(v: Violations, field_name: str, text: str, what: str, limit: int) -> None:
    problem = text_problem(text, what, limit)
    if problem is not None:
        v.add(field_name, *problem)


def _check_grant(account: UserAccount, grant: RoleGrant, directory: Directory | None,
                 v: Violations) -> None:
    if not v.check(grant.role in GRANTABLE_ROLES, "grant.role", "unknown_role",
                   f"vai trò «{grant.role}» không được giao cho người dùng; các vai trò: "
                   + ", ".join(str(r) for r in GRANTABLE_ROLES)):
        return
    if directory is None:
        raise ValueError("granting a role needs the directory (organizations, agencies)")
    v.check(directory.organization_exists(grant.organization_id), "grant.organization_id",
            "unknown_organization",
            f"không có tổ chức «{grant.organization_id}» đang hoạt động trong danh mục")
    if grant.role is Role.APPRAISAL_AGENCY:
        codes = sorted(directory.agency_codes)
        v.check(grant.agency in directory.agency_codes, "grant.agency", "unknown_agency",
                f"cơ quan thẩm định phải là một trong: {', '.join(codes)}")
    else:
        v.check(grant.agency is None, "grant.agency", "not_an_agency",
                "chỉ vai trò cơ quan thẩm định mới ghi cơ quan")
    v.check(grant.key() not in {g.key() for g in account.grants}, "grant", "already_granted",
            f"«{account.login}» đã giữ vai trò {grant.describe_vi()}")
