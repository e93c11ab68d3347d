"""Reading the organization registry, for the edges: the tree as it stood on a day and one
organization with its history. Everyone with a grant reads the registry (``read_registry``);
the operator does too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from application.access import acting
from application.context import Context, today
from application.principal import Principal
from domain.access import Operation
from domain.registry import OrgVersion
from domain.vocabulary import label


@dataclass(frozen=True, kw_only=True)
class OrganizationView:
    organization_id: str
    name: str
    level: str
    level_label: str
    parent_id: str | None
    valid_from: date
    valid_to: date | None
    active: bool
    ended: str | None
    successors: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class OrganizationDetails:
    organization: OrganizationView | None  # as it stood on the day asked (None: not then)
    children: tuple[OrganizationView, ...]
    history: tuple[OrganizationView, ...]  # every version, oldest first


def view_of(v: OrgVersion) -> OrganizationView:
    level = getattr(v.level, "value", str(v.level))
    return OrganizationView(organization_id=v.organization_id, name=v.name, level=level,
                            level_label=label("level", level), parent_id=v.parent_id,
                            valid_from=v.valid_from, valid_to=v.valid_to, active=v.active,
                            ended=v.ended, successors=tuple(v.successors))



async def organizations_on(ctx: Context, principal: Principal, day: date | None = None, *,
                           parent_id: str | None = None,
                           active_only: bool = False) -> list[OrganizationView]:
    """Every organization registered by ``day`` (default: today) as it stood then, in id
    order; only the direct children of ``parent_id`` when given."""
    from application.registry import tree_as_of

    await acting(ctx, principal, Operation.READ_REGISTRY, parent_id)
    tree = await tree_as_of(ctx, day or today(ctx))
    return [view_of(v) for _, v in sorted(tree.items())
            if (parent_id is None or v.parent_id == parent_id)
            and (v.active or not active_only)]


async def organization_details(ctx: Context, principal: Principal, organization_id: str,
                               day: date | None = None) -> OrganizationDetails:
    """One organization: as it stood on ``day``, its children then, and its whole history.
    NotFound for an organization the registry never had."""
    from application.registry import children_of, organization_history

    await acting(ctx, principal, Operation.READ_REGISTRY, organization_id)
    when = day or today(ctx)
    history = await organization_history(ctx, organization_id)
    current = next((v for v in history if v.covers(when)), None)
    children = await children_of(ctx, organization_id, when)
    return OrganizationDetails(organization=None if current is None else view_of(current),
                               children=tuple(view_of(c) for c in children),
                               history=tuple(view_of(v) for v in history))
