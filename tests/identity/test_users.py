"""Managing users on PostgreSQL: who may, what is recorded, and what the grants give."""

from __future__ import annotations

import pytest

from application import authentication, users
from application.errors import Conflict, Forbidden, NotFound, Rejected, Unauthenticated
from application.principal import OPERATOR, Grant, Principal
from domain.access import Operation, ParentsView
from domain.people import Role
from tests.identity.conftest import ADMIN, Ctx

pytestmark = pytest.mark.identity

LAM_DONG = "org-tinh-lam-dong"
DOI_MAY = "org-xa-doi-may"
PROVINCIAL_ADMIN = Principal(user_id="qt.lam-dong", display_name="Quản trị Lâm Đồng", grants=(
    Grant(role=Role.ADMINISTRATOR, organization_id=LAM_DONG),))


async def test_the_operator_creates_a_user_and_grants_a_role(country: Ctx) -> None:
    ctx = country
    created = await users.create_user(ctx, OPERATOR, login="to-chuc.doi-may",
                                      display_name="Ban Tổ chức  Đảng ủy xã Đồi Mây")
    granted = await users.grant_role(ctx, OPERATOR, login="to-chuc.doi-may",
                                     role="organization_department", organization_id=DOI_MAY)

    assert created.display_name == "Ban Tổ chức Đảng ủy xã Đồi Mây"
    assert granted.grants == (Grant(role=Role.ORGANIZATION_DEPARTMENT,
                                    organization_id=DOI_MAY),)
    stored = await ctx.store.read_stream("user-to-chuc.doi-may")
    assert [r.event_type for r in stored] == ["UserCreated", "RoleGranted"]
    assert all(r.correlation_id == "users" for r in stored)
    assert stored[0].data["actor"] == {"user_id": "operator", "role": "administrator",
                                       "organization_id": "*"}
    assert stored[1].metadata["role"] == "administrator"


async def test_an_appraisal_agency_is_granted_with_its_agency_code(country: Ctx) -> None:
    ctx = country
    await users.create_user(ctx, ADMIN, login="ubkt.lam-dong", display_name="UBKT Lâm Đồng")

    with pytest.raises(Rejected) as caught:
        await users.grant_role(ctx, ADMIN, login="ubkt.lam-dong", role="appraisal_agency",
                               organization_id=LAM_DONG, agency="cong_an")
    assert {v.rule for v in caught.value.violations} == {"unknown_agency"}
    granted = await users.grant_role(ctx, ADMIN, login="ubkt.lam-dong",
                                     role=Role.APPRAISAL_AGENCY, organization_id=LAM_DONG,
                                     agency="inspection_committee")

    assert granted.grants[0].agency == "inspection_committee"


async def test_a_grant_names_an_organization_active_in_the_registry(country: Ctx) -> None:
    ctx = country
    await users.create_user(ctx, ADMIN, login="kiem.toan", display_name="Kiểm toán")

    with pytest.raises(Rejected) as unknown:
        await users.grant_role(ctx, ADMIN, login="kiem.toan", role="auditor",
                               organization_id="org-tinh-ha-tay")
    assert unknown.value.violations[0].rule == "unknown_organization"
    with pytest.raises(Rejected) as role:
        await users.grant_role(ctx, ADMIN, login="kiem.toan", role="king",
                               organization_id=LAM_DONG)
    assert role.value.violations[0].rule == "unknown_role"
    with pytest.raises(NotFound):
        await users.grant_role(ctx, ADMIN, login="ai-do", role="auditor",
                               organization_id=LAM_DONG)


async def test_nobody_else_manages_users(country: Ctx) -> None:
    ctx = country
    committee = Principal(user_id="btv", display_name="BTV", grants=(
        Grant(role=Role.SUPERIOR_STANDING_COMMITTEE, organization_id=LAM_DONG),))

    with pytest.raises(Forbidden):
        await users.create_user(ctx, committee, login="moi", display_name="Mới")
    with pytest.raises(Forbidden):
        await users.list_users(ctx, committee)
    await users.create_user(ctx, ADMIN, login="moi", display_name="Mới")
    for call in (users.set_password(ctx, committee, login="moi", password="a" * 12),
                 users.issue_token(ctx, committee, login="moi", name="x"),
                 users.deactivate_user(ctx, committee, login="moi")):
        with pytest.raises(Forbidden):
            await call


