"""The FastAPI application: the JSON API under ``/api/v1``, the Temporal codec endpoints under
``/codec``, health checks, and the web interface (package ``web``) when it is installed.

``create_app(settings)`` opens the application context (``bootstrap.context``) in its lifespan;
tests and ``api.server`` pass a context of their own. The context is kept in
``app.state.ctx``: the web interface's routes read it there too."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors
from api.schemas import Health, Problem
from application.context import Context
from application.file_input import MAX_FILE_BYTES
from settings import Settings, get_settings

#: A request body may be this large: the largest file the readers take, and room for the
#: multipart envelope around it.
MAX_BODY_BYTES = MAX_FILE_BYTES + 256 * 1024

DESCRIPTION = """API HTTP của nhansu: đề án nhân sự đại hội đảng, quy trình 5 bước, thẩm định,
phê duyệt, hồ sơ quá trình và kiểm tra tính toàn vẹn.

**Xác thực.** `Authorization: Bearer <mã truy cập>` (mã do quản trị viên cấp, `nhansu users
token`), hoặc phiên web: `POST /api/v1/session` đặt cookie `nhansu_session` và trả về mã chống
giả mạo; mọi yêu cầu ghi của phiên phải kèm tiêu đề `X-CSRF-Token`. Vai trò là vai trò được
giao, đọc lại ở mỗi yêu cầu.

**Khóa lặp lại.** Mọi yêu cầu ghi phải có tiêu đề `Idempotency-Key` (1–200 ký tự
`[A-Za-z0-9._:-]`): nó là mã lệnh. Lần đầu: `201`. Gửi lại cùng khóa, cùng nội dung (kể cả sau
một `503`): lệnh chỉ được ghi một lần, câu trả lời đầu được nhắc lại với `200` và
`"already_applied": true`. Cùng khóa, nội dung khác: `409`, không ghi gì.

**Lỗi.** Mọi lỗi là `application/problem+json` bằng tiếng Việt, với `code` ổn định và từng vi
phạm (`field`, `rule`, `rule_label`, `message`): `422` dữ liệu sai, `409` xung đột, `404`,
`401`, `403`, `413`, `503` (kèm `Retry-After`: gửi lại với cùng khóa), `500` chỉ khi dữ liệu
đã lưu bị hỏng hoặc lỗi hệ thống."""

TAGS = {"/api/v1/plans": "Đề án nhân sự", "/api/v1/nominations": "Kiểm tra, kiểm toán",
        "/api/v1/verification": "Kiểm tra, kiểm toán", "/api/v1/exports": "Kiểm tra, kiểm toán",
        "/api/v1/ledger": "Kiểm tra, kiểm toán", "/api/v1/reports": "Báo cáo",
        "/api/v1/organizations": "Danh mục tổ chức", "/api/v1/users": "Người dùng",
        "/api/v1/session": "Đăng nhập", "/api/v1/me": "Đăng nhập", "/codec": "Temporal codec",
        "/healthz": "Vận hành", "/readyz": "Vận hành"}


class Guard:
    """Outermost: refuses a body over ``limit`` bytes (413, before it is read whole), and
    turns anything that escaped the exception handlers into a problem body (a translated
    service error, or a 500 without a trace)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        key = headers.get("idempotency-key")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        started = overflow = False
        seen = 0

        async def limited() -> Message:
            nonlocal seen, overflow
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    overflow = True
                    raise _TooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if overflow and not started:
                return  # whatever the app answers to a cut body, the answer is 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            pass
        except Exception as exc:
            if started:
                errors.log.exception("api_failure_after_response_started")
                return
            if not overflow:
                from application.failures import translate

                error = translate(exc, idempotency_key=key)
                response = (errors.service_error_response(error) if error is not None else
                            errors.defect_response(key, str(scope.get("path")),
                                                   str(scope.get("method"))))
                await response(scope, receive, send)
                return
        if overflow and not started:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        from application.labels import number

        mb = self.limit / 1024 / 1024
        response = errors.problem_response(413, {
            "code": "payload_too_large",
            "detail": f"Nội dung gửi lên lớn hơn giới hạn {number(self.limit)} byte "
                      f"(khoảng {mb:.0f} MB); hãy chia thành nhiều tệp nhỏ hơn.",
            "violations": [errors.violation("body", "body_size",
                                            f"lớn hơn {number(self.limit)} byte")]})
        await response(scope, receive, send)


