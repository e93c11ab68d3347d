"""Golden fixtures of the registry's and the users' stored events: one JSON document per
(type, schema version) in ``tests/fixtures/identity-events/<Type>.v<N>.json``, as the store
keeps it. Records, like tests/support/golden.py's: never regenerated or edited once committed.
``python -m tests.support.identity_golden`` writes the missing ones from the histories below
and leaves every existing file alone; ``tests/unit/test_identity_golden.py`` reads them all.

A separate folder from the plan events' fixtures: those are checked against
``domain.events.EVENT_TYPES``, and these are not plan events."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.people import Actor, Role
from domain.registry import (
    AnyRegistryCommand,
    DissolveOrganization,
    Level,
    MergeOrganization,
    RegisterOrganization,
    Registry,
    RegistryEvent,
    RenameOrganization,
    ReparentOrganization,
    SplitOrganization,
    decide,
    organization_stream,
    registry_event_to_data,
)
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
    user_event_to_data,
    user_stream,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "identity-events"
NOW = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
OPERATOR = Actor(user_id="operator", role=Role.ADMINISTRATOR, organization_id="*")


def path_of(event_type: str, version: int) -> Path:
    return FIXTURES / f"{event_type}.v{version}.json"


def registry_history() -> list[RegistryEvent]:
    registry, events = Registry(), []
    d0, reform = date(2019, 1, 1), date(2025, 7, 1)
    base = {"actor": OPERATOR}
    commands: list[AnyRegistryCommand] = [
        RegisterOrganization(command_id="g1", organization_id="org-trung-uong",
                             valid_from=date(1930, 2, 3), name="Ban Chấp hành Trung ương Đảng",
                             level=Level.CENTRAL, parent_id=None, **base),
        RegisterOrganization(command_id="g2", organization_id="org-tinh-lam-dong",
                             valid_from=d0, name="Đảng bộ tỉnh Lâm Đồng",
                             level=Level.PROVINCE, parent_id="org-trung-uong", **base),
        RegisterOrganization(command_id="g3", organization_id="org-tinh-dak-nong",
                             valid_from=d0, name="Đảng bộ tỉnh Đắk Nông",
                             level=Level.PROVINCE, parent_id="org-trung-uong", **base),
        RegisterOrganization(command_id="g4", organization_id="org-huyen-suoi-xanh",
                             valid_from=d0, name="Đảng bộ huyện Suối Xanh",
                             level=Level.DISTRICT, parent_id="org-tinh-lam-dong", **base),
        RegisterOrganization(command_id="g5", organization_id="org-huyen-a", valid_from=d0,
                             name="Đảng bộ huyện A", level=Level.DISTRICT,
                             parent_id="org-tinh-lam-dong", **base),
        RegisterOrganization(command_id="g6", organization_id="org-huyen-b", valid_from=d0,
                             name="Đảng bộ huyện B", level=Level.DISTRICT,
                             parent_id="org-tinh-lam-dong", **base),
        RegisterOrganization(command_id="g7", organization_id="org-xa-doi-may", valid_from=d0,
                             name="Đảng bộ xã Đồi Mây", level=Level.COMMUNE,
                             parent_id="org-huyen-suoi-xanh", **base),
        RenameOrganization(command_id="g8", organization_id="org-xa-doi-may",
                           valid_from=reform, name="Đảng bộ xã Đồi Mây (mới)", **base),
        ReparentOrganization(command_id="g9", organization_id="org-xa-doi-may",
                             valid_from=reform, parent_id="org-tinh-lam-dong", **base),
        SplitOrganization(command_id="g10", organization_id="org-huyen-suoi-xanh",
                          valid_from=reform, into=("org-huyen-a", "org-huyen-b"), **base),
        MergeOrganization(command_id="g11", organization_id="org-tinh-dak-nong",
                          valid_from=reform, into="org-tinh-lam-dong", **base),
        DissolveOrganization(command_id="g12", organization_id="org-huyen-b",
                             valid_from=reform, **base),
    ]
    for command in commands:
        decided = decide(registry, command, now=NOW)
        for event in decided:
            registry.apply(event)
        events += decided
    return events


def user_history() -> list[UserEvent]:
    directory = Directory(organization_exists=lambda o: True,
                          agency_codes={"inspection_committee"})
    grant = RoleGrant(role=Role.APPRAISAL_AGENCY, organization_id="org-tinh-lam-dong",
                      agency="inspection_committee")
    login = "ubkt.lam-dong"
    itself = Actor(user_id=login, role=Role.SYSTEM, organization_id="*")
    commands: list[AnyUserCommand] = [
        CreateUser(command_id="u1", actor=OPERATOR, login=login,
                   display_name="Ủy ban Kiểm tra Tỉnh ủy Lâm Đồng"),
        GrantRole(command_id="u2", actor=OPERATOR, login=login, grant=grant),
        ChangePassword(command_id="u3", actor=OPERATOR, login=login),
        IssueToken(command_id="u4", actor=itself, login=login, token_id="tok_0123456789abcdef",
                   name="cli", expires_at=NOW + timedelta(days=90)),
        RevokeToken(command_id="u5", actor=OPERATOR, login=login,
                    token_id="tok_0123456789abcdef"),
        RevokeRole(command_id="u6", actor=OPERATOR, login=login, grant=grant),
        DeactivateUser(command_id="u7", actor=OPERATOR, login=login, reason="nghỉ hưu"),
    ]
    account: UserAccount | None = None
    events: list[UserEvent] = []
    for command in commands:
        for event in decide_user(account, command, now=NOW, directory=directory):
            account = evolve_account(account, event)
            events.append(event)
    return events


def documents() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for index, event in enumerate(registry_history()):
        found.setdefault(event.TYPE, _document(
            index, event.TYPE, event.SCHEMA_VERSION, organization_stream(event.organization_id),
            "registry", registry_event_to_data(event), event.actor, event.command_id))
    for index, user in enumerate(user_history()):
        found.setdefault(user.TYPE, _document(
            index, user.TYPE, user.SCHEMA_VERSION, user_stream(user.login), "users",
            user_event_to_data(user), user.actor, user.command_id))
    return found


def _document(index: int, event_type: str, version: int, stream: str, correlation: str,
              data: dict[str, Any], actor: Actor, command_id: str) -> dict[str, Any]:
    return {"event_type": event_type, "schema_version": version, "sequence": index,
            "stream_id": stream, "correlation_id": correlation,
            "metadata": {"actor": actor.user_id, "role": str(actor.role),
                         "organization_id": actor.organization_id, "command_id": command_id},
            "data": data}


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def write_missing() -> list[Path]:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, doc in documents().items():
        path = path_of(event_type, doc["schema_version"])
        if not path.exists():
            path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)
                            + "\n", encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write_missing():
        print(f"wrote {path}")
