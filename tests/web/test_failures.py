"""The one failure path (no server): anything a page raises is a Vietnamese page with the
problem's code and the right status, never a stack trace; and the vendored htmx is the
version and file its note says."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from application import errors
from web.common import page
from web.routes import STATIC, not_found_page

pytestmark = pytest.mark.web


def app() -> FastAPI:
    made = FastAPI()

    @made.get("/defect")
    @page
    async def defect(request: Request) -> Response:
        raise RuntimeError("secret internal detail in /srv/nhansu/app.py line 42")

    @made.get("/rejected")
    @page
    async def rejected(request: Request) -> Response:
        raise errors.invalid(("reason", "reason_required", "Lý do phải được nêu rõ"))

    @made.get("/unknown")
    @page
    async def unknown(request: Request) -> Response:
        raise errors.OutcomeUnknown("khoa-1", 30, temporal_answers=True)

    @made.get("/forbidden")
    @page
    async def forbidden(request: Request) -> Response:
        raise errors.Forbidden("Bạn không có quyền phê duyệt đề án này.")

    @made.get("/private")
    @page
    async def private(request: Request) -> Response:
        raise errors.Unauthenticated("Phiên đăng nhập đã hết hạn")

    made.add_exception_handler(404, not_found_page)
    return made


async def get(path: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
        return await client.get(path, headers=headers)


async def test_a_defect_is_a_page_with_a_reference_and_no_stack_trace() -> None:
    answer = await get("/defect")
    assert answer.status_code == 500
    assert "Traceback" not in answer.text and "secret internal detail" not in answer.text
    assert "app.py" not in answer.text
    assert "Mã lỗi: <code>error</code>" in answer.text
    assert re.search(r"mã tham chiếu [0-9a-f]{12}", answer.text)


async def test_each_kind_of_failure_has_its_status_code_and_vietnamese_words() -> None:
    rejected = await get("/rejected")
    assert rejected.status_code == 422 and "Lý do phải được nêu rõ" in rejected.text
    assert "reason_required" in rejected.text and "<code>invalid</code>" in rejected.text
    unknown = await get("/unknown")
    assert unknown.status_code == 503 and unknown.headers["retry-after"] == "5"
    assert "Chưa rõ kết quả" in unknown.text and "khoa-1" in unknown.text
    forbidden = await get("/forbidden")
    assert forbidden.status_code == 403 and "Không có quyền" in forbidden.text
    private = await get("/private")
    assert private.status_code == 303
    assert private.headers["location"] == "/login?next=%2Fprivate&note=expired"
    htmx = await get("/private", **{"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].startswith("/login?next=")
    missing = await get("/khong-co", accept="text/html")
    assert missing.status_code == 404 and "Không tìm thấy trang" in missing.text
    api = await get("/api/v1/khong-co", accept="text/html")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "not_found"


def test_the_vendored_htmx_is_the_one_its_note_names() -> None:
    note = (STATIC / "VENDORED.md").read_text("utf-8")
    digest = hashlib.sha256((STATIC / "htmx.min.js").read_bytes()).hexdigest()
    assert f"`{digest}`" in note
    assert "2.0.11" in note and (STATIC / "htmx.LICENSE.txt").read_text("utf-8").startswith(
        "Zero-Clause BSD")
    assert 'version:"2.0.11"' in (STATIC / "htmx.min.js").read_text("utf-8")


def test_pages_load_nothing_from_elsewhere() -> None:
    templates = Path(STATIC).parent / "templates"
    for template in templates.rglob("*.html"):
        text = template.read_text("utf-8")
        assert not re.search(r"(src|href)=\"(https?:)?//", text), template.name
        assert "<script>" not in text and "style=" not in text, template.name


async def test_cookies_are_secure_when_the_settings_say_so() -> None:
    from settings import Settings
    from web.auth import router

    for secure, kept in ((True, "settings"), (False, "settings"), (True, "flag"),
                         (False, "flag")):
        made = FastAPI()
        made.include_router(router)
        if kept == "settings":
            made.state.settings = Settings(secure_cookies=secure)
        else:  # as the HTTP API's create_app keeps it
            made.state.secure_cookies = secure
        transport = httpx.ASGITransport(app=made)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as client:
            page_ = await client.get("/login")
        cookie = page_.headers["set-cookie"]
        assert cookie.startswith("nhansu_login_csrf=") and "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert ("Secure" in cookie) is secure
