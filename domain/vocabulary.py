"""The one catalogue of Vietnamese words shown for codes, and the Vietnamese way of writing
numbers, shares, days and moments.

Codes (enum values, event types, rule codes, field names) stay English in events and JSON;
every word a person reads for one of them comes from here, for the command line and the web
interface alike: ``label("decision", "send_back")`` -> "Trả lại để điều chỉnh, bổ sung".
Official terms are used as the party's documents write them (Ban Thường vụ, Ban Chấp hành,
thẩm định, phê duyệt, tái cử, lần đầu tham gia ...).

This module imports nothing of the domain, so every other module may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

#: Giờ Việt Nam (Indochina Time): every moment shown to a person is shown in it.
VIETNAM = timezone(timedelta(hours=7), "ICT")

# --- who acts ---------------------------------------------------------------------------------
ROLES: dict[str, str] = {
    "organization_department": "Ban Tổ chức cấp ủy",
    "superior_standing_committee": "Ban Thường vụ cấp ủy cấp trên",
    "appraisal_agency": "Cơ quan chuyên môn thẩm định",
    "vote_counting_committee": "Ban Kiểm phiếu",
    "auditor": "Cơ quan kiểm tra, thanh tra, kiểm toán",
    "system": "Hệ thống (tự động)",
    "administrator": "Quản trị hệ thống",
}

ORGANIZATION_LEVELS: dict[str, str] = {
    "central": "Trung ương",
    "province": "Tỉnh, thành phố",
    "district": "Huyện, quận, thị xã, thành phố thuộc tỉnh",
    "commune": "Xã, phường, đặc khu",
    "grassroots": "Cơ sở",
}

# --- candidates ---------------------------------------------------------------------------------
CANDIDATE_GROUPS: dict[str, str] = {
    "incumbent": "tái cử",
    "first_time": "lần đầu tham gia",
}

GENDERS: dict[str, str] = {"male": "Nam", "female": "Nữ"}

DISCIPLINES: dict[str, str] = {
    "reprimand": "khiển trách",
    "warning": "cảnh cáo",
    "dismissal": "cách chức",
}

POSITION_GROUPS: dict[str, str] = {
    "committee_member": "Ủy viên Ban Chấp hành (cấp ủy viên)",
    "standing_committee_member": "Ủy viên Ban Thường vụ",
    "deputy_secretary": "Phó Bí thư",
    "secretary": "Bí thư",
    "inspection_committee_member": "Ủy viên Ủy ban Kiểm tra",
    "upper_congress_delegate": "Đại biểu dự đại hội cấp trên",
}

# --- the plan and its nominations ---------------------------------------------------------------
PHASES: dict[str, str] = {
    "not_opened": "Chưa lập",
    "open": "Đang lập",
    "in_procedure": "Đang thực hiện 5 bước",
    "submitted": "Đã trình cấp trên, đang thẩm định",
    "awaiting_approval": "Chờ cấp trên phê duyệt",
    "approved": "Đã phê duyệt",
    "rejected": "Không được phê duyệt",
    "cancelled": "Đã hủy đề án",
}

NOMINATION_STATUSES: dict[str, str] = {
    "registered": "Đã đăng ký",
    "standing": "Đang xem xét",
    "listed": "Vào danh sách",
    "dropped": "Dừng",
    "approved": "Được phê duyệt",
    "excluded": "Bị cấp trên loại",
    "withdrawn": "Đã rút khỏi danh sách",
}

# --- the five steps ------------------------------------------------------------------------------
CONFERENCE_BODIES: dict[str, str] = {
    "standing_committee": "Ban Thường vụ",
    "key_cadres_conference": "Hội nghị cán bộ chủ chốt",
    "executive_committee": "Ban Chấp hành",
}

PASS_BASES: dict[str, str] = {
    "summoned": "số được triệu tập",
    "attending": "số có mặt",
    "valid_ballots": "số phiếu hợp lệ",
}

CONFERENCE_OUTCOMES: dict[str, str] = {
    "advanced": "Giới thiệu tiếp",
    "consultative": "Bước tham khảo",
    "revote_required": "Phải bỏ phiếu lại",
}

REASON_CODES: dict[str, str] = {
    "below_threshold": "không đạt quá số phiếu cần thiết",
    "over_list_maximum": "vượt số lượng tối đa của danh sách",
    "cancelled": "đề án bị hủy",
    "rejected": "đề án không được phê duyệt",
}

# --- appraisal and approval -----------------------------------------------------------------------
APPRAISAL_AGENCIES: dict[str, str] = {
    "organization_department": "Ban Tổ chức cấp ủy cấp trên",
    "inspection_committee": "Ủy ban Kiểm tra cấp ủy cấp trên",
    "internal_affairs": "Ban Nội chính cấp ủy cấp trên",
}

FINDING_OUTCOMES: dict[str, str] = {
    "cleared": "Đạt",
    "concern": "Có vấn đề cần lưu ý",
    "disqualifying": "Không đủ tiêu chuẩn, điều kiện",
}

APPRAISAL_RESULTS: dict[str, str] = {
    "cleared": "Đạt",
    "concern": "Có vấn đề cần lưu ý",
    "disqualified": "Không đủ tiêu chuẩn",
    "incomplete": "Chưa đủ kết luận",
}

DECISIONS: dict[str, str] = {
    "approve": "Phê duyệt",
    "approve_with_exclusions": "Phê duyệt, loại một số nhân sự",
    "send_back": "Trả lại để điều chỉnh, bổ sung",
    "reject": "Không phê duyệt",
}

# --- standards, conditions and structure ----------------------------------------------------------
ELIGIBILITY_CHECKS: dict[str, str] = {
    "retirement_margin": "thời gian công tác còn lại đến tuổi nghỉ hưu (tái cử)",
    "full_term": "đủ tuổi công tác trọn một nhiệm kỳ (lần đầu tham gia)",
    "discipline_bar": "thời hạn chưa được giới thiệu ứng cử sau kỷ luật",
    "cadre_plan": "trong quy hoạch",
}

ELIGIBILITY_OCCASIONS: dict[str, str] = {
    "registration": "khi đăng ký",
    "submission": "khi trình",
    "correction": "khi đính chính",
}

SEVERITIES: dict[str, str] = {
    "concern": "cần lưu ý",
    "disqualifying": "không đủ điều kiện",
    "block": "không được trình",
    "warn": "cảnh báo",
}

STRUCTURE_MEASURES: dict[str, str] = {
    "women": "Nữ",
    "under_40": "Dưới 40 tuổi",
    "ethnic_minority": "Dân tộc thiểu số",
    "first_time": "Tham gia lần đầu",
    "woman_on_standing_committee": "Có cán bộ nữ trong Ban Thường vụ",
    "list_bounds": "Số lượng danh sách (số dư)",
}

#: The figures of the report on elected committees (báo cáo cấp ủy được bầu).
COMMITTEE_FIGURES: dict[str, str] = {
    "committees": "Số cấp ủy đã bầu",
    "seats": "Số ủy viên theo đề án",
    "elected": "Số cấp ủy viên (bầu và chỉ định)",
    "incumbents": "Tái cử",
    "renewal": "Tỷ lệ đổi mới (lần đầu tham gia)",
    "first_ballot": "Bầu đủ ngay lần đầu",
    "secretary_direct": "Đại hội bầu trực tiếp bí thư",
    "with_open_seats": "Còn thiếu cấp ủy viên sau đại hội",
    "open_seats": "Số ghế còn trống",
    "appointed": "Số cấp ủy viên được chỉ định sau đại hội",
    "approved": "Đã chuẩn y kết quả bầu cử",
    "closed": "Đã hoàn thành đại hội",
    "on_time": "Hoàn thành đúng hạn",
}

# --- the congress: lists, ballots, results ------------------------------------------------------
CONGRESS_PHASES: dict[str, str] = {
    "not_opened": "Chưa khai mạc",
    "open": "Đang bầu cử",
    "paused": "Tạm dừng bầu cử, chờ ý kiến chỉ đạo của cấp trên",
    "closed": "Đã kết thúc",
}

CONGRESS_KINDS: dict[str, str] = {
    "delegates": "Đại hội đại biểu",
    "members": "Đại hội đảng viên",
}

ELECTING_BODIES: dict[str, str] = {
    "congress": "Đại hội",
    "executive_committee": "Ban Chấp hành khóa mới",
}

ROUND_STAGES: dict[str, str] = {
    "nominating": "Lập danh sách bầu cử",
    "balloting": "Bỏ phiếu, kiểm phiếu",
    "shortfall": "Bầu chưa đủ số lượng, chờ quyết định",
    "concluded": "Đã có kết quả",
}

NOMINATION_SOURCES: dict[str, str] = {
    "plan": "Theo đề án được phê duyệt",
    "self": "Ứng cử",
    "delegate": "Đề cử",
    "presidium": "Đoàn Chủ tịch giới thiệu",
}

NOMINATION_AGREEMENTS: dict[str, str] = {
    "nominee_consent": "Người được giới thiệu đồng ý",
    "presidium_acceptance": "Đoàn Chủ tịch chấp thuận",
}

BALLOT_INVALID_REASONS: dict[str, str] = {
    "not_issued": "Không phải phiếu do Ban Kiểm phiếu phát ra",
    "too_many_kept": "Bầu quá số lượng",
    "none_kept_with_surplus": "Gạch hết tên trong danh sách có số dư",
    "names_added": "Ghi thêm tên ngoài danh sách",
    "marked": "Có ký tên hoặc đánh dấu",
}

BALLOT_KINDS: dict[str, str] = {
    "first": "Bầu lần thứ nhất",
    "tie": "Bầu lại do bằng phiếu",
    "shortfall": "Bầu thêm do chưa đủ số lượng",
}

BALLOT_OUTCOMES: dict[str, str] = {
    "complete": "Đủ số lượng",
    "tie": "Bằng phiếu ở ngưỡng cuối, phải bầu lại",
    "shortfall": "Chưa đủ số lượng",
}

SHORTFALL_DECISIONS: dict[str, str] = {
    "another_ballot": "Bầu tiếp",
    "leave_open": "Không bầu tiếp, để trống chỉ tiêu",
}

MEMBERSHIPS: dict[str, str] = {
    "elected": "Trúng cử",
    "appointed": "Được chỉ định",
}

# --- what happened (every event type) -----------------------------------------------------------
EVENT_TYPES: dict[str, str] = {
    "PlanOpened": "Lập đề án",
    "PlanTermClaimed": "Đăng ký nhiệm kỳ cho đề án",
    "PlanTermReleased": "Giải phóng nhiệm kỳ",
    "CandidateRegistered": "Đăng ký nhân sự",
    "CandidateWithdrawn": "Rút khỏi danh sách",
    "RegistrationCorrected": "Đính chính thông tin nhân sự",
    "EligibilityChecked": "Kiểm tra tiêu chuẩn, điều kiện",
    "ConferenceResultRecorded": "Ghi kết quả hội nghị",
    "NominationAdvanced": "Được giới thiệu tiếp",
    "NominationDropped": "Dừng giới thiệu",
    "NominationRevoteRequired": "Phải bỏ phiếu lại",
    "GroupCompletedSteps": "Hoàn thành quy trình 5 bước",
    "PlanSubmitted": "Trình đề án lên cấp trên",
    "PlanCancelled": "Hủy đề án",
    "PlanResumed": "Khôi phục quy trình của đề án",
    "StructureAssessed": "Đánh giá cơ cấu, số dư",
    "AppraisalOpened": "Bắt đầu thẩm định",
    "FindingRecorded": "Ghi kết luận thẩm định",
    "AppraisalReminderSent": "Nhắc thẩm định",
    "AppraisalOverdue": "Quá hạn thẩm định",
    "AppraisalCompleted": "Kết thúc thẩm định",
    "AppraisalsCompleted": "Hoàn thành thẩm định đề án",
    "ApprovalReminderSent": "Nhắc phê duyệt",
    "ApprovalOverdue": "Quá hạn phê duyệt",
    "PlanApproved": "Phê duyệt đề án",
    "PlanSentBack": "Trả lại đề án để điều chỉnh, bổ sung",
    "PlanRejected": "Không phê duyệt đề án",
    "NominationApproved": "Nhân sự được phê duyệt",
    "NominationExcluded": "Nhân sự bị loại khỏi danh sách",
    "NominationSentBack": "Nhân sự được trả lại để xem xét lại",
    "CongressOpened": "Khai mạc đại hội",
    "RoundOpened": "Mở vòng bầu cử",
    "NominatedAtCongress": "Ứng cử, đề cử tại đại hội",
    "WithdrawnFromList": "Rút khỏi danh sách bầu cử",
    "ListVoted": "Biểu quyết danh sách bầu cử",
    "BallotOpened": "Bỏ phiếu bầu cử",
    "BallotsCounted": "Kiểm phiếu",
    "CountSigned": "Ban Kiểm phiếu ký biên bản kiểm phiếu",
    "BallotResultDeclared": "Công bố kết quả bầu",
    "ShortfallDecided": "Quyết định khi bầu chưa đủ số lượng",
    "RoundConcluded": "Kết thúc vòng bầu",
    "ElectionPaused": "Tạm dừng bầu cử, xin ý kiến chỉ đạo",
    "DirectionGiven": "Cấp trên cho ý kiến chỉ đạo",
    "ElectionResultApproved": "Chuẩn y kết quả bầu cử",
    "MemberAppointed": "Chỉ định",
    "CongressClosed": "Kết thúc hồ sơ đại hội",
}

# --- the rules input can break (every Violation.rule of the domain and the application) -------
RULES: dict[str, str] = {
    # who may act
    "role_not_permitted": "vai trò không được phép",
    "outside_scope": "ngoài phạm vi tổ chức",
    "separation_of_duties": "phân tách trách nhiệm",
    # input at the door
    "required": "bắt buộc phải có",
    "identifier": "mã định danh hợp lệ",
    "uuid_format": "mã đề cử dạng UUID",
    "party_card_format": "số thẻ đảng viên hợp lệ",
    "nfc": "văn bản Unicode dựng sẵn (NFC)",
    "no_control_characters": "không có ký tự điều khiển",
    "max_length": "không vượt độ dài tối đa",
    "range": "giá trị trong khoảng hợp lý",
    "plausible_date": "ngày tháng hợp lý",
    "list_size": "không vượt số người tối đa được đăng ký",
    "duplicate_in_batch": "không trùng lặp trong danh sách nhập",
    "format": "đúng định dạng",
    "ratio": "tỷ lệ từ 0 đến 1",
    "positive": "số dương",
    "duplicate": "không trùng lặp",
    "once_each": "mỗi mục một lần",
    "unchanged": "có thay đổi để đính chính",
    # the plan
    "already_opened": "mỗi mã đề án chỉ lập một lần",
    "already_planned": "mỗi tổ chức một đề án cho một nhiệm kỳ",
    "not_opened": "đề án phải được lập trước",
    "already_submitted": "đề án đã trình cấp trên",
    "plan_cancelled": "đề án đã bị hủy",
    "not_own_parent": "tổ chức không là cấp trên của chính mình",
    "term_length": "nhiệm kỳ đúng số năm",
    "within_term": "ngày bắt đầu trong năm đầu nhiệm kỳ",
    "not_in_force": "quy trình đã có hiệu lực",
    "unknown_group": "nhóm chức danh có trong quy trình",
    "no_seats": "nhóm chức danh có chỉ tiêu",
    # registration
    "already_nominated": "nhân sự chưa được giới thiệu trong nhóm chức danh",
    "plausible_age": "tuổi hợp lý",
    "not_in_future": "không phải ngày trong tương lai",
    "registration_closed": "còn trong thời gian đăng ký",
    "unknown_nomination": "nhân sự có trong đề án",
    "not_withdrawable": "nhân sự còn trong danh sách để rút",
    "not_correctable": "nhân sự còn trong danh sách để đính chính",
    "eligibility_blocks": "đủ tiêu chuẩn, điều kiện bắt buộc",
    # the five steps
    "nothing_to_vote": "còn nhóm cần bỏ phiếu",
    "group_order": "đúng thứ tự nhóm",
    "step_order": "đúng thứ tự bước",
    "list_minimum": "đủ số lượng tối thiểu của danh sách",
    "list_maximum": "không vượt số lượng tối đa của danh sách",
    "chronological": "đúng trình tự thời gian",
    "within_summoned": "số có mặt không vượt số được triệu tập",
    "quorum": "đủ số đại biểu dự họp",
    "within_attending": "số phiếu phát ra không vượt số có mặt",
    "within_issued": "số phiếu hợp lệ không vượt số phiếu phát ra",
    "one_tally_each": "mỗi người một kết quả kiểm phiếu",
    "on_the_list": "có trong danh sách",
    "complete": "đủ kết quả cho mọi người",
    "within_valid_ballots": "không vượt số phiếu hợp lệ",
    "no_tie": "chỉ quyết định khi có bằng phiếu",
    "head_decides_tie": "người đứng đầu quyết định khi bằng phiếu",
    "minutes_mismatch": "biên bản đúng đề án, tổ chức và lần bỏ phiếu",
    # submission and structure
    "steps_unfinished": "hoàn thành quy trình 5 bước",
    "women": "tỷ lệ nữ",
    "under_40": "tỷ lệ dưới 40 tuổi",
    "ethnic_minority": "tỷ lệ dân tộc thiểu số",
    "first_time": "tỷ lệ tham gia lần đầu",
    "woman_on_standing_committee": "có cán bộ nữ trong Ban Thường vụ",
    # appraisal
    "not_under_appraisal": "nhân sự đang được thẩm định",
    "unknown_agency": "cơ quan thẩm định của đề án",
    "reason_required": "phải nêu lý do",
    "evidence_required": "phải nêu căn cứ",
    # approval
    "not_awaiting_approval": "đề án đang chờ phê duyệt",
    "only_when_sending_back": "chỉ khi trả lại",
    "use_approve_with_exclusions": "dùng quyết định phê duyệt, loại một số nhân sự",
    "only_when_approving": "chỉ khi phê duyệt",
    "disqualified_not_excluded": "loại nhân sự không đủ tiêu chuẩn",
    "list_longer_than_seats": "danh sách nhiều hơn số chỉ tiêu",
    "known_step": "bước có trong quy trình",
    "known_group": "nhóm có trong đề án",
    "listed_in_group": "nhân sự có trong danh sách của nhóm",
    "eligibility_unacknowledged": "ghi nhận tiêu chuẩn, điều kiện chưa đạt",
    "acknowledgement_unknown": "ghi nhận đúng nhân sự và tiêu chuẩn chưa đạt",
    # the congress
    "congress_already_opened": "mỗi đề án một đại hội",
    "congress_not_opened": "đại hội đã khai mạc",
    "congress_closed": "hồ sơ đại hội chưa kết thúc",
    "election_paused": "bầu cử không tạm dừng",
    "plan_not_approved": "đề án đã được phê duyệt",
    "no_list": "đề án có danh sách được phê duyệt",
    "round_in_progress": "không còn vòng bầu đang diễn ra",
    "electing_body": "đúng cơ quan bầu",
    "already_elected": "mỗi nhóm chức danh bầu một vòng",
    "seats_within_plan": "không vượt chỉ tiêu của đề án",
    "seats_within_electorate": "không vượt số người của cơ quan bầu ra",
    "electorate": "số được triệu tập đúng thành phần",
    "unknown_round": "vòng bầu có trong đại hội",
    "round_stage": "đúng giai đoạn của vòng bầu",
    "presidium_list": "Đoàn Chủ tịch chỉ giới thiệu khi đề án không có danh sách",
    "already_on_list": "mỗi người một lần trong danh sách bầu cử",
    "not_in_electing_pool": "được bầu trong số thành viên cơ quan bầu ra",
    "nominee_consent": "người được giới thiệu đồng ý",
    "presidium_acceptance": "Đoàn Chủ tịch chấp thuận",
    "nomination_support": "đủ số đại biểu tán thành",
    "not_on_list": "có trong danh sách bầu cử",
    "within_present": "không vượt số có mặt",
    "ballot_order": "đúng lần bầu đang kiểm",
    "already_signed": "biên bản kiểm phiếu chưa ký",
    "on_the_ballot": "tên có trên phiếu bầu",
    "canonical_order": "phiếu gộp theo loại, không giữ thứ tự đọc phiếu",
    "returned_within_issued": "số phiếu có dấu không vượt số phiếu phát ra",
    "issued_within_summoned": "số phiếu phát ra không vượt số được triệu tập",
    "not_counted": "đã kiểm phiếu",
    "count_changed": "ký đúng lần kiểm phiếu gần nhất",
    "ballots_exhausted": "không vượt số lần bầu thêm",
    "no_one_left": "còn người để bầu tiếp",
    "not_paused": "bầu cử đang tạm dừng",
    "nothing_to_approve": "có kết quả chờ chuẩn y",
    "no_open_seat": "còn chỉ tiêu để trống",
    "result_not_approved": "kết quả bầu cử đã được chuẩn y",
    "already_member": "chưa giữ chức danh này",
    "consensus": "đủ sự đồng thuận của Ban Thường vụ cấp trên",
    "nothing_elected": "đã bầu xong ít nhất một vòng",
    # the registry of organizations
    "already_registered": "mỗi tổ chức chỉ có một lần trong danh mục",
    "unknown_organization": "tổ chức có trong danh mục",
    "unknown_parent": "tổ chức cấp trên có trong danh mục",
    "control_character": "không có ký tự điều khiển",
    "whitespace": "không có khoảng trắng ở đầu hoặc cuối",
    "too_long": "không vượt độ dài tối đa",
    "before_founding": "ngày hiệu lực không trước ngày thành lập Đảng",
    "before_last_change": "ngày hiệu lực không trước thay đổi gần nhất của tổ chức",
    "ended": "tổ chức còn hoạt động",
    "central_has_no_parent": "cấp Trung ương không có cấp trên",
    "cycle": "cấp trên không là tổ chức trực thuộc",
    "parent_not_active": "tổ chức cấp trên đang hoạt động",
    "parent_ends": "tổ chức cấp trên còn hoạt động",
    "parent_level": "cấp trên ở cấp cao hơn",
    "into_itself": "không hợp nhất, chia tách vào chính tổ chức đó",
    "into_not_active": "tổ chức tiếp nhận đang hoạt động",
    "into_level": "tổ chức tiếp nhận cùng cấp",
    "at_least_two": "chia tách thành ít nhất hai tổ chức",
    "has_children": "không còn tổ chức trực thuộc",
    "has_later_children": "không có tổ chức trực thuộc ghi sau ngày hiệu lực",
    "not_active": "tổ chức đang hoạt động vào ngày đó",
    "no_superior": "tổ chức có cấp trên trực tiếp",
    "unknown_level": "cấp tổ chức có trong danh mục cấp",
    "level_changed": "cấp của tổ chức không đổi",
    "registry_name": "tên tổ chức đúng như trong danh mục",
    # the application: files handed in and what is typed at its edges
    "file_exists": "tệp tồn tại",
    "not_a_file": "đường dẫn là một tệp",
    "readable": "tệp đọc được",
    "file_access": "đường dẫn dùng được",
    "file_too_large": "tệp không vượt dung lượng tối đa",
    "utf8": "văn bản mã hóa UTF-8",
    "not_empty": "tệp có dữ liệu",
    "too_many_rows": "không vượt số dòng tối đa",
    "csv_format": "đúng định dạng CSV",
    "xlsx_format": "đúng định dạng bảng tính Excel (.xlsx)",
    "toml_syntax": "đúng cú pháp TOML",
    "type": "đúng kiểu dữ liệu",
    "unknown_key": "khóa được phép dùng",
    "columns": "cột được nhận",
    "unknown_column": "cột được nhận",
    "duplicate_column": "mỗi cột một lần",
    "missing_column": "đủ các cột bắt buộc",
    "duplicate_in_file": "không trùng lặp trong tệp",
    "date": "ngày hợp lệ",
    "iso_time": "thời điểm hợp lệ",
    "one_of": "một trong các giá trị được phép",
    "share": "tỷ lệ từ 0 đến 1",
    "boolean": "giá trị đúng hoặc sai (true, false)",
    "integer": "số nguyên",
    "number": "một số",
    "procedure": "tệp quy trình hợp lệ",
    "known_procedure": "quy trình có trong hệ thống",
    "known_candidate": "nhân sự có trong đề án",
    "ambiguous": "xác định đúng một hồ sơ nhân sự",
    "nomination_id_required": ("người chỉ xem hồ sơ đã ẩn thông tin cá nhân ghi mã hồ sơ, "
                               "không tra theo số thẻ đảng"),
    "not_submitted": "đề án đã trình cấp trên",
    "plan_closed": "đề án còn nhận lệnh",
    "plan_not_opened": "đề án đã được lập",
    "workflow_not_gone": "quy trình trên Temporal không còn chạy (mới cần khôi phục)",
    "resume_during_appraisal": "đề án không trong thời gian thẩm định",
    "key_reused": "mỗi khóa lặp lại dùng cho một nội dung",
    "concurrent_change": "không có thay đổi đồng thời",
    "store_refused_value": "giá trị được cơ sở dữ liệu chấp nhận",
    "rebuild_running": "không có lần dựng lại khác đang chạy",
    # the audit and the users
    "directory": "đường dẫn là một thư mục",
    "writable_directory": "thư mục ghi được",
    "at_least_one": "từ 1 trở lên",
    "not_with_stream": "không dùng cùng --stream",
    "key_spec": "khóa công khai viết đúng",
    "known_key": "có khóa công khai của điểm chốt",
    "signed_note": "điểm chốt đọc được",
    "unknown_role": "vai trò có trong hệ thống",
    "too_short": "đủ độ dài tối thiểu",
    "blank": "không chỉ gồm khoảng trắng",
    "already_applied": "lệnh chưa được thực hiện với khóa này",
    # the web interface's forms
    "idempotency_key": "khóa lặp lại hợp lệ",
    "nothing_changed": "có thay đổi so với hồ sơ đã ghi",
    "nothing_to_record": "có điều cần ghi",
    "finding_unacknowledged": "kết luận «có vấn đề» được ghi nhận kèm lý do",
    # the Merkle ledger, its proofs and the witness
    "consistency_proof": "bằng chứng nhất quán đọc được và đúng",
    "operator_signature": "chữ ký của đơn vị vận hành hợp lệ",
    "own_signature": "tệp trạng thái mang chữ ký của chính người chứng thực",
    "tree_root": "điểm chốt mang gốc cây Merkle",
    "proof_size": "bằng chứng đi từ đúng kích thước đã chứng thực",
    "rollback": "sổ cái không bị cắt bớt hay quay lui",
    "fork": "sổ cái không bị viết lại (rẽ nhánh)",
    "key_id": "mã khóa viết đúng",
    "within_tree": "kích thước nằm trong cây đã ký",
    "trail_json": "tệp dấu vết JSON đọc được",
    "new_file": "tệp chưa tồn tại",
    "readable_file": "tệp đọc được",
    "writable_file": "tệp ghi được",
    # backups
    "empty_directory": "thư mục trống",
    "backup_manifest": "bản sao lưu có bảng kê hợp lệ",
    "backup_file_hash": "tệp sao lưu khớp SHA-256 trong bảng kê",
    "restorable": "bản sao lưu khôi phục được",
    # Temporal's authorizer
    "no_signing_key": "thư mục chưa có khóa ký (hoặc cấp lại bằng --renew)",
    # settings that open files and addresses (bootstrap.py, telemetry.py)
    "tls_incomplete": "đủ cả CA, chứng chỉ và khóa cho mTLS",
    "api_key_without_tls": "mã truy cập Temporal chỉ gửi qua mTLS",
    "not_a_token": "tệp chứa một mã JWT",
    "host_port": "địa chỉ viết dạng máy:cổng",
}

# Old names, kept for the packages that import them.
STATUS_VI = NOMINATION_STATUSES
PHASE_VI = PHASES
APPRAISAL_RESULT_VI = APPRAISAL_RESULTS

#: kind -> catalogue, for ``label``.
#: What a reader outside the plan's scope sees in place of personal data (thông tin cá nhân).
PRIVACY: Mapping[str, str] = {
    "withheld": "(đã ẩn thông tin cá nhân)",
    "redacted_trail": "Bản đã ẩn thông tin cá nhân, cho người đọc ngoài phạm vi đề án: các "
                      "thông tin này chỉ còn cam kết băm (salted commitment), vẫn nằm trong "
                      "chuỗi băm và bằng chứng bao hàm.",
}

CATALOGUE: Mapping[str, Mapping[str, str]] = {
    "role": ROLES,
    "level": ORGANIZATION_LEVELS,
    "candidate_group": CANDIDATE_GROUPS,
    "gender": GENDERS,
    "discipline": DISCIPLINES,
    "position_group": POSITION_GROUPS,
    "phase": PHASES,
    "nomination_status": NOMINATION_STATUSES,
    "body": CONFERENCE_BODIES,
    "pass_base": PASS_BASES,
    "conference_outcome": CONFERENCE_OUTCOMES,
    "reason": REASON_CODES,
    "agency": APPRAISAL_AGENCIES,
    "finding": FINDING_OUTCOMES,
    "appraisal_result": APPRAISAL_RESULTS,
    "decision": DECISIONS,
    "check": ELIGIBILITY_CHECKS,
    "occasion": ELIGIBILITY_OCCASIONS,
    "severity": SEVERITIES,
    "measure": STRUCTURE_MEASURES,
    "committee_figure": COMMITTEE_FIGURES,
    "event": EVENT_TYPES,
    "rule": RULES,
    "congress_phase": CONGRESS_PHASES,
    "congress_kind": CONGRESS_KINDS,
    "electing_body": ELECTING_BODIES,
    "round_stage": ROUND_STAGES,
    "nomination_source": NOMINATION_SOURCES,
    "nomination_agreement": NOMINATION_AGREEMENTS,
    "ballot_invalid": BALLOT_INVALID_REASONS,
    "ballot_kind": BALLOT_KINDS,
    "ballot_outcome": BALLOT_OUTCOMES,
    "shortfall_decision": SHORTFALL_DECISIONS,
    "membership": MEMBERSHIPS,
    "privacy": PRIVACY,
}


def label(kind: str, code: str) -> str:
    """The Vietnamese term for ``code`` of ``kind`` ("role", "event", "rule", ...); an unknown
    kind or code is shown as the code itself. Never raises."""
    text = str(code)
    catalogue = CATALOGUE.get(kind)
    if catalogue is None:
        return text
    return catalogue.get(text, text)


# --- writing numbers, shares, days and moments the Vietnamese way --------------------------------
def number(value: int) -> str:
    """16549 -> "16.549": the dot groups thousands."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(value)):,}".replace(",", ".")


