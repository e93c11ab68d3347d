"""Plans and everything done to them: open (JSON or the plan file), read (as of a time, a day or
a position), list; candidates (one as JSON, a list as CSV/XLSX), withdraw, correct; conference
results (JSON or the minutes file) and the next minutes template; submit, cancel; appraisal
(view, findings) and the superior standing committee's decision."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import PlainTextResponse

from api.common import (
    READ_ERRORS,
    WRITE_RESPONSES,
    day,
    link,
    moment,
    page,
    upload_bytes,
    upload_text,
    write_responses,
    written,
)
from api.schemas import (
    CandidateBody,
    CorrectionBody,
    DecisionBody,
    FindingBody,
    MinutesBody,
    Page,
    PlanBody,
    PlanRowOut,
    ReasonBody,
    Written,
)
from api.security import Caller, Ctx, IdempotencyKey
from application.review import AppraisalView
from application.views import PlanDetails

router = APIRouter(prefix="/api/v1/plans")

Limit = Annotated[int, Query(ge=1, le=1000, description="Số mục tối đa mỗi trang.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Bỏ qua chừng này mục đầu.")]
STATUSES = Literal["open", "in_procedure", "submitted", "awaiting_approval", "approved",
                   "rejected", "cancelled"]
Status = Annotated[STATUSES | None, Query(
    description="Chỉ các đề án ở trạng thái này: open (đang lập), in_procedure (đang thực hiện "
                "5 bước), submitted (đã trình), awaiting_approval (chờ phê duyệt), approved "
                "(đã phê duyệt), rejected (không được phê duyệt), cancelled (đã hủy).")]
AsOf = Annotated[str | None, Query(
    max_length=100, description="Thời điểm ghi nhận: như dữ liệu đã ghi đến lúc đó, ví dụ "
                                "2025-05-07T17:00 (giờ Việt Nam nếu không ghi múi giờ).")]
AsOfDate = Annotated[str | None, Query(
    max_length=100, description="Ngày nghiệp vụ: như tình hình vào ngày đó, ví dụ 05/05/2025 "
                                "hoặc 2025-05-05.")]
Upload = Annotated[UploadFile, File(description="Tệp tải lên.")]
JSON_BODY = "nội dung JSON"


# --- where a write leads (OpenAPI links) ----------------------------------------------------------
PLAN = "/api/v1/plans/{plan_id}"


def _plan_links(plan_id: str, *names: str) -> dict[str, dict[str, Any]]:
    """The plan's next operations, its id taken by the expression ``plan_id``."""
    table = {
        "GetPlan": ("get", PLAN, "Xem đề án vừa ghi."),
        "RegisterCandidate": ("post", f"{PLAN}/candidates", "Đăng ký một nhân sự vào đề án."),
        "ConferenceTemplate": ("get", f"{PLAN}/conferences/template",
                               "Mẫu biên bản hội nghị tiếp theo của đề án."),
        "RecordConference": ("post", f"{PLAN}/conferences", "Ghi kết quả hội nghị tiếp theo."),
        "SubmitPlan": ("post", f"{PLAN}/submission", "Trình đề án lên cấp trên."),
        "CancelPlan": ("post", f"{PLAN}/cancellation", "Hủy đề án (trước khi trình)."),
        "GetAppraisal": ("get", f"{PLAN}/appraisal", "Xem thẩm định của đề án."),
        "DecideOnPlan": ("post", f"{PLAN}/decision", "Quyết định của Ban thường vụ cấp trên."),
    }
    return {name: link(*table[name], plan_id=plan_id) for name in names}


IN_PATH = "$request.path.plan_id"
OPENED = write_responses(**_plan_links(
    "$request.body#/plan_id", "GetPlan", "RegisterCandidate", "ConferenceTemplate",
    "RecordConference", "SubmitPlan", "CancelPlan"))
REGISTERED = write_responses(
    **_plan_links(IN_PATH, "GetPlan", "RegisterCandidate", "RecordConference"),
    WithdrawCandidate=link("post", f"{PLAN}/candidates/{{candidate}}/withdrawal",
                           "Rút nhân sự vừa đăng ký.", plan_id=IN_PATH,
                           candidate="$request.body#/party_card_number"),
    CorrectRegistration=link("post", f"{PLAN}/candidates/{{candidate}}/corrections",
                             "Đính chính hồ sơ nhân sự vừa đăng ký.", plan_id=IN_PATH,
                             candidate="$request.body#/party_card_number"))
