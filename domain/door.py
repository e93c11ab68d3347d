"""Checks at the domain's door: every command's shape, before any rule of the procedure.

The application layer checks its input too; the domain checks again (defence in depth), so
nothing malformed reaches an event whoever sends the command. The bounds here are sanity
bounds, not regulations (those are procedure data): no committee has 500 seats per group, no
conference 100,000 people, no candidate is 101.
"""

from __future__ import annotations

from datetime import date

from domain.eligibility import add_months
from domain.errors import Violations
from domain.people import Actor, Candidate
from domain.text import check_command_id, check_party_card, check_text
from domain.vocabulary import day, number

# Lengths of free text, in characters.
MAX_NAME = 200
MAX_POST = 300
MAX_ETHNICITY = 50
MAX_ORGANIZATION_NAME = 300
MAX_REFERENCE = 100  # evidence references, decision numbers (số văn bản)
MAX_PARAGRAPH = 2000  # reasons, finding text
MAX_USER_ID = 200
MAX_TERM = 20  # "2025-2030"

# Numbers.
MAX_SEATS = 500  # seats of one position group
MAX_PEOPLE = 100_000  # summoned, attending, ballots of one conference
LIST_FACTOR = 3  # at most this many times the seats registered for a position group

# Dates, relative to the day a command is decided or to the term's start, in months.
TERM_START_PAST_MONTHS = 24
TERM_START_AHEAD_MONTHS = 72
CONFERENCE_BEFORE_TERM_MONTHS = 36
MIN_MEMBER_AGE = 18
MAX_CANDIDATE_AGE = 100


def check_int(v: Violations, field: str, value: int, *, low: int, high: int,
              what: str) -> bool:
    """An integer within [low, high] (a bool is not a number here)."""
    ok = type(value) is int and low <= value <= high
    if not ok:
        shown = number(value) if type(value) is int else repr(value)
        v.add(field, "range", f"{what} là {shown}, phải là số nguyên từ {number(low)} đến "
                              f"{number(high)}")
    return ok


def check_command(v: Violations, command_id: str, actor: Actor) -> None:
    """What every command carries: its id and who sends it."""
    check_command_id(v, command_id)
    if v.check(isinstance(actor.user_id, str) and bool(actor.user_id.strip()),
               "actor.user_id", "required", "Phải ghi rõ người thực hiện"):
        check_text(v, "actor.user_id", actor.user_id, what="Mã người thực hiện",
                   limit=MAX_USER_ID)


def check_reason(v: Violations, field: str, reason: str, *, what: str = "Lý do") -> None:
    """A reason a person gives: required, a paragraph of at most MAX_PARAGRAPH characters."""
    if isinstance(reason, str):
        v.check(bool(reason.strip()), field, "reason_required", f"{what} phải được nêu rõ")
    check_text(v, field, reason, what=what, limit=MAX_PARAGRAPH, multiline=True)


def check_candidate(v: Violations, prefix: str, p: Candidate, *, term_start: date,
                    today: date) -> bool:
    """A candidate's particulars (``prefix`` is e.g. "candidate." or
    "registrations[3].candidate."). True when the dates are plausible enough to compute
    with (the eligibility checks add months to them)."""
    check_text(v, f"{prefix}full_name", p.full_name, what="Họ và tên", limit=MAX_NAME,
               required=True)
    check_text(v, f"{prefix}current_post", p.current_post, what="Chức vụ hiện tại",
               limit=MAX_POST, required=True)
    check_text(v, f"{prefix}ethnicity", p.ethnicity, what="Dân tộc", limit=MAX_ETHNICITY,
               required=True)
    check_party_card(v, f"{prefix}party_card_number", p.party_card_number)
    age = p.age_on(term_start)
    born_ok = v.check(p.birth_date <= today, f"{prefix}birth_date", "not_in_future",
                      f"Ngày sinh {day(p.birth_date)} là ngày trong tương lai")
    born_ok = born_ok and v.check(
        MIN_MEMBER_AGE <= age <= MAX_CANDIDATE_AGE, f"{prefix}birth_date", "plausible_age",
        f"Sinh ngày {day(p.birth_date)}, đến ngày bắt đầu nhiệm kỳ {day(term_start)} nhân sự "
        f"{number(age)} tuổi; đảng viên từ {MIN_MEMBER_AGE} đến {MAX_CANDIDATE_AGE} tuổi")
    adult = add_months(p.birth_date, MIN_MEMBER_AGE * 12) if born_ok else None
    dates_ok = born_ok
    for i, record in enumerate(p.discipline):
        field = f"{prefix}discipline[{i}].decided_on"
        dates_ok &= v.check(record.decided_on <= today, field, "plausible_date",
                            f"Ngày quyết định kỷ luật {day(record.decided_on)} là ngày trong "
                            f"tương lai")
        if adult is not None:
            dates_ok &= v.check(record.decided_on >= adult, field, "plausible_date",
                                f"Ngày quyết định kỷ luật {day(record.decided_on)} trước khi "
                                f"nhân sự đủ {MIN_MEMBER_AGE} tuổi ({day(adult)})")
    return dates_ok
