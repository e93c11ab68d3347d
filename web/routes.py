"""The web interface's routes, for the HTTP app to mount at ``/`` (with ``web/static`` at
``/static``; ``STATIC``). The app keeps the application context in ``app.state.ctx``.

``not_found_page`` is the page for a path nothing serves, for the app to use as its 404
handler for requests that want HTML (a browser), so that a person never sees JSON."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from web import audit, auth, department, plans, review
from web.common import render

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)
# Fixed paths before the patterns that would take them (/plans/{plan_id}).
for part in (auth, department, review, audit, plans):
    router.include_router(part.router)


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith("/api/")


async def not_found_page(request: Request, exc: Exception) -> Response:
    """A path nothing serves: a Vietnamese page (404) for a browser, a problem-details body
    for any other client."""
    detail = f"Không có trang «{request.url.path}»."
    if not wants_html(request):
        return JSONResponse({"type": "about:blank", "title": "Không tìm thấy", "status": 404,
                             "code": "not_found", "detail": detail, "violations": []},
                            status_code=404, media_type="application/problem+json")
    return render(request, "error.html", status=404, title="Không tìm thấy trang",
                  code="not_found", detail=detail + " Hãy về trang chính và chọn từ trình đơn.",
                  violations=[], key=None)
