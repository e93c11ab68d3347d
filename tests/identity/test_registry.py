"""The organization registry on PostgreSQL: writes with their lookup rows, the CSV import, the
tree on any day, the superior committee of a plan's organization."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from application import registry
from application.errors import Conflict, Forbidden, NotFound, Rejected
from application.principal import OPERATOR, Grant, Principal
from domain.people import Role
from domain.registry import Level, fold, registry_event_from_data
from identity import registry_tables
from tests.identity.conftest import ADMIN, CENTRE, Ctx

pytestmark = pytest.mark.identity

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "to-chuc.csv"
REFORM = date(2025, 7, 1)
LAM_DONG = "org-tinh-lam-dong"
DOI_MAY = "org-xa-doi-may"
DISTRICT = "org-huyen-suoi-xanh"  # invented, like the commune


def write_csv(tmp_path: Path, text: str, name: str = "to-chuc.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def registry_events(ctx: Ctx) -> list[str]:
    return [r.event_type for r in await ctx.store.read_correlated("registry")]


# --- the example file ------------------------------------------------------------------------
async def test_the_example_file_gives_the_tree_after_1_july_2025(ctx: Ctx) -> None:
    seen: list[tuple[int, int | None]] = []
    report = await registry.import_registry(ctx, OPERATOR, EXAMPLE,
                                            progress=lambda d, t: seen.append((d, t)))

    assert (report.rows, report.registered, report.unchanged) == (36, 36, 0)
    assert seen[-1] == (37, 37)  # 36 registrations decided, then the one write
    tree = await registry.tree_as_of(ctx, REFORM)
    provinces = [v for v in tree.values() if v.level is Level.PROVINCE]
    assert len(provinces) == 34
    assert all(v.parent_id == CENTRE and v.active for v in provinces)
    assert tree["org-tp-ho-chi-minh"].name == "Đảng bộ Thành phố Hồ Chí Minh"
    assert tree[DOI_MAY].name == "Đảng bộ xã Đồi Mây"
    superior = await registry.superior_of(ctx, DOI_MAY, REFORM)
    assert (superior.organization_id, superior.name, superior.level, superior.parent_id) == (
        LAM_DONG, "Đảng bộ tỉnh Lâm Đồng", "province", CENTRE)
    # Before 1 July 2025 neither the merged province nor the commune was registered.
    assert DOI_MAY not in await registry.tree_as_of(ctx, date(2025, 6, 30))


async def test_importing_the_same_file_twice_changes_nothing(ctx: Ctx) -> None:
    await registry.import_registry(ctx, OPERATOR, EXAMPLE)
    before = await registry_events(ctx)

    again = await registry.import_registry(ctx, OPERATOR, EXAMPLE)

    assert (again.registered, again.renamed, again.reparented, again.unchanged) == (0, 0, 0, 36)
    assert again.positions == () and not again.changed
    assert await registry_events(ctx) == before


async def test_a_changed_name_or_parent_becomes_a_rename_or_a_move_from_the_rows_date(
        ctx: Ctx, tmp_path: Path) -> None:
    first = write_csv(tmp_path, "id;name;level;parent_id;valid_from\n"
                                "org-trung-uong;Ban Chấp hành Trung ương Đảng;central;;1930-02-03\n"
                                f"{LAM_DONG};Đảng bộ tỉnh Lâm Đồng;province;org-trung-uong;"
                                "2019-01-01\n"
                                f"{DISTRICT};Đảng bộ huyện Suối Xanh;district;{LAM_DONG};"
                                "2019-01-01\n"
                                f"{DOI_MAY};Đảng bộ xã Đồi Mây;commune;{DISTRICT};2019-01-01\n")
    await registry.import_registry(ctx, OPERATOR, first)
    second = write_csv(tmp_path, "Mã,Tên,Cấp,Mã cấp trên,Hiệu lực từ\n"
                                 "org-trung-uong,Ban Chấp hành Trung ương Đảng,Trung ương,,"
                                 "03/02/1930\n"
                                 f"{LAM_DONG},Đảng bộ tỉnh Lâm Đồng,tỉnh,org-trung-uong,"
                                 "01/01/2019\n"
                                 f"{DOI_MAY},Đảng bộ xã  Đồi Mây (mới),xã,{LAM_DONG},01/07/2025\n",
                       name="doi.csv")

    report = await registry.import_registry(ctx, OPERATOR, second)

    assert (report.registered, report.renamed, report.reparented, report.unchanged) == (
        0, 1, 1, 2)
    history = await registry.organization_history(ctx, DOI_MAY)
    assert [(v.name, v.parent_id, v.valid_from, v.valid_to) for v in history] == [
        ("Đảng bộ xã Đồi Mây", DISTRICT, date(2019, 1, 1), date(2025, 6, 30)),
        ("Đảng bộ xã Đồi Mây (mới)", LAM_DONG, REFORM, None)]
    stored = await ctx.store.read_stream(f"organization-{DOI_MAY}")
    assert [r.event_type for r in stored] == [
        "OrganizationRegistered", "OrganizationRenamed", "OrganizationReparented"]
    assert all(r.data["valid_from"] == "2025-07-01" for r in stored[1:])


async def test_a_file_with_problems_reports_them_all_and_records_nothing(
        ctx: Ctx, tmp_path: Path) -> None:
    await registry.import_registry(ctx, OPERATOR, EXAMPLE)
    before = await registry_events(ctx)
    bad = write_csv(tmp_path, "Mã,Tên,Cấp,Mã cấp trên,Hiệu lực từ\n"
                              "org-xa-a,Đảng bộ xã A,xã,org-tinh-lam-dong,2025-07-01\n"
                              "org-xa-b,Đảng bộ xã B,thôn,org-tinh-lam-dong,2025-07-01\n"
                              "org-xa-c,Đảng bộ xã C,xã,org-tinh-lam-dong,31/02/2025\n"
                              "org-xa-a,Đảng bộ xã A lần hai,xã,org-tinh-lam-dong,2025-07-01\n")

    with pytest.raises(Rejected) as caught:
        await registry.import_registry(ctx, OPERATOR, bad)

    assert {(v.field, v.rule) for v in caught.value.violations} == {
        ("to-chuc.csv, dòng 3, cột «Cấp»", "unknown_level"),
        ("to-chuc.csv, dòng 4, cột «Hiệu lực từ»", "date"),
        ("to-chuc.csv, dòng 5, cột «Mã»", "duplicate")}
    assert await registry_events(ctx) == before


async def test_rule_breaks_name_the_row_and_nothing_is_recorded(ctx: Ctx,
                                                                tmp_path: Path) -> None:
    await registry.import_registry(ctx, OPERATOR, EXAMPLE)
    before = await registry_events(ctx)
    bad = write_csv(tmp_path, "Mã,Tên,Cấp,Mã cấp trên,Hiệu lực từ\n"
                              "org-xa-moi,Đảng bộ xã Mới,xã,org-tinh-lam-dong,2025-07-01\n"
                              "Org Sai,Đảng bộ xã Sai,xã,org-tinh-lam-dong,2025-07-01\n"
                              "org-xa-mo-coi,Đảng bộ xã Mồ Côi,xã,org-tinh-khong-co,2025-07-01\n"
                              f"{LAM_DONG},Đảng bộ tỉnh Lâm Đồng,xã,org-trung-uong,2025-07-01\n")

    with pytest.raises(Rejected) as caught:
        await registry.import_registry(ctx, OPERATOR, bad)

    assert {(v.field, v.rule) for v in caught.value.violations} == {
        ("to-chuc.csv, dòng 5, cột «Cấp»", "level_changed")}
    bad.write_text("Mã,Tên,Cấp,Mã cấp trên,Hiệu lực từ\n"
                   "org-xa-moi,Đảng bộ xã Mới,xã,org-tinh-lam-dong,2025-07-01\n"
                   "Org Sai,Đảng bộ xã Sai,xã,org-tinh-lam-dong,2025-07-01\n"
                   "org-xa-mo-coi,Đảng bộ xã Mồ Côi,xã,org-tinh-khong-co,2025-07-01\n",
                   encoding="utf-8")
    with pytest.raises(Rejected) as caught:
        await registry.import_registry(ctx, OPERATOR, bad)
    assert {(v.field, v.rule) for v in caught.value.violations} == {
        ("to-chuc.csv, dòng 3, organization_id", "format"),
        ("to-chuc.csv, dòng 4, parent_id", "unknown_parent")}
    assert await registry_events(ctx) == before
    assert "org-xa-moi" not in await registry.tree_as_of(ctx, REFORM)


# --- history ---------------------------------------------------------------------------------
async def history_of_2025(ctx: Ctx) -> None:
    """The centre, Lâm Đồng, an invented district with the commune until 30 June 2025, then
    the commune directly under the province and the district dissolved."""
    day = date(2019, 1, 1)
    await registry.register_organization(ctx, ADMIN, organization_id=CENTRE,
                                         name="Ban Chấp hành Trung ương Đảng", level="central",
                                         parent_id=None, valid_from=date(1930, 2, 3))
    await registry.register_organization(ctx, ADMIN, organization_id=LAM_DONG,
                                         name="Đảng bộ tỉnh Lâm Đồng", level=Level.PROVINCE,
                                         parent_id=CENTRE, valid_from=day)
    await registry.register_organization(ctx, ADMIN, organization_id=DISTRICT,
                                         name="Đảng bộ huyện Suối Xanh", level="huyện",
                                         parent_id=LAM_DONG, valid_from=day)
    await registry.register_organization(ctx, ADMIN, organization_id=DOI_MAY,
                                         name="Đảng bộ xã Đồi Mây", level="xã",
                                         parent_id=DISTRICT, valid_from=day)
    await registry.reparent_organization(ctx, ADMIN, organization_id=DOI_MAY,
                                         parent_id=LAM_DONG, valid_from=REFORM)
    await registry.dissolve_organization(ctx, ADMIN, organization_id=DISTRICT,
                                         valid_from=REFORM)


async def test_the_tree_as_of_2020_and_as_of_2026(ctx: Ctx) -> None:
    await history_of_2025(ctx)
    in_2020, in_2026 = date(2020, 10, 1), date(2026, 1, 1)

    assert (await registry.superior_of(ctx, DOI_MAY, in_2020)).organization_id == DISTRICT
    assert (await registry.superior_of(ctx, DOI_MAY, date(2025, 6, 30))).organization_id == (
        DISTRICT)
    assert (await registry.superior_of(ctx, DOI_MAY, in_2026)).organization_id == LAM_DONG
    assert [v.organization_id for v in await registry.ancestors_of(ctx, DOI_MAY, in_2020)] == [
        DISTRICT, LAM_DONG, CENTRE]
    assert [v.organization_id for v in await registry.ancestors_of(ctx, DOI_MAY, in_2026)] == [
        LAM_DONG, CENTRE]
    assert [v.organization_id for v in await registry.subtree_of(ctx, LAM_DONG, in_2020)] == [
        LAM_DONG, DISTRICT, DOI_MAY]
    assert [v.organization_id for v in await registry.subtree_of(ctx, LAM_DONG, in_2026)] == [
        LAM_DONG, DOI_MAY]
    assert [v.organization_id for v in await registry.children_of(ctx, DISTRICT, in_2026)] == []
    tree_2026 = await registry.tree_as_of(ctx, in_2026)
    assert not tree_2026[DISTRICT].active and tree_2026[DISTRICT].ended == "dissolved"
    history = await registry.organization_history(ctx, DOI_MAY)
    assert [(v.parent_id, v.valid_from, v.valid_to) for v in history] == [
        (DISTRICT, date(2019, 1, 1), date(2025, 6, 30)), (LAM_DONG, REFORM, None)]


async def test_the_lookup_rows_are_the_fold_of_the_events(ctx: Ctx) -> None:
    await registry.import_registry(ctx, OPERATOR, EXAMPLE)
    await registry.merge_organization(ctx, ADMIN, organization_id="org-tinh-cao-bang",
                                      into="org-tinh-lang-son", valid_from=date(2026, 1, 1))
    recorded = await ctx.store.read_correlated("registry")
    folded = fold(registry_event_from_data(r.event_type, r.schema_version, r.data)
                  for r in recorded)

    for day in (date(2025, 7, 1), date(2026, 1, 1)):
        assert await registry.tree_as_of(ctx, day) == folded.as_of(day)
    assert await registry_tables.head(ctx.engine) == (recorded[-1].position, len(recorded))
    loaded = await registry.load_registry(ctx)
    assert loaded.as_of(date(2026, 1, 1)) == folded.as_of(date(2026, 1, 1))


async def test_rows_missing_events_are_made_again_before_the_next_write(ctx: Ctx) -> None:
    await registry.import_registry(ctx, OPERATOR, EXAMPLE)
    async with registry_tables.registry_write(ctx.engine) as write:
        await write.conn.execute("DELETE FROM registry_organizations")
        await write.conn.execute("UPDATE registry_head SET position = 0, events = 0")
    assert await registry.tree_as_of(ctx, REFORM) == {}

    await registry.rename_organization(ctx, ADMIN, organization_id=DOI_MAY,
                                       name="Đảng bộ xã Đồi Mây mới", valid_from=REFORM)

    tree = await registry.tree_as_of(ctx, REFORM)
    assert len(tree) == 36 and tree[DOI_MAY].name == "Đảng bộ xã Đồi Mây mới"
    assert await registry.rebuild(ctx, OPERATOR) == 36


# --- lookups that fail -----------------------------------------------------------------------
async def test_superior_of_says_why_it_cannot_answer(ctx: Ctx) -> None:
    await history_of_2025(ctx)

    with pytest.raises(NotFound, match="org-khong-co"):
        await registry.superior_of(ctx, "org-khong-co", REFORM)
    with pytest.raises(Rejected) as before:
        await registry.superior_of(ctx, DOI_MAY, date(2018, 12, 31))
    assert before.value.violations[0].rule == "not_active"
    with pytest.raises(Rejected) as ended:
        await registry.organization_on(ctx, DISTRICT, REFORM)
    assert ended.value.violations[0].rule == "not_active"
    assert "kết thúc" in ended.value.violations[0].message
    with pytest.raises(Rejected) as top:
        await registry.superior_of(ctx, CENTRE, REFORM)
    assert top.value.violations[0].rule == "no_superior"


# --- who may write ---------------------------------------------------------------------------
async def test_only_an_administrator_reaching_the_place_changes_the_registry(ctx: Ctx) -> None:
    await registry.import_registry(ctx, OPERATOR, EXAMPLE)
    department = Principal(user_id="to.chuc", display_name="Ban tổ chức", grants=(
        Grant(role=Role.ORGANIZATION_DEPARTMENT, organization_id=LAM_DONG),))
    provincial = Principal(user_id="qt.lam-dong", display_name="Quản trị Lâm Đồng", grants=(
        Grant(role=Role.ADMINISTRATOR, organization_id=LAM_DONG),))

    with pytest.raises(Forbidden):
        await registry.register_organization(ctx, department, organization_id="org-xa-b",
                                             name="Đảng bộ xã B", level="xã",
                                             parent_id=LAM_DONG, valid_from=REFORM)
    with pytest.raises(Forbidden):
        await registry.register_organization(ctx, provincial, organization_id="org-xa-c",
                                             name="Đảng bộ xã C", level="xã",
                                             parent_id="org-tp-ha-noi", valid_from=REFORM)
    with pytest.raises(Forbidden):
        await registry.reparent_organization(ctx, provincial, organization_id=DOI_MAY,
                                             parent_id="org-tp-ha-noi", valid_from=REFORM)
    change = await registry.register_organization(ctx, provincial, organization_id="org-xa-b",
                                                  name="Đảng bộ xã B", level="xã",
                                                  parent_id=LAM_DONG, valid_from=REFORM)

    assert change.event_types == ("OrganizationRegistered",)
    stored = (await ctx.store.read_stream("organization-org-xa-b"))[0]
    assert stored.data["actor"] == {"user_id": "qt.lam-dong", "role": "administrator",
                                    "organization_id": LAM_DONG}
    assert stored.metadata["actor"] == "qt.lam-dong"
    first = (await ctx.store.read_stream(f"organization-{CENTRE}"))[0]
    assert first.data["actor"] == {"user_id": "operator", "role": "administrator",
                                   "organization_id": "*"}


async def test_a_command_sent_twice_is_recorded_once(ctx: Ctx) -> None:
    await registry.import_registry(ctx, OPERATOR, EXAMPLE)

    first = await registry.rename_organization(ctx, ADMIN, organization_id=DOI_MAY,
                                               name="Đảng bộ xã Đồi Mây mới",
                                               valid_from=REFORM, command_id="doi-ten-1")
    again = await registry.rename_organization(ctx, ADMIN, organization_id=DOI_MAY,
                                               name="Đảng bộ xã Đồi Mây mới",
                                               valid_from=REFORM, command_id="doi-ten-1")

    assert first.event_types == ("OrganizationRenamed",) and again.event_types == ()
    assert len(await ctx.store.read_stream(f"organization-{DOI_MAY}")) == 2


async def test_writes_are_serialised_so_no_child_is_left_under_a_dissolved_parent(
        ctx: Ctx) -> None:
    """A dissolution and a registration under the same organization, at once: whichever
    goes first, the other sees it and is refused."""
    await history_of_2025(ctx)
    await registry.register_organization(ctx, ADMIN, organization_id="org-huyen-b",
                                         name="Đảng bộ huyện B", level="huyện",
                                         parent_id=LAM_DONG, valid_from=date(2019, 1, 1))
    day = date(2024, 1, 1)

    results = await asyncio.gather(
        registry.dissolve_organization(ctx, ADMIN, organization_id="org-huyen-b",
                                       valid_from=day),
        registry.register_organization(ctx, ADMIN, organization_id="org-xa-b",
                                       name="Đảng bộ xã B", level="xã",
                                       parent_id="org-huyen-b", valid_from=day),
        return_exceptions=True)

    refused = [r for r in results if isinstance(r, Rejected)]
    assert len(refused) == 1, results
    assert refused[0].violations[0].rule in ("has_children", "parent_not_active")
    tree = await registry.tree_as_of(ctx, day)
    assert not ("org-xa-b" in tree and not tree["org-huyen-b"].active)


async def test_a_registry_file_that_cannot_be_read_is_refused(ctx: Ctx, tmp_path: Path) -> None:
    with pytest.raises(Rejected) as missing:
        await registry.import_registry(ctx, OPERATOR, tmp_path / "khong-co.csv")
    assert missing.value.violations[0].rule == "readable"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Mã,Tên\n".encode("latin-1"))
    with pytest.raises(Rejected) as encoded:
        await registry.import_registry(ctx, OPERATOR, latin)
    assert encoded.value.violations[0].rule == "utf8"
    headers = write_csv(tmp_path, "Mã,Tên,Cấp,Ghi chú\n")
    with pytest.raises(Rejected) as columns:
        await registry.import_registry(ctx, OPERATOR, headers)
    assert {v.rule for v in columns.value.violations} == {"unknown_column", "missing_column"}


async def test_a_concurrent_change_around_the_lock_is_a_conflict(ctx: Ctx) -> None:
    """Expected versions still guard each stream: an event appended to an organization's
    stream behind the registry's back makes the next change a Conflict, not a fork."""
    await registry.import_registry(ctx, OPERATOR, EXAMPLE)
    await registry.load_registry(ctx)  # cached, then the stream moves on without it
    from eventstore.model import NewEvent

    stream = f"organization-{DOI_MAY}"
    await ctx.store.append([NewEvent(
        event_id="00000000-0000-4000-8000-000000000001", stream_id=stream,
        event_type="OrganizationRenamed", schema_version=1,
        data={"organization_id": DOI_MAY, "valid_from": "2025-07-01",
              "occurred_at": "2025-07-01T08:00:00+00:00",
              "actor": {"user_id": "x", "role": "administrator", "organization_id": "*"},
              "command_id": "around", "name": "Tên khác"},
        metadata={}, occurred_at=ctx.clock(), correlation_id=None)], {stream: 1})

    # Not correlated with the registry: the fold does not see it, the stream's version does.
    with pytest.raises(Conflict):
        await registry.rename_organization(ctx, ADMIN, organization_id=DOI_MAY,
                                           name="Đảng bộ xã Đồi Mây mới", valid_from=REFORM)
