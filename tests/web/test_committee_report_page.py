"""The elected committees' report page on the live server, as an auditor of the centre opens
it: the form, the figures, the footnote sentences, the chart as an <img> of a PNG the page's
own origin serves (no inline script), the downloads; a bad threshold shown in Vietnamese."""

from __future__ import annotations

import re

import pytest

from application.worked_example import PASSWORD
from tests.web.conftest import log_in
from tests.web.support import LiveServer
from tests.web.test_pages import checked

pytestmark = pytest.mark.web


def test_the_report_page_its_chart_and_its_downloads(live: LiveServer) -> None:
    client = log_in(live, "kiemtoan.trunguong", PASSWORD)
    empty = checked(client.get("/reports/committees"), 200)
    assert 'name="organization"' in empty.text and "Tổng hợp dưới" not in empty.text

    page = checked(client.get("/reports/committees?organization=org-trung-uong"
                              "&deadline=2025-09-30"), 200)
    assert "Tổng hợp dưới" in page.text and "Hoàn thành đúng hạn" in page.text
    assert "cấp ủy viên tham gia lần đầu trên 1/3" in page.text
    assert "<script>" not in page.text
    [chart] = re.findall(r'<img src="([^"]+)"', page.text)
    png = checked(client.get(chart.replace("&amp;", "&")), 200)
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    csv = checked(client.get("/reports/committees/download?organization=org-trung-uong"
                             "&format=csv"), 200)
    assert csv.content.decode("utf-8-sig").startswith("Mã tổ chức,")
    xlsx = checked(client.get("/reports/committees/download?organization=org-trung-uong"
                              "&format=xlsx"), 200)
    assert xlsx.content[:2] == b"PK"

    refused = checked(client.get("/reports/committees?organization=org-trung-uong"
                                 "&women_above=200%25"), 422)
    assert "không phải một tỷ lệ từ 0 đến 1" in refused.text
