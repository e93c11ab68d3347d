"""What auditors and inspectors read: a nomination's trail (JSON, CSV or HTML), verification of
every hash chain and of the ledger, the export an auditor verifies with no database (a zip),
the latest signed checkpoint; and reports across plans. All read PostgreSQL alone."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from api.common import READ_ERRORS, day, moment, page
from api.plans import AsOf, AsOfDate, Limit, Offset, Status, plan_row
from api.schemas import (
    CheckpointOut,
    CommitteesOut,
    Page,
    PlanRowOut,
    StructureOut,
    VerificationOut,
)
from api.security import Caller, Ctx

router = APIRouter(prefix="/api/v1")

TRAIL_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8",
               "html": "text/html; charset=utf-8"}


def chosen_format(request: Request, given: str | None) -> str:
    """?format= wins; otherwise the Accept header; JSON by default."""
    if given is not None:
        return given
    accept = request.headers.get("accept", "").lower()
    if "text/csv" in accept:
        return "csv"
    if "text/html" in accept:
        return "html"
    return "json"


@router.get("/nominations/{candidate}/trail", summary="Hồ sơ quá trình của một nhân sự",
            response_model=None, responses={
                200: {"description": "Toàn bộ quá trình với kết luận chuỗi băm và điểm chốt.",
                      "content": {"application/json": {"schema": {"type": "object"}},
                                  "text/csv": {"schema": {"type": "string"}},
                                  "text/html": {"schema": {"type": "string"}}}},
                **READ_ERRORS})
async def trail(ctx: Ctx, caller: Caller, request: Request, candidate: str,
                plan_id: Annotated[str | None, Query(
                    max_length=200, description="Đề án, khi nêu nhân sự bằng số thẻ đảng.")
                ] = None,
                as_of: AsOf = None, as_of_date: AsOfDate = None,
                format: Annotated[Literal["json", "csv", "html"] | None, Query(
                    description="json | csv | html (mặc định theo tiêu đề Accept, rồi json).")
                ] = None,
                redacted: Annotated[bool, Query(
                    description="Ẩn thông tin cá nhân. Người đọc ngoài phạm vi đề án (kiểm tra "
                                "của nhánh khác, thường vụ cấp trên xa hơn) luôn nhận bản này.")
                ] = False) -> Response:
    """Mã hồ sơ (hoặc số thẻ đảng cùng plan_id): mọi sự kiện, kết quả kiểm tra chuỗi băm và
    điểm chốt có chữ ký bao phủ sự kiện cuối; trong JSON, nội dung mỗi sự kiện đúng như mã
    băm của nó bao phủ (records), để tính lại không cần cơ sở dữ liệu."""
    from application.audit import trail as trail_of
    from application.audit import trail_document

    fmt = chosen_format(request, format)
    report = await trail_of(ctx, caller, candidate, plan_id=plan_id,
                            as_of=moment(as_of, "as_of"),
                            as_of_date=day(as_of_date, "as_of_date"), redacted=redacted)
    text = trail_document(report, fmt)
    headers = {}
    if fmt != "json":
        headers["Content-Disposition"] = f'attachment; filename="trail.{fmt}"'
    if fmt == "csv":
        # Spreadsheet programs detect UTF-8 in a CSV file by its byte order mark.
        text = "\ufeff" + text
    return Response(text.encode("utf-8"), media_type=TRAIL_TYPES[fmt], headers=headers)


@router.get("/verification", summary="Kiểm tra tính toàn vẹn", response_model=VerificationOut,
            responses=READ_ERRORS)
async def verification(ctx: Ctx, caller: Caller,
                       stream: Annotated[str | None, Query(
                           max_length=300, description="Một luồng (mặc định: mọi luồng).")
                       ] = None,
                       min_size: Annotated[int | None, Query(
                           ge=0, le=2**62, description="Sổ cái phải có ít nhất chừng này mục "
                                                       "đã ký.")] = None) -> dict[str, Any]:
    """Tính lại mọi chuỗi băm và chỉ ra mắt xích hỏng đầu tiên; rồi sổ cái: đánh số, chuỗi và
    mọi điểm chốt có chữ ký."""
    from application.audit import verify

    result = await verify(ctx, caller, stream=stream, min_size=min_size)
    chains = result.chains
    broken = chains.first_broken
    problems = [] if broken is None else [
        f"Chuỗi băm bị phá vỡ tại luồng {broken.stream_id}, phiên bản {broken.stream_version}, "
        f"vị trí {broken.position}: {broken.reason}"]
    return {"ok": bool(result.ok), "streams": chains.streams_checked,
            "events": chains.events_checked, "problems": problems,
            "ledger": list(result.ledger_lines), "coverage": result.coverage}


@router.get("/exports", summary="Xuất dữ liệu kiểm toán (zip)", response_model=None,
            responses={200: {"description": "header.json, checkpoints.jsonl, events.jsonl và "
                                            "VERIFY.txt (lệnh kiểm tra không cần cơ sở dữ "
                                            "liệu).",
                             "content": {"application/zip": {
                                 "schema": {"type": "string", "format": "binary"}}}},
                       **READ_ERRORS})
async def exports(ctx: Ctx, caller: Caller,
                  redacted: Annotated[bool, Query(
                      description="Ẩn thông tin cá nhân (chỉ giữ cam kết băm); vẫn kiểm tra "
                                  "được.")] = False) -> FileResponse:
    """Mọi sự kiện (với số thứ tự sổ cái) và mọi điểm chốt có chữ ký, để kiểm tra bằng «nhansu
    audit verify-export» trên máy của kiểm toán."""
    from application.audit import export

    work = Path(tempfile.mkdtemp(prefix="nhansu-export-"))
    try:
        out = work / "export"
        _, command = await export(ctx, caller, out, redacted=redacted)
        archive = work / "nhansu-export.zip"
        await asyncio.to_thread(_zip, out, archive, command)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(archive, media_type="application/zip",
                        filename="nhansu-export.zip",
                        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True))


def _zip(directory: Path, archive: Path, command: str) -> None:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                z.write(path, f"export/{path.relative_to(directory)}")
        z.writestr("VERIFY.txt", command.replace(str(directory), "export") + "\n")


@router.get("/ledger/checkpoint", summary="Điểm chốt có chữ ký mới nhất",
            response_model=CheckpointOut, responses=READ_ERRORS)
async def checkpoint(ctx: Ctx, caller: Caller) -> dict[str, Any]:
    """Dạng C2SP signed note, để giữ lại và đối chiếu về sau (--trusted-checkpoint)."""
    from application.audit import latest_checkpoint_note

    made, note = await latest_checkpoint_note(ctx, caller)
    return {"checkpoint_seq": made.checkpoint_seq, "ledger_size": made.ledger_size,
            "key_id": made.key_id, "signed_note": note}


# --- reports ----------------------------------------------------------------------------------
@router.get("/reports/plans", summary="Báo cáo: các đề án theo trạng thái",
            response_model=Page[PlanRowOut], responses=READ_ERRORS)
async def report_plans(ctx: Ctx, caller: Caller, status: Status = None, limit: Limit = 100,
                       offset: Offset = 0) -> dict[str, Any]:
    """Ví dụ status=submitted: các đề án chờ cấp trên. Chỉ những đề án bạn được xem."""
    from application.reports import plans

    report = await plans(ctx, caller, status=status)
    return page([plan_row(r) for r in report.rows], limit, offset)


@router.get("/reports/structure", summary="Báo cáo: cơ cấu các danh sách nhân sự",
            response_model=StructureOut, responses=READ_ERRORS)
async def report_structure(
        ctx: Ctx, caller: Caller,
        position_group: Annotated[str, Query(min_length=1, max_length=200,
                                             description="Danh sách nhóm chức danh nào.")
                                  ] = "committee_member",
        status: Status = None,
        first_time_above: Annotated[str, Query(
            max_length=50, description="Nêu các danh sách có tỷ lệ lần đầu trên mức này.")
        ] = "1/3",
        women_above: Annotated[str, Query(
            max_length=50, description="Nêu các danh sách có tỷ lệ nữ trên mức này.")
        ] = "15%") -> dict[str, Any]:
    """Nữ, dưới 40 tuổi, dân tộc thiểu số, lần đầu so với mục tiêu; những danh sách vượt các
    tỷ lệ đã nêu (như chú thích [1] của Công văn 11849)."""
    from application.reports import structure
    from application.views import as_data

    report = await structure(ctx, caller, position_group=position_group, status=status,
                             thresholds=(("first_time", first_time_above, "first_time_above"),
                                         ("women", women_above, "women_above")))
    return {"position_group": report.position_group,
            "lists": [as_data(s) for s in report.lists],
            "above": [{"measure": a.measure, "threshold": a.threshold,
                       "plans": [s.plan_id for s in a.lists], "sentence": a.sentence}
                      for a in report.above],
            "behind": list(report.behind)}


# --- elected committees ---------------------------------------------------------------------
Organization = Annotated[str, Query(min_length=1, max_length=200, description=(
    "Tổng hợp các cấp ủy của tổ chức này và mọi tổ chức trực thuộc (theo danh mục)."))]
FirstTimeAbove = Annotated[str, Query(max_length=50, description=(
    "Nêu các cấp ủy có tỷ lệ tham gia lần đầu trên mức này."))]
WomenAbove = Annotated[str, Query(max_length=50, description=(
    "Nêu các cấp ủy có tỷ lệ nữ trên mức này."))]
Deadline = Annotated[str | None, Query(max_length=50, description=(
    "Hạn hoàn thành đại hội (năm-tháng-ngày)."))]
Term = Annotated[str | None, Query(max_length=50, description="Chỉ nhiệm kỳ này.")]


async def _committees(ctx: Any, caller: Any, organization: str, first_time_above: str,
                      women_above: str, deadline: str | None, term: str | None) -> Any:
    from application.committee_reports import committees

    return await committees(ctx, caller, organization_id=organization,
                            thresholds=(("first_time", first_time_above, "first_time_above"),
                                        ("women", women_above, "women_above")),
                            deadline=deadline, term=term, organization_field="organization",
                            deadline_field="deadline")


@router.get("/reports/committees", summary="Báo cáo: cấp ủy được bầu tại đại hội",
            response_model=CommitteesOut, responses={
                200: {"description": "Báo cáo (JSON), hoặc bảng CSV, XLSX theo format.",
                      "content": {"text/csv": {"schema": {"type": "string"}},
                                  "application/vnd.openxmlformats-officedocument."
                                  "spreadsheetml.sheet": {"schema": {"type": "string",
                                                                     "format": "binary"}}}},
                **READ_ERRORS})
async def report_committees(
        ctx: Ctx, caller: Caller, organization: Organization,
        first_time_above: FirstTimeAbove = "1/3", women_above: WomenAbove = "15%",
        deadline: Deadline = None, term: Term = None,
        format: Annotated[Literal["json", "csv", "xlsx"], Query(
            description="json, csv hoặc xlsx.")] = "json") -> Any:
    """Cơ cấu cấp ủy được bầu so với đề án; các cấp ủy có tỷ lệ lần đầu, nữ trên các mức đã
    nêu, xếp hạng (như chú thích [1] của Công văn 11849); bầu đủ ngay lần đầu, bầu trực tiếp
    bí thư, ghế còn trống, chỉ định sau đại hội, hoàn thành đúng hạn. Chỉ các tổ chức bạn
    được xem."""
    from application import committee_exports
    from application.views import as_data

    report = await _committees(ctx, caller, organization, first_time_above, women_above,
                               deadline, term)
    if format == "csv":
        return Response(committee_exports.to_csv(report),
                        media_type=committee_exports.CSV_MEDIA_TYPE)
    if format == "xlsx":
        return Response(committee_exports.to_xlsx(report),
                        media_type=committee_exports.XLSX_MEDIA_TYPE)
    return {"organization_id": report.organization_id, "day": report.day,
            "deadline": report.deadline,
            "committees": [as_data(r) for r in report.committees],
            "figures": [as_data(f) | {"share": f.share} for f in report.figures],
            "structure": [as_data(f) | {"share": f.share} for f in report.structure],
            "above": [{"measure": a.measure, "threshold": a.threshold,
                       "plans": [r.plan_id for r in a.committees], "sentence": a.sentence}
                      for a in report.above],
            "behind": list(report.behind)}


@router.get("/reports/committees/chart.png", summary="Biểu đồ: cấp ủy được bầu",
            response_class=Response, responses={
                200: {"description": "Biểu đồ PNG.",
                      "content": {"image/png": {"schema": {"type": "string",
                                                           "format": "binary"}}}},
                **READ_ERRORS})
async def report_committees_chart(
        ctx: Ctx, caller: Caller, organization: Organization,
        first_time_above: FirstTimeAbove = "1/3", women_above: WomenAbove = "15%",
        deadline: Deadline = None, term: Term = None) -> Response:
    """Cơ cấu cấp ủy viên và kết quả đại hội dưới tổ chức đã chọn, dạng ảnh PNG."""
    from application.committee_exports import chart_png

    report = await _committees(ctx, caller, organization, first_time_above, women_above,
                               deadline, term)
    png = await asyncio.to_thread(chart_png, report)
    return Response(png, media_type="image/png")
