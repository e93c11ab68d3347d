"""The shapes of the API's request bodies and of the answers that are not the application's own
views, with Vietnamese descriptions and an example each (they are the OpenAPI document's).

Request bodies mirror the files people hand in (the plan file, the minutes) field for field:
the API turns them into the same text and reads it with the same reader, so a JSON body and an
uploaded file are held to exactly the same rules and refused with the same messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

ID = Field(min_length=1, max_length=200)
TEXT = 1000


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


# --- problems ---------------------------------------------------------------------------------
class Violation(BaseModel):
    field: str = Field(description="Trường (hoặc tệp, dòng, cột, khóa) có vấn đề.")
    rule: str = Field(description="Mã quy tắc (tiếng Anh, ổn định).")
    rule_label: str = Field(description="Tên quy tắc bằng tiếng Việt.")
    message: str = Field(description="Điều sai và điều cần viết, bằng tiếng Việt.")


class Problem(BaseModel):
    """Mọi lỗi: problem details (RFC 9457), tiếng Việt, với mã ổn định."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "/problems/invalid", "title": "Dữ liệu không hợp lệ, không có gì được ghi",
        "status": 422, "detail": "attending: Hội nghị không đủ 2/3 số được triệu tập.",
        "code": "invalid", "violations": [{
            "field": "attending", "rule": "quorum", "rule_label": "đủ số có mặt",
            "message": "Hội nghị không đủ 2/3 số được triệu tập."}],
        "idempotency_key": "ghi-buoc-1-tai-cu"}]})

    type: str = Field(description="Đường dẫn loại lỗi: /problems/<code>.")
    title: str = Field(description="Tiêu đề lỗi bằng tiếng Việt.")
    status: int = Field(description="Mã trạng thái HTTP.")
    detail: str = Field(description="Mô tả bằng tiếng Việt.")
    code: str = Field(description="Mã lỗi ổn định: invalid, conflict, not_found, forbidden, "
                                  "unauthenticated, outcome_unknown, service_unavailable, "
                                  "corrupt_data, workflow_gone, defect, payload_too_large...")
    violations: list[Violation] = Field(description="Từng vi phạm: trường, quy tắc, thông "
                                                    "điệp.")
    idempotency_key: str | None = Field(default=None, description="Khóa lặp lại của lệnh ghi: "
                                        "gửi lại với khóa này để biết kết quả.")


# --- writes -----------------------------------------------------------------------------------
class EventOut(BaseModel):
    event_id: str = Field(description="Mã sự kiện.")
    event_type: str = Field(description="Loại sự kiện (tiếng Anh, ổn định).")
    stream_id: str = Field(description="Luồng sự kiện.")
    stream_version: int = Field(description="Số thứ tự trong luồng.")
    position: int = Field(description="Vị trí trong sổ sự kiện toàn cục.")


class WarningOut(BaseModel):
    nomination_id: str
    who: str = Field(description="Họ tên và số thẻ đảng.")
    check: str = Field(description="Mã tiêu chuẩn, điều kiện chưa đạt.")
    check_label: str = Field(description="Tên tiêu chuẩn, điều kiện bằng tiếng Việt.")
    severity: str
    detail: str = Field(description="Số liệu và lý do, bằng tiếng Việt.")


