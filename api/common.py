"""What the routes share: the error responses every operation documents, a write's answer
(201 the first time, 200 with ``already_applied`` for a retry), paging, and reading uploads
and the typed times of queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from fastapi import Response, UploadFile

from api.errors import invalid
from api.schemas import Problem

T = TypeVar("T")

ERROR_DESCRIPTIONS = {
    401: "Chưa xác thực (thiếu hoặc sai mã truy cập, phiên đã hết hạn).",
    403: "Không có quyền (không vai trò nào của bạn cho phép việc này ở đây), hoặc thiếu mã "
         "chống giả mạo của phiên web.",
    404: "Không tìm thấy (đề án, nhân sự, tổ chức, người dùng).",
    409: "Xung đột: khóa lặp lại đã dùng cho nội dung khác, đề án đã lập, thay đổi đồng thời. "
         "Không có gì được ghi.",
    413: "Nội dung gửi lên quá lớn.",
    429: "Đăng nhập sai quá nhiều lần: tạm bị khóa; thử lại sau số giây trong Retry-After.",
    422: "Dữ liệu không hợp lệ: từng vi phạm nêu trường và quy tắc. Không có gì được ghi.",
    500: "Dữ liệu đã lưu bị hỏng, hoặc lỗi hệ thống (không bao giờ kèm vết ngăn xếp).",
    503: "Chưa rõ kết quả (không worker nào trả lời kịp) hoặc PostgreSQL/Temporal không sẵn "
         "sàng: gửi lại với cùng Idempotency-Key sau Retry-After giây.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    # 429 only where it can happen (logging in): named explicitly there.
    chosen = statuses or tuple(s for s in ERROR_DESCRIPTIONS if s != 429)
    return {s: {"model": Problem, "description": ERROR_DESCRIPTIONS[s]} for s in chosen}


READ_ERRORS = errors(401, 403, 404, 413, 422, 500, 503)
WRITE_ERRORS = errors()
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "Đã ghi lần đầu."},
    200: {"description": "Lệnh này đã được ghi từ lần gửi trước (cùng khóa, cùng nội dung): "
                         "câu trả lời đầu được nhắc lại, already_applied = true."},
    **WRITE_ERRORS,
}


def link(method: str, path: str, description: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to the operation ``method path``: where a client (or a stateful fuzzer)
    goes next with what it sent or got back, e.g. ``plan_id="$request.body#/plan_id"``."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method}", "description": description,
            "parameters": parameters}


def write_responses(**links: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """WRITE_RESPONSES with ``links`` from the first write's answer (201) and from a retry's."""
    return {**WRITE_RESPONSES, 201: {**WRITE_RESPONSES[201], "links": links},
            200: {**WRITE_RESPONSES[200], "links": links}}


def written(response: Response, result: Any) -> dict[str, Any]:
    """An ``application.preparation.Written`` as the answer, and its status."""
    from application.labels import label
    from application.views import as_data

    recorded = result.recorded
    response.status_code = 200 if recorded.already_applied else 201
    return {"command_id": recorded.command_id, "already_applied": recorded.already_applied,
            "phase": recorded.phase,
            "phase_label": label("phase", recorded.phase) if recorded.phase else "",
            "summary": result.summary, "events": [as_data(e) for e in recorded.events],
            "warnings": [as_data(w) for w in result.warnings],
            "skipped": list(result.skipped)}


def page(items: list[T], limit: int, offset: int) -> dict[str, Any]:
    return {"items": items[offset:offset + limit], "total": len(items), "limit": limit,
            "offset": offset}


def moment(text: str | None, field: str) -> datetime | None:
    if text is None:
        return None
    from application.inputs import parse_moment

    return parse_moment(text, field)


def day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    from application.inputs import parse_day

    return parse_day(text, field)


async def upload_text(file: UploadFile, field: str = "file") -> tuple[str, str]:
    """An uploaded text file (UTF-8) and its name."""
    from application.file_input import check_size, decode_utf8

    data, name = await upload_bytes(file, field)
    check_size(data, name)
    return decode_utf8(data, name, "hãy lưu tệp dạng UTF-8"), name


async def upload_bytes(file: UploadFile, field: str = "file") -> tuple[bytes, str]:
    name = (file.filename or "tệp tải lên").replace("/", "_").replace("\\", "_")[:200]
    data = await file.read()
    if not data:
        raise invalid(field, "not_empty", f"tệp «{name}» rỗng")
    return data, name