def percent(value: Fraction | float | int, digits: int = 1) -> str:
    """A share (0.412 or Fraction(7, 17)) as a percentage, rounded half away from zero:
    "41,2%". The comma marks the decimals, the dot groups thousands."""
    exact = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    scale = 10 ** max(digits, 0)
    scaled = abs(exact) * 100 * scale
    rounded = int(scaled + Fraction(1, 2))
    whole, part = divmod(rounded, scale)
    sign = "-" if exact < 0 and rounded else ""
    text = number(whole)
    if digits > 0:
        text += "," + str(part).rjust(digits, "0")
    return f"{sign}{text}%"


def business_day(moment: datetime) -> date:
    """The calendar day ``moment`` falls on in Vietnam. Every day a rule compares with (today,
    for "not in the future", an eligibility check's date) is a Vietnamese day: from midnight
    to 07:00 there, the clock's UTC date is still yesterday's."""
    return moment.astimezone(VIETNAM).date()


def day(value: date) -> str:
    """date(2025, 5, 5) -> "05/05/2025"."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def moment(value: datetime) -> str:
    """An aware datetime in Vietnam's time: "05/05/2025 14:03:22 (giờ Việt Nam, UTC+07:00)".
    A naive datetime names no moment and is refused (ValueError)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a moment needs a timezone-aware datetime")
    local = value.astimezone(VIETNAM)
    return f"{day(local.date())} {local:%H:%M:%S} (giờ Việt Nam, UTC+07:00)"


def person(full_name: str, party_card_number: str | None = None) -> str:
    """How a message names a person: "Nguyễn Văn A (thẻ đảng TD-100003)", or the name alone
    when no card number is known."""
    if party_card_number:
        return f"{full_name} (thẻ đảng {party_card_number})"
    return full_name
