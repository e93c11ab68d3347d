"""The people and places of tests that go through the application layer, the CLI or HTTP:
the registry of examples/to-chuc.csv, a commune of each test's own under Lâm Đồng (one plan
per organization and term), and users with their posts and API tokens (no passwords: argon2
is for the tests that check log-in)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from application.authentication import authenticate_token
from application.context import Context
from application.plans import PlanService
from application.principal import OPERATOR, Principal
from application.registry import import_registry, register_organization
from application.users import create_user, grant_role, issue_token
from domain.people import Role

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROVINCE = "org-tinh-lam-dong"
CENTRE = "org-trung-uong"
AGENCIES = ("organization_department", "inspection_committee", "internal_affairs")


def context(db: Any, plans: PlanService) -> Context:
    from bootstrap import Database  # noqa: F401 - the shape of db

    return Context(db=db, plans_source=plans, ledger_public_keys=lambda: {},
                   ledger_signer=lambda: None, clock=lambda: datetime.now(UTC),
                   task_queue="tests", update_timeout_seconds=60)


async def seed_registry(ctx: Context) -> None:
    """The centre, the 34 provinces and xã Đồi Mây (idempotent)."""
    await import_registry(ctx, OPERATOR, EXAMPLES / "to-chuc.csv")


async def commune(ctx: Context, hint: str = "") -> str:
    """A commune of the test's own, directly under Lâm Đồng since 1 July 2025."""
    organization_id = f"org-xa-thu-{hint[:20]}-{uuid.uuid4().hex[:8]}".replace("--", "-")
    await register_organization(ctx, OPERATOR, organization_id=organization_id,
                                name=f"Đảng bộ xã Thử Nghiệm {organization_id[-8:]}",
                                level="commune", parent_id=PROVINCE, valid_from=date(2025, 7, 1))
    return organization_id


@dataclass(frozen=True)
class Person:
    login: str
    token: str
    principal: Principal


async def person(ctx: Context, grants: list[tuple[Role, str, str | None]],
                 prefix: str = "nguoi") -> Person:
    login = f"{prefix}.{uuid.uuid4().hex[:8]}"
    await create_user(ctx, OPERATOR, login=login, display_name=f"Người thử {login}")
    for role, organization, agency in grants:
        await grant_role(ctx, OPERATOR, login=login, role=role, organization_id=organization,
                         agency=agency)
    issued = await issue_token(ctx, OPERATOR, login=login, name="test",
                               lifetime=timedelta(days=1))
    return Person(login=login, token=issued.secret,
                  principal=await authenticate_token(ctx, issued.secret))


async def department(ctx: Context, organization_id: str) -> Person:
    return await person(ctx, [(Role.ORGANIZATION_DEPARTMENT, organization_id, None)], "bantochuc")


async def agency(ctx: Context, code: str) -> Person:
    return await person(ctx, [(Role.APPRAISAL_AGENCY, PROVINCE, code)], "thamdinh")


async def committee(ctx: Context) -> Person:
    return await person(ctx, [(Role.SUPERIOR_STANDING_COMMITTEE, PROVINCE, None)], "btv")


async def auditor(ctx: Context) -> Person:
    return await person(ctx, [(Role.AUDITOR, CENTRE, None)], "kiemtoan")


async def register_plan_organization(ctx: Context, organization: Any) -> None:
    """A test plan's organization (domain Organization) in the registry, under its parent,
    itself placed under Lâm Đồng when missing: so that the access policy reaches the plan."""
    from application.errors import ServiceError
    from application.registry import organization_on

    async def known(organization_id: str) -> bool:
        try:
            await organization_on(ctx, organization_id, date(2025, 7, 1))
        except ServiceError:
            return False
        return True

    parent = organization.parent_id
    if parent and not await known(parent):
        await register_organization(ctx, OPERATOR, organization_id=parent,
                                    name=f"Đảng bộ {parent}", level="district",
                                    parent_id=PROVINCE, valid_from=date(2025, 7, 1))
    if not await known(organization.organization_id):
        await register_organization(ctx, OPERATOR, organization_id=organization.organization_id,
                                    name=organization.name, level=organization.level,
                                    parent_id=parent, valid_from=date(2025, 7, 1))