async def test_a_provincial_administrator_manages_its_own_subtree_only(country: Ctx) -> None:
    ctx = country
    await users.create_user(ctx, PROVINCIAL_ADMIN, login="to-chuc.doi-may",
                            display_name="Ban Tổ chức xã Đồi Mây")
    await users.grant_role(ctx, PROVINCIAL_ADMIN, login="to-chuc.doi-may",
                           role="organization_department", organization_id=DOI_MAY)
    await users.create_user(ctx, ADMIN, login="ha-noi", display_name="Hà Nội")
    await users.grant_role(ctx, ADMIN, login="ha-noi", role="auditor",
                           organization_id="org-tp-ha-noi")

    with pytest.raises(Forbidden):
        await users.grant_role(ctx, PROVINCIAL_ADMIN, login="to-chuc.doi-may", role="auditor",
                               organization_id="org-trung-uong")
    with pytest.raises(Forbidden):
        await users.deactivate_user(ctx, PROVINCIAL_ADMIN, login="ha-noi")
    seen = [u.login for u in await users.list_users(ctx, PROVINCIAL_ADMIN)]
    everyone = [u.login for u in await users.list_users(ctx, ADMIN)]

    assert seen == ["to-chuc.doi-may"]
    assert everyone == ["ha-noi", "to-chuc.doi-may"]
    stored = await ctx.store.read_stream("user-to-chuc.doi-may")
    assert stored[1].data["actor"]["organization_id"] == LAM_DONG


async def test_a_revoked_grant_no_longer_permits(country: Ctx) -> None:
    ctx = country
    await users.create_user(ctx, ADMIN, login="btv.lam-dong", display_name="BTV Lâm Đồng")
    await users.grant_role(ctx, ADMIN, login="btv.lam-dong",
                           role="superior_standing_committee", organization_id=LAM_DONG)
    token = await users.issue_token(ctx, ADMIN, login="btv.lam-dong", name="api")
    view = ParentsView({DOI_MAY: LAM_DONG, LAM_DONG: "org-trung-uong"})
    principal = await authentication.authenticate_token(ctx, token.secret)
    assert principal.grant_for(Operation.DECIDE_APPROVAL, DOI_MAY, view) is not None

    await users.revoke_role(ctx, ADMIN, login="btv.lam-dong",
                            role="superior_standing_committee", organization_id=LAM_DONG)

    principal = await authentication.authenticate_token(ctx, token.secret)
    assert principal.grants == ()
    assert principal.grant_for(Operation.DECIDE_APPROVAL, DOI_MAY, view) is None
    with pytest.raises(Forbidden):
        principal.acting(Operation.DECIDE_APPROVAL, DOI_MAY, view)


async def test_a_user_is_created_once_even_when_two_ask_at_once(country: Ctx) -> None:
    ctx = country
    await users.create_user(ctx, ADMIN, login="an", display_name="An")

    with pytest.raises(Rejected) as again:
        await users.create_user(ctx, ADMIN, login="an", display_name="An")
    assert again.value.violations[0].rule == "already_exists"


async def test_a_token_key_used_twice_does_not_show_a_secret_twice(country: Ctx) -> None:
    ctx = country
    await users.create_user(ctx, ADMIN, login="an", display_name="An")
    await users.issue_token(ctx, ADMIN, login="an", name="api", command_id="k1")

    with pytest.raises(Conflict):
        await users.issue_token(ctx, ADMIN, login="an", name="api", command_id="k1")
    summary = await users.get_user(ctx, ADMIN, "an")
    assert len(summary.tokens) == 1


async def test_deactivating_a_user_revokes_its_tokens_and_is_recorded(country: Ctx) -> None:
    ctx = country
    await users.create_user(ctx, ADMIN, login="an", display_name="An")
    await users.set_password(ctx, ADMIN, login="an", password="mật khẩu dài đủ")
    token = await users.issue_token(ctx, ADMIN, login="an", name="api")
    session = await authentication.log_in(ctx, "an", "mật khẩu dài đủ", "10.0.0.1")

    summary = await users.deactivate_user(ctx, ADMIN, login="an", reason="chuyển công tác")

    assert not summary.active
    assert all(t.revoked_at is not None for t in summary.tokens)
    stored = [r.event_type for r in await ctx.store.read_stream("user-an")]
    assert stored[-2:] == ["TokenRevoked", "UserDeactivated"]
    with pytest.raises(Unauthenticated):
        await authentication.authenticate_token(ctx, token.secret)
    with pytest.raises(Unauthenticated):
        await authentication.session_principal(ctx, session.session_id)
    with pytest.raises(Unauthenticated):
        await authentication.log_in(ctx, "an", "mật khẩu dài đủ", "10.0.0.1")


async def test_a_display_name_on_two_lines_is_refused_not_joined(country: Ctx) -> None:
    with pytest.raises(Rejected) as caught:
        await users.create_user(country, ADMIN, login="an", display_name="Nguyễn\nVăn An")

    assert {(v.field, v.rule) for v in caught.value.violations} == {
        ("display_name", "control_character")}
