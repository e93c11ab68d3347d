"""The access policy: who may do what, and where. One table, used by every use case, reads
included.

``may(grants, operation, organization_id, view)`` returns the grant that permits the operation
on the organization (the plan's organization, the organization a report or an export covers, the
organization a user or registry entry belongs to), or None. The use case records that grant's
role and organization as the event's actor, so the log says in which capacity someone acted.

Where a grant reaches (``Scope``), relative to the organization G named in the grant and the
target organization T:

| scope | T is ... |
|---|---|
| ``own`` | G itself |
| ``children`` | a direct child of G (G is T's superior: cấp trên trực tiếp) |
| ``own_or_children`` | G or a direct child of G |
| ``subtree`` | G or any organization below G; no T (the whole installation): G is a root |
| ``anywhere`` | any organization, or none |

The table (``POLICY``):

- organization department (ban tổ chức): prepares its own organization's plans (open, register,
  conferences, submit, cancel, withdraw, correct), conducts its congress's election (open the
  congress and its rounds, the lists, the list votes, shortfalls) and reads them;
- appraisal agency (cơ quan thẩm định): records findings for its own agency only, on plans of
  its organization's direct children, and reads those plans;
- superior standing committee (ban thường vụ cấp trên): decides on its direct children's plans
  (approval, election result, appointment, direction of a paused election) and reads them;
  reports over its own organization and its children;
- vote counting committee (ban kiểm phiếu): counts ballots of its own organization's congress,
  signs the count, and reads that congress (not the plan's dossiers);
- auditor (kiểm toán, thanh tra): reads, exports, verifies and reports over its subtree and
  writes nothing;
- administrator (quản trị): manages users and the registry in its subtree and makes no
  personnel decision, reads no plan;
- everyone with a grant reads the registry.

Separation of duties between people (who submitted or appraised does not approve) is a rule of
the plan (the domain's decisions), not of this table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum, StrEnum
from typing import Any, Final, Protocol, TypeVar

from domain.people import Actor, Role

# --- the administrator's role -------------------------------------------------------------
ADMINISTRATOR: Final = Role.ADMINISTRATOR.value
"""The administrator's role code (Quản trị hệ thống): runs the system, decides nothing."""


def role_named(value: str) -> Role:
    """The role stored as ``value`` (a code), the administrator's included. Raises ValueError
    for an unknown code."""
    return Role(value)


def is_administrator(role: str) -> bool:
    return role == ADMINISTRATOR


def actor_from_data(data: Mapping[str, Any]) -> Actor:
    """An event's actor as stored (``serialization.to_data``), the administrator included."""
    if data.keys() != {"user_id", "role", "organization_id"}:
        raise ValueError(f"actor: fields {sorted(data)} are not user_id, role, organization_id")
    user_id, role, organization_id = data["user_id"], data["role"], data["organization_id"]
    if not all(isinstance(v, str) for v in (user_id, role, organization_id)):
        raise ValueError("actor: user_id, role and organization_id must be text")
    return Actor(user_id=user_id, role=role_named(role), organization_id=organization_id)


#: Every role a person can be granted (the workflow's own ``system`` role is not one).
GRANTABLE_ROLES: Final[tuple[Role, ...]] = (
    Role.ORGANIZATION_DEPARTMENT, Role.APPRAISAL_AGENCY, Role.SUPERIOR_STANDING_COMMITTEE,
    Role.VOTE_COUNTING_COMMITTEE, Role.AUDITOR, Role.ADMINISTRATOR)

ROLE_LABELS_VI: Final[Mapping[str, str]] = {
    Role.ORGANIZATION_DEPARTMENT.value: "Ban tổ chức",
    Role.APPRAISAL_AGENCY.value: "Cơ quan thẩm định",
    Role.SUPERIOR_STANDING_COMMITTEE.value: "Ban thường vụ cấp trên",
    Role.VOTE_COUNTING_COMMITTEE.value: "Ban kiểm phiếu",
    Role.AUDITOR.value: "Kiểm toán, thanh tra",
    ADMINISTRATOR: "Quản trị hệ thống",
    Role.SYSTEM.value: "Hệ thống",
}


# --- operations -----------------------------------------------------------------------------
class Operation(StrEnum):
    # preparing a plan: the organization department of the plan's organization
    OPEN_PLAN = "open_plan"
    REGISTER = "register"
    RECORD_CONFERENCE = "record_conference"
    SUBMIT = "submit"
    CANCEL_PLAN = "cancel_plan"
    WITHDRAW = "withdraw"
    CORRECT_REGISTRATION = "correct_registration"
    # appraisal (thẩm định)
    RECORD_FINDING = "record_finding"
    # the superior standing committee's decisions
    DECIDE_APPROVAL = "decide_approval"
    APPROVE_ELECTION_RESULT = "approve_election_result"
    APPOINT = "appoint"
    # the congress
    CONDUCT_CONGRESS = "conduct_congress"
    COUNT_BALLOTS = "count_ballots"
    GIVE_DIRECTION = "give_direction"
    READ_CONGRESS = "read_congress"
    # reading
    READ_PLAN = "read_plan"
    READ_TRAIL = "read_trail"
    READ_REDACTED_TRAIL = "read_redacted_trail"
    EXPORT = "export"
    VERIFY = "verify"
    REPORT = "report"
    READ_REGISTRY = "read_registry"
    # administration
    MANAGE_USERS = "manage_users"
    MANAGE_REGISTRY = "manage_registry"
    RESUME_WORKFLOW = "resume_workflow"


