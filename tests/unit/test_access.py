"""The access policy as a matrix: every grantable role × every operation × (in scope, out of
scope) — 6 roles × 25 operations × 2 = 300 cases (``test_the_matrix_covers_every_role_and_
operation`` keeps this number honest). The expectations below are written out by hand from the
rules, not derived from ``domain.access.POLICY``.

The tree (each grant is held for ``org-tinh-a``)::

    org-tw (central)
    ├── org-tinh-a (province)          <- the grant's organization
    │   ├── org-xa-a1 (commune)        <- a direct child
    │   │   └── org-cs-a1 (grassroots) <- a grandchild
    │   └── org-xa-a2 (commune)
    └── org-tinh-b (province)          <- a sibling
        └── org-xa-b1 (commune)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from application.principal import Grant
from domain.access import (
    GRANTABLE_ROLES,
    Operation,
    ParentsView,
    may,
    refusal_vi,
    role_named,
)
from domain.people import Actor, Role
from domain.registry import Level, RegisterOrganization, Registry, ReparentOrganization, decide

pytestmark = pytest.mark.unit

HOME = "org-tinh-a"
TREE = ParentsView({"org-tw": None, "org-tinh-a": "org-tw", "org-xa-a1": "org-tinh-a",
                    "org-cs-a1": "org-xa-a1", "org-xa-a2": "org-tinh-a",
                    "org-tinh-b": "org-tw", "org-xa-b1": "org-tinh-b"})
AGENCY = "inspection_committee"

# Where each kind of reach is tested, inside and outside it.
INSIDE = {"own": [HOME], "children": ["org-xa-a1", "org-xa-a2"],
          "own_or_children": [HOME, "org-xa-a1"],
          "subtree": [HOME, "org-xa-a1", "org-cs-a1"],
          "anywhere": [HOME, "org-tw", "org-xa-b1"]}
OUTSIDE = {"own": ["org-xa-a1", "org-tinh-b", "org-tw"],
           "children": [HOME, "org-cs-a1", "org-xa-b1", "org-tinh-b"],
           "own_or_children": ["org-cs-a1", "org-tinh-b", "org-tw"],
           "subtree": ["org-tw", "org-tinh-b", "org-xa-b1"],
           "anywhere": []}
# For an operation a role may not do at all: refused at home and below, and elsewhere.
NOWHERE_INSIDE = [HOME, "org-xa-a1", "org-cs-a1"]
NOWHERE_OUTSIDE = ["org-tinh-b", "org-xa-b1", "org-tw"]

PREPARATION = ["open_plan", "register", "record_conference", "submit", "cancel_plan",
               "withdraw", "correct_registration"]
EXPECTED: dict[str, dict[str, str]] = {
    "organization_department": {
        **{op: "own" for op in PREPARATION},
        "conduct_congress": "own", "read_congress": "own",
        "read_plan": "own", "read_trail": "own", "report": "own", "read_registry": "anywhere"},
    "appraisal_agency": {
        "record_finding": "children", "read_plan": "children", "read_trail": "children",
        "read_registry": "anywhere"},
    "superior_standing_committee": {
        "decide_approval": "children", "approve_election_result": "children",
        "appoint": "children", "give_direction": "children", "read_congress": "children",
        "read_plan": "children", "read_trail": "children", "read_redacted_trail": "subtree",
        "report": "own_or_children", "read_registry": "anywhere"},
    "vote_counting_committee": {"count_ballots": "own", "read_congress": "own",
                                "read_registry": "anywhere"},
    "auditor": {"read_plan": "subtree", "read_trail": "subtree", "read_congress": "subtree",
                "read_redacted_trail": "anywhere", "export": "subtree",
                "verify": "subtree", "report": "subtree", "read_registry": "anywhere"},
    "administrator": {"manage_users": "subtree", "manage_registry": "subtree",
                      "resume_workflow": "subtree", "read_registry": "anywhere"},
}
OPERATIONS = [op.value for op in Operation]


def grant(role: str, organization_id: str = HOME) -> Grant:
    return Grant(role=role_named(role), organization_id=organization_id,
                 agency=AGENCY if role == "appraisal_agency" else None)


CASES = [(role, operation, where)
         for role in EXPECTED for operation in OPERATIONS for where in ("in", "out")]


def test_the_matrix_covers_every_role_and_operation() -> None:
    assert len(CASES) == 300
    assert {role_named(r) for r in EXPECTED} == set(GRANTABLE_ROLES)
    assert len(OPERATIONS) == 25


@pytest.mark.parametrize(("role", "operation", "where"), CASES,
                         ids=[f"{r}-{o}-{w}" for r, o, w in CASES])
def test_the_access_matrix(role: str, operation: str, where: str) -> None:
    reach = EXPECTED[role].get(operation)
    held = grant(role)
    if reach is None:
        targets, allowed = (NOWHERE_INSIDE if where == "in" else NOWHERE_OUTSIDE), False
    else:
        targets, allowed = (INSIDE[reach], True) if where == "in" else (OUTSIDE[reach], False)

    for target in targets:
        found = may([held], Operation(operation), target, TREE, agency=AGENCY)
        assert (found is held) == allowed, f"{role} {operation} on {target}"


# --- particulars ----------------------------------------------------------------------------
def test_an_agency_records_findings_for_its_own_agency_only() -> None:
    agency = grant("appraisal_agency")

    assert may([agency], Operation.RECORD_FINDING, "org-xa-a1", TREE,
               agency="inspection_committee") is agency
    assert may([agency], Operation.RECORD_FINDING, "org-xa-a1", TREE,
               agency="internal_affairs") is None
    assert may([agency], Operation.RECORD_FINDING, "org-xa-a1", TREE) is None


def test_the_whole_installation_is_reached_only_from_a_root() -> None:
    central, provincial = grant("auditor", "org-tw"), grant("auditor", HOME)
    admin = grant("administrator", "org-tw")

    assert may([central], Operation.VERIFY, None, TREE) is central
    assert may([provincial], Operation.VERIFY, None, TREE) is None
    assert may([admin], Operation.MANAGE_REGISTRY, None, TREE) is admin
    assert may([grant("administrator", HOME)], Operation.MANAGE_USERS, None, TREE) is None
    # A personnel operation always needs its organization.
    assert may([grant("organization_department", "org-tw")], Operation.OPEN_PLAN, None,
               TREE) is None


def test_an_administrator_at_the_centre_still_decides_nothing() -> None:
    admin = grant("administrator", "org-tw")

    for operation in Operation:
        # Resuming a plan's workflow decides nothing: the plan stays as its events say.
        if operation not in (Operation.MANAGE_USERS, Operation.MANAGE_REGISTRY,
                             Operation.READ_REGISTRY, Operation.RESUME_WORKFLOW):
            assert may([admin], operation, "org-xa-a1", TREE, agency=AGENCY) is None, operation


def test_the_grant_that_permits_is_the_one_returned() -> None:
    department = grant("organization_department", "org-xa-a1")
    committee = grant("superior_standing_committee", HOME)
    both = [department, committee]

    assert may(both, Operation.REGISTER, "org-xa-a1", TREE) is department
    assert may(both, Operation.DECIDE_APPROVAL, "org-xa-a1", TREE) is committee
    assert may(both, Operation.READ_PLAN, "org-xa-a1", TREE) is department
    assert may(both, Operation.DECIDE_APPROVAL, "org-xa-b1", TREE) is None
    assert may([], Operation.READ_PLAN, "org-xa-a1", TREE) is None


def test_a_superior_committee_follows_the_tree_of_the_day() -> None:
    """Until 30 June 2025 a commune's superior is its district; from 1 July, its province."""
    admin = Actor(user_id="admin", role=Role.ADMINISTRATOR, organization_id="org-tw")
    now = datetime(2025, 1, 1, tzinfo=UTC)
    registry = Registry()
    for n, (org, level, parent) in enumerate([
            ("org-tw", Level.CENTRAL, None), ("org-tinh-a", Level.PROVINCE, "org-tw"),
            ("org-huyen-a", Level.DISTRICT, "org-tinh-a"),
            ("org-xa-a1", Level.COMMUNE, "org-huyen-a")]):
        registry.apply(*decide(registry, RegisterOrganization(
            command_id=f"r{n}", actor=admin, organization_id=org, valid_from=date(2019, 1, 1),
            name=f"Tổ chức {org}", level=level, parent_id=parent), now=now))
    registry.apply(*decide(registry, ReparentOrganization(
        command_id="move", actor=admin, organization_id="org-xa-a1",
        valid_from=date(2025, 7, 1), parent_id="org-tinh-a"), now=now))
    province = grant("superior_standing_committee", "org-tinh-a")
    district = grant("superior_standing_committee", "org-huyen-a")

    before, after = registry.view(date(2025, 6, 30)), registry.view(date(2025, 7, 1))

    assert may([province, district], Operation.DECIDE_APPROVAL, "org-xa-a1", before) is district
    assert may([province, district], Operation.DECIDE_APPROVAL, "org-xa-a1", after) is province
    assert may([grant("auditor", "org-tinh-a")], Operation.READ_PLAN, "org-xa-a1", before)


