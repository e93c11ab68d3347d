"""Users' rules and secrets' rules, without a database: account commands decided into events,
the stored shape of those events, password and token formats, the login rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import CommandRejected
from domain.people import Actor, Role
from identity.accounts import (
    USER_EVENT_TYPES,
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
    fold_account,
    user_event_from_data,
    user_event_to_data,
)
from identity.credentials import (
    RateLimit,
    digest,
    locked_until,
    looks_like_token,
    matches,
    new_token,
    password_problem,
    same_text,
)

pytestmark = pytest.mark.unit

NOW = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
ADMIN = Actor(user_id="quan.tri", role=Role.ADMINISTRATOR, organization_id="org-trung-uong")
DIRECTORY = Directory(organization_exists=lambda o: o in {"org-tinh-lam-dong", "org-tw"},
                      agency_codes={"organization_department", "inspection_committee",
                                    "internal_affairs"})
AGENCY = RoleGrant(role=Role.APPRAISAL_AGENCY, organization_id="org-tinh-lam-dong",
                   agency="inspection_committee")


class Account:
    def __init__(self) -> None:
        self.state: UserAccount | None = None
        self.events: list[UserEvent] = []
        self.n = 0

    def do(self, command: AnyUserCommand) -> list[UserEvent]:
        events = decide_user(self.state, command, now=NOW, directory=DIRECTORY)
        for event in events:
            self.state = evolve_account(self.state, event)
        self.events += events
        return events

    def rules(self, command: AnyUserCommand) -> dict[str, str]:
        with pytest.raises(CommandRejected) as caught:
            decide_user(self.state, command, now=NOW, directory=DIRECTORY)
        return {v.field: v.rule for v in caught.value.violations}

    def cid(self) -> str:
        self.n += 1
        return f"c{self.n}"


def created(login: str = "nguyen.van.an") -> Account:
    account = Account()
    account.do(CreateUser(command_id="create", actor=ADMIN, login=login,
                          display_name="Nguyễn Văn An"))
    return account


def test_a_user_is_created_granted_revoked_and_deactivated() -> None:
    account = created()
    account.do(GrantRole(command_id=account.cid(), actor=ADMIN, login="nguyen.van.an",
                         grant=AGENCY))
    assert account.state is not None and account.state.grants == (AGENCY,)

    account.do(RevokeRole(command_id=account.cid(), actor=ADMIN, login="nguyen.van.an",
                          grant=AGENCY))
    account.do(DeactivateUser(command_id=account.cid(), actor=ADMIN, login="nguyen.van.an",
                              reason="nghỉ hưu"))

    assert account.state is not None
    assert not account.state.grants
    assert (account.state.active, account.state.version) == (False, 4)
    assert [e.TYPE for e in account.events] == [
        "UserCreated", "RoleGranted", "RoleRevoked", "UserDeactivated"]
    assert fold_account(account.events) == account.state


@pytest.mark.parametrize("login", ["a", "An", "-an", ".an", "nguyễn", "an an", "a" * 65, ""])
def test_a_login_is_a_lower_case_code(login: str) -> None:
    assert Account().rules(CreateUser(command_id="c", actor=ADMIN, login=login,
                                      display_name="Tên")) == {"login": "format"}


@pytest.mark.parametrize("login", ["an", "nguyen.van.an", "a_1", "0-x", "a" * 64])
def test_these_logins_are_accepted(login: str) -> None:
    assert created(login).state is not None


def test_a_login_is_created_once_and_needs_a_display_name() -> None:
    account = created()

    assert account.rules(CreateUser(command_id="again", actor=ADMIN, login="nguyen.van.an",
                                    display_name="")) == {
        "login": "already_exists", "display_name": "required"}


def test_only_an_administrator_manages_users() -> None:
    auditor = Actor(user_id="kiem.toan", role=Role.AUDITOR, organization_id="org-tw")

    assert Account().rules(CreateUser(command_id="c", actor=auditor, login="an",
                                      display_name="An")) == {"actor.role": "role_not_permitted"}


def test_a_user_may_issue_and_revoke_their_own_token_but_not_grant_themselves_a_role() -> None:
    account = created()
    itself = Actor(user_id="nguyen.van.an", role=Role.SYSTEM, organization_id="*")

    account.do(IssueToken(command_id=account.cid(), actor=itself, login="nguyen.van.an",
                          token_id="tok_1", name="cli", expires_at=NOW + timedelta(days=90)))
    account.do(RevokeToken(command_id=account.cid(), actor=itself, login="nguyen.van.an",
                           token_id="tok_1"))

    assert account.rules(GrantRole(command_id="g", actor=itself, login="nguyen.van.an",
                                   grant=AGENCY)) == {"actor.role": "role_not_permitted"}
    other = Actor(user_id="someone.else", role=Role.SYSTEM, organization_id="*")
    assert account.rules(ChangePassword(command_id="p", actor=other,
                                        login="nguyen.van.an")) == {
        "actor.role": "role_not_permitted"}


@pytest.mark.parametrize(("grant", "rules"), [
    (RoleGrant(role=Role.AUDITOR, organization_id="org-khong-co"),
     {"grant.organization_id": "unknown_organization"}),
    (RoleGrant(role=Role.APPRAISAL_AGENCY, organization_id="org-tw"),
     {"grant.agency": "unknown_agency"}),
    (RoleGrant(role=Role.APPRAISAL_AGENCY, organization_id="org-tw", agency="police"),
     {"grant.agency": "unknown_agency"}),
    (RoleGrant(role=Role.AUDITOR, organization_id="org-tw", agency="inspection_committee"),
     {"grant.agency": "not_an_agency"}),
    (RoleGrant(role=Role.SYSTEM, organization_id="org-tw"), {"grant.role": "unknown_role"}),
])
def test_a_grant_names_a_known_organization_and_for_an_agency_its_code(
        grant: RoleGrant, rules: dict[str, str]) -> None:
    account = created()

    assert account.rules(GrantRole(command_id="g", actor=ADMIN, login="nguyen.van.an",
                                   grant=grant)) == rules


def test_a_grant_is_held_once_and_revoked_only_if_held() -> None:
    account = created()
    account.do(GrantRole(command_id="g1", actor=ADMIN, login="nguyen.van.an", grant=AGENCY))

    assert account.rules(GrantRole(command_id="g2", actor=ADMIN, login="nguyen.van.an",
                                   grant=AGENCY)) == {"grant": "already_granted"}
    other = RoleGrant(role=Role.AUDITOR, organization_id="org-tw")
    assert account.rules(RevokeRole(command_id="r", actor=ADMIN, login="nguyen.van.an",
                                    grant=other)) == {"grant": "not_granted"}


def test_nothing_but_a_new_deactivation_is_refused_for_a_deactivated_user() -> None:
    account = created()
    account.do(DeactivateUser(command_id="d", actor=ADMIN, login="nguyen.van.an"))

    assert account.rules(ChangePassword(command_id="p", actor=ADMIN,
                                        login="nguyen.van.an")) == {"login": "deactivated"}
    assert account.rules(DeactivateUser(command_id="d2", actor=ADMIN,
                                        login="nguyen.van.an")) == {
        "login": "already_deactivated"}
    assert Account().rules(ChangePassword(command_id="p", actor=ADMIN, login="ai.do")) == {
        "login": "unknown_user"}


def test_tokens_are_named_expire_later_and_are_revoked_once() -> None:
    account = created()
    assert account.rules(IssueToken(command_id="t", actor=ADMIN, login="nguyen.van.an",
                                    token_id="tok_1", name="", expires_at=NOW)) == {
        "name": "required", "expires_at": "in_the_future"}
    account.do(IssueToken(command_id="t1", actor=ADMIN, login="nguyen.van.an",
                          token_id="tok_1", name="máy chủ báo cáo",
                          expires_at=NOW + timedelta(days=1)))
    account.do(RevokeToken(command_id="r1", actor=ADMIN, login="nguyen.van.an",
                           token_id="tok_1"))

    assert account.rules(RevokeToken(command_id="r2", actor=ADMIN, login="nguyen.van.an",
                                     token_id="tok_1")) == {"token_id": "already_revoked"}
    assert account.rules(RevokeToken(command_id="r3", actor=ADMIN, login="nguyen.van.an",
                                     token_id="tok_2")) == {"token_id": "unknown_token"}
    assert account.state is not None
    assert not account.state.tokens["tok_1"].usable(NOW)


def test_a_command_decided_before_decides_nothing_again() -> None:
    account = created()
    command = GrantRole(command_id="g1", actor=ADMIN, login="nguyen.van.an", grant=AGENCY)
    account.do(command)

    assert decide_user(account.state, command, now=NOW, directory=DIRECTORY) == []


def test_every_user_event_survives_its_stored_form() -> None:
    account = created()
    itself = Actor(user_id="nguyen.van.an", role=Role.SYSTEM, organization_id="*")
    account.do(GrantRole(command_id="g", actor=ADMIN, login="nguyen.van.an", grant=AGENCY))
    account.do(RevokeRole(command_id="r", actor=ADMIN, login="nguyen.van.an", grant=AGENCY))
    account.do(ChangePassword(command_id="p", actor=ADMIN, login="nguyen.van.an"))
    account.do(IssueToken(command_id="t", actor=itself, login="nguyen.van.an",
                          token_id="tok_1", name="cli", expires_at=NOW + timedelta(days=9)))
    account.do(RevokeToken(command_id="x", actor=ADMIN, login="nguyen.van.an",
                           token_id="tok_1"))
    account.do(DeactivateUser(command_id="d", actor=ADMIN, login="nguyen.van.an"))

    assert {type(e) for e in account.events} == set(USER_EVENT_TYPES.values())
    for event in account.events:
        data = user_event_to_data(event)
        assert user_event_from_data(event.TYPE, event.SCHEMA_VERSION, data) == event
    with pytest.raises(ValueError):
        user_event_from_data("UserCreated", 2, user_event_to_data(account.events[0]))
    with pytest.raises(ValueError):
        user_event_from_data("UserCreated", 1, {**user_event_to_data(account.events[0]),
                                                "password": "x"})


# --- secrets --------------------------------------------------------------------------------
@pytest.mark.parametrize(("password", "rule"), [
    ("ngắn-quá", "too_short"), ("a" * 11, "too_short"), (" " * 12, "blank"),
    ("x" * 1025, "too_long")])
def test_a_password_has_at_least_12_characters(password: str, rule: str) -> None:
    problem = password_problem(password)
    assert problem is not None and problem[0] == rule


def test_twelve_characters_of_vietnamese_are_enough() -> None:
    assert password_problem("Đồi Mây 2025") is None
    assert password_problem("a" * 12) is None


def test_a_token_is_nhs_and_32_random_bytes_stored_as_its_sha256() -> None:
    token = new_token()

    assert token.startswith("nhs_") and len(token) == 4 + 43 and looks_like_token(token)
    assert len(digest(token)) == 32 and matches(digest(token), token)
    assert not matches(digest(token), token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert new_token() != token
    assert not looks_like_token("Bearer " + token) and not looks_like_token("nhs_short")


def test_csrf_tokens_are_compared_whole() -> None:
    assert same_text("abc", "abc")
    assert not same_text("abc", "abd") and not same_text("abc", None)
    assert not same_text("abc", "ab")


RULE = RateLimit()
T0 = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def minutes(*offsets: float) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in offsets]


def test_five_failures_within_15_minutes_lock_for_15_minutes_from_the_fifth() -> None:
    failures = minutes(0, 1, 2, 3, 10)

    assert locked_until(failures[:4], 5, RULE, T0 + timedelta(minutes=11)) is None
    assert locked_until(failures, 5, RULE, T0 + timedelta(minutes=11)) == (
        T0 + timedelta(minutes=25))
    assert locked_until(failures, 5, RULE, T0 + timedelta(minutes=24, seconds=59)) is not None
    assert locked_until(failures, 5, RULE, T0 + timedelta(minutes=25)) is None


def test_failures_spread_wider_than_the_window_do_not_lock() -> None:
    assert locked_until(minutes(0, 4, 8, 12, 16), 5, RULE, T0 + timedelta(minutes=17)) is None
    assert locked_until(minutes(16, 0, 12, 8, 4, 15), 5, RULE,
                        T0 + timedelta(minutes=17)) == T0 + timedelta(minutes=31)


def test_a_reason_for_deactivation_is_one_line() -> None:
    account = created()

    assert account.rules(DeactivateUser(command_id="d", actor=ADMIN, login="nguyen.van.an",
                                        reason="nghỉ\nhưu")) == {"reason": "control_character"}
