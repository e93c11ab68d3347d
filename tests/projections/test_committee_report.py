"""The aggregate report on elected committees against a dataset worked out by hand: five
committees in a small registry tree, each figure and each ranking written out below; who sees
what follows the access rules; bad parameters are refused in Vietnamese, naming the option and
the rule, and change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from application.committee_exports import chart_png, to_csv, to_xlsx
from application.committee_reports import DEFAULT_THRESHOLDS, committees
from application.errors import Rejected
from application.principal import Grant, Principal
from domain.people import Role
from eventstore.store import PostgresEventStore
from reads.models import runner
from reads.models.committees import CommitteesProjection
from reads.models.connections import driver
from tests.support.databases import scratch_database

pytestmark = pytest.mark.projection

DAY = date(2025, 12, 1)
# (id, name, level, parent)
TREE = [("tw", "Trung ương", "central", None),
        ("p1", "Đảng bộ tỉnh Một", "province", "tw"),
        ("p2", "Đảng bộ tỉnh Hai", "province", "tw"),
        ("p1-x1", "Đảng bộ xã Một", "commune", "p1"),
        ("p1-x2", "Đảng bộ xã Hai", "commune", "p1"),
        ("p1-x1-cs1", "Chi bộ thôn Một", "grassroots", "p1-x1")]
# organization, seats, elected, women, under 40, minority, first time, filled at the first
# ballot, secretary elected directly, open seats, appointed, approved, closed on
COMMITTEES = [
    ("p1", 20, 20, 3, 1, 0, 8, True, False, 0, 0, True, date(2025, 10, 10)),
    ("p1-x1", 9, 9, 2, 2, 1, 3, False, True, 0, 1, True, date(2025, 8, 20)),
    ("p1-x2", 7, 6, 1, 0, 0, 2, False, False, 1, 0, True, None),
    ("p1-x1-cs1", 5, 5, 2, 1, 0, 1, True, True, 0, 0, False, date(2025, 7, 15)),
    ("p2", 11, 11, 4, 0, 2, 5, True, False, 0, 0, True, date(2025, 9, 1)),
]
NAMES = {o: n for o, n, _, _ in TREE}


@dataclass
class Ctx:
    """What the use cases take of ``application.context.Context``."""

    store: PostgresEventStore
    engine: AsyncEngine

    def clock(self) -> datetime:
        return datetime(2025, 12, 1, 3, 0, tzinfo=UTC)


def auditor(organization_id: str) -> Principal:
    return Principal(user_id=f"kiem-tra.{organization_id}", display_name="Kiểm tra",
                     grants=(Grant(role=Role.AUDITOR, organization_id=organization_id),))


@pytest.fixture
async def ctx(pg_server: str) -> AsyncIterator[Ctx]:
    async with scratch_database(pg_server, "committee_report") as scratch:
        async with driver(scratch.engine) as conn:
            await conn.copy_records_to_table(
                "registry_organizations",
                columns=["organization_id", "valid_from", "name", "level", "parent_id",
                         "active"],
                records=[(o, date(2020, 1, 1), n, lvl, p, True) for o, n, lvl, p in TREE])
            await conn.copy_records_to_table(
                "rm_committees",
                columns=["plan_id", "organization_id", "organization_name",
                         "organization_level", "term", "term_start", "opens_on",
                         "committee_round", "seats", "elected", "women", "under_40",
                         "ethnic_minority", "first_time", "incumbents",
                         "first_vote_complete", "secretary_direct", "open_seats",
                         "appointed", "result_approved", "closed_on"],
                records=[(f"plan-{o}", o, NAMES[o], "x", "2025-2030", date(2025, 7, 1),
                          date(2025, 6, 1), 1, seats, elected, women, u40, minority, first,
                          elected - first, fb, sd, open_, appointed, approved, closed)
                         for (o, seats, elected, women, u40, minority, first, fb, sd, open_,
                              appointed, approved, closed) in COMMITTEES])
            # The plans' targets: at least 1/5 women in p1's and xã Một's plans.
            await conn.execute("UPDATE rm_committees SET women_min = '1/5' "
                               "WHERE organization_id IN ('p1', 'p1-x1')")
        yield Ctx(scratch.store, scratch.engine)


def figures(report: Any) -> dict[str, tuple[int, int | None, str | None]]:
    return {f.code: (f.count, f.out_of, f.share) for f in (*report.figures, *report.structure)}


async def test_the_figures_under_a_province_are_those_worked_out_by_hand(ctx: Ctx) -> None:
    report = await committees(ctx, auditor("tw"), organization_id="p1",  # type: ignore[arg-type]
                              deadline="2025-09-30")

    assert [r.organization_id for r in report.committees] == ["p1", "p1-x1", "p1-x1-cs1",
                                                              "p1-x2"]
    assert figures(report) == {
        "committees": (4, None, None),
        "seats": (41, None, None),  # 20 + 9 + 7 + 5
        "elected": (40, None, None),  # 20 + 9 + 6 + 5
        "incumbents": (26, 40, "65,0%"),  # 12 + 6 + 4 + 4
        "renewal": (14, 40, "35,0%"),  # 8 + 3 + 2 + 1 first time
        "first_ballot": (2, 4, "50,0%"),  # p1, the thôn
        "secretary_direct": (2, 4, "50,0%"),  # xã Một, the thôn
        "with_open_seats": (1, 4, "25,0%"),  # xã Hai
        "open_seats": (1, None, None),
        "appointed": (1, None, None),
        "approved": (3, 4, "75,0%"),  # all but the thôn
        "closed": (3, 4, "75,0%"),  # all but xã Hai
        "on_time": (2, 4, "50,0%"),  # xã Một 20/8, the thôn 15/7; p1 closed 10/10, late
        "women": (8, 40, "20,0%"),
        "under_40": (4, 40, "10,0%"),
        "ethnic_minority": (1, 40, "2,5%"),
        "first_time": (14, 40, "35,0%"),
    }
    first_time, women = report.above
    # First time above 1/3: p1 8/20 = 40 %; xã Một 3/9 and xã Hai 2/6 are exactly 1/3, not above.
    assert [r.organization_id for r in first_time.committees] == ["p1"]
    assert first_time.sentence == ("Có 01/04 cấp ủy có tỷ lệ cấp ủy viên tham gia lần đầu "
                                   "trên 1/3: Đảng bộ tỉnh Một (8/20, 40,0%).")
    # Women above 15 %: the thôn 2/5 = 40 %, xã Một 2/9 = 22,2 %, xã Hai 1/6 = 16,7 %;
    # p1 3/20 is exactly 15 %, not above.
    assert [r.organization_id for r in women.committees] == ["p1-x1-cs1", "p1-x1", "p1-x2"]
    assert women.sentence == (
        "Có 03/04 cấp ủy có tỷ lệ cấp ủy viên nữ trên 15%: Chi bộ thôn Một (2/5, 40,0%), "
        "Đảng bộ xã Một (2/9, 22,2%), Đảng bộ xã Hai (1/6, 16,7%).")

    whole = await committees(ctx, auditor("tw"), organization_id="tw",  # type: ignore[arg-type]
                             thresholds=(("women", "1/3", "--women-above"),))
    assert len(whole.committees) == 5 and figures(whole)["elected"] == (51, None, None)
    assert [r.organization_id for r in whole.above[0].committees] == ["p1-x1-cs1", "p2"]

    # Against the plans' targets: p1 has 3/20 women (15 %) for a target of 1/5, missed;
    # xã Một 2/9 (22,2 %), met; the others set no target.
    assert {r.organization_id: r.targets_missed() for r in report.committees} == {
        "p1": ["women"], "p1-x1": [], "p1-x2": [], "p1-x1-cs1": []}
    csv = to_csv(report).decode("utf-8-sig").splitlines()
    assert len(csv) == 5 and csv[0].startswith("Mã tổ chức,Tổ chức,")
    assert csv[1].startswith("p1,") and csv[1].endswith(",Nữ") and csv[2].endswith(",")
    assert to_xlsx(report)[:2] == b"PK" and chart_png(report)[:8] == b"\x89PNG\r\n\x1a\n"


async def test_each_reader_sees_only_the_committees_the_access_rules_allow(ctx: Ctx) -> None:
    other = await committees(ctx, auditor("p2"), organization_id="tw")  # type: ignore[arg-type]
    assert [r.organization_id for r in other.committees] == ["p2"]
    department = Principal(user_id="to-chuc.xa-mot", display_name="Ban tổ chức", grants=(
        Grant(role=Role.ORGANIZATION_DEPARTMENT, organization_id="p1-x1"),))
    own = await committees(ctx, department, organization_id="p1")  # type: ignore[arg-type]
    assert [r.organization_id for r in own.committees] == ["p1-x1"]


@pytest.mark.parametrize(("changes", "field", "rule", "words"), [
    ({"organization_id": "khong-co"}, "--organization", "unknown_organization",
     "không phải tổ chức có trong danh mục"),
    ({"organization_id": ""}, "--organization", "unknown_organization", "danh mục"),
    ({"thresholds": (("women", "150%", "--women-above"),)}, "--women-above", "share",
     "không phải một tỷ lệ từ 0 đến 1"),
    ({"thresholds": (("first_time", "-1/3", "--first-time-above"),)}, "--first-time-above",
     "share", "từ 0 đến 1"),
    ({"thresholds": (("first_time", "một phần ba", "--first-time-above"),)},
     "--first-time-above", "share", "tỷ lệ"),
    ({"thresholds": (("height", "1/2", "--x"),)}, "--x", "one_of", "tiêu chí cơ cấu"),
    ({"deadline": "30/9/2025"}, "--deadline", "date", "không phải một ngày"),
])
async def test_bad_parameters_are_refused_naming_the_option_and_change_nothing(
        ctx: Ctx, changes: dict[str, Any], field: str, rule: str, words: str) -> None:
    before = await runner.digest(ctx.engine, CommitteesProjection())
    arguments: dict[str, Any] = {"organization_id": "p1", "thresholds": DEFAULT_THRESHOLDS,
                                 **changes}
    with pytest.raises(Rejected) as refused:
        await committees(ctx, auditor("tw"), **arguments)  # type: ignore[arg-type]
    [violation] = refused.value.violations
    assert (violation.field, violation.rule) == (field, rule) and words in violation.message
    assert await runner.digest(ctx.engine, CommitteesProjection()) == before
