"""Standards and conditions checked automatically (tiêu chuẩn, điều kiện): time left before
retirement, a full term for first-time members, discipline bars, the cadre plan (quy hoạch).

A failing check is recorded on the nomination, never a silent drop: the appraisal agencies and
the superior committee act on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

import procedures
from domain.eligibility import (
    EligibilityCheck,
    add_months,
    check_eligibility,
    months_between,
    retirement_date,
)
from domain.events import (
    CandidateRegistered,
    EligibilityChecked,
    NominationDropped,
    PlanSubmitted,
    stream_of,
)
from domain.people import Candidate, CandidateGroup, DisciplineKind, DisciplineRecord
from domain.plan import NominationStatus, PlanState
from domain.procedure import EligibilityRule
from tests.support.plans import (
    DEPARTMENT,
    N01,
    N02,
    N03,
    N04,
    N05,
    NOW,
    all_steps,
    candidate,
    ids,
    open_plan,
    register,
    submit,
    votes,
)
from tests.unit.gwt import given, of_type, one, types, when

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
REPRIMAND, WARNING, DISMISSAL = (DisciplineKind.REPRIMAND, DisciplineKind.WARNING,
                                 DisciplineKind.DISMISSAL)
# The margins' arithmetic is tested on fixed retirement ages (62 and 60); the statutory
# schedule the procedure files carry has its own tests below.
D35 = replace(procedures.load("directive-35-2019").eligibility, retirement_schedule=())
D45 = replace(procedures.load("directive-45-2025").eligibility, retirement_schedule=())
STATUTORY = procedures.load("directive-45-2025").eligibility
TERM_START = date(2025, 7, 1)  # the plans' term 2025-2030 starts on 1 July 2025
TODAY = NOW.date()  # 1 June 2025


def person(born: date, *, female: bool = False, in_cadre_plan: bool | None = True,
           discipline: tuple[DisciplineRecord, ...] = ()) -> Candidate:
    return replace(candidate(1, female=female, born=born), in_cadre_plan=in_cadre_plan,
                   discipline=discipline)


def checks_of(who: Candidate, group: CandidateGroup, rules: EligibilityRule = D45, *,
              on: date = TODAY, term_months: int = 60) -> tuple[EligibilityCheck, ...]:
    return check_eligibility(who, group, term_start=TERM_START, term_months=term_months,
                             rules=rules, on=on)


def check(who: Candidate, group: CandidateGroup, code: str, rules: EligibilityRule = D45, *,
          on: date = TODAY, term_months: int = 60) -> EligibilityCheck:
    found = [c for c in checks_of(who, group, rules, on=on, term_months=term_months)
             if c.code == code]
    assert len(found) == 1, f"expected one {code} check, got {found}"
    return found[0]


def assert_outcome(found: EligibilityCheck, passed: bool, severity: str = "disqualifying") -> None:
    assert found.passed is passed, found
    assert found.severity == ("" if passed else severity), found
    assert found.detail.strip()


# --- time left before retirement ------------------------------------------------------------
@pytest.mark.parametrize(("born", "months_left", "passed"), [
    (date(1967, 7, 2), 48, True),  # retires 2 July 2029
    (date(1967, 7, 1), 48, True),  # retires 1 July 2029: exactly 48 months
    (date(1967, 6, 30), 47, False),  # retires 30 June 2029: 47 months and 29 days
    (date(1967, 6, 1), 47, False),
])
def test_an_incumbent_needs_48_months_before_retirement_under_directive_45(
        born: date, months_left: int, passed: bool) -> None:
    found = check(person(born), INCUMBENT, "retirement_margin", D45)

    assert_outcome(found, passed)
    assert f"còn {months_left} tháng" in found.detail
    assert "cần ít nhất 48 tháng" in found.detail
    assert months_between(TERM_START, retirement_date(person(born), D45)) == months_left


@pytest.mark.parametrize(("born", "passed"), [
    (date(1966, 1, 1), True),  # retires 1 January 2028: exactly 30 months
    (date(1965, 12, 31), False),  # 29 months
    (date(1967, 6, 30), True),  # the incumbent refused under directive 45 (47 months)
])
def test_an_incumbent_needs_30_months_under_directive_35(born: date, passed: bool) -> None:
    found = check(person(born), INCUMBENT, "retirement_margin", D35)

    assert_outcome(found, passed)
    assert "cần ít nhất 30 tháng" in found.detail


def test_the_margin_is_the_procedures_parameter() -> None:
    rules = replace(D45, re_election_min_months_before_retirement=47)

    assert check(person(date(1967, 6, 30)), INCUMBENT, "retirement_margin", rules).passed


@pytest.mark.parametrize("rules", [D35, D45], ids=["directive-35", "directive-45"])
@pytest.mark.parametrize(("born", "passed"), [
    (date(1968, 7, 1), True),  # retires 1 July 2030: exactly one term of 60 months
    (date(1968, 6, 30), False),  # 59 months
])
def test_a_first_time_candidate_must_be_able_to_serve_a_full_term(
        rules: EligibilityRule, born: date, passed: bool) -> None:
    found = check(person(born), FIRST_TIME, "full_term", rules)

    assert_outcome(found, passed)
    assert "cần đủ một nhiệm kỳ (60 tháng)" in found.detail
    codes = [c.code for c in checks_of(person(born), FIRST_TIME, rules)]
    assert "retirement_margin" not in codes


def test_the_same_age_passes_as_an_incumbent_but_not_as_a_first_time_candidate() -> None:
    fifty_nine_months = person(date(1968, 6, 30))

    assert check(fifty_nine_months, INCUMBENT, "retirement_margin").passed
    assert not check(fifty_nine_months, FIRST_TIME, "full_term").passed


def test_the_full_term_is_the_terms_length() -> None:
    fifty_nine_months = person(date(1968, 6, 30))

    assert check(fifty_nine_months, FIRST_TIME, "full_term", term_months=59).passed
    assert not check(fifty_nine_months, FIRST_TIME, "full_term", term_months=60).passed


def test_a_procedure_may_not_require_a_full_term() -> None:
    rules = replace(D45, first_time_requires_full_term=False)

    found = check(person(date(1960, 1, 1)), FIRST_TIME, "full_term", rules)

    assert_outcome(found, True)
    assert found.detail == "không yêu cầu đủ một nhiệm kỳ"


def test_women_and_men_retire_at_different_ages() -> None:
    born = date(1969, 7, 1)

    assert retirement_date(person(born, female=True), D45) == date(2029, 7, 1)  # 60
    assert retirement_date(person(born, female=False), D45) == date(2031, 7, 1)  # 62
    assert retirement_date(person(born, female=True),
                           replace(D45, retirement_age_months_female=62 * 12)) == date(2031, 7, 1)


@pytest.mark.parametrize(("born", "group", "code", "woman", "man"), [
    (date(1969, 7, 1), INCUMBENT, "retirement_margin", True, True),  # she has 48, he 72
    (date(1969, 6, 30), INCUMBENT, "retirement_margin", False, True),  # she has 47
    (date(1970, 7, 1), FIRST_TIME, "full_term", True, True),  # she has 60, he 84
    (date(1970, 6, 30), FIRST_TIME, "full_term", False, True),  # she has 59
])
def test_the_same_birth_date_can_pass_for_a_man_and_fail_for_a_woman(
        born: date, group: CandidateGroup, code: str, woman: bool, man: bool) -> None:
    assert check(person(born, female=True), group, code).passed is woman
    assert check(person(born, female=False), group, code).passed is man


# --- discipline -------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "months", "decided_on"), [
    (REPRIMAND, 12, date(2024, 6, 1)),  # khiển trách: 12 months, until 1 June 2025
    (WARNING, 30, date(2022, 12, 1)),  # cảnh cáo: 30 months, until 1 June 2025
    (DISMISSAL, 60, date(2020, 6, 1)),  # cách chức: 60 months, until 1 June 2025
], ids=["reprimand", "warning", "dismissal"])
def test_a_discipline_bar_ends_on_its_day(kind: DisciplineKind, months: int,
                                          decided_on: date) -> None:
    disciplined = person(date(1975, 1, 1),
                         discipline=(DisciplineRecord(kind=kind, decided_on=decided_on),))
    assert add_months(decided_on, months) == date(2025, 6, 1)

    on_the_day = check(disciplined, INCUMBENT, "discipline_bar", on=date(2025, 6, 1))
    the_day_before = check(disciplined, INCUMBENT, "discipline_bar", on=date(2025, 5, 31))

    assert_outcome(on_the_day, True)
    assert f"đã qua {months} tháng (được giới thiệu từ ngày 01/06/2025)" in on_the_day.detail
    assert_outcome(the_day_before, False)
    assert (f"chưa qua {months} tháng, chưa được giới thiệu ứng cử trước ngày 01/06/2025"
            in the_day_before.detail)


@pytest.mark.parametrize(("kind", "months"), [(REPRIMAND, 12), (WARNING, 30), (DISMISSAL, 60)],
                         ids=["reprimand", "warning", "dismissal"])
def test_a_discipline_decided_a_day_later_still_bars(kind: DisciplineKind, months: int) -> None:
    decided_on = add_months(date(2025, 6, 2), -months)
    disciplined = person(date(1975, 1, 1),
                         discipline=(DisciplineRecord(kind=kind, decided_on=decided_on),))

    assert not check(disciplined, INCUMBENT, "discipline_bar", on=date(2025, 6, 1)).passed
    assert check(disciplined, INCUMBENT, "discipline_bar", on=date(2025, 6, 2)).passed


def test_the_bars_differ_by_kind() -> None:
    """Decided 20 months ago: a reprimand no longer bars, a warning or a dismissal still does."""
    decided_on = add_months(TODAY, -20)

    def barred(kind: DisciplineKind) -> bool:
        who = person(date(1975, 1, 1),
                     discipline=(DisciplineRecord(kind=kind, decided_on=decided_on),))
        return not check(who, INCUMBENT, "discipline_bar").passed

    assert (barred(REPRIMAND), barred(WARNING), barred(DISMISSAL)) == (False, True, True)


def test_a_bar_that_ends_in_a_shorter_month_ends_on_its_last_day() -> None:
    leap_day = DisciplineRecord(kind=REPRIMAND, decided_on=date(2024, 2, 29))
    who = person(date(1975, 1, 1), discipline=(leap_day,))

    assert check(who, INCUMBENT, "discipline_bar", on=date(2025, 2, 28)).passed
    assert not check(who, INCUMBENT, "discipline_bar", on=date(2025, 2, 27)).passed


def test_every_discipline_record_is_checked() -> None:
    old = DisciplineRecord(kind=REPRIMAND, decided_on=date(2020, 1, 1))
    recent = DisciplineRecord(kind=WARNING, decided_on=date(2024, 1, 1))
    who = person(date(1975, 1, 1), discipline=(old, recent))

    bars = [c for c in checks_of(who, INCUMBENT) if c.code == "discipline_bar"]

    assert [c.passed for c in bars] == [True, False]
    assert "khiển trách ngày 01/01/2020" in bars[0].detail
    assert "cảnh cáo ngày 01/01/2024" in bars[1].detail


def test_no_discipline_no_discipline_check() -> None:
    assert [c.code for c in checks_of(person(date(1975, 1, 1)), INCUMBENT)] == [
        "retirement_margin"]


# --- the cadre plan (quy hoạch) -------------------------------------------------------------
@pytest.mark.parametrize(("in_cadre_plan", "passed", "severity", "detail"), [
    (True, True, "", "trong quy hoạch"),
    (None, False, "concern", "chưa có thông tin về quy hoạch"),
    (False, False, "disqualifying", "không có trong quy hoạch"),
])
def test_a_first_time_candidate_must_be_in_the_cadre_plan(
        in_cadre_plan: bool | None, passed: bool, severity: str, detail: str) -> None:
    found = check(person(date(1980, 1, 1), in_cadre_plan=in_cadre_plan), FIRST_TIME,
                  "cadre_plan")

    assert (found.passed, found.severity, found.detail) == (passed, severity, detail)


@pytest.mark.parametrize("in_cadre_plan", [True, None, False])
def test_an_incumbent_is_not_asked_for_the_cadre_plan_by_default(
        in_cadre_plan: bool | None) -> None:
    who = person(date(1975, 1, 1), in_cadre_plan=in_cadre_plan)

    assert "cadre_plan" not in [c.code for c in checks_of(who, INCUMBENT, D45)]
    assert "cadre_plan" not in [c.code for c in checks_of(who, INCUMBENT, D35)]


def test_a_procedure_may_ask_everyone_or_no_one_for_the_cadre_plan() -> None:
    outside = person(date(1975, 1, 1), in_cadre_plan=False)

    everyone = replace(D45, cadre_plan_required_for="all")
    no_one = replace(D45, cadre_plan_required_for="none")

    assert_outcome(check(outside, INCUMBENT, "cadre_plan", everyone), False)
    assert "cadre_plan" not in [c.code for c in checks_of(outside, FIRST_TIME, no_one)]


def test_every_check_of_a_first_time_candidate_in_order() -> None:
    who = person(date(1980, 1, 1), in_cadre_plan=None,
                 discipline=(DisciplineRecord(kind=REPRIMAND, decided_on=date(2025, 1, 1)),))

    found = checks_of(who, FIRST_TIME)

    assert [(c.code, c.passed, c.severity) for c in found] == [
        ("full_term", True, ""), ("discipline_bar", False, "disqualifying"),
        ("cadre_plan", False, "concern")]


# --- recorded at registration and again at submission -----------------------------------------
SHORT_OF_48 = person(date(1967, 6, 30))  # 47 months left: fails under directive 45


@pytest.fixture
def opened() -> PlanState:
    return given(open_plan(seats=3, procedure_id="directive-45-2025"))


def test_registration_records_the_checks_on_the_nomination(opened: PlanState) -> None:
    command = register(1, INCUMBENT, person=SHORT_OF_48)

    events = when(opened, command)

    assert types(events) == ["CandidateRegistered", "EligibilityChecked"]
    checked = one(events, EligibilityChecked)
    assert (checked.nomination_id, checked.occasion) == (N01, "registration")
    assert checked.checks == check_eligibility(SHORT_OF_48, INCUMBENT, term_start=TERM_START,
                                               term_months=60, rules=D45, on=TODAY)
    assert (checked.actor, checked.command_id, checked.occurred_at) == (DEPARTMENT, "reg-1", NOW)
    assert stream_of(checked) == f"nomination-{N01}"


def test_a_failing_check_does_not_stop_a_registration(opened: PlanState) -> None:
    events = when(opened, register(1, INCUMBENT, person=SHORT_OF_48))

    assert one(events, CandidateRegistered).candidate == SHORT_OF_48
    nomination = given(events, state=opened).nominations[N01]
    assert nomination.status is NominationStatus.REGISTERED and nomination.in_play
    assert [(c.code, c.passed, c.severity) for c in nomination.eligibility] == [
        ("retirement_margin", False, "disqualifying")]


def test_a_failing_candidate_stays_on_the_list_and_is_checked_again_at_submission(
        opened: PlanState) -> None:
    state = given(register(1, INCUMBENT, person=SHORT_OF_48),
                  *(register(i, INCUMBENT) for i in (2, 3)), register(4, FIRST_TIME),
                  *all_steps(INCUMBENT, votes(ids([1, 2, 3]))),
                  *all_steps(FIRST_TIME, votes(ids([4]))), state=opened)

    events = when(state, submit())

    assert one(events, PlanSubmitted).lists[0].nominations == (N01, N02, N03, N04)
    assert not of_type(events, NominationDropped)
    at_submission = {e.nomination_id: e for e in of_type(events, EligibilityChecked)}
    assert sorted(at_submission) == [N01, N02, N03, N04]
    assert {e.occasion for e in at_submission.values()} == {"submission"}
    assert [c.passed for c in at_submission[N01].checks] == [False]
    after = given(events, state=state)
    assert after.nominations[N01].status is NominationStatus.LISTED


def test_submission_checks_on_its_own_day_and_only_those_listed(opened: PlanState) -> None:
    """Reprimanded on 15 June 2024: barred when registered on 1 June 2025, no longer when the
    plan is submitted on 20 June 2025. n05 dropped out and is not checked again."""
    reprimanded = replace(candidate(1, female=False), discipline=(
        DisciplineRecord(kind=REPRIMAND, decided_on=date(2024, 6, 15)),))
    state = given(register(1, INCUMBENT, person=reprimanded),
                  *(register(i, INCUMBENT) for i in (2, 3, 5)), register(4, FIRST_TIME),
                  *all_steps(INCUMBENT, {**votes(ids([1, 2, 3])), N05: 2}, steps=[1]),
                  *all_steps(INCUMBENT, votes(ids([1, 2, 3])), steps=range(2, 6)),
                  *all_steps(FIRST_TIME, votes(ids([4]))), state=opened)
    at_registration = state.nominations[N01].eligibility

    events = when(state, submit(), now=datetime(2025, 6, 20, 9, 0, tzinfo=UTC))

    assert [(c.code, c.passed) for c in at_registration] == [
        ("retirement_margin", True), ("discipline_bar", False)]
    checked = {e.nomination_id: e for e in of_type(events, EligibilityChecked)}
    assert sorted(checked) == [N01, N02, N03, N04]
    assert [(c.code, c.passed) for c in checked[N01].checks] == [
        ("retirement_margin", True), ("discipline_bar", True)]
    assert state.nominations[N05].status is NominationStatus.DROPPED
    after = given(events, state=state)
    assert after.nominations[N01].eligibility == checked[N01].checks


# --- the statutory retirement schedule (Nghị định 135/2020/NĐ-CP) ---------------------------
@pytest.mark.parametrize(("born", "female", "retires"), [
    (date(1965, 6, 1), False, date(2026, 12, 1)),  # 61 years 6 months, reached in 2026
    (date(1966, 12, 1), False, date(2028, 12, 1)),  # 62, the final age, from 2028
    (date(1969, 7, 1), True, date(2026, 7, 1)),  # 57 years, reached in 2026
    (date(1975, 1, 1), True, date(2034, 9, 1)),  # 59 years 8 months, reached in 2034
    (date(1980, 1, 1), True, date(2040, 1, 1)),  # 60, the final age, from 2035
])
def test_the_retirement_age_rises_with_the_year_it_is_reached(born: date, female: bool,
                                                               retires: date) -> None:
    assert retirement_date(person(born, female=female), STATUTORY) == retires


def test_the_schedule_decides_the_margin_of_an_incumbent() -> None:
    # Born 6/1965: 61y6m reached 12/2026, 17 months after the term starts: far short of 48.
    found = check(person(date(1965, 6, 1)), INCUMBENT, "retirement_margin", STATUTORY)
    assert_outcome(found, False)
    assert found.detail == ("còn 17 tháng đến tuổi nghỉ hưu (01/12/2026) tính từ ngày bắt "
                            "đầu nhiệm kỳ 01/07/2025, cần ít nhất 48 tháng để tái cử")
