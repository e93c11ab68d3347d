"""Every failure as a problem-details body (RFC 9457, ``application/problem+json``) in
Vietnamese with a stable ``code``: the application's errors, FastAPI's own validation errors
(translated, naming the field), unknown routes and methods, oversized bodies and defects.

Statuses: 422 bad input; 409 conflict (a key reused, a plan opened twice, a concurrent change);
404; 401; 403; 413 body too large; 503 with ``Retry-After`` when the outcome is unknown or a
service is down; 500 only for corrupt data or a defect, never with a stack trace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from application import errors
from application.failures import problem

log = structlog.get_logger("nhansu.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5

TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    406: "Không có định dạng được yêu cầu",
    409: "Xung đột, không có gì được ghi",
    413: "Nội dung gửi lên quá lớn",
    415: "Kiểu nội dung không được hỗ trợ",
    422: "Dữ liệu không hợp lệ, không có gì được ghi",
    429: "Thử quá nhiều lần",
    500: "Lỗi hệ thống",
    503: "Dịch vụ tạm thời không sẵn sàng",
}


class ApiProblem(Exception):
    """A problem the edge itself finds (a missing header, an unsupported format)."""

    def __init__(self, status: int, code: str, detail: str, *,
                 violations: Sequence[dict[str, str]] = (),
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.violations = list(violations)
        self.headers = headers or {}


# Rule codes of the edge's own checks (FastAPI's validation and the headers), in Vietnamese.
EDGE_RULES = {
    "missing": "bắt buộc", "string_type": "chuỗi chữ", "string_too_short": "độ dài tối thiểu",
    "string_too_long": "độ dài tối đa", "string_pattern_mismatch": "dạng cho phép",
    "int_type": "số nguyên", "int_parsing": "số nguyên", "int_from_float": "số nguyên",
    "bool_type": "đúng/sai", "bool_parsing": "đúng/sai", "greater_than": "giá trị tối thiểu",
    "greater_than_equal": "giá trị tối thiểu", "less_than": "giá trị tối đa",
    "less_than_equal": "giá trị tối đa", "date_type": "ngày", "date_parsing": "ngày",
    "date_from_datetime_parsing": "ngày", "date_from_datetime_inexact": "ngày",
    "datetime_type": "thời điểm", "datetime_parsing": "thời điểm",
    "datetime_from_date_parsing": "thời điểm", "literal_error": "một trong các giá trị",
    "enum": "một trong các giá trị", "dict_type": "đối tượng JSON",
    "model_type": "đối tượng JSON", "model_attributes_type": "đối tượng JSON",
    "dataclass_type": "đối tượng JSON", "list_type": "danh sách JSON",
    "tuple_type": "danh sách JSON", "too_short": "số mục tối thiểu",
    "too_long": "số mục tối đa", "extra_forbidden": "trường không được phép",
    "json_invalid": "JSON hợp lệ", "json_type": "JSON hợp lệ", "value_error": "giá trị hợp lệ",
    "string_unicode": "văn bản UTF-8", "bytes_type": "tệp", "url_parsing": "địa chỉ URL",
    "idempotency_key_required": "bắt buộc có khóa lặp lại",
    "idempotency_key_format": "dạng khóa lặp lại", "csrf": "mã chống giả mạo",
    "file_type": "loại tệp", "format": "định dạng", "body_size": "kích thước tối đa",
}


def violation(field: str, rule: str, message: str) -> dict[str, str]:
    from application.labels import label

    return {"field": field, "rule": rule,
            "rule_label": EDGE_RULES.get(rule) or label("rule", rule), "message": message}


def invalid(field: str, rule: str, message: str) -> ApiProblem:
    return ApiProblem(422, "invalid", f"{field}: {message}",
                      violations=[violation(field, rule, message)])


def problem_response(status: int, body: dict[str, Any],
                     headers: dict[str, str] | None = None) -> JSONResponse:
    full = {"type": f"/problems/{body.get('code', 'error')}",
            "title": body.get("title") or TITLES.get(status, "Lỗi"), "status": status,
            "detail": body.get("detail", ""), "code": body.get("code", "error"),
            "violations": body.get("violations", [])}
    if body.get("idempotency_key"):
        full["idempotency_key"] = body["idempotency_key"]
    return JSONResponse(full, status_code=status, headers=headers,
                        media_type=PROBLEM_MEDIA_TYPE)


def status_of(error: errors.ServiceError) -> int:
    if isinstance(error, errors.Conflict):
        return 409
    if isinstance(error, errors.WorkflowGone):
        # The plan is recorded but cannot take commands until an administrator resumes it
        # (POST .../resumption): a state of the plan, not a defect of the server.
        return 409
    if isinstance(error, errors.Rejected):
        return 422
    if isinstance(error, errors.NotFound):
        return 404
    if isinstance(error, errors.Forbidden):
        return 403
    if isinstance(error, errors.LoginLocked):
        return 429
    if isinstance(error, errors.Unauthenticated):
        return 401
    if isinstance(error, errors.OutcomeUnknown | errors.ServiceUnavailable):
        return 503
    return 500


def service_error_response(error: errors.ServiceError) -> JSONResponse:
    status = status_of(error)
    body = problem(error)
    body.setdefault("title", TITLES.get(status))
    headers: dict[str, str] = {}
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if isinstance(error, errors.OutcomeUnknown | errors.ServiceUnavailable):
            body["detail"] = _http_wording(body["detail"])
    if isinstance(error, errors.LoginLocked):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="nhansu"'
    if status == 500:
        log.error("api_server_error", code=body["code"], detail=body["detail"])
    return problem_response(status, body, headers)


def _http_wording(detail: str) -> str:
    """The application's advice names the CLI's option; over HTTP the key is a header."""
    return detail.replace("--idempotency-key", "tiêu đề Idempotency-Key").replace(
        "chạy lại đúng lệnh này với", "gửi lại đúng yêu cầu này với").replace(
        "chạy lại với", "gửi lại với")


# --- FastAPI's own validation errors, in Vietnamese -------------------------------------------
def _limit(ctx: dict[str, Any], *keys: str) -> str:
    for key in keys:
        if key in ctx:
            return str(ctx[key])
    return "?"


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    where = {"query": "tham số truy vấn", "path": "tham số đường dẫn",
             "header": "tiêu đề", "body": "nội dung", "cookie": "cookie"}
    part = where.get(str(error.get("loc", ("body",))[0]), "giá trị")
    messages = {
        "missing": f"thiếu {part} bắt buộc này",
        "string_type": "phải là chuỗi chữ",
        "string_too_short": f"phải có ít nhất {_limit(ctx, 'min_length')} ký tự",
        "string_too_long": f"dài quá {_limit(ctx, 'max_length')} ký tự",
        "string_pattern_mismatch": "có ký tự hoặc dạng không được phép "
                                   f"(mẫu {_limit(ctx, 'pattern')})",
        "int_type": "phải là số nguyên",
        "int_parsing": "phải là số nguyên",
        "int_from_float": "phải là số nguyên, không có phần thập phân",
        "bool_type": "phải là true hoặc false",
        "bool_parsing": "phải là true hoặc false",
        "greater_than": f"phải lớn hơn {_limit(ctx, 'gt')}",
        "greater_than_equal": f"phải từ {_limit(ctx, 'ge')} trở lên",
        "less_than": f"phải nhỏ hơn {_limit(ctx, 'lt')}",
        "less_than_equal": f"không được quá {_limit(ctx, 'le')}",
        "date_type": "phải là một ngày, viết năm-tháng-ngày, ví dụ 2025-07-01",
        "date_parsing": "phải là một ngày, viết năm-tháng-ngày, ví dụ 2025-07-01",
        "date_from_datetime_parsing": "phải là một ngày, viết năm-tháng-ngày, ví dụ 2025-07-01",
        "date_from_datetime_inexact": "phải là một ngày, không có giờ",
        "datetime_type": "phải là thời điểm ISO, ví dụ 2025-05-07T17:00+07:00",
        "datetime_parsing": "phải là thời điểm ISO, ví dụ 2025-05-07T17:00+07:00",
        "datetime_from_date_parsing": "phải là thời điểm ISO, ví dụ 2025-05-07T17:00+07:00",
        "literal_error": f"phải là một trong: {_limit(ctx, 'expected')}",
        "enum": f"phải là một trong: {_limit(ctx, 'expected')}",
        "dict_type": "phải là một đối tượng JSON",
        "model_type": "phải là một đối tượng JSON",
        "model_attributes_type": "phải là một đối tượng JSON",
        "dataclass_type": "phải là một đối tượng JSON",
        "list_type": "phải là một danh sách JSON",
        "tuple_type": "phải là một danh sách JSON",
        "too_short": f"phải có ít nhất {_limit(ctx, 'min_length')} mục",
        "too_long": f"có quá {_limit(ctx, 'max_length')} mục",
        "extra_forbidden": "không dùng trường này; xem tài liệu OpenAPI để biết các trường "
                           "được phép",
        "json_invalid": "nội dung không phải JSON hợp lệ",
        "json_type": "nội dung không phải JSON hợp lệ",
        "value_error": "giá trị không hợp lệ",
        "string_unicode": "phải là văn bản UTF-8",
        "bytes_type": "phải là một tệp",
        "url_parsing": "phải là một địa chỉ URL",
    }
    return messages.get(kind, "giá trị không hợp lệ")


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts) or "nội dung"


def validation_violations(raw: Sequence[Any]) -> list[dict[str, str]]:
    found = []
    for error in raw:
        loc = error.get("loc", ())
        found.append(violation(_field(loc), str(error.get("type", "invalid")), _message(error)))
    return found


# --- the handlers -----------------------------------------------------------------------------
def install(app: FastAPI) -> None:
    @app.exception_handler(errors.ServiceError)
    async def on_service_error(request: Request, exc: errors.ServiceError) -> JSONResponse:
        return service_error_response(exc)

    @app.exception_handler(ApiProblem)
    async def on_api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(exc.status, {"code": exc.code, "detail": exc.detail,
                                             "violations": exc.violations}, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = validation_violations(exc.errors())
        detail = "; ".join(f"{v['field']}: {v['message']}" for v in found[:10])
        if len(found) > 10:
            detail += f"; và {len(found) - 10} lỗi khác"
        key = request.headers.get("idempotency-key")
        body: dict[str, Any] = {"code": "invalid", "detail": detail, "violations": found}
        if key:
            body["idempotency_key"] = key[:200]
        return problem_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        html_not_found = getattr(request.app.state, "html_not_found", None)
        if status == 404 and html_not_found is not None and html_not_found[0](request):
            page: Response = await html_not_found[1](request, exc)
            return page
        if status == 400:  # FastAPI could not parse the body (bad JSON, broken multipart)
            message = ("không đọc được nội dung gửi lên: JSON hoặc multipart/form-data sai "
                       "dạng, hoặc kiểu nội dung (Content-Type) không đúng")
            return problem_response(422, {"code": "invalid", "detail": message,
                                          "violations": [violation("body", "format",
                                                                   message)]})
        details = {404: ("not_found", "Không có tài nguyên nào ở địa chỉ này."),
                   405: ("method_not_allowed",
                         f"Địa chỉ này không nhận phương thức {request.method}."),
                   401: ("unauthenticated", "Chưa xác thực."),
                   403: ("forbidden", "Không có quyền.")}
        code, detail = details.get(status, ("error", TITLES.get(status, "Lỗi")))
        headers = dict(exc.headers or {})
        return problem_response(status, {"code": code, "detail": detail}, headers)


def defect_response(request_key: str | None, path: str, method: str) -> JSONResponse:
    log.exception("api_defect", path=path, method=method)
    body: dict[str, Any] = {
        "code": "defect",
        "detail": "Lỗi hệ thống không lường trước; đã ghi vào nhật ký máy chủ. Nếu đây là một "
                  "lệnh ghi, hãy gửi lại với cùng tiêu đề Idempotency-Key để biết kết quả."}
    if request_key:
        body["idempotency_key"] = request_key[:200]
    return problem_response(500, body)