def test_the_administrator_role_reads_back_as_itself() -> None:
    assert role_named("administrator") == "administrator"
    assert role_named("administrator") is Role.ADMINISTRATOR
    assert role_named("auditor") is Role.AUDITOR
    with pytest.raises(ValueError):
        role_named("king")


def test_a_refusal_says_what_and_where_in_vietnamese() -> None:
    assert refusal_vi(Operation.DECIDE_APPROVAL, "org-xa-a1") == (
        "Bạn không có quyền quyết định phê duyệt đề án đối với tổ chức «org-xa-a1»: không vai "
        "trò nào được giao cho bạn cho phép việc này.")
    assert "trên toàn hệ thống" in refusal_vi(Operation.VERIFY, None)


def test_a_principal_acts_as_the_grant_that_permits() -> None:
    from application.errors import Forbidden
    from application.principal import Principal

    principal = Principal(user_id="btv", display_name="BTV", grants=(
        grant("organization_department", "org-xa-a1"), grant("superior_standing_committee")))

    actor = principal.acting(Operation.DECIDE_APPROVAL, "org-xa-a1", TREE)

    assert (actor.user_id, actor.role, actor.organization_id) == (
        "btv", Role.SUPERIOR_STANDING_COMMITTEE, HOME)
    with pytest.raises(Forbidden, match="phê duyệt"):
        principal.acting(Operation.DECIDE_APPROVAL, "org-xa-b1", TREE)


def test_the_operator_manages_users_and_the_registry_and_decides_nothing() -> None:
    from application.errors import Forbidden
    from application.principal import OPERATOR

    actor = OPERATOR.acting(Operation.MANAGE_USERS, None, TREE)

    assert (actor.user_id, actor.role, actor.organization_id) == (
        "operator", "administrator", "*")
    assert OPERATOR.acting(Operation.MANAGE_REGISTRY, "org-xa-a1", TREE) == actor
    for operation in (Operation.DECIDE_APPROVAL, Operation.READ_PLAN, Operation.OPEN_PLAN):
        with pytest.raises(Forbidden):
            OPERATOR.acting(operation, "org-xa-a1", TREE)
