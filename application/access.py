"""Which of the principal's posts permits an operation on an organization's plan.

Every use case asks here before it acts or reads; the grant returned is the actor the domain
records in the events (its role and organization). The rules themselves are the access
policy's (``domain/access.py``); this module binds them to principals."""

from __future__ import annotations

from application.errors import Forbidden
from application.principal import Grant, Principal
from domain.people import Role
from domain.vocabulary import label

# Which role an operation needs, and whose organization it is done for: the plan's own
# ("own") or its superior committee's ("superior").
NEEDS: dict[str, tuple[tuple[Role, str], ...]] = {
    "prepare_plan": ((Role.ORGANIZATION_DEPARTMENT, "own"),),
    "record_finding": ((Role.APPRAISAL_AGENCY, "superior"),),
    "decide_approval": ((Role.SUPERIOR_STANDING_COMMITTEE, "superior"),),
    "read_plan": ((Role.ORGANIZATION_DEPARTMENT, "own"),
                  (Role.SUPERIOR_STANDING_COMMITTEE, "superior"),
                  (Role.APPRAISAL_AGENCY, "superior"), (Role.AUDITOR, "any")),
}

ANY_ORGANIZATION = "*"


def grant_for(principal: Principal, operation: str, organization_id: str, *,
              superior_id: str | None = None, role: Role | None = None) -> Grant:
    """The grant that permits ``operation`` on a plan of ``organization_id`` (whose superior
    committee is ``superior_id``), or Forbidden naming what would."""
    for needed_role, whose in NEEDS[operation]:
        if role is not None and needed_role is not role:
            continue
        target = organization_id if whose == "own" else superior_id or organization_id
        for grant in principal.grants_for(needed_role):
            if grant.organization_id == ANY_ORGANIZATION:
                return Grant(role=grant.role, organization_id=target, agency=grant.agency)
            if whose == "any" or grant.organization_id == target:
                return grant
    wanted = " hoặc ".join(f"{label('role', r.value)} của "
                           f"{organization_id if w == 'own' else superior_id or '(cấp trên)'}"
                           for r, w in NEEDS[operation] if role is None or r is role)
    raise Forbidden(f"{principal.display_name} ({principal.user_id}) không có quyền làm việc "
                    f"này; cần: {wanted}.")
