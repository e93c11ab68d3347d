"""The elected committees' report through HTTP: JSON, CSV, XLSX and the chart, for an auditor
of the centre; bad parameters as Vietnamese problems naming the query parameter."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import World
from tests.api.test_http import assert_problem

pytestmark = [pytest.mark.api]
BASE = "/api/v1/reports/committees?organization=org-trung-uong"


async def test_the_report_in_every_format(http: httpx.AsyncClient, world: World) -> None:
    auditor = world.bearer("kiemtoan.trunguong")

    as_json = await http.get(f"{BASE}&deadline=2025-09-30", headers=auditor)
    assert as_json.status_code == 200, as_json.text
    body = as_json.json()
    assert body["organization_id"] == "org-trung-uong" and body["deadline"] == "2025-09-30"
    codes = [f["code"] for f in body["figures"]]
    assert codes[0] == "committees" and "on_time" in codes
    assert [a["measure"] for a in body["above"]] == ["first_time", "women"]
    assert body["above"][0]["sentence"].startswith("Có ")

    as_csv = await http.get(f"{BASE}&format=csv", headers=auditor)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.decode("utf-8-sig").startswith("Mã tổ chức,Tổ chức,")
    as_xlsx = await http.get(f"{BASE}&format=xlsx", headers=auditor)
    assert as_xlsx.status_code == 200 and as_xlsx.content[:2] == b"PK"
    chart = await http.get("/api/v1/reports/committees/chart.png?organization=org-trung-uong",
                           headers=auditor)
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("query", "field"), [
    ("organization=khong-co-to-chuc", "organization"),
    ("organization=org-trung-uong&women_above=150%25", "women_above"),
    ("organization=org-trung-uong&first_time_above=abc", "first_time_above"),
    ("organization=org-trung-uong&deadline=30/9/2025", "deadline"),
])
async def test_bad_parameters_are_named_in_vietnamese(http: httpx.AsyncClient, world: World,
                                                      query: str, field: str) -> None:
    refused = await http.get(f"/api/v1/reports/committees?{query}",
                             headers=world.bearer("kiemtoan.trunguong"))
    body = assert_problem(refused, 422)
    assert [v["field"] for v in body["violations"]] == [field]
