"""Who may do what where, asked by every use case before it acts or reads.

The rules are the access policy's (``domain/access.py``): a department acts on its own
organization's plans, an agency and the standing committee on their direct children's, an
auditor reads its subtree. This module binds them to a principal and to the organization tree
as the registry has it today, and returns the actor the domain records in the events."""

from __future__ import annotations

from application.context import Context, today
from application.principal import Principal
from domain.access import Operation
from domain.people import Actor


async def acting(ctx: Context, principal: Principal, operation: Operation,
                 organization_id: str | None, *, agency: str | None = None) -> Actor:
    """The actor ``principal`` acts as for ``operation`` on ``organization_id`` (None: the
    whole installation); ``Forbidden``, in Vietnamese, when no post of theirs permits it."""
    from application.registry import registry_view
    from domain.access import ParentsView

    if principal.operator:  # the installation's own: no organization's post to look up
        return principal.acting(operation, organization_id, ParentsView({}))
    day = today(ctx)
    organizations = [g.organization_id for g in principal.grants]
    if organization_id is not None:
        organizations.append(organization_id)
    view = await registry_view(ctx, day, organizations)
    return principal.acting(operation, organization_id, view, agency=agency)


async def readable(ctx: Context, principal: Principal, operation: Operation,
                   organization_ids: list[str]) -> set[str]:
    """Which of ``organization_ids`` the principal may ``operation`` (a read): reports and
    lists never show what their reader may not read."""
    from application.registry import registry_view
    from domain.access import may

    if principal.operator:
        return set()
    day = today(ctx)
    view = await registry_view(ctx, day, [*organization_ids,
                                          *(g.organization_id for g in principal.grants)])
    return {o for o in set(organization_ids)
            if may(principal.grants, operation, o, view) is not None}


def operator_only(principal: Principal, what: str) -> None:
    """Operating the installation (services, migrations, the ledger, the read models)."""
    from application.errors import Forbidden

    if not principal.operator:
        raise Forbidden(f"{what} là việc của người vận hành hệ thống (chạy trên máy chủ, "
                        f"không dùng mã truy cập của người dùng).")
