"""Automatic eligibility checks (standards and conditions) from the procedure's parameters.

They run when a candidate is registered and again at submission. A failing check is never a
silent drop: it is recorded as an event on the nomination, where the appraisal agencies see
it, and it is for them and the superior committee to act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.people import Candidate, CandidateGroup, DisciplineKind, Gender
from domain.procedure import CHECK_CODES as CHECK_CODES
from domain.procedure import EligibilityRule
from domain.vocabulary import DISCIPLINES, day

# Old name, kept for the packages that import it.
DISCIPLINE_VI = DISCIPLINES


@dataclass(frozen=True, kw_only=True)
class EligibilityCheck:
    code: str  # one of CHECK_CODES: retirement_margin, full_term, discipline_bar, cadre_plan
    passed: bool
    severity: str  # "" when passed; "concern" or "disqualifying" when not
    detail: str


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last_day = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
                31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last_day))


def months_between(start: date, end: date) -> int:
    """Whole months from start to end (negative when end is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def retirement_date(candidate: Candidate, rules: EligibilityRule) -> date:
    """The day the candidate reaches retirement age. Under a schedule the age depends on the
    year it is reached: the first year whose age is reached within that year decides."""
    female = candidate.gender is Gender.FEMALE
    fixed = rules.retirement_age_months_female if female else rules.retirement_age_months_male
    if not rules.retirement_schedule:
        return add_months(candidate.birth_date, fixed)
    steps = sorted(rules.retirement_schedule, key=lambda s: s.from_year)

    def age_in(year: int) -> int:
        applicable = [s for s in steps if s.from_year <= year]
        if not applicable:
            return fixed
        return applicable[-1].female_months if female else applicable[-1].male_months

    last = max(steps[-1].male_months, steps[-1].female_months, fixed)
    for year in range(candidate.birth_date.year, candidate.birth_date.year + last // 12 + 2):
        reached = add_months(candidate.birth_date, age_in(year))
        if reached.year <= year:
            return reached
    return add_months(candidate.birth_date, age_in(steps[-1].from_year))


def check_eligibility(candidate: Candidate, group: CandidateGroup, *, term_start: date,
                      term_months: int, rules: EligibilityRule,
                      on: date) -> tuple[EligibilityCheck, ...]:
    checks = [_age(candidate, group, term_start, term_months, rules)]
    checks.extend(_discipline(candidate, rules, on))
    cadre = _cadre_plan(candidate, group, rules)
    if cadre is not None:
        checks.append(cadre)
    return tuple(checks)


def _age(candidate: Candidate, group: CandidateGroup, term_start: date, term_months: int,
         rules: EligibilityRule) -> EligibilityCheck:
    retires = retirement_date(candidate, rules)
    left = months_between(term_start, retires)
    if group is CandidateGroup.INCUMBENT:
        needed = rules.re_election_min_months_before_retirement
        ok = left >= needed
        return EligibilityCheck(
            code="retirement_margin", passed=ok, severity="" if ok else "disqualifying",
            detail=(f"còn {left} tháng đến tuổi nghỉ hưu ({day(retires)}) tính từ ngày bắt đầu "
                    f"nhiệm kỳ {day(term_start)}, cần ít nhất {needed} tháng để tái cử"))
    if not rules.first_time_requires_full_term:
        return EligibilityCheck(code="full_term", passed=True, severity="",
                                detail="không yêu cầu đủ một nhiệm kỳ")
    ok = left >= term_months
    return EligibilityCheck(
        code="full_term", passed=ok, severity="" if ok else "disqualifying",
        detail=(f"còn {left} tháng đến tuổi nghỉ hưu ({day(retires)}) tính từ ngày bắt đầu "
                f"nhiệm kỳ {day(term_start)}, cần đủ một nhiệm kỳ ({term_months} tháng) để "
                f"tham gia lần đầu"))


def _discipline(candidate: Candidate, rules: EligibilityRule,
                on: date) -> list[EligibilityCheck]:
    bars = {DisciplineKind.REPRIMAND: rules.discipline_bar_months_reprimand,
            DisciplineKind.WARNING: rules.discipline_bar_months_warning,
            DisciplineKind.DISMISSAL: rules.discipline_bar_months_dismissal}
    checks = []
    for record in candidate.discipline:
        until = add_months(record.decided_on, bars[record.kind])
        ok = on >= until
        checks.append(EligibilityCheck(
            code="discipline_bar", passed=ok, severity="" if ok else "disqualifying",
            detail=(f"kỷ luật {DISCIPLINES[record.kind]} ngày {day(record.decided_on)}: "
                    + (f"đã qua {bars[record.kind]} tháng (được giới thiệu từ ngày "
                       f"{day(until)})" if ok
                       else f"chưa qua {bars[record.kind]} tháng, chưa được giới thiệu ứng cử "
                            f"trước ngày {day(until)}"))))
    return checks


def _cadre_plan(candidate: Candidate, group: CandidateGroup,
                rules: EligibilityRule) -> EligibilityCheck | None:
    required = (rules.cadre_plan_required_for == "all"
                or (rules.cadre_plan_required_for == "first_time"
                    and group is CandidateGroup.FIRST_TIME))
    if not required:
        return None
    if candidate.in_cadre_plan is None:
        return EligibilityCheck(code="cadre_plan", passed=False, severity="concern",
                                detail="chưa có thông tin về quy hoạch")
    ok = candidate.in_cadre_plan
    return EligibilityCheck(code="cadre_plan", passed=ok, severity="" if ok else "disqualifying",
                            detail="trong quy hoạch" if ok else "không có trong quy hoạch")
