"""Who and where: the web session (log in, log out), the caller (``/me``), the organization
registry (read), and users (administrators)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.common import READ_ERRORS, WRITE_ERRORS, day, errors, page
from api.plans import Limit, Offset
from api.schemas import (
    GrantBody,
    IssuedTokenOut,
    LoginBody,
    MeOut,
    OrganizationDetail,
    OrganizationOut,
    Page,
    PasswordBody,
    ReasonBody,
    SessionOut,
    TokenBody,
    UserBody,
)
from api.security import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Caller,
    Ctx,
    IdempotencyKey,
    client_source,
)
from application.errors import Unauthenticated
from application.users import UserSummary

router = APIRouter(prefix="/api/v1")

On = Annotated[str | None, Query(max_length=100, description="Như danh mục vào ngày này (mặc "
                                                             "định: hôm nay), ví dụ "
                                                             "01/01/2020.")]
USER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": UserSummary, "description": "Người dùng."}, **WRITE_ERRORS}


# --- the session ------------------------------------------------------------------------------
@router.post("/session", summary="Đăng nhập (phiên web)", status_code=201,
             response_model=SessionOut, responses=errors(401, 413, 422, 429, 500, 503))
async def log_in(ctx: Ctx, request: Request, body: LoginBody,
                 response: Response) -> dict[str, Any]:
    """Đặt cookie nhansu_session (HttpOnly, SameSite=Strict, Secure khi cấu hình); trả về mã
    chống giả mạo phải gửi trong tiêu đề X-CSRF-Token với mọi yêu cầu ghi của phiên. Sai tên
    hay mật khẩu đều chỉ một câu trả lời; nhập sai nhiều lần thì tạm bị khóa."""
    from application.authentication import log_in as start

    session = await start(ctx, body.login, body.password, client_source(request))
    response.set_cookie(SESSION_COOKIE, session.session_id, httponly=True, samesite="strict",
                        secure=bool(request.app.state.secure_cookies), path="/",
                        max_age=int((session.expires_at - session.created_at).total_seconds()))
    return {"login": session.login, "csrf_token": session.csrf_token,
            "expires_at": session.expires_at, "idle_expires_at": session.idle_expires_at}


@router.delete("/session", summary="Đăng xuất", status_code=204, response_class=Response,
               responses=errors(401, 403, 500, 503))
async def log_out(ctx: Ctx, request: Request) -> Response:
    """Kết thúc phiên web của cookie (kèm tiêu đề X-CSRF-Token của phiên)."""
    from application.authentication import check_csrf, log_out, resume_session

    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("Không có phiên đăng nhập nào để kết thúc.")
    session, _ = await resume_session(ctx, cookie)
    check_csrf(session, request.headers.get(CSRF_HEADER))
    await log_out(ctx, cookie)
    done = Response(status_code=204)
    done.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                       secure=bool(request.app.state.secure_cookies))
    return done


@router.get("/me", summary="Tôi là ai", response_model=MeOut, responses=READ_ERRORS)
async def me(caller: Caller) -> dict[str, Any]:
    """Người dùng của mã truy cập hoặc phiên, và các vai trò được giao (đọc lại mỗi yêu
    cầu)."""
    from application.labels import label

    return {"login": caller.user_id, "display_name": caller.display_name,
            "grants": [{"role": str(g.role), "role_label": label("role", str(g.role)),
                        "organization_id": g.organization_id, "agency": g.agency,
                        "agency_label": label("agency", g.agency) if g.agency else None}
                       for g in caller.grants]}


# --- the registry -----------------------------------------------------------------------------
@router.get("/organizations", summary="Danh mục tổ chức vào một ngày",
            response_model=Page[OrganizationOut], responses=READ_ERRORS)
async def organizations(ctx: Ctx, caller: Caller, on: On = None,
                        parent_id: Annotated[str | None, Query(
                            max_length=200, description="Chỉ các tổ chức trực thuộc tổ chức "
                                                        "này.")] = None,
                        active: Annotated[bool, Query(
                            description="Chỉ các tổ chức còn hoạt động vào ngày đó.")] = False,
                        limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Cây tổ chức như nó đứng vào một ngày (sáp nhập, chia tách, đổi tên theo thời gian)."""
    from application.organizations import organizations_on
    from application.views import as_data

    found = await organizations_on(ctx, caller, day(on, "on"), parent_id=parent_id,
                                   active_only=active)
    return page([as_data(v) for v in found], limit, offset)


@router.get("/organizations/{organization_id}", summary="Một tổ chức và lịch sử của nó",
            response_model=OrganizationDetail, responses=READ_ERRORS)
async def organization(ctx: Ctx, caller: Caller, organization_id: str,
                       on: On = None) -> dict[str, Any]:
    """Tổ chức vào ngày hỏi, các tổ chức trực thuộc khi đó, và mọi phiên bản của nó."""
    from application.organizations import organization_details
    from application.views import as_data

    found: dict[str, Any] = as_data(await organization_details(ctx, caller, organization_id,
                                                               day(on, "on")))
    return found


