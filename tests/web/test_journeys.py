"""Three journeys in a real browser, each under the right person's log-in: the organization
department prepares and submits a plan; an appraisal agency records and amends findings; the
superior standing committee approves with an exclusion, then an auditor reads a trail and
sees it verified. Each refused write shows its messages and records nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from application.principal import OPERATOR
from application.worked_example import DISQUALIFIED, EXAMPLES, PASSWORD
from tests.web.conftest import Browser
from tests.web.pages import (
    choose,
    driver,
    fill,
    find,
    finds,
    follow,
    go,
    heading,
    log_in,
    main_text,
    press,
    submit,
)
from tests.web.support import LiveServer, appraised, event_count, prepared, run_steps

pytestmark = pytest.mark.web


def test_a_department_opens_imports_records_a_step_and_submits(
        live: LiveServer, browser: Browser, tmp_path: Path) -> None:
    b = browser
    plan_id = f"xa-doi-may-2025-2030-web-{uuid.uuid4().hex[:6]}"
    plan_file = tmp_path / "de-an-xa-doi-may.toml"
    plan_file.write_text((EXAMPLES / "plan-xa-doi-may.toml").read_text("utf-8").replace(
        'plan_id = "xa-doi-may-2025-2030"', f'plan_id = "{plan_id}"'), "utf-8")

    log_in(b, "bantochuc.doimay", PASSWORD)
    assert driver(b).current_url.endswith("/department")  # one role: straight to the work
    b.shot("bang-dieu-khien")

    follow(b, "Lập đề án mới")
    b.shot("lap-de-an")
    find(b, "#file").send_keys(str(plan_file))
    submit(b)
    assert heading(b) == "Đã ghi"
    assert f"Đã lập đề án {plan_id}" in main_text(b)
    b.shot("da-lap-de-an")
    follow(b, "Tiếp tục")
    assert plan_id in heading(b) and "Đang lập" in main_text(b)
    b.shot("de-an-moi")

    follow(b, "Nhập danh sách nhân sự")
    b.shot("nhap-danh-sach")
    find(b, "#file").send_keys(str(EXAMPLES / "ung-vien-xa-doi-may.csv"))
    submit(b)
    assert "Đã đăng ký 19 nhân sự mới" in main_text(b)
    assert "Cảnh báo tiêu chuẩn, điều kiện" in main_text(b)  # warnings shown in full
    b.shot("da-nhap-danh-sach")
    follow(b, "Tiếp tục")
    b.shot("de-an-co-nhan-su")

    follow(b, "Ghi kết quả hội nghị bước 1")
    b.shot("bieu-mau-bien-ban")
    cards = [c.get_attribute("value") for c in finds(b, "input[name=card]")]
    assert len(cards) == 11 and cards[0] == "TD-100001"  # the incumbents, from the template
    # Too few present for a quorum, and a tally above the valid ballots: refused.
    before = live.run(event_count(live.ctx))
    fill(b, "#held_on", "21/04/2025")
    for name, value in (("summoned", "5"), ("attending", "3"), ("ballots_issued", "3"),
                        ("ballots_valid", "3")):
        fill(b, f"#{name}", value)
    for i in range(1, len(cards) + 1):
        fill(b, f"#phieu-{i}", "6" if i == 1 else "3")
    submit(b)
    assert "Dữ liệu không hợp lệ, không có gì được ghi" in main_text(b)
    beside_attending = find(b, "#attending-loi").text
    assert "quorum" in beside_attending and "2/3" in beside_attending
    assert "within_valid_ballots" in find(b, "#phieu-1-loi").text
    assert find(b, "#attending").get_attribute("aria-invalid") == "true"
    assert find(b, "#attending").get_attribute("value") == "3"  # the form as typed
    b.shot("bien-ban-bi-tu-choi")
    assert live.run(event_count(live.ctx)) == before  # nothing recorded

    for name in ("attending", "ballots_issued", "ballots_valid"):
        fill(b, f"#{name}", "5")
    for i in range(1, len(cards) + 1):
        fill(b, f"#phieu-{i}", "5")
    submit(b)
    assert "Đã ghi kết quả bước 1 (lần 1), nhóm tái cử: 11 người đạt, 0 người dừng" \
        in main_text(b)
    b.shot("da-ghi-bien-ban")
    follow(b, "Tiếp tục")
    assert "✓ đạt 5/3" in main_text(b)
    b.shot("de-an-sau-buoc-1")

    # The remaining steps through the application layer, to keep the journey short.
    live.run(run_steps(live.ctx, live.cast.department, plan_id,
                       done=frozenset({("incumbent", 1)})))
    go(b, f"/plans/{plan_id}")
    b.shot("de-an-du-5-buoc")
    follow(b, "Trình cấp trên")
    assert "Cảnh báo tiêu chuẩn, điều kiện cấp trên sẽ thấy" in main_text(b)
    b.shot("trinh-cap-tren")
    submit(b)
    assert f"Đã trình đề án {plan_id} lên cấp trên (org-tinh-lam-dong) với 17 người" \
        in main_text(b)
    b.shot("da-trinh")
    follow(b, "Tiếp tục")
    assert "Đã trình cấp trên, đang thẩm định" in main_text(b)
    b.shot("de-an-da-trinh")


def _rows(b: Browser) -> list[str]:
    return [s.get_attribute("name").removeprefix("outcome.")  # type: ignore[union-attr]
            for s in finds(b, "select[name^='outcome.']")]


def test_an_agency_records_findings_several_at_once_and_amends_one(
        live: LiveServer, browser: Browser) -> None:
    b = browser
    plan_id, listed = live.run(prepared(live.ctx, "b"))

    log_in(b, "thamdinh.inspection_committee", PASSWORD)
    assert driver(b).current_url.endswith("/appraisal")
    assert plan_id in main_text(b) and "Hạn sớm nhất" in main_text(b)
    b.shot("hang-cho-tham-dinh")
    press(b, find(b, f"a[href='/plans/{plan_id}/appraisal']"))
    assert heading(b) == f"Thẩm định đề án {plan_id}"
    rows = _rows(b)
    assert sorted(rows) == sorted(listed)
    b.shot("bieu-mau-tham-dinh")

    # Three rows at once; the third raises a concern without saying what: refused alone.
    choose(b, "#outcome-1", "Đạt")
    fill(b, "#evidence-1", "BC-01/UBKT")
    choose(b, "#outcome-2", "Đạt")
    fill(b, "#evidence-2", "BC-02/UBKT")
    choose(b, "#outcome-3", "Có vấn đề cần lưu ý")
    fill(b, "#evidence-3", "BC-03/UBKT")
    before = live.run(event_count(live.ctx))
    submit(b)
    assert "Một số dòng chưa được ghi" in main_text(b)
    assert "Đã ghi 2 kết luận" in main_text(b)
    assert "reason_required" in find(b, "#text-3-loi").text
    b.shot("mot-dong-bi-tu-choi")
    written = live.run(event_count(live.ctx)) - before
    assert written > 0

    fill(b, "#text-3", "Đơn thư phản ánh về kê khai tài sản đang được xác minh")
    submit(b)  # the same form, the same key: the two rows recorded are not sent again
    assert heading(b) == "Đã ghi kết luận thẩm định"
    lines = [li.text for li in finds(b, "main .success li")]
    assert len(lines) == 3  # the two rows recorded before are answered, not recorded again
    assert sum("đã được ghi từ lần gửi trước" in line for line in lines) == 2
    b.shot("da-ghi-ket-luan")

    # Amend the first row's finding: a new event, the first stays on the record.
    follow(b, "Xem lại thẩm định đề án")
    assert find(b, "#outcome-1").get_attribute("value") == "cleared"
    choose(b, "#outcome-1", "Có vấn đề cần lưu ý")
    fill(b, "#text-1", "Chưa có bản kê khai tài sản đã xác minh")
    submit(b)
    assert "Có vấn đề cần lưu ý" in main_text(b)
    b.shot("da-sua-ket-luan")
    follow(b, "Xem lại thẩm định đề án")
    assert "đã sửa 1 lần" in main_text(b)
    b.shot("tham-dinh-sau-khi-sua")

    from application.preparation import load

    state = live.run(load(live.ctx, plan_id))
    finding = state.appraisals[rows[0]].findings["inspection_committee"]
    assert finding.outcome.value == "concern" and finding.amendments == 1


def test_the_committee_approves_with_an_exclusion_and_an_auditor_verifies_the_trail(
        live: LiveServer, browser: Browser) -> None:
    b = browser
    plan_id, listed = live.run(prepared(live.ctx, "c"))
    live.run(appraised(live.ctx, live.cast, plan_id, listed, DISQUALIFIED))
    from application.preparation import load, resolve

    state = live.run(load(live.ctx, plan_id))
    excluded = resolve(state, DISQUALIFIED).nomination_id

    log_in(b, "btv.lamdong", PASSWORD)
    assert driver(b).current_url.endswith("/approval")
    assert plan_id in main_text(b) and "Chờ cấp trên phê duyệt" in main_text(b)
    b.shot("hop-thu-phe-duyet")
    press(b, find(b, f"a[href='/plans/{plan_id}/decision']"))
    assert "Kết luận thẩm định" in main_text(b)
    assert "Không đủ tiêu chuẩn, điều kiện" in main_text(b)
    b.shot("bieu-mau-quyet-dinh")

    # Approving while a failed check is neither excluded nor acknowledged: refused.
    find(b, "input[name=decision][value=approve_with_exclusions]").click()
    fill(b, "#decision_ref", "QĐ-789/BTV")
    fill(b, "#reasons", "Phê duyệt đề án nhân sự")
    before = live.run(event_count(live.ctx))
    submit(b)
    summary = find(b, "#loi").text
    assert "eligibility_unacknowledged" in summary and "disqualified_not_excluded" in summary
    # ... and beside the candidate's row too.
    assert "disqualified_not_excluded" in find(b, f"#loi-exclude\\.{excluded}").text
    assert "Dữ liệu không hợp lệ, không có gì được ghi" in summary
    b.shot("quyet-dinh-bi-tu-choi")
    assert live.run(event_count(live.ctx)) == before

    find(b, f"input[name='exclude.{excluded}']").click()
    fill(b, f"input[name='exclude_reason.{excluded}']",
         "Không đủ tiêu chuẩn theo kết luận của Ủy ban Kiểm tra")
    for field in finds(b, "input[name^='ack.']"):
        if excluded not in (field.get_attribute("name") or ""):
            field.clear()
            field.send_keys("Đã xem xét, đồng ý giới thiệu vì đủ tiêu chuẩn chính trị")
    submit(b)
    assert "Đã ghi quyết định «Phê duyệt, loại một số nhân sự» (QĐ-789/BTV)" in main_text(b)
    b.shot("da-phe-duyet")

    from application.audit import seal
    from application.worked_example import wait_for

    live.run(wait_for(live.ctx, plan_id, lambda s: s.phase.value == "approved"))
    press(b, find(b, "header form button[type=submit]"))  # đăng xuất
    assert "Bạn đã đăng xuất" in main_text(b)
    b.shot("da-dang-xuat")

    live.run(seal(live.ctx, OPERATOR, wait_seconds=5.0))  # the worker seals on its cadence
    log_in(b, "kiemtoan.trunguong", PASSWORD)
    assert driver(b).current_url.endswith("/audit")
    b.shot("kiem-tra")
    fill(b, "#nomination", excluded)
    submit(b, "form[action='/trail']", method="get")
    assert heading(b).startswith("Hồ sơ quá trình: ")
    assert find(b, "#chuoi-bam").text.startswith("Chuỗi băm toàn vẹn")
    assert "verdict-ok" in (find(b, "#chuoi-bam").get_attribute("class") or "")
    coverage = find(b, "#diem-chot")
    assert "chữ ký số Ed25519 hợp lệ" in coverage.text
    assert "verdict-ok" in (coverage.get_attribute("class") or "")
    assert "bị loại" in main_text(b).lower() or "loại" in main_text(b)
    entries = len(finds(b, "ol.timeline > li"))
    b.shot("ho-so-qua-trinh")

    # As of a business date: only what had happened by then.
    go(b, f"/trail?nomination={excluded}&as_of_date=2025-04-25")
    assert "tình hình đến hết ngày 25/04/2025" in main_text(b)
    assert 0 < len(finds(b, "ol.timeline > li")) < entries
    b.shot("ho-so-theo-ngay")
    go(b, f"/plans/{plan_id}?as_of_date=2025-04-25")
    assert "như tình hình đến hết ngày 25/04/2025" in main_text(b)
    b.shot("de-an-theo-ngay")

    session = driver(b).get_cookie("nhansu_session")
    assert session is not None and session.get("httpOnly") and session.get("sameSite") == "Strict"
    with httpx.Client(base_url=live.base_url, cookies={"nhansu_session": session["value"]},
                      timeout=60) as client:
        csv = client.get("/trail/download", params={"nomination": excluded, "format": "csv"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv.headers["content-disposition"]
        assert state.nominations[excluded].candidate.full_name in csv.text
        html = client.get("/trail/download", params={"nomination": excluded, "format": "html"})
        assert html.status_code == 200 and "<html" in html.text.lower()

    follow(b, "Kiểm tra, kiểm toán")
    follow(b, "Kiểm tra toàn bộ chuỗi băm và sổ cái")
    assert find(b, "#ket-luan").text.startswith("Toàn vẹn")
    b.shot("kiem-tra-toan-bo")
