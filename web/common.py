"""What every page of the web interface shares: the session and its CSRF token, the
idempotency key of a write form, rendering (Vietnamese words, Vietnam time, Vietnamese
numbers), security headers, and one failure path that turns anything raised into a friendly
Vietnamese page with the problem's code, never a stack trace.

The web interface is an edge like the CLI: it calls the application layer and nothing below
it (an import-linter contract)."""

from __future__ import annotations

import functools
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, ParamSpec
from urllib.parse import quote, urlsplit

import structlog
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData, UploadFile

from application import errors
from application.authentication import Session, check_csrf, resume_session
from application.context import Context
from application.failures import problem, translate
from application.labels import VIETNAM, day, label, moment, number, percent
from application.principal import Principal

log = structlog.get_logger("nhansu.web")

SESSION_COOKIE = "nhansu_session"
#: Before a session exists, the log-in form's CSRF token is a double-submit cookie.
LOGIN_COOKIE = "nhansu_login_csrf"
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: An upload or a form larger than this is refused before it is read (413).
MAX_BODY_BYTES = 6 * 1024 * 1024
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,200}")

#: Where each role's work is, in the order a person with several posts sees them.
WORK = (
    ("organization_department", "/department", "Ban tổ chức: đề án nhân sự"),
    ("appraisal_agency", "/appraisal", "Thẩm định: hồ sơ chờ kết luận"),
    ("superior_standing_committee", "/approval", "Phê duyệt: đề án chờ quyết định"),
    ("auditor", "/audit", "Kiểm tra, kiểm toán: hồ sơ quá trình"),
)

STATUS = ((errors.Conflict, 409), (errors.Rejected, 422), (errors.NotFound, 404),
          (errors.Forbidden, 403), (errors.Unauthenticated, 401),
          (errors.OutcomeUnknown, 503), (errors.ServiceUnavailable, 503),
          (errors.WorkflowGone, 409), (errors.CorruptData, 500))
TITLES = {
    400: "Yêu cầu không hợp lệ", 401: "Chưa đăng nhập", 403: "Không có quyền",
    404: "Không tìm thấy", 409: "Xung đột, không có gì được ghi",
    413: "Tệp hoặc biểu mẫu quá lớn", 422: "Dữ liệu không hợp lệ, không có gì được ghi",
    500: "Đã có lỗi", 503: "Dịch vụ tạm thời không sẵn sàng",
}


# --- who is asking --------------------------------------------------------------------------
def role_of(grant: Any) -> str:
    return str(getattr(grant.role, "value", grant.role))


@dataclass(frozen=True)
class Visitor:
    """The person of a request: their web session and who they are."""

    session: Session
    principal: Principal

    @property
    def roles(self) -> list[str]:
        seen: list[str] = []
        for g in self.principal.grants:
            if role_of(g) not in seen:
                seen.append(role_of(g))
        return seen

    def has(self, role: str) -> bool:
        return role in self.roles

    def organizations(self, role: str) -> list[str]:
        return [g.organization_id for g in self.principal.grants if role_of(g) == role]

    def agencies(self) -> list[str]:
        return sorted({g.agency for g in self.principal.grants
                       if role_of(g) == "appraisal_agency" and g.agency})

    @property
    def work(self) -> list[tuple[str, str]]:
        """(path, title) of each area of work the person's posts open."""
        return [(path, title) for role, path, title in WORK if self.has(role)]


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def visitor(request: Request) -> Visitor:
    """The session of the request's cookie and its user; Unauthenticated without one."""
    cached = getattr(request.state, "visitor", None)
    if isinstance(cached, Visitor):
        return cached
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise errors.Unauthenticated("Hãy đăng nhập để tiếp tục.")
    session, principal = await resume_session(context(request), cookie)
    found = Visitor(session=session, principal=principal)
    request.state.visitor = found
    return found


async def posted(request: Request) -> tuple[Visitor, FormData]:
    """A form post: its visitor and fields, refused (Forbidden) unless it carries the
    session's CSRF token. Bodies over MAX_BODY_BYTES are refused before they are read."""
    too_large(request)
    who = await visitor(request)
    form = await request.form(max_part_size=MAX_BODY_BYTES)
    token = form.get("csrf_token")
    check_csrf(who.session, token if isinstance(token, str) else
               request.headers.get("X-CSRF-Token"))
    return who, form


class BodyTooLarge(Exception):
    pass


def too_large(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise BodyTooLarge(length)


# --- form values ----------------------------------------------------------------------------
def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and (value.filename or value.size):
        return value
    return None


def new_key() -> str:
    """The idempotency key of a write form, made when the form is rendered: submitting the
    form twice, or again after a failure, sends the same key, and the write applies once."""
    return str(uuid.uuid4())


def form_key(form: FormData) -> str:
    """The form's idempotency key, refused unless 1-200 of [A-Za-z0-9._:-]."""
    key = text(form, "idempotency_key")
    if not KEY_PATTERN.fullmatch(key):
        raise errors.invalid(("idempotency_key", "idempotency_key",
                              "Biểu mẫu thiếu khóa lặp lại hợp lệ; hãy tải lại trang rồi gửi "
                              "lại."))
    return key


# --- messages beside the fields -------------------------------------------------------------
@dataclass
class Problems:
    """A refused write's violations, by the form field they belong to; those that belong to
    none are shown above the form."""

    by_field: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    general: list[dict[str, str]] = field(default_factory=list)
    title: str = ""
    detail: str = ""
    code: str = ""

    def of(self, name: str) -> list[dict[str, str]]:
        return self.by_field.get(name, [])

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general or self.detail)

    @property
    def count(self) -> int:
        return len(self.general) + sum(len(v) for v in self.by_field.values())