# --- users ------------------------------------------------------------------------------------
@router.get("/users", summary="Người dùng bạn quản lý", response_model=None,
            responses={200: {"model": list[UserSummary], "description": "Người dùng."},
                       **READ_ERRORS})
async def users(ctx: Ctx, caller: Caller) -> Any:
    """Quản trị viên: những người dùng có mọi vai trò nằm trong phạm vi của mình."""
    from application.users import list_users
    from application.views import as_data

    return [as_data(u) for u in await list_users(ctx, caller)]


@router.post("/users", summary="Tạo người dùng", status_code=201, response_model=None,
             responses={201: {"model": UserSummary, "description": "Đã tạo."}, **WRITE_ERRORS})
async def create_user(ctx: Ctx, caller: Caller, key: IdempotencyKey, body: UserBody) -> Any:
    """Quản trị viên tạo người dùng (chưa có vai trò); đặt mật khẩu nếu có."""
    from application.users import create_user as create
    from application.users import get_user, set_password
    from application.views import as_data

    await create(ctx, caller, login=body.login, display_name=body.display_name, command_id=key)
    if body.password is not None:
        await set_password(ctx, caller, login=body.login, password=body.password,
                           command_id=f"{key}:password")
    return as_data(await get_user(ctx, caller, body.login))


@router.get("/users/{login}", summary="Một người dùng", response_model=None,
            responses=USER_RESPONSES)
async def user(ctx: Ctx, caller: Caller, login: str) -> Any:
    from application.users import get_user
    from application.views import as_data

    return as_data(await get_user(ctx, caller, login))


@router.post("/users/{login}/grants", summary="Giao vai trò", response_model=None,
             responses=USER_RESPONSES)
async def grant(ctx: Ctx, caller: Caller, key: IdempotencyKey, login: str,
                body: GrantBody) -> Any:
    """Giao một vai trò gắn với một tổ chức của danh mục (cơ quan thẩm định nêu cơ quan)."""
    from application.users import grant_role
    from application.views import as_data

    return as_data(await grant_role(ctx, caller, login=login, role=body.role,
                                    organization_id=body.organization_id, agency=body.agency,
                                    command_id=key))


@router.post("/users/{login}/grants/revocation", summary="Thu hồi vai trò",
             response_model=None, responses=USER_RESPONSES)
async def revoke(ctx: Ctx, caller: Caller, key: IdempotencyKey, login: str,
                 body: GrantBody) -> Any:
    from application.users import revoke_role
    from application.views import as_data

    return as_data(await revoke_role(ctx, caller, login=login, role=body.role,
                                     organization_id=body.organization_id, agency=body.agency,
                                     command_id=key))


@router.post("/users/{login}/password", summary="Đặt mật khẩu", status_code=204,
             response_class=Response, responses=WRITE_ERRORS)
async def password(ctx: Ctx, caller: Caller, key: IdempotencyKey, login: str,
                   body: PasswordBody) -> Response:
    """Ít nhất 12 ký tự; các phiên web của người đó kết thúc."""
    from application.users import set_password

    await set_password(ctx, caller, login=login, password=body.password, command_id=key)
    return Response(status_code=204)


@router.post("/users/{login}/tokens", summary="Cấp mã truy cập API", status_code=201,
             response_model=IssuedTokenOut, responses=WRITE_ERRORS)
async def issue(ctx: Ctx, caller: Caller, key: IdempotencyKey, login: str,
                body: TokenBody) -> dict[str, Any]:
    """Mã chỉ hiện một lần trong câu trả lời này; gửi lại cùng khóa thì 409 (mã không hiện
    lại: hãy thu hồi và cấp mã mới)."""
    from application.users import issue_token

    issued = await issue_token(ctx, caller, login=login, name=body.name,
                               lifetime=timedelta(days=body.days), command_id=key)
    return {"token_id": issued.token_id, "login": issued.login, "name": issued.name,
            "expires_at": issued.expires_at, "token": issued.secret}


@router.delete("/users/{login}/tokens/{token_id}", summary="Thu hồi mã truy cập",
               status_code=204, response_class=Response, responses=WRITE_ERRORS)
async def revoke_token(ctx: Ctx, caller: Caller, key: IdempotencyKey, login: str,
                       token_id: str) -> Response:
    from application.users import revoke_token as revoke_

    await revoke_(ctx, caller, login=login, token_id=token_id, command_id=key)
    return Response(status_code=204)


@router.post("/users/{login}/deactivation", summary="Khóa người dùng", response_model=None,
             responses=USER_RESPONSES)
async def deactivate(ctx: Ctx, caller: Caller, key: IdempotencyKey, login: str,
                     body: ReasonBody) -> Any:
    """Mọi mã truy cập bị thu hồi, mọi phiên kết thúc; tài khoản và lịch sử vẫn còn."""
    from application.users import deactivate_user
    from application.views import as_data

    return as_data(await deactivate_user(ctx, caller, login=login, reason=body.reason,
                                         command_id=key))