OPERATION_LABELS_VI: Final[Mapping[Operation, str]] = {
    Operation.OPEN_PLAN: "lập đề án nhân sự",
    Operation.REGISTER: "đăng ký nhân sự",
    Operation.RECORD_CONFERENCE: "ghi kết quả hội nghị",
    Operation.SUBMIT: "trình đề án",
    Operation.CANCEL_PLAN: "hủy đề án",
    Operation.WITHDRAW: "rút nhân sự",
    Operation.CORRECT_REGISTRATION: "sửa thông tin đăng ký",
    Operation.RECORD_FINDING: "ghi kết luận thẩm định",
    Operation.DECIDE_APPROVAL: "quyết định phê duyệt đề án",
    Operation.APPROVE_ELECTION_RESULT: "chuẩn y kết quả bầu cử",
    Operation.APPOINT: "chỉ định",
    Operation.CONDUCT_CONGRESS: "điều hành bầu cử tại đại hội",
    Operation.COUNT_BALLOTS: "kiểm phiếu",
    Operation.GIVE_DIRECTION: "cho ý kiến chỉ đạo bầu cử",
    Operation.READ_CONGRESS: "xem kết quả bầu cử",
    Operation.READ_PLAN: "xem đề án",
    Operation.READ_TRAIL: "xem lịch sử hồ sơ",
    Operation.READ_REDACTED_TRAIL: "xem lịch sử hồ sơ đã ẩn thông tin cá nhân",
    Operation.EXPORT: "xuất dữ liệu kiểm toán",
    Operation.VERIFY: "kiểm tra tính toàn vẹn",
    Operation.REPORT: "xem báo cáo",
    Operation.READ_REGISTRY: "xem danh mục tổ chức",
    Operation.MANAGE_USERS: "quản lý người dùng",
    Operation.MANAGE_REGISTRY: "quản lý danh mục tổ chức",
    Operation.RESUME_WORKFLOW: "khôi phục quy trình của đề án",
}

#: Operations that change nothing.
READS: Final[frozenset[Operation]] = frozenset({
    Operation.READ_PLAN, Operation.READ_TRAIL, Operation.READ_REDACTED_TRAIL, Operation.EXPORT,
    Operation.VERIFY,
    Operation.REPORT, Operation.READ_REGISTRY, Operation.READ_CONGRESS})


class Scope(Enum):
    OWN = "own"
    CHILDREN = "children"
    OWN_OR_CHILDREN = "own_or_children"
    SUBTREE = "subtree"
    ANYWHERE = "anywhere"


_PREPARATION = (Operation.OPEN_PLAN, Operation.REGISTER, Operation.RECORD_CONFERENCE,
                Operation.SUBMIT, Operation.CANCEL_PLAN, Operation.WITHDRAW,
                Operation.CORRECT_REGISTRATION)