IMPORTED = write_responses(**_plan_links(IN_PATH, "GetPlan", "ConferenceTemplate",
                                         "RecordConference", "SubmitPlan"))
RECORDED = write_responses(**_plan_links(IN_PATH, "GetPlan", "ConferenceTemplate",
                                         "RecordConference", "SubmitPlan"))
SUBMITTED = write_responses(**_plan_links(IN_PATH, "GetPlan", "GetAppraisal", "DecideOnPlan"))


# --- the TOML a JSON body stands for ------------------------------------------------------------
def _toml_value(value: Any) -> str:
    from application.files import toml_string

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return toml_string(str(value))


def toml_document(data: dict[str, Any]) -> str:
    """A JSON body that mirrors a file, as that file: the same reader then checks both."""
    from application.files import toml_key

    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{toml_key(key)} = {_toml_value(value)}")
    for key, table in tables:
        lines.append(f"[{toml_key(key)}]")
        lines += [f"{toml_key(k)} = {_toml_value(v)}" for k, v in table.items()
                  if v is not None]
    return "\n".join(lines) + "\n"


# --- plans ------------------------------------------------------------------------------------
@router.get("", summary="Các đề án bạn được xem", response_model=Page[PlanRowOut],
            responses=READ_ERRORS)
async def list_plans(ctx: Ctx, caller: Caller, status: Status = None,
                     organization_id: Annotated[str | None, Query(
                         max_length=200, description="Chỉ các đề án của tổ chức này.")] = None,
                     limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Các đề án (từ bảng đọc) mà vai trò của bạn cho phép xem, lọc theo trạng thái và tổ
    chức, có phân trang."""
    from application.reports import plans

    report = await plans(ctx, caller, status=status)
    rows = [plan_row(r) for r in report.rows
            if organization_id is None or r.organization_id == organization_id]
    return page(rows, limit, offset)


def plan_row(row: Any) -> dict[str, Any]:
    from application.labels import label
    from application.views import as_data

    data: dict[str, Any] = as_data(row)
    data["status_label"] = label("phase", row.status)
    return data


@router.post("", summary="Lập đề án nhân sự (JSON như tệp đề án)", status_code=201,
             response_model=Written, responses=OPENED)
async def open_plan(ctx: Ctx, caller: Caller, key: IdempotencyKey, body: PlanBody,
                    response: Response) -> dict[str, Any]:
    """Lập đề án từ nội dung JSON giống hệt tệp đề án (TOML): tổ chức, cấp và cấp ủy cấp trên
    lấy từ danh mục tổ chức, không từ nội dung gửi lên."""
    from application.files import read_plan_text
    from application.preparation import open_plan as open_

    plan = read_plan_text(toml_document(body.model_dump()), JSON_BODY)
    return written(response, await open_(ctx, caller, plan, key=key))


@router.post("/files", summary="Lập đề án nhân sự từ tệp đề án (TOML)", status_code=201,
             response_model=Written, responses=WRITE_RESPONSES)
async def open_plan_file(ctx: Ctx, caller: Caller, key: IdempotencyKey, file: Upload,
                         response: Response) -> dict[str, Any]:
    """Tải lên tệp đề án (TOML, UTF-8), như «nhansu plan open»."""
    from application.files import read_plan_text
    from application.preparation import open_plan as open_

    text, name = await upload_text(file)
    plan = read_plan_text(text, name)
    return written(response, await open_(ctx, caller, plan, key=key))


@router.get("/{plan_id}", summary="Một đề án", response_model=None,
            responses={200: {"model": PlanDetails, "description": "Đề án."}, **READ_ERRORS})
async def show_plan(ctx: Ctx, caller: Caller, plan_id: str, as_of: AsOf = None,
                    as_of_date: AsOfDate = None,
                    at_position: Annotated[int | None, Query(
                        ge=0, le=2**62, description="Như tại vị trí này của sổ sự kiện.")
                    ] = None) -> Any:
    """Đề án: ai đạt ở từng bước, cơ cấu so với chỉ tiêu, cảnh báo tiêu chuẩn; như đã ghi đến
    một thời điểm (as_of), như tình hình một ngày (as_of_date), hoặc tại một vị trí của sổ sự
    kiện (at_position)."""
    from application.preparation import show_plan as show
    from application.views import as_data

    return as_data(await show(ctx, caller, plan_id, as_of=moment(as_of, "as_of"),
                              as_of_date=day(as_of_date, "as_of_date"),
                              at_position=at_position))


@router.post("/{plan_id}/submission", summary="Trình đề án lên cấp trên", status_code=201,
             response_model=Written, responses=SUBMITTED)
async def submit(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str,
                 response: Response) -> dict[str, Any]:
    """Trình cấp trên: các cơ quan thẩm định rồi Ban thường vụ cấp trên."""
    from application.preparation import submit_plan

    return written(response, await submit_plan(ctx, caller, plan_id, key=key))


@router.post("/{plan_id}/cancellation", summary="Hủy đề án", status_code=201,
             response_model=Written, responses=WRITE_RESPONSES)
async def cancel(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str, body: ReasonBody,
                 response: Response) -> dict[str, Any]:
    """Hủy đề án (trước khi trình), có lý do: tổ chức lập được đề án mới cho nhiệm kỳ."""
    from application.preparation import cancel_plan

    return written(response, await cancel_plan(ctx, caller, plan_id, body.reason, key=key))


@router.post("/{plan_id}/resumption", summary="Khôi phục quy trình của đề án",
             status_code=201, response_model=Written, responses=WRITE_RESPONSES)
async def resume(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str, body: ReasonBody,
                 response: Response) -> dict[str, Any]:
    """Khi quy trình của đề án trên Temporal không còn (bị dừng ngang, mất lịch sử): chạy lại
    từ sổ sự kiện và ghi lại ai khôi phục, vì sao. Chỉ quản trị viên của tổ chức."""
    from application.preparation import resume_plan

    return written(response, await resume_plan(ctx, caller, plan_id, body.reason, key=key))


# --- candidates -------------------------------------------------------------------------------
@router.post("/{plan_id}/candidates", summary="Đăng ký một nhân sự", status_code=201,
             response_model=Written, responses=REGISTERED)
async def register(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str,
                   body: CandidateBody, response: Response) -> dict[str, Any]:
    """Đăng ký một nhân sự, kiểm tra như một dòng của danh sách; cảnh báo ngay những tiêu
    chuẩn, điều kiện chưa đạt."""
    from application.files import candidate_from_fields
    from application.preparation import register_candidate

    fields = body.model_dump()
    row = candidate_from_fields(fields, {name: name for name in fields})
    return written(response, await register_candidate(ctx, caller, plan_id, row, key=key))


@router.post("/{plan_id}/candidates/files", summary="Đăng ký cả danh sách (CSV hoặc XLSX)",
             status_code=201, response_model=Written, responses=IMPORTED)
async def import_list(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str,
                      file: Upload, response: Response) -> dict[str, Any]:
    """Kiểm tra mọi dòng trước, rồi đăng ký tất cả trong một lần hoặc không ai; những người đã
    đăng ký từ trước được bỏ qua (skipped)."""
    from application.files import read_candidates_bytes
    from application.preparation import import_candidates

    data, name = await upload_bytes(file)
    candidates = read_candidates_bytes(data, name)
    return written(response, await import_candidates(ctx, caller, plan_id, candidates,
                                                     key=key))


@router.post("/{plan_id}/candidates/{candidate}/withdrawal", summary="Rút một nhân sự",
             status_code=201, response_model=Written, responses=WRITE_RESPONSES)
async def withdraw(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str, candidate: str,
                   body: ReasonBody, response: Response) -> dict[str, Any]:
    """Rút khỏi danh sách (số thẻ đảng hoặc mã hồ sơ), có lý do; hồ sơ vẫn được lưu."""
    from application.preparation import withdraw_candidate

    return written(response, await withdraw_candidate(ctx, caller, plan_id, candidate,
                                                      body.reason, key=key))


@router.post("/{plan_id}/candidates/{candidate}/corrections", summary="Đính chính hồ sơ",
             status_code=201, response_model=Written, responses=WRITE_RESPONSES)
async def correct(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str, candidate: str,
                  body: CorrectionBody, response: Response) -> dict[str, Any]:
    """Đính chính bằng một sự kiện (không sửa bản ghi cũ): các trường gửi lên thay các trường
    cũ; kiểm tra lại tiêu chuẩn, điều kiện."""
    from application.preparation import correct_registration

    given = body.model_dump(exclude={"reason"})
    return written(response, await correct_registration(ctx, caller, plan_id, candidate,
                                                        given, body.reason, key=key))


# --- conferences ------------------------------------------------------------------------------
@router.post("/{plan_id}/conferences", summary="Ghi kết quả hội nghị (JSON như tệp biên bản)",
             status_code=201, response_model=Written, responses=RECORDED)
async def record_conference(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str,
                            body: MinutesBody, response: Response) -> dict[str, Any]:
    """Ghi biên bản kiểm phiếu của một bước cho một nhóm: chỉ số phiếu, không bao giờ ai bầu
    ai."""
    from application.files import read_minutes_text
    from application.preparation import record_conference as record

    minutes = read_minutes_text(toml_document(body.model_dump()), JSON_BODY)
    return written(response, await record(ctx, caller, plan_id, minutes, key=key))


@router.post("/{plan_id}/conferences/files", summary="Ghi kết quả hội nghị từ tệp biên bản",
             status_code=201, response_model=Written, responses=RECORDED)
async def record_conference_file(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str,
                                 file: Upload, response: Response) -> dict[str, Any]:
    """Tải lên biên bản (TOML, UTF-8), ví dụ mẫu từ …/conferences/template đã điền số."""
    from application.files import read_minutes_text
    from application.preparation import record_conference as record

    text, name = await upload_text(file)
    minutes = read_minutes_text(text, name)
    return written(response, await record(ctx, caller, plan_id, minutes, key=key))


@router.get("/{plan_id}/conferences/template", summary="Mẫu biên bản hội nghị tiếp theo",
            response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Tệp biên bản (TOML) để điền số."},
                       **READ_ERRORS})
async def minutes_template(ctx: Ctx, caller: Caller, plan_id: str,
                           held_on: Annotated[str | None, Query(
                               max_length=100, description="Ngày họp, ví dụ 21/04/2025.")
                           ] = None) -> PlainTextResponse:
    """Đúng bước, nhóm, lần và danh sách nhân sự của hội nghị tiếp theo; các con số để 0."""
    from application.preparation import next_minutes_template

    text = await next_minutes_template(ctx, caller, plan_id, held_on=day(held_on, "held_on"))
    return PlainTextResponse(text, media_type="text/plain; charset=utf-8")


# --- the superior level -----------------------------------------------------------------------
@router.get("/{plan_id}/appraisal", summary="Thẩm định của đề án", response_model=None,
            responses={200: {"model": AppraisalView, "description": "Thẩm định."},
                       **READ_ERRORS})
async def appraisal(ctx: Ctx, caller: Caller, plan_id: str) -> Any:
    """Từng nhân sự trong danh sách: tiêu chuẩn nào chưa đạt (với số liệu), kết luận của từng
    cơ quan, kết quả."""
    from application.review import appraisal_view
    from application.views import as_data

    return as_data(await appraisal_view(ctx, caller, plan_id))


@router.post("/{plan_id}/appraisal/findings", summary="Ghi kết luận thẩm định",
             status_code=201, response_model=Written, responses=WRITE_RESPONSES)
async def record_finding(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str,
                         body: FindingBody, response: Response) -> dict[str, Any]:
    """Ghi (hoặc sửa) kết luận của cơ quan mình về một nhân sự."""
    from application.review import record_finding as record

    return written(response, await record(ctx, caller, plan_id, body.candidate,
                                          agency=body.agency, outcome=body.outcome,
                                          text=body.text, evidence_ref=body.evidence_ref,
                                          key=key))


@router.post("/{plan_id}/decision", summary="Quyết định của Ban thường vụ cấp trên",
             status_code=201, response_model=Written, responses=WRITE_RESPONSES)
async def decide(ctx: Ctx, caller: Caller, key: IdempotencyKey, plan_id: str,
                 body: DecisionBody, response: Response) -> dict[str, Any]:
    """Phê duyệt, phê duyệt và loại một số nhân sự, trả lại về một bước, hoặc không phê duyệt.
    Phê duyệt khi còn tiêu chuẩn, điều kiện chưa đạt thì phải loại người đó hoặc ghi nhận từng
    điều kiện với lý do."""
    from application.review import SendBackRequest, decide_plan

    back = body.send_back
    send_back = None if back is None else SendBackRequest(
        step=back.step, candidate_group=back.candidate_group,
        candidates=tuple(back.candidates), position_group=back.position_group)
    return written(response, await decide_plan(
        ctx, caller, plan_id, decision=body.decision, decision_ref=body.decision_ref,
        reasons=body.reasons,
        exclusions=tuple((e.candidate, e.reason) for e in body.exclusions),
        acknowledgements=tuple((a.candidate, a.check, a.reason) for a in body.acknowledgements),
        send_back=send_back, key=key))
