"""The web interface over plain HTTP, as a browser sends it: every page of every role answers
in Vietnamese with the right status and never a stack trace; forms refuse a post without the
session's CSRF token; a form sent twice applies once; the log-in never says which part was
wrong and shows the rate limit's message; a write with no worker running is answered 503
with the form kept, and sent again once a worker runs it applies once."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest

from application.labels import VIETNAM
from application.worked_example import EXAMPLES, PASSWORD
from tests.web.conftest import csrf_of, key_of, log_in
from tests.web.support import (
    LiveServer,
    commune,
    event_count,
    open_with_candidates,
    prepared,
    side_server,
)

pytestmark = pytest.mark.web


@dataclass
class Plans:
    submitted: str  # of commune "d": through its steps, under appraisal
    submitted_nomination: str
    open: str  # of commune "e": candidates registered, no step yet
    open_nomination: str


@pytest.fixture(scope="module")
def plans(live: LiveServer) -> Plans:
    from application.preparation import load

    submitted, listed = live.run(prepared(live.ctx, "d"))
    organization_id, name, department = live.run(commune(live.ctx, "e"))
    opened = "xa-web-e-2025-2030"
    live.run(open_with_candidates(live.ctx, department, organization_id, name, opened))
    state = live.run(load(live.ctx, opened))
    return Plans(submitted=submitted, submitted_nomination=listed[0], open=opened,
                 open_nomination=next(iter(state.nominations)))


@pytest.fixture(scope="module")
def clients(live: LiveServer, plans: Plans) -> Iterator[dict[str, httpx.Client]]:
    logins = {"department": "bantochuc.webe", "department_d": "bantochuc.webd",
              "agency": "thamdinh.organization_department", "committee": "btv.lamdong",
              "auditor": "kiemtoan.trunguong", "two_posts": "ubkt.kiemnhiem"}
    found = {who: log_in(live, login, PASSWORD) for who, login in logins.items()}
    yield found
    for client in found.values():
        client.close()


def checked(response: httpx.Response, status: int) -> httpx.Response:
    """A page as a person gets it: the expected status, Vietnamese, no stack trace."""
    assert response.status_code == status, (response.request.url, response.status_code,
                                            response.text[:2000])
    assert "Traceback" not in response.text and 'File "' not in response.text
    if response.headers.get("content-type", "").startswith("text/html"):
        if "<html" in response.text:  # a page, not a fragment that htmx swaps in
            assert '<html lang="vi">' in response.text
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
    return response


def test_an_agency_queue_holds_what_its_agency_has_still_to_say(
        live: LiveServer, plans: Plans) -> None:
    from application.inbox import appraisal_queue

    mine = live.run(appraisal_queue(live.ctx, live.cast.agencies["internal_affairs"]))
    [queued] = [p for p in mine.plans if p.plan_id == plans.submitted]
    assert {i.agency for i in queued.items} == {"internal_affairs"}
    assert len(queued.items) == queued.awaited == 17  # one row per listed nomination
    assert queued.deadline is not None and not queued.overdue
    # The procedure's 10 days from the submission, each nomination's own appraisal.
    assert queued.submitted_at is not None
    for i in queued.items:
        assert i.deadline is not None
        assert abs(i.deadline - queued.submitted_at - timedelta(days=10)) < timedelta(minutes=1)
    assert not live.run(appraisal_queue(live.ctx, live.cast.committee)).plans
    assert not live.run(appraisal_queue(live.ctx, live.cast.department)).plans


def test_no_page_of_any_role_shows_a_stack_trace(live: LiveServer, plans: Plans,
                                                 clients: dict[str, httpx.Client]) -> None:
    anonymous = httpx.Client(base_url=live.base_url, timeout=60)
    checked(anonymous.get("/login"), 200)
    assert checked(anonymous.get("/department"), 303).headers["location"] \
        == "/login?next=%2Fdepartment&note=expired"
    assert "Không tìm thấy trang" in checked(anonymous.get("/khong-co-trang",
                                             headers={"accept": "text/html"}), 404).text
    assert checked(anonymous.get("/static/style.css"), 200).text.startswith("/*")

    open_, submitted = plans.open, plans.submitted
    soon = datetime.now(VIETNAM) + timedelta(minutes=1)
    today = soon.date()
    pages = {
        "department": [
            ("/", 303), ("/department", 200), ("/department?status=open", 200),
            ("/department?status=khong-co", 422), ("/department/new-plan", 200),
            (f"/plans/{open_}", 200), (f"/plans/{open_}/status", 200),
            (f"/plans/{open_}/import", 200), (f"/plans/{open_}/candidates/new", 200),
            (f"/plans/{open_}/conference", 200), (f"/plans/{open_}/minutes-template", 200),
            (f"/plans/{open_}/submit", 200), (f"/plans/{open_}/cancel", 200),
            (f"/plans/{open_}/candidates/{plans.open_nomination}/correct", 200),
            (f"/plans/{open_}/candidates/{plans.open_nomination}/withdraw", 200),
            (f"/plans/{open_}/candidates/khong-co/withdraw", 404),
            (f"/plans/{open_}?as_of_date={today:%d/%m/%Y}", 200),
            (f"/plans/{open_}?as_of={soon:%d/%m/%Y %H:%M}", 200),
            (f"/plans/{open_}?as_of_date=25/04/2025", 404),  # not opened yet then
            (f"/plans/{open_}?as_of=hom-qua", 422), (f"/plans/{open_}?as_of_date=32/13/2025", 422),
            ("/plans/khong-co-de-an", 404),
            (f"/plans/{submitted}", 403),  # another commune's plan
            ("/appraisal", 200),  # no post of an agency: nothing waits for them
            ("/trail?nomination=" + plans.submitted_nomination, 403),
        ],
        "department_d": [
            (f"/plans/{submitted}", 200), (f"/plans/{submitted}/conference", 422),
            (f"/plans/{submitted}/minutes-template", 422),
        ],
        "agency": [
            ("/", 303), ("/appraisal", 200), (f"/plans/{submitted}/appraisal", 200),
            (f"/plans/{submitted}/appraisal?agency=internal_affairs", 200),
            (f"/plans/{submitted}", 200), (f"/plans/{submitted}/decision", 403),
            (f"/plans/{open_}/appraisal", 422),
        ],
        "committee": [
            ("/", 303), ("/approval", 200), (f"/plans/{submitted}/appraisal", 200),
            (f"/plans/{submitted}/decision", 200), (f"/plans/{submitted}/status", 200),
        ],
        "two_posts": [("/", 200), ("/appraisal", 200), ("/approval", 200)],
        "auditor": [
            ("/", 303), ("/audit", 200), (f"/plans/{submitted}", 200),
            (f"/trail?nomination={plans.submitted_nomination}", 200),
            (f"/trail?nomination=TD-100001&plan_id={submitted}", 200),
            (f"/trail?nomination={plans.submitted_nomination}&as_of=01/01/2025 00:00", 404),
            ("/trail?nomination=khong-co", 404), ("/trail", 422),
            (f"/trail/download?nomination={plans.submitted_nomination}&format=csv", 200),
            (f"/trail/download?nomination={plans.submitted_nomination}&format=xml", 422),
            ("/audit/verify", 200), ("/department", 200), (f"/plans/{submitted}/decision", 403),
        ],
    }
    for who, visits in pages.items():
        for path, status in visits:
            response = checked(clients[who].get(path), status)
            if status >= 400:
                assert "Mã lỗi:" in response.text, path
    landing = clients["two_posts"].get("/").text
    assert 'href="/appraisal"' in landing and 'href="/approval"' in landing  # a choice


def test_a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
        live: LiveServer, plans: Plans, clients: dict[str, httpx.Client]) -> None:
    client = clients["department"]
    form = client.get(f"/plans/{plans.open}/cancel").text
    before = live.run(event_count(live.ctx))
    for token in ("", "gia-mao", csrf_of(clients["agency"].get("/appraisal").text)):
        refused = checked(client.post(f"/plans/{plans.open}/cancel", data={
            "csrf_token": token, "idempotency_key": key_of(form), "reason": "Thử hủy"}), 403)
        assert "CSRF" in refused.text and "Mã lỗi: <code>forbidden</code>" in refused.text
    assert live.run(event_count(live.ctx)) == before
    assert "Đang lập" in client.get(f"/plans/{plans.open}").text


def test_a_form_sent_twice_is_applied_once_and_its_key_is_not_reused_for_other_content(
        live: LiveServer, plans: Plans, clients: dict[str, httpx.Client]) -> None:
    client = clients["department"]
    form = client.get(f"/plans/{plans.open}/candidates/new").text
    fields = {"csrf_token": csrf_of(form), "idempotency_key": key_of(form),
              "full_name": "Đinh Thị Thu Hà", "birth_date": "02/09/1988", "gender": "nữ",
              "ethnicity": "Tày", "candidate_group": "first_time",
              "current_post": "Bí thư Đoàn xã", "party_card_number": "TD-200001",
              "position_group": "committee_member", "in_cadre_plan": "có", "discipline": ""}
    before = live.run(event_count(live.ctx))
    first = checked(client.post(f"/plans/{plans.open}/candidates/new", data=fields), 201)
    assert "Đã đăng ký Đinh Thị Thu Hà (thẻ đảng TD-200001)" in first.text
    written = live.run(event_count(live.ctx)) - before
    assert written >= 1

    again = checked(client.post(f"/plans/{plans.open}/candidates/new", data=fields), 200)
    assert "Lệnh này đã được ghi trước đó" in again.text
    assert live.run(event_count(live.ctx)) == before + written  # applied once

    other = checked(client.post(f"/plans/{plans.open}/candidates/new",
                                data={**fields, "full_name": "Đinh Thị Thu Hằng",
                                      "party_card_number": "TD-200002"}), 409)
    assert "Xung đột" in other.text and "key_reused" in other.text
    assert 'value="Đinh Thị Thu Hằng"' in other.text  # the form, as typed
    assert live.run(event_count(live.ctx)) == before + written


def test_a_refused_candidate_shows_each_message_beside_its_field(
        live: LiveServer, plans: Plans, clients: dict[str, httpx.Client]) -> None:
    client = clients["department"]
    form = client.get(f"/plans/{plans.open}/candidates/new").text
    before = live.run(event_count(live.ctx))
    refused = checked(client.post(f"/plans/{plans.open}/candidates/new", data={
        "csrf_token": csrf_of(form), "idempotency_key": key_of(form), "full_name": "",
        "birth_date": "31/02/1980", "gender": "khác", "ethnicity": "Kinh",
        "candidate_group": "first_time", "current_post": "Chuyên viên",
        "position_group": "committee_member"}), 422)
    for field in ("full_name", "birth_date", "gender"):
        beside = re.search(rf'<div id="{field}-loi">(.*?)</div>', refused.text, re.S)
        assert beside, field
        assert 'class="field-error"' in beside.group(1)
        assert f'id="{field}" name="{field}"' in refused.text
    assert 'aria-describedby="birth_date-loi"' in refused.text
    assert live.run(event_count(live.ctx)) == before


def test_the_log_in_never_says_which_part_was_wrong_and_shows_the_lock(
        live: LiveServer) -> None:
    def attempt(login: str, password: str) -> httpx.Response:
        client = httpx.Client(base_url=live.base_url, timeout=60)
        token = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
        assert token
        return client.post("/login", data={"login": login, "password": password,
                                           "login_csrf": token.group(1)})

    unknown = checked(attempt("khong.ai.ca", "sai"), 401)
    wrong = checked(attempt("btv.lamdong", "sai-mat-khau"), 401)
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in unknown.text and message in wrong.text
    assert 'value="khong.ai.ca"' in unknown.text  # the login as typed, never the password
    assert "sai-mat-khau" not in wrong.text

    for _ in range(5):
        checked(attempt("ubkt.kiemnhiem", "sai"), 401)
    locked = checked(attempt("ubkt.kiemnhiem", PASSWORD), 429)  # the right one, too late
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert "Đăng nhập tạm bị khóa vì nhập sai nhiều lần" in locked.text
    assert message not in locked.text

    stale = httpx.Client(base_url=live.base_url, timeout=60)
    refused = checked(stale.post("/login", data={"login": "btv.lamdong", "password": PASSWORD,
                                                 "login_csrf": "cu"}), 403)
    assert "nhansu_session" not in refused.headers.get("set-cookie", "")


def test_the_session_cookie_and_logging_out(live: LiveServer) -> None:
    client = httpx.Client(base_url=live.base_url, timeout=60)
    token = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post("/login", data={"login": "kiemtoan.trunguong", "password": PASSWORD,
                                         "login_csrf": token.group(1),
                                         "next": "https://example.org/"})
    assert answer.status_code == 303 and answer.headers["location"] == "/"  # never off-site
    cookie = next(c for c in answer.headers.get_list("set-cookie")
                  if c.startswith("nhansu_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # settings.secure_cookies is off for http://127.0.0.1
    audit = checked(client.get("/audit"), 200)
    assert "Phạm Thị Kiểm Toán" in audit.text
    out = client.post("/logout", data={"csrf_token": csrf_of(audit.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login?note=logged_out"
    client.cookies.clear()
    session = cookie.split(";", 1)[0].split("=", 1)[1]
    after = httpx.Client(base_url=live.base_url, timeout=60,
                         cookies={"nhansu_session": session})
    assert checked(after.get("/audit"), 303).headers["location"].startswith("/login")


def test_an_upload_too_large_is_refused_before_it_is_read(
        live: LiveServer, plans: Plans, clients: dict[str, httpx.Client]) -> None:
    client = clients["department"]
    form = client.get(f"/plans/{plans.open}/import").text
    before = live.run(event_count(live.ctx))
    refused = checked(client.post(
        f"/plans/{plans.open}/import",
        data={"csrf_token": csrf_of(form), "idempotency_key": key_of(form)},
        files={"file": ("lon.csv", b"x" * (7 * 1024 * 1024), "text/csv")}), 413)
    assert "too_large" in refused.text
    assert live.run(event_count(live.ctx)) == before


def test_a_write_with_no_worker_is_answered_503_and_applies_once_when_sent_again(
        live: LiveServer, tmp_path: object) -> None:
    """Opening a plan on a task queue no worker polls: the answer does not come in time, the
    page says so and keeps the form and its key; sent again after a worker starts, it is
    applied once."""
    import bootstrap

    queue = f"web-no-worker-{uuid.uuid4().hex[:8]}"
    organization_id, name, _ = live.run(commune(live.ctx, "f"))
    plan_id = "xa-web-f-2025-2030"
    plan = (EXAMPLES / "plan-xa-doi-may.toml").read_text("utf-8") \
        .replace('plan_id = "xa-doi-may-2025-2030"', f'plan_id = "{plan_id}"') \
        .replace('id = "org-xa-doi-may"', f'id = "{organization_id}"') \
        .replace('name = "Đảng bộ xã Đồi Mây"', f'name = "{name}"')
    stack = AsyncExitStack()
    try:
        base = live.run(stack.enter_async_context(side_server(
            live, temporal_task_queue=queue, update_timeout_seconds=2.0)))
        client = log_in(live, "bantochuc.webf", PASSWORD)
        client.base_url = httpx.URL(base)
        form = client.get("/department/new-plan").text
        fields = {"csrf_token": csrf_of(form), "idempotency_key": key_of(form)}
        upload = {"file": ("de-an.toml", plan.encode("utf-8"), "application/toml")}
        before = live.run(event_count(live.ctx))

        unknown = checked(client.post("/department/new-plan", data=fields, files=upload), 503)
        assert unknown.headers["retry-after"] == "5"
        assert "Chưa rõ kết quả" in unknown.text and "outcome_unknown" in unknown.text
        assert key_of(unknown.text) == fields["idempotency_key"]  # the same key, to retry
        assert live.run(event_count(live.ctx)) == before

        async def start_worker() -> None:
            client_of_worker = await bootstrap.temporal_client(live.settings)
            await stack.enter_async_context(
                bootstrap.worker(client_of_worker, live.ctx.store, queue,
                                 digest_key=live.ctx.id_key))

        live.run(start_worker())
        applied = client.post("/department/new-plan", data=fields, files=upload)
        assert applied.status_code in (200, 201), applied.text[:2000]
        assert f"Đã lập đề án {plan_id}" in applied.text
        written = live.run(event_count(live.ctx)) - before
        assert written == 2  # PlanOpened and PlanTermClaimed, once
        again = checked(client.post("/department/new-plan", data=fields, files=upload), 200)
        assert "Lệnh này đã được ghi trước đó" in again.text
        assert live.run(event_count(live.ctx)) == before + written
    finally:
        live.run(stack.aclose())


def test_a_concern_must_be_acknowledged_to_approve_and_a_plan_can_be_sent_back(
        live: LiveServer, clients: dict[str, httpx.Client]) -> None:
    """The decision form over HTTP: approving without acknowledging a concern is refused
    beside it (nothing recorded); sending two first-time candidates back to step 3 is
    recorded and the plan goes back into the procedure."""
    from application.preparation import load, resolve
    from application.worked_example import AMENDED, DISQUALIFIED, SENT_BACK, wait_for
    from tests.web.support import appraised

    plan_id, listed = live.run(prepared(live.ctx, "g"))
    live.run(appraised(live.ctx, live.cast, plan_id, listed, DISQUALIFIED, concern=AMENDED))
    state = live.run(load(live.ctx, plan_id))
    bad, doubtful = (resolve(state, c).nomination_id for c in (DISQUALIFIED, AMENDED))
    back = [resolve(state, c).nomination_id for c in SENT_BACK]
    client = clients["committee"]
    inbox = checked(client.get("/approval"), 200).text
    assert plan_id in inbox and "Hạn quyết định" in inbox

    # The inbox's due date: the procedure's 14 days from when the appraisals completed;
    # overdue past it. Only the committee over the plan sees it.
    from application.inbox import approval_inbox

    item = next(i for i in live.run(approval_inbox(live.ctx, live.cast.committee)).items
                if i.plan_id == plan_id)
    assert item.phase == "awaiting_approval" and item.awaiting_since is not None
    assert item.due == item.awaiting_since + timedelta(days=14) and not item.overdue
    assert f"{item.due.astimezone(VIETNAM):%d/%m/%Y %H:%M:%S} (giờ Việt Nam" in inbox
    since = item.awaiting_since
    later = dataclasses.replace(live.ctx, clock=lambda: since + timedelta(days=15))
    assert next(i for i in live.run(approval_inbox(later, live.cast.committee)).items
                if i.plan_id == plan_id).overdue
    assert not live.run(approval_inbox(live.ctx, live.cast.auditor)).items
    form = checked(client.get(f"/plans/{plan_id}/decision"), 200).text
    assert f'name="concern.{doubtful}.organization_department"' in form
    base = {"csrf_token": csrf_of(form), "idempotency_key": key_of(form),
            "decision_ref": "QĐ-12/BTV", "reasons": "Phê duyệt"}
    before = live.run(event_count(live.ctx))

    refused = checked(client.post(f"/plans/{plan_id}/decision", data={
        **base, "decision": "approve_with_exclusions", f"exclude.{bad}": "1",
        f"exclude_reason.{bad}": "Không đủ tiêu chuẩn"}), 422)
    beside = re.search(rf'<div id="loi-concern\.{doubtful}\.organization_department">(.*?)'
                       r"</div></div>", refused.text, re.S)
    assert beside and "finding_unacknowledged" in beside.group(1)
    assert f'name="exclude.{bad}" value="1" checked' in refused.text  # as chosen
    assert live.run(event_count(live.ctx)) == before

    sent = checked(client.post(f"/plans/{plan_id}/decision", data={
        **base, "decision": "send_back", "reasons": "Thảo luận lại về 2 đồng chí lần đầu",
        "back_step": "3", "back_group": "first_time",
        **{f"back.{n}": "1" for n in back}}), 201)
    assert "Trả lại để điều chỉnh, bổ sung" in sent.text
    live.run(wait_for(live.ctx, plan_id, lambda s: s.phase.value == "in_procedure"))
    again = checked(client.post(f"/plans/{plan_id}/decision", data={
        **base, "decision": "send_back", "reasons": "Thảo luận lại về 2 đồng chí lần đầu",
        "back_step": "3", "back_group": "first_time",
        **{f"back.{n}": "1" for n in back}}), 200)
    assert "Lệnh này đã được ghi trước đó" in again.text


def test_a_correction_and_a_findings_form_sent_twice_apply_once(
        live: LiveServer, plans: Plans, clients: dict[str, httpx.Client]) -> None:
    department = clients["department"]
    path = f"/plans/{plans.open}/candidates/{plans.open_nomination}/correct"
    form = checked(department.get(path), 200).text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.update({name: fields[f"was.{name}"] for name in
                   ("full_name", "birth_date", "gender", "ethnicity", "candidate_group",
                    "current_post", "party_card_number", "position_group", "in_cadre_plan")})
    fields.update({"ethnicity": "Mường", "reason": "Ghi nhầm dân tộc khi nhập danh sách"})
    before = live.run(event_count(live.ctx))
    first = checked(department.post(path, data=fields), 201)
    assert "Đã đính chính hồ sơ" in first.text
    written = live.run(event_count(live.ctx)) - before
    again = checked(department.post(path, data=fields), 200)
    assert "Lệnh này đã được ghi trước đó" in again.text
    assert live.run(event_count(live.ctx)) == before + written

    agency = clients["agency"]
    path = f"/plans/{plans.submitted}/appraisal"
    form = checked(agency.get(path), 200).text
    row = plans.submitted_nomination
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.update({f"outcome.{row}": "cleared", f"text.{row}": "",
                   f"evidence_ref.{row}": "BC-05/BTC"})
    before = live.run(event_count(live.ctx))
    first = checked(agency.post(path, data=fields), 201)
    assert "Đã ghi kết luận của Ban Tổ chức cấp ủy cấp trên" in first.text
    written = live.run(event_count(live.ctx)) - before
    again = checked(agency.post(path, data=fields), 200)
    assert "đã được ghi từ lần gửi trước" in again.text
    assert live.run(event_count(live.ctx)) == before + written