POLICY: Final[Mapping[str, Mapping[Operation, Scope]]] = {
    Role.ORGANIZATION_DEPARTMENT.value: {
        **{op: Scope.OWN for op in _PREPARATION},
        Operation.CONDUCT_CONGRESS: Scope.OWN,
        Operation.READ_CONGRESS: Scope.OWN,
        Operation.READ_PLAN: Scope.OWN,
        Operation.READ_TRAIL: Scope.OWN,
        Operation.REPORT: Scope.OWN,
        Operation.READ_REGISTRY: Scope.ANYWHERE,
    },
    Role.APPRAISAL_AGENCY.value: {
        Operation.RECORD_FINDING: Scope.CHILDREN,
        Operation.READ_PLAN: Scope.CHILDREN,
        Operation.READ_TRAIL: Scope.CHILDREN,
        Operation.READ_REGISTRY: Scope.ANYWHERE,
    },
    Role.SUPERIOR_STANDING_COMMITTEE.value: {
        Operation.DECIDE_APPROVAL: Scope.CHILDREN,
        Operation.APPROVE_ELECTION_RESULT: Scope.CHILDREN,
        Operation.APPOINT: Scope.CHILDREN,
        Operation.GIVE_DIRECTION: Scope.CHILDREN,
        Operation.READ_CONGRESS: Scope.CHILDREN,
        Operation.READ_PLAN: Scope.CHILDREN,
        Operation.READ_TRAIL: Scope.CHILDREN,
        # Further down its subtree, a nomination's history without the person's data.
        Operation.READ_REDACTED_TRAIL: Scope.SUBTREE,
        Operation.REPORT: Scope.OWN_OR_CHILDREN,
        Operation.READ_REGISTRY: Scope.ANYWHERE,
    },
    Role.VOTE_COUNTING_COMMITTEE.value: {
        Operation.COUNT_BALLOTS: Scope.OWN,
        Operation.READ_CONGRESS: Scope.OWN,
        Operation.READ_REGISTRY: Scope.ANYWHERE,
    },
    Role.AUDITOR.value: {
        Operation.READ_PLAN: Scope.SUBTREE,
        Operation.READ_TRAIL: Scope.SUBTREE,
        # Any nomination's history without the person's data: an inspection from another
        # branch checks that the procedure was followed and that nothing was altered.
        Operation.READ_REDACTED_TRAIL: Scope.ANYWHERE,
        Operation.READ_CONGRESS: Scope.SUBTREE,
        Operation.EXPORT: Scope.SUBTREE,
        Operation.VERIFY: Scope.SUBTREE,
        Operation.REPORT: Scope.SUBTREE,
        Operation.READ_REGISTRY: Scope.ANYWHERE,
    },
    ADMINISTRATOR: {
        Operation.MANAGE_USERS: Scope.SUBTREE,
        Operation.MANAGE_REGISTRY: Scope.SUBTREE,
        Operation.RESUME_WORKFLOW: Scope.SUBTREE,
        Operation.READ_REGISTRY: Scope.ANYWHERE,
    },
}


# --- what the policy needs to know ----------------------------------------------------------
class GrantLike(Protocol):
    """A role held for an organization (``application.principal.Grant``)."""

    @property
    def role(self) -> Role: ...

    @property
    def organization_id(self) -> str: ...

    @property
    def agency(self) -> str | None: ...


G = TypeVar("G", bound=GrantLike)


class RegistryView(Protocol):
    """The organization tree on one day (``domain.registry.Registry.view(day)``)."""

    def parent_of(self, organization_id: str) -> str | None:
        """The direct superior; None for a root or an unknown organization."""
        ...

    def ancestors(self, organization_id: str) -> Sequence[str]:
        """The superiors, the direct one first, up to the root."""
        ...


class ParentsView:
    """A view given by a mapping of each organization to its parent (tests, fixed trees)."""

    def __init__(self, parents: Mapping[str, str | None]) -> None:
        self._parents = dict(parents)

    def parent_of(self, organization_id: str) -> str | None:
        return self._parents.get(organization_id)

    def ancestors(self, organization_id: str) -> Sequence[str]:
        found: list[str] = []
        current = self._parents.get(organization_id)
        while current is not None and current not in found and current != organization_id:
            found.append(current)
            current = self._parents.get(current)
        return found


# --- the decision ---------------------------------------------------------------------------
def reaches(scope: Scope, grant_organization: str, target: str | None,
            view: RegistryView) -> bool:
    """Whether a grant for ``grant_organization`` with ``scope`` reaches ``target``."""
    if scope is Scope.ANYWHERE:
        return True
    if target is None:
        # The whole installation: only a subtree-wide grant at a root reaches all of it.
        return scope is Scope.SUBTREE and view.parent_of(grant_organization) is None
    if scope is Scope.OWN:
        return target == grant_organization
    if scope is Scope.CHILDREN:
        return target != grant_organization and view.parent_of(target) == grant_organization
    if scope is Scope.OWN_OR_CHILDREN:
        return target == grant_organization or view.parent_of(target) == grant_organization
    return target == grant_organization or grant_organization in view.ancestors(target)


def may(grants: Iterable[G], operation: Operation, organization_id: str | None,
        view: RegistryView, *, agency: str | None = None) -> G | None:
    """The first of ``grants`` that permits ``operation`` on ``organization_id`` (None: the
    whole installation), or None when none does. For ``record_finding`` the grant must also be
    for ``agency``, the agency whose finding is recorded."""
    for grant in grants:
        scope = POLICY.get(str(grant.role), {}).get(operation)
        if scope is None:
            continue
        if operation is Operation.RECORD_FINDING and (agency is None or grant.agency != agency):
            continue
        if reaches(scope, grant.organization_id, organization_id, view):
            return grant
    return None


def refusal_vi(operation: Operation, organization_id: str | None) -> str:
    """What a person reads when ``may`` found no grant."""
    where = f"đối với tổ chức «{organization_id}»" if organization_id else "trên toàn hệ thống"
    return (f"Bạn không có quyền {OPERATION_LABELS_VI[operation]} {where}: không vai trò nào "
            "được giao cho bạn cho phép việc này.")
