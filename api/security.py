"""Who is asking, and the idempotency key of a write.

- ``Authorization: Bearer <token>``: an API token (``authenticate_token``);
- otherwise the web session cookie ``nhansu_session`` (``resume_session``), and then every
  unsafe method must carry the session's CSRF token in ``X-CSRF-Token`` (``check_csrf``);
- otherwise 401.

A token or a session says who the user is; the roles are the user's grants as recorded, read
again on every request, and each use case asks the access policy itself."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from application.context import Context
from application.errors import Unauthenticated
from application.principal import Principal

SESSION_COOKIE = "nhansu_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,200}$"

bearer = HTTPBearer(auto_error=False, scheme_name="maTruyCap",
                    description="Mã truy cập API (nhs_…) do quản trị viên cấp: "
                                "Authorization: Bearer <mã>.")
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="phienWeb",
                              description="Phiên đăng nhập web (POST /api/v1/session); các "
                                          "yêu cầu ghi phải kèm tiêu đề X-CSRF-Token.")
csrf_header = APIKeyHeader(name=CSRF_HEADER, auto_error=False, scheme_name="chongGiaMao",
                           description="Mã chống giả mạo của phiên web (trả về khi đăng nhập).")

NOT_AUTHENTICATED = ("Chưa xác thực: gửi tiêu đề Authorization: Bearer <mã truy cập>, hoặc "
                     "đăng nhập (POST /api/v1/session) để có phiên web.")


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def principal(request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None,
                                           Depends(bearer)],
                    cookie: Annotated[str | None, Depends(session_cookie)],
                    csrf: Annotated[str | None, Depends(csrf_header)]) -> Principal:
    """The authenticated user of the request (401 otherwise; 403 for a session's unsafe
    request without its CSRF token)."""
    from application.authentication import authenticate_token, check_csrf, resume_session

    ctx = context(request)
    if request.headers.get("authorization") is not None:
        if credentials is None or not credentials.credentials.strip():
            raise Unauthenticated("Tiêu đề Authorization phải là: Bearer <mã truy cập>.")
        return await authenticate_token(ctx, credentials.credentials)
    if cookie:
        session, user = await resume_session(ctx, cookie)
        if request.method not in SAFE_METHODS:
            check_csrf(session, csrf)
        request.state.session = session
        return user
    raise Unauthenticated(NOT_AUTHENTICATED)


Caller = Annotated[Principal, Depends(principal)]
Ctx = Annotated[Context, Depends(context)]

IdempotencyKey = Annotated[str, Header(
    alias="Idempotency-Key", min_length=1, max_length=200, pattern=KEY_PATTERN,
    description="Khóa lặp lại (1–200 ký tự A-Z a-z 0-9 . _ : -), bắt buộc với mọi yêu cầu ghi: "
                "trở thành mã lệnh. Gửi lại cùng khóa, cùng nội dung: lệnh chỉ được ghi một "
                "lần và câu trả lời đầu được nhắc lại (200, already_applied: true). Cùng khóa, "
                "nội dung khác: 409.",
    examples=["dang-ky-TD-200001-2025-04-20"])]


def client_source(request: Request) -> str:
    """Where a log-in attempt comes from, for the rate limit."""
    client: Any = request.client
    return str(client.host) if client is not None else "unknown"