class Traced:
    """One OpenTelemetry span per HTTP request (installed only when tracing is configured);
    the Temporal client's interceptor makes the Update a child of it, so one trace runs from
    the request through the workflow to the append activity. Named by the route's template,
    never the path: paths carry ids."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from opentelemetry import trace

        tracer = trace.get_tracer("nhansu.api")
        with tracer.start_as_current_span(f"HTTP {scope['method']}") as span:
            status = {"code": 0}

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = int(message["status"])
                await send(message)

            await self.app(scope, receive, sending)
            route = scope.get("route")
            template = getattr(route, "path", None) or "?"
            span.update_name(f"HTTP {scope['method']} {template}")
            span.set_attribute("http.request.method", scope["method"])
            span.set_attribute("http.route", template)
            span.set_attribute("http.response.status_code", status["code"])


class _TooLarge(Exception):
    pass


def create_app(settings: Settings | None = None, *, context: Context | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if context is not None:
            app.state.ctx = context
            yield
            return
        import bootstrap

        async with bootstrap.context(settings, role="nhansu_api") as ctx:
            app.state.ctx = ctx
            yield

    app = FastAPI(title="nhansu — API", version="1", description=DESCRIPTION,
                  lifespan=lifespan, docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/v1/openapi.json")
    if context is not None:
        app.state.ctx = context
    app.state.secure_cookies = settings.secure_cookies
    app.state.codec_origins = frozenset(
        o.strip() for o in settings.codec_cors_origins.split(",") if o.strip())
    app.state.codec = _codec(settings)
    errors.install(app)
    _file_errors(app)

    from api import audit, codec, directory, plans

    for module in (plans, audit, directory, codec):
        app.include_router(module.router)
    _health(app)
    _mount_web(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(Guard)
    if settings.otlp_endpoint is not None:
        import telemetry

        telemetry.configure_tracing(settings)
        app.add_middleware(Traced)
    return app


def _codec(settings: Settings) -> Any:
    import bootstrap
    from encryption.codec import EncryptionCodec, parse_keys

    return EncryptionCodec(parse_keys(bootstrap.payload_keys(settings)))


def _file_errors(app: FastAPI) -> None:
    """A bad file (or a JSON body read as one) is refused like any bad input."""
    from application.failures import translate
    from application.file_input import FileInputError

    @app.exception_handler(FileInputError)
    async def on_file(request: Request, exc: FileInputError) -> JSONResponse:
        error = translate(exc)
        assert error is not None
        return errors.service_error_response(error)


def _health(app: FastAPI) -> None:
    @app.get("/healthz", summary="PostgreSQL có trả lời không", response_model=Health,
             responses={503: {"model": Problem, "description": "PostgreSQL không trả lời."}})
    async def healthz(request: Request) -> dict[str, str]:
        """Không cần xác thực; dùng cho kiểm tra sức khỏe của container."""
        from application.health import database_answers

        position = await database_answers(request.app.state.ctx)
        return {"status": "ok", "detail": f"PostgreSQL trả lời (sổ sự kiện đến vị trí "
                                          f"{position})."}

    @app.get("/readyz", summary="Sẵn sàng nhận lệnh ghi không", response_model=Health,
             responses={503: {"model": Problem,
                              "description": "PostgreSQL hoặc Temporal không trả lời."}})
    async def readyz(request: Request) -> dict[str, str]:
        """PostgreSQL và Temporal đều trả lời."""
        from application.health import database_answers, temporal_answers

        ctx = request.app.state.ctx
        await database_answers(ctx)
        await temporal_answers(ctx)
        return {"status": "ok", "detail": "PostgreSQL và Temporal đều trả lời."}


def _mount_web(app: FastAPI) -> None:
    """The web interface, once the ``web`` package is there (built beside this one)."""
    if importlib.util.find_spec("web") is None:
        return
    from fastapi.staticfiles import StaticFiles

    web_routes = importlib.import_module("web.routes")
    app.include_router(web_routes.router)
    # A browser that asks for a page nothing serves gets the web's Vietnamese page, not JSON.
    app.state.html_not_found = (web_routes.wants_html, web_routes.not_found_page)
    static = Path(str(importlib.import_module("web").__file__)).parent / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error answered as application/problem+json (the one
    Problem schema) and the operations grouped by what they are about."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/"
                                                                   "{model}")
    for name, sub in components["Problem"].pop("$defs", {}).items():
        components.setdefault(name, sub)
    for path, operations in schema.get("paths", {}).items():
        tag = next((t for prefix, t in TAGS.items() if path.startswith(prefix)), None)
        for operation in operations.values():
            if tag and not operation.get("tags"):
                operation["tags"] = [tag]
            for status, answer in operation.get("responses", {}).items():
                if str(status).isdigit() and int(status) >= 400:
                    answer["content"] = {errors.PROBLEM_MEDIA_TYPE: {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    app.openapi_schema = schema
    return schema
