"""Đăng nhập, đăng xuất, and the landing page that sends each person to their work.

The session is the cookie ``nhansu_session`` (HttpOnly, SameSite=Strict, Secure when
``settings.secure_cookies``), made by ``application.authentication.log_in``; the log-in form
itself carries a CSRF token checked against a cookie of its own (double submit), since no
session exists yet. A failed log-in never says whether the login or the password was wrong,
and shows the rate limit's message when attempts are locked out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application import errors
from application.authentication import log_in, log_out
from web.common import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    context,
    local_path,
    login_token,
    page,
    posted,
    redirect,
    render,
    text,
    too_large,
    visitor,
)

router = APIRouter(include_in_schema=False)


def secure_cookies(request: Request) -> bool:
    """``settings.secure_cookies`` as the app keeps it: ``app.state.secure_cookies`` (the HTTP
    API's app), or ``app.state.settings``; else the environment's."""
    state = request.app.state
    flag = getattr(state, "secure_cookies", None)
    if isinstance(flag, bool):
        return flag
    settings: Any = getattr(state, "settings", None)
    if settings is None:
        from settings import get_settings

        settings = get_settings()
    return bool(settings.secure_cookies)


def _login_page(request: Request, *, message: str = "", login: str = "", next_: str = "/",
                status: int = 200) -> Response:
    token = login_token()
    response = render(request, "login.html", status=status, message=message, login=login,
                      next=local_path(next_), login_csrf=token,
                      note=request.query_params.get("note", ""))
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies(request), path="/login")
    return response


@router.get("/login")
@page
async def login_form(request: Request) -> Response:
    try:
        await visitor(request)
    except errors.Unauthenticated:
        request.state.visitor = None
        return _login_page(request, next_=request.query_params.get("next", "/"))
    return redirect(local_path(request.query_params.get("next")))


@router.post("/login")
@page
async def login_submit(request: Request) -> Response:
    too_large(request)
    form = await request.form(max_part_size=64 * 1024)
    login, password = text(form, "login").strip(), text(form, "password")
    next_ = text(form, "next") or "/"
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or text(form, "login_csrf") != expected:
        return _login_page(request, login=login, next_=next_, status=403,
                           message="Biểu mẫu đăng nhập đã cũ; hãy đăng nhập lại.")
    if not login or not password:
        return _login_page(request, login=login, next_=next_, status=422,
                           message="Hãy nhập tên đăng nhập và mật khẩu.")
    source = request.client.host if request.client else "unknown"
    try:
        session = await log_in(context(request), login, password, source)
    except errors.Unauthenticated as exc:
        # The application's one message: wrong credentials (never which part), or the lock.
        locked = isinstance(exc, errors.LoginLocked)
        page = _login_page(request, login=login, next_=next_, status=429 if locked else 401,
                           message=str(exc))
        if isinstance(exc, errors.LoginLocked):
            page.headers["Retry-After"] = str(exc.retry_after_seconds)
        return page
    response = redirect(local_path(next_))
    response.set_cookie(SESSION_COOKIE, session.session_id, httponly=True, samesite="strict",
                        secure=secure_cookies(request), path="/",
                        max_age=int((session.expires_at - session.created_at).total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
@page
async def logout(request: Request) -> Response:
    who, _ = await posted(request)
    await log_out(context(request), who.session.session_id)
    response = redirect("/login?note=logged_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
@page
async def landing(request: Request) -> Response:
    """Each person to their work: straight there with one area, a choice with several."""
    who = await visitor(request)
    work = who.work
    if len(work) == 1:
        return redirect(work[0][0])
    return render(request, "landing.html", work=work)
