"""Who is asking: an authenticated user and the posts they hold.

A principal comes from authentication only (an API token, a web session, the operator's own
shell for operator commands), never from a free environment variable. Each grant binds a role
to an organization of the registry (and, for an appraisal agency, to the agency it works for);
the use cases choose the grant that fits the plan acted on, and the domain records it in every
event as the actor."""

from __future__ import annotations

from dataclasses import dataclass

from application.errors import Forbidden
from domain.access import Operation, RegistryView, may, refusal_vi
from domain.people import Actor, Role

#: The organization the operator is recorded as acting for: no organization, the installation.
OPERATOR_ORGANIZATION = "*"
#: What the operator's own shell may do: never a personnel decision, never a plan's content.
OPERATOR_OPERATIONS = frozenset({Operation.MANAGE_USERS, Operation.MANAGE_REGISTRY,
                                 Operation.READ_REGISTRY, Operation.VERIFY,
                                 Operation.RESUME_WORKFLOW})


@dataclass(frozen=True, kw_only=True)
class Grant:
    role: Role
    organization_id: str
    agency: str | None = None  # for an appraisal agency: which one (inspection_committee, ...)


@dataclass(frozen=True, kw_only=True)
class Principal:
    user_id: str
    display_name: str
    grants: tuple[Grant, ...] = ()
    # The operator of the installation (migrations, services, users): recorded as such, and
    # never a personnel role.
    operator: bool = False

    def grants_for(self, role: Role) -> list[Grant]:
        return [g for g in self.grants if g.role is role]

    def actor(self, grant: Grant) -> Actor:
        return Actor(user_id=self.user_id, role=grant.role,
                     organization_id=grant.organization_id)

    def grant_for(self, operation: Operation, organization_id: str | None, view: RegistryView,
                  *, agency: str | None = None) -> Grant | None:
        """The grant that permits ``operation`` on ``organization_id`` (domain.access.may)."""
        return may(self.grants, operation, organization_id, view, agency=agency)

    def acting(self, operation: Operation, organization_id: str | None, view: RegistryView,
               *, agency: str | None = None) -> Actor:
        """Who to record as acting: the grant that permits ``operation`` on
        ``organization_id`` (None: the whole installation), as an actor; the operator as the
        installation's administrator for what the operator may do. Raises Forbidden, in
        Vietnamese, otherwise."""
        if self.operator:
            if operation in OPERATOR_OPERATIONS:
                return Actor(user_id=self.user_id, role=Role.ADMINISTRATOR,
                             organization_id=OPERATOR_ORGANIZATION)
            raise Forbidden(refusal_vi(operation, organization_id))
        grant = self.grant_for(operation, organization_id, view, agency=agency)
        if grant is None:
            raise Forbidden(refusal_vi(operation, organization_id))
        return self.actor(grant)


OPERATOR = Principal(user_id="operator", display_name="Người vận hành", operator=True)