def problems_of(error: errors.ServiceError, placing: Callable[[str], str | None],
                ) -> Problems:
    """``error`` as messages: each violation placed beside the field ``placing`` names for
    its field (None: above the form)."""
    body = problem(error)
    found = Problems(title=str(body.get("title") or TITLES.get(status_of(error), "")),
                     code=str(body["code"]))
    if not isinstance(error, errors.Rejected):
        found.detail = str(body["detail"])
        return found
    for v in body.get("violations", []):
        item = {"field": v["field"], "rule": v["rule"], "rule_label": v["rule_label"],
                "message": v["message"]}
        name = placing(v["field"])
        if name is None:
            found.general.append(item)
        else:
            found.by_field.setdefault(name, []).append(item)
    return found


def status_of(error: errors.ServiceError) -> int:
    return next((s for kind, s in STATUS if isinstance(error, kind)), 500)


# --- rendering ------------------------------------------------------------------------------
def _moment(value: datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return moment(value)


def _day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(VIETNAM).date()
    return day(value)


def _number(value: int | None) -> str:
    return "" if value is None else number(int(value))


def _percent(value: Fraction | float | int) -> str:
    return percent(value)


def _local_input(value: datetime | None) -> str:
    """A moment as a datetime-local field shows it: Vietnam time, to the second."""
    if value is None:
        return ""
    return value.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M:%S")


ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
ENV.filters.update(moment=_moment, day=_day, number=_number, percent=_percent,
                   local_input=_local_input)
ENV.globals.update(label=label)

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def secured(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def render(request: Request, template: str, *, status: int = 200,
           **values: Any) -> HTMLResponse:
    who = getattr(request.state, "visitor", None)
    html = ENV.get_template(template).render(
        request=request, visitor=who, csrf=who.session.csrf_token if who else "",
        path=request.url.path, **values)
    response = HTMLResponse(html, status_code=status)
    secured(response)
    return response


def download(content: str, filename: str, media_type: str) -> Response:
    """A file to save: UTF-8, named (RFC 6266, the name percent-encoded for non-ASCII)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    response = Response(content.encode("utf-8"), media_type=f"{media_type}; charset=utf-8",
                        headers={"Content-Disposition": (
                            f"attachment; filename=\"{ascii_name}\"; "
                            f"filename*=UTF-8''{quote(filename)}")})
    return secured(response)


def redirect(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    secured(response)
    return response


def local_path(target: str | None) -> str:
    """A ``next`` to go back to after logging in: a path of this site only."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return "/"
    return target


def to_login(request: Request, message: str = "") -> Response:
    """Back to the log-in page, to return here afterwards (htmx: a full-page redirect)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/login?next=" + quote(here if request.method == "GET" else "/", safe="")
    if message:
        target += "&note=expired"
    if request.headers.get("HX-Request"):
        response = Response(status_code=204, headers={"HX-Redirect": target})
        return secured(response)
    return redirect(target)


# --- the one failure path -------------------------------------------------------------------
def failure(request: Request, exc: BaseException) -> Response:
    """Anything a page raised, as a Vietnamese page with the problem's code and the right
    status; a defect is logged with a reference the page shows, never its stack trace."""
    if isinstance(exc, BodyTooLarge):
        return render(request, "error.html", status=413, title=TITLES[413], code="too_large",
                      detail=f"Tệp hoặc biểu mẫu gửi lên lớn hơn "
                             f"{number(MAX_BODY_BYTES // (1024 * 1024))} MB; không có gì được "
                             f"ghi.", violations=[], key=None)
    error = translate(exc)
    if error is None:
        reference = uuid.uuid4().hex[:12]
        log.error("web_defect", reference=reference, path=request.url.path,
                  method=request.method, error=type(exc).__name__, exc_info=exc)
        return render(request, "error.html", status=500, title=TITLES[500], code="error",
                      detail=f"Hệ thống gặp lỗi ngoài dự kiến; không có gì được ghi thêm. Hãy "
                             f"thử lại sau, hoặc báo quản trị viên mã tham chiếu {reference}.",
                      violations=[], key=None)
    if isinstance(error, errors.Unauthenticated):
        return to_login(request, str(error))
    body = problem(error)
    status = status_of(error)
    response = render(request, "error.html", status=status,
                      title=str(body.get("title") or TITLES.get(status, "Lỗi")),
                      code=str(body["code"]), detail=str(body["detail"]),
                      violations=body.get("violations", []), key=body.get("idempotency_key"))
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


P = ParamSpec("P")


def page(handler: Callable[P, Awaitable[Response]]) -> Callable[P, Awaitable[Response]]:
    """A route whose every failure becomes ``failure``'s page."""

    @functools.wraps(handler)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> Response:
        request = next(a for a in (*args, *kwargs.values()) if isinstance(a, Request))
        try:
            return await handler(*args, **kwargs)
        except Exception as exc:  # every failure is a page, never a stack trace
            return failure(request, exc)

    return guarded


def choices(kind: str, codes: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """(code, Vietnamese label) of a catalogue, for a select."""
    from application.labels import CATALOGUE

    entries: Mapping[str, str] = CATALOGUE.get(kind, {})
    return [(c, entries.get(c, c)) for c in (codes if codes is not None else list(entries))]


def login_token() -> str:
    return secrets.token_urlsafe(32)
