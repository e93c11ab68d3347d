"""The Temporal codec server protocol (``POST /codec/decode`` and ``/codec/encode``), so that
the Temporal UI (and ``temporal workflow show --codec-endpoint``) can show the payloads the
worker encrypts (encryption/codec.py). Candidates' personal data is in them: only
authenticated administrators and auditors may decode (403 for anyone else), and the browser
may call from the configured origins only (``NHANSU_CODEC_CORS_ORIGINS``).

The protocol: a JSON body ``{"payloads": [{"metadata": {name: base64}, "data": base64}]}``
answered in the same shape (Temporal's ``Payloads`` message as proto JSON). The codec
endpoints change nothing, so a web session needs no CSRF token for them; the CORS check keeps
other sites from reading the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.common import errors
from api.errors import ApiProblem
from api.security import Ctx, bearer, session_cookie
from application.errors import Forbidden, Unauthenticated
from application.principal import Principal

router = APIRouter(prefix="/codec")
ALLOWED_ROLES = frozenset({"administrator", "auditor"})


class PayloadIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    metadata: dict[str, str] = Field(default_factory=dict,
                                     description="Tên → giá trị (base64).")
    data: str = Field(default="", description="Dữ liệu (base64).")


class Payloads(BaseModel):
    """Các payload của Temporal, dạng proto JSON."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"payloads": [{
        "metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA==", "encryption-key-id": "azE="},
        "data": "3q2+7w=="}]}]})

    payloads: list[PayloadIn] = Field(max_length=10_000)


async def codec_user(request: Request, credentials: Annotated[Any, Depends(bearer)],
                     cookie: Annotated[str | None, Depends(session_cookie)]) -> Principal:
    """An administrator or an auditor, by API token or web session (no CSRF: nothing
    changes)."""
    from application.authentication import authenticate_token, resume_session

    ctx = request.app.state.ctx
    if credentials is not None:
        user = await authenticate_token(ctx, credentials.credentials)
    elif cookie:
        _, user = await resume_session(ctx, cookie)
    else:
        raise Unauthenticated("Chưa xác thực: gửi Authorization: Bearer <mã truy cập> của "
                              "quản trị viên hoặc kiểm toán.")
    if not any(str(g.role) in ALLOWED_ROLES for g in user.grants):
        raise Forbidden("Chỉ quản trị viên và kiểm toán được giải mã dữ liệu của Temporal "
                        "(có thông tin cá nhân của nhân sự).")
    return user


def cors_headers(request: Request) -> dict[str, str]:
    origin = request.headers.get("origin")
    allowed: frozenset[str] = request.app.state.codec_origins
    if origin is None or origin not in allowed:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Authorization, X-Namespace",
            "Access-Control-Max-Age": "600", "Vary": "Origin"}


@router.options("/{operation}", include_in_schema=False)
async def preflight(request: Request, operation: str) -> Response:
    headers = cors_headers(request)
    return Response(status_code=204 if headers else 403, headers=headers)


async def _run(ctx: Any, request: Request, body: Payloads, operation: str) -> JSONResponse:
    from google.protobuf import json_format
    from temporalio.api.common.v1 import Payloads as PayloadsMessage

    from encryption.codec import PayloadKeyError

    try:
        message = json_format.ParseDict(body.model_dump(exclude_unset=False),
                                        PayloadsMessage(), ignore_unknown_fields=True)
    except json_format.ParseError:
        raise ApiProblem(422, "invalid", "payloads: không đọc được (metadata và data phải là "
                                         "base64).") from None
    codec = request.app.state.codec
    try:
        done = await (codec.decode(message.payloads) if operation == "decode"
                      else codec.encode(message.payloads))
    except (PayloadKeyError, ValueError, Exception) as exc:  # a wrong key, a forged payload
        raise ApiProblem(422, "invalid", "payloads: không giải mã được bằng các khóa đã cấu "
                                         f"hình ({type(exc).__name__}).") from None
    answer = json_format.MessageToDict(PayloadsMessage(payloads=done))
    answer.setdefault("payloads", [])
    return JSONResponse(answer, headers=cors_headers(request))


@router.post("/decode", summary="Giải mã payload của Temporal (giao diện Temporal UI)",
             response_model=Payloads, responses=errors(401, 403, 413, 422, 500))
async def decode(ctx: Ctx, request: Request, body: Payloads,
                 user: Annotated[Principal, Depends(codec_user)]) -> JSONResponse:
    return await _run(ctx, request, body, "decode")


@router.post("/encode", summary="Mã hóa payload (giao thức codec server của Temporal)",
             response_model=Payloads, responses=errors(401, 403, 413, 422, 500))
async def encode(ctx: Ctx, request: Request, body: Payloads,
                 user: Annotated[Principal, Depends(codec_user)]) -> JSONResponse:
    return await _run(ctx, request, body, "encode")