class Written(BaseModel):
    """Kết quả một lệnh ghi: các sự kiện đã ghi (hoặc đã ghi từ lần gửi trước)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "command_id": "trinh-de-an-1", "already_applied": False, "phase": "submitted",
        "phase_label": "Đã trình cấp trên",
        "summary": "Đã trình đề án xa-doi-may-2025-2030 lên cấp trên (org-tinh-lam-dong) với "
                   "17 người trong danh sách.",
        "events": [{"event_id": "0f9c2a4e-7d1b-4e55-9a51-1d2f3c4b5a69",
                    "event_type": "PlanSubmitted",
                    "stream_id": "plan-xa-doi-may-2025-2030", "stream_version": 31,
                    "position": 1207}],
        "warnings": [], "skipped": []}]})

    command_id: str = Field(description="Khóa lặp lại (Idempotency-Key) của lệnh.")
    already_applied: bool = Field(description="true: lệnh đã được ghi từ lần gửi trước với "
                                              "cùng khóa, không ghi lại.")
    phase: str = Field(description="Trạng thái đề án sau lệnh.")
    phase_label: str = Field(description="Trạng thái đề án bằng tiếng Việt.")
    summary: str = Field(description="Một câu tiếng Việt nói lệnh đã làm gì.")
    events: list[EventOut] = Field(description="Các sự kiện đã ghi, với vị trí.")
    warnings: list[WarningOut] = Field(description="Tiêu chuẩn, điều kiện chưa đạt của những "
                                                   "nhân sự lệnh này chạm tới.")
    skipped: list[str] = Field(description="Khi nhập danh sách: những người đã có từ trước.")


# --- plans ------------------------------------------------------------------------------------
class PlanOrganization(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200,
                    description="Mã tổ chức đảng trong danh mục tổ chức.")
    name: str | None = Field(default=None, max_length=TEXT,
                             description="Tên tổ chức, để đối chiếu với danh mục (không bắt "
                                         "buộc).")


class PlanTargets(BaseModel):
    model_config = ConfigDict(extra="forbid")
    women_min: str | None = Field(default=None, max_length=50,
                                  description="Tỉ lệ nữ tối thiểu: \"3/20\" hoặc \"15%\".")
    under_40_min: str | None = Field(default=None, max_length=50,
                                     description="Tỉ lệ dưới 40 tuổi tối thiểu.")
    first_time_min: str | None = Field(default=None, max_length=50,
                                       description="Tỉ lệ tham gia lần đầu tối thiểu.")
    ethnic_minority_min: str | None = Field(default=None, max_length=50,
                                            description="Tỉ lệ người dân tộc thiểu số tối "
                                                        "thiểu.")
    woman_on_standing_committee: bool | None = Field(
        default=None, description="Có nữ trong Ban thường vụ.")


class PlanBody(BaseModel):
    """Đề án nhân sự, đúng như tệp đề án (TOML) viết."""

    model_config = _examples({
        "plan_id": "xa-doi-may-2025-2030", "term": "2025-2030", "term_start": "2025-07-01",
        "procedure": "directive-45-2025",
        "organization": {"id": "org-xa-doi-may", "name": "Đảng bộ xã Đồi Mây"},
        "seats": {"committee_member": 15},
        "targets": {"women_min": "3/20", "under_40_min": "1/10", "first_time_min": "1/3",
                    "ethnic_minority_min": "1/20"}})

    plan_id: str = Field(min_length=1, max_length=200, description="Mã đề án nhân sự.")
    term: str = Field(min_length=1, max_length=50, description="Nhiệm kỳ, ví dụ 2025-2030.")
    term_start: date = Field(description="Ngày bắt đầu nhiệm kỳ.")
    procedure: str = Field(min_length=1, max_length=200,
                           description="Quy trình áp dụng, ví dụ directive-45-2025.")
    organization: PlanOrganization
    seats: dict[str, int] = Field(description="Chỉ tiêu theo nhóm chức danh, ví dụ "
                                              "{\"committee_member\": 15}.")
    targets: PlanTargets | None = Field(default=None, description="Cơ cấu.")


class MinutesBody(BaseModel):
    """Biên bản kiểm phiếu của một bước cho một nhóm, đúng như tệp biên bản (TOML) viết."""

    model_config = _examples({
        "plan_id": "xa-doi-may-2025-2030", "organization_id": "org-xa-doi-may",
        "position_group": "committee_member", "candidate_group": "tái cử", "step": 1,
        "attempt": 1, "held_on": "2025-04-21", "summoned": 5, "attending": 5,
        "ballots_issued": 5, "ballots_valid": 5,
        "votes": {"TD-100001": 5, "TD-100002": 4}})

    plan_id: str = Field(min_length=1, max_length=200, description="Mã đề án (không sửa).")
    organization_id: str = Field(min_length=1, max_length=200, description="Mã tổ chức đảng.")
    position_group: str | None = Field(default=None, max_length=200,
                                       description="Nhóm chức danh (mặc định Ủy viên Ban chấp "
                                                   "hành).")
    candidate_group: str = Field(min_length=1, max_length=50,
                                 description="Nhóm ứng viên: tái cử hoặc lần đầu.")
    step: int = Field(description="Bước (1–5).")
    attempt: int = Field(description="Lần thực hiện bước (lần đầu là 1).")
    held_on: date = Field(description="Ngày họp.")
    summoned: int = Field(description="Số được triệu tập.")
    attending: int = Field(description="Số có mặt.")
    ballots_issued: int = Field(description="Số phiếu phát ra.")
    ballots_valid: int = Field(description="Số phiếu hợp lệ.")
    votes: dict[str, int] = Field(description="Số phiếu đồng ý của từng người: số thẻ đảng "
                                              "(hoặc mã hồ sơ) → số phiếu.")
    tie_break: list[str] = Field(default_factory=list, max_length=10_000,
                                 description="Người được giữ khi bằng phiếu ở ngưỡng, theo "
                                             "thứ tự.")


class CandidateBody(BaseModel):
    """Một nhân sự, các trường như một dòng của danh sách nhân sự."""

    model_config = _examples({
        "full_name": "Nguyễn Văn An", "birth_date": "03/02/1979", "gender": "nam",
        "ethnicity": "Kinh", "candidate_group": "lần đầu",
        "current_post": "Chủ tịch Ủy ban Mặt trận Tổ quốc xã",
        "party_card_number": "TD-200001", "position_group": "committee_member",
        "in_cadre_plan": "có", "discipline": None})

    full_name: str = Field(max_length=TEXT, description="Họ và tên.")
    birth_date: str = Field(max_length=50,
                            description="Ngày sinh: 03/02/1979 hoặc 1979-02-03.")
    gender: str = Field(max_length=20, description="nam hoặc nữ.")
    ethnicity: str = Field(default="Kinh", max_length=TEXT, description="Dân tộc.")
    candidate_group: str = Field(max_length=50, description="tái cử hoặc lần đầu.")
    current_post: str = Field(max_length=TEXT, description="Chức vụ hiện tại.")
    party_card_number: str | None = Field(default=None, max_length=200,
                                          description="Số thẻ đảng viên.")
    position_group: str | None = Field(default=None, max_length=200,
                                       description="Nhóm chức danh (mã hoặc tên).")
    in_cadre_plan: str | None = Field(default=None, max_length=20,
                                      description="Trong quy hoạch: có hoặc không.")
    discipline: str | None = Field(default=None, max_length=TEXT,
                                   description="Kỷ luật: hình thức và ngày, ví dụ «cảnh cáo "
                                               "01/05/2024»; nhiều lần cách nhau bởi «;».")


class CorrectionBody(BaseModel):
    """Đính chính hồ sơ: các trường ghi ở đây thay các trường cũ; lý do bắt buộc."""

    model_config = _examples({"reason": "Sai ngày sinh so với hồ sơ đảng viên",
                              "birth_date": "1979-02-13"})

    reason: str = Field(min_length=1, max_length=TEXT, description="Lý do đính chính.")
    full_name: str | None = Field(default=None, max_length=TEXT)
    birth_date: str | None = Field(default=None, max_length=50)
    gender: str | None = Field(default=None, max_length=20)
    ethnicity: str | None = Field(default=None, max_length=TEXT)
    current_post: str | None = Field(default=None, max_length=TEXT)
    party_card_number: str | None = Field(default=None, max_length=200)
    in_cadre_plan: str | None = Field(default=None, max_length=20)
    discipline: str | None = Field(default=None, max_length=TEXT,
                                   description="Thay toàn bộ; «không» để xóa.")


class ReasonBody(BaseModel):
    """Lý do (rút nhân sự, hủy đề án)."""

    model_config = _examples({"reason": "Đồng chí xin rút vì lý do sức khỏe"})

    reason: str = Field(min_length=1, max_length=TEXT, description="Lý do.")


class FindingBody(BaseModel):
    """Kết luận thẩm định của một cơ quan về một nhân sự."""

    model_config = _examples({
        "candidate": "TD-100010", "agency": "inspection_committee",
        "outcome": "disqualifying",
        "text": "Bị kỷ luật cảnh cáo ngày 01/3/2025, chưa hết thời hạn 30 tháng",
        "evidence_ref": "BC-12/UBKT"})

    candidate: str = Field(min_length=1, max_length=200,
                           description="Số thẻ đảng hoặc mã hồ sơ.")
    agency: str = Field(min_length=1, max_length=200,
                        description="organization_department | inspection_committee | "
                                    "internal_affairs (hoặc tên tiếng Việt).")
    outcome: str = Field(min_length=1, max_length=200,
                         description="cleared (đạt) | concern (có vấn đề cần lưu ý) | "
                                     "disqualifying (không đủ tiêu chuẩn).")
    text: str = Field(default="", max_length=TEXT, description="Nội dung vấn đề hoặc lý do.")
    evidence_ref: str = Field(min_length=1, max_length=TEXT,
                              description="Căn cứ: văn bản, báo cáo, số hồ sơ.")


class ExclusionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    candidate: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=TEXT)


class AcknowledgementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    candidate: str = Field(min_length=1, max_length=200)
    check: str = Field(min_length=1, max_length=200,
                       description="Mã điều kiện: retirement_margin, full_term, "
                                   "discipline_bar, cadre_plan.")
    reason: str = Field(min_length=1, max_length=TEXT)


class SendBackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: int = Field(description="Trả lại về bước này.")
    candidate_group: str = Field(min_length=1, max_length=50, description="tái cử | lần đầu")
    candidates: list[str] = Field(default_factory=list, max_length=10_000,
                                  description="Nhân sự trả lại (số thẻ đảng hoặc mã hồ sơ).")
    position_group: str = Field(default="committee_member", min_length=1, max_length=200)


class DecisionBody(BaseModel):
    """Quyết định của Ban thường vụ cấp trên."""

    model_config = _examples({
        "decision": "approve_with_exclusions", "decision_ref": "QĐ-456/BTV",
        "reasons": "Phê duyệt đề án nhân sự",
        "exclusions": [{"candidate": "TD-100010",
                        "reason": "Không đủ tiêu chuẩn theo kết luận của Ủy ban Kiểm tra"}],
        "acknowledgements": [{"candidate": "TD-100004", "check": "cadre_plan",
                              "reason": "Đã xem xét, đủ tiêu chuẩn chính trị và uy tín"}]})

    decision: str = Field(min_length=1, max_length=200,
                          description="approve | approve_with_exclusions | send_back | reject")
    decision_ref: str = Field(min_length=1, max_length=TEXT, description="Số văn bản.")
    reasons: str = Field(default="", max_length=TEXT, description="Lý do.")
    exclusions: list[ExclusionBody] = Field(default_factory=list, max_length=10_000)
    acknowledgements: list[AcknowledgementBody] = Field(default_factory=list,
                                                        max_length=10_000)
    send_back: SendBackBody | None = None


# --- lists ------------------------------------------------------------------------------------
class Page(BaseModel, Generic[T]):
    items: list[T] = Field(description="Các mục của trang này.")
    total: int = Field(description="Tổng số mục (mọi trang).")
    limit: int = Field(description="Số mục tối đa mỗi trang.")
    offset: int = Field(description="Bỏ qua chừng này mục đầu.")


class PlanRowOut(BaseModel):
    plan_id: str
    organization_id: str
    organization_name: str
    parent_organization_id: str | None
    organization_level: str
    term: str
    term_start: date
    procedure_key: str
    status: str
    status_label: str
    round: int
    seats: int
    candidates: int
    last_held_on: date | None
    opened_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None


class OrganizationOut(BaseModel):
    organization_id: str
    name: str
    level: str
    level_label: str
    parent_id: str | None
    valid_from: date
    valid_to: date | None
    active: bool
    ended: str | None
    successors: list[str]


class OrganizationDetail(BaseModel):
    organization: OrganizationOut | None = Field(description="Tổ chức vào ngày hỏi (null: "
                                                             "chưa có hoặc đã kết thúc).")
    children: list[OrganizationOut] = Field(description="Các tổ chức trực thuộc vào ngày đó.")
    history: list[OrganizationOut] = Field(description="Mọi phiên bản, cũ trước.")


class ListStructureOut(BaseModel):
    plan_id: str
    organization_id: str
    organization_name: str
    term: str
    status: str
    position_group: str
    seats: int
    total: int
    counts: dict[str, int]
    targets: dict[str, str | None]


class AboveOut(BaseModel):
    measure: str
    threshold: str
    plans: list[str]
    sentence: str


class StructureOut(BaseModel):
    position_group: str
    lists: list[ListStructureOut]
    above: list[AboveOut]
    behind: list[str] = Field(description="Bảng đọc đang chậm hơn sổ sự kiện (nếu có).")


class CommitteeOut(BaseModel):
    plan_id: str
    organization_id: str
    organization_name: str
    organization_level: str
    term: str
    opens_on: date | None
    seats: int
    elected: int
    counts: dict[str, int]
    incumbents: int
    targets: dict[str, str | None]
    first_ballot_complete: bool | None
    secretary_direct: bool
    open_seats: int
    appointed: int
    result_approved: bool
    closed_on: date | None


class FigureOut(BaseModel):
    code: str
    label: str = Field(description="Tên chỉ tiêu, tiếng Việt.")
    count: int
    out_of: int | None
    share: str | None = Field(description="Tỷ lệ, viết kiểu Việt Nam (41,2%).")


class CommitteesOut(BaseModel):
    organization_id: str
    day: date
    deadline: date | None
    committees: list[CommitteeOut]
    figures: list[FigureOut]
    structure: list[FigureOut]
    above: list[AboveOut]
    behind: list[str] = Field(description="Bảng đọc đang chậm hơn sổ sự kiện (nếu có).")


class VerificationOut(BaseModel):
    ok: bool
    streams: int
    events: int
    problems: list[str] = Field(description="Mắt xích hỏng, bằng tiếng Việt.")
    ledger: list[str] = Field(description="Kết luận về sổ cái, từng dòng.")
    coverage: str | None = Field(description="Với một luồng: điểm chốt có chữ ký bao phủ sự "
                                             "kiện cuối.")


class CheckpointOut(BaseModel):
    checkpoint_seq: int
    ledger_size: int
    key_id: str
    signed_note: str = Field(description="Điểm chốt dạng C2SP signed note.")


# --- who ----------------------------------------------------------------------------------------
class LoginBody(BaseModel):
    model_config = _examples({"login": "bantochuc.xa-mau", "password": "mat-khau-cua-ban"})

    login: str = Field(min_length=1, max_length=200, description="Tên đăng nhập.")
    password: str = Field(min_length=1, max_length=1000, description="Mật khẩu.")


class SessionOut(BaseModel):
    login: str
    csrf_token: str = Field(description="Gửi trong tiêu đề X-CSRF-Token với mọi yêu cầu ghi "
                                        "của phiên.")
    expires_at: datetime
    idle_expires_at: datetime


class GrantOut(BaseModel):
    role: str
    role_label: str
    organization_id: str
    agency: str | None
    agency_label: str | None


class MeOut(BaseModel):
    login: str
    display_name: str
    grants: list[GrantOut]


class UserBody(BaseModel):
    model_config = _examples({"login": "bantochuc.anbinh",
                              "display_name": "Trần Văn Tổ Chức",
                              "password": "mot-mat-khau-du-dai"})

    login: str = Field(min_length=1, max_length=200, description="Tên đăng nhập.")
    display_name: str = Field(min_length=1, max_length=TEXT, description="Họ và tên.")
    password: str | None = Field(default=None, max_length=1000,
                                 description="Mật khẩu (ít nhất 12 ký tự); bỏ trống: chưa đặt.")


class GrantBody(BaseModel):
    model_config = _examples({"role": "organization_department",
                              "organization_id": "org-xa-doi-may", "agency": None})

    role: str = Field(min_length=1, max_length=200)
    organization_id: str = Field(min_length=1, max_length=200)
    agency: str | None = Field(default=None, max_length=200)


class PasswordBody(BaseModel):
    model_config = _examples({"password": "mot-mat-khau-moi-du-dai"})

    password: str = Field(min_length=1, max_length=1000)


class TokenBody(BaseModel):
    model_config = _examples({"name": "may-chu-bao-cao", "days": 90})

    name: str = Field(default="api", min_length=1, max_length=200)
    days: int = Field(default=90, ge=1, le=366)


class IssuedTokenOut(BaseModel):
    token_id: str
    login: str
    name: str
    expires_at: datetime
    token: str = Field(description="Mã truy cập: chỉ hiện một lần này.")


class Health(BaseModel):
    status: str
    detail: str
