"""Đăng ký nhân sự: registering candidates one by one or as a whole imported list, withdrawing
them (rút khỏi danh sách) and correcting their particulars (đính chính)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from domain.commands import (
    CorrectRegistration,
    RegisterCandidate,
    RegisterCandidates,
    Registration,
    WithdrawCandidate,
)
from domain.door import LIST_FACTOR, check_candidate, check_reason
from domain.eligibility import EligibilityCheck, check_eligibility
from domain.errors import Violations
from domain.events import (
    CandidateRegistered,
    CandidateWithdrawn,
    DomainEvent,
    EligibilityChecked,
    RegistrationCorrected,
)
from domain.guards import authorize, base, door, require_open, track_label, who
from domain.people import Candidate
from domain.plan import Nomination, NominationStatus, PlanState, Track
from domain.text import check_uuid
from domain.vocabulary import (
    ELIGIBILITY_CHECKS,
    NOMINATION_STATUSES,
    business_day,
    day,
    number,
    person,
)

# A nomination may be withdrawn or corrected while it can still reach, or is on, the list.
CHANGEABLE = (NominationStatus.REGISTERED, NominationStatus.STANDING, NominationStatus.LISTED)


def name_key(name: str) -> str:
    """A name as typed on any keyboard: Vietnamese diacritics composed (NFC) or not (NFD),
    letter case and runs of spaces do not make a different person."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


@dataclass
class _Known:
    """The plan's nominations by (position group, party card) and (position group, person),
    so a list of thousands is checked against them in one pass."""

    by_card: dict[tuple[str, str], Nomination]
    by_person: dict[tuple[str, str, date], Nomination]

    @classmethod
    def of(cls, state: PlanState, *, skip: str | None = None) -> _Known:
        by_card: dict[tuple[str, str], Nomination] = {}
        by_person: dict[tuple[str, str, date], Nomination] = {}
        for n in state.nominations.values():
            if n.nomination_id == skip:
                continue
            if n.candidate.party_card_number is not None:
                by_card.setdefault((n.position_group, n.candidate.party_card_number), n)
            by_person.setdefault(
                (n.position_group, name_key(n.candidate.full_name), n.candidate.birth_date), n)
        return cls(by_card=by_card, by_person=by_person)

    def same(self, p: Candidate, position_group: str) -> Nomination | None:
        if p.party_card_number is not None:
            found = self.by_card.get((position_group, p.party_card_number))
            if found is not None:
                return found
        return self.by_person.get((position_group, name_key(p.full_name), p.birth_date))


# --- registering ----------------------------------------------------------------------------
def register(state: PlanState, c: RegisterCandidate, now: datetime, *,
             legacy: bool = False) -> list[DomainEvent]:
    row = Registration(nomination_id=c.nomination_id, candidate=c.candidate,
                       position_group=c.position_group, candidate_group=c.candidate_group)
    return _register_rows(state, c, (row,), now, legacy=legacy, batch=False)


def register_batch(state: PlanState, c: RegisterCandidates,
                   now: datetime) -> list[DomainEvent]:
    return _register_rows(state, c, c.registrations, now, legacy=False, batch=True)


def _register_rows(state: PlanState, c: RegisterCandidate | RegisterCandidates,
                   rows: tuple[Registration, ...],
                   now: datetime, *, legacy: bool, batch: bool) -> list[DomainEvent]:
    v = door(c)
    if not require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None and state.term_start is not None
    assert state.procedure is not None
    authorize(c.actor, state.organization.organization_id, v)
    if batch:
        v.check(bool(rows), "registrations", "required",
                "Danh sách nhập không có nhân sự nào")
        capacity = LIST_FACTOR * sum(s.seats for s in state.seats)
        if len(rows) > capacity:
            # Larger than every group of the plan could take: the rows are not read one by
            # one (a hostile list of millions costs nothing), the sizes alone are reported.
            _check_list_size(state, rows, v, "registrations")
            v.add("registrations", "list_size",
                  f"Danh sách nhập có {number(len(rows))} người, nhiều hơn số tối đa cả đề án "
                  f"được đăng ký ({number(capacity)} người, gấp {LIST_FACTOR} lần tổng chỉ "
                  f"tiêu)")
            v.raise_if_any()
    known = _Known.of(state)
    first_card: dict[tuple[str, str], int] = {}
    first_person: dict[tuple[str, str, date], int] = {}
    first_id: dict[str, int] = {}
    open_tracks: dict[Track, bool] = {}
    checks: list[tuple[EligibilityCheck, ...]] = []
    for i, row in enumerate(rows):
        at = f"registrations[{i}]." if batch else ""
        p = row.candidate
        if v.check(bool(row.nomination_id.strip()), f"{at}nomination_id", "required",
                   "Mỗi nhân sự đăng ký cần một mã đề cử") and not legacy:
            check_uuid(v, f"{at}nomination_id", row.nomination_id)
        if row.nomination_id in state.nominations:
            v.add(f"{at}nomination_id", "duplicate",
                  f"Mã đề cử {row.nomination_id} đã được dùng cho "
                  f"{who(state.nominations[row.nomination_id])}")
        dates_ok = check_candidate(v, f"{at}candidate.", p, term_start=state.term_start,
                                   today=business_day(now))
        other = known.same(p, row.position_group)
        if other is not None:
            v.add(f"{at}candidate", "already_nominated",
                  f"{person(p.full_name, p.party_card_number)} đã được giới thiệu vào nhóm "
                  f"{state.procedure.position_group_title(row.position_group)} "
                  f"(đăng ký trước: {who(other)})")
        if batch:
            _check_in_batch(v, i, row, first_card, first_person, first_id)
        if v.check(state.seats_for(row.position_group) > 0, f"{at}position_group", "no_seats",
                   f"Đề án không có chỉ tiêu cho nhóm chức danh "
                   f"«{state.procedure.position_group_title(row.position_group)}»"):
            track = (row.position_group, row.candidate_group)
            if track not in open_tracks:
                open_tracks[track] = _check_registration_open(
                    state, track, v, f"{at}candidate_group")
        found = check_eligibility(p, row.candidate_group, term_start=state.term_start,
                                  term_months=state.procedure.term_months,
                                  rules=state.procedure.eligibility,
                                  on=business_day(now)) if dates_ok else ()
        _check_blocking(state, v, f"{at}candidate", p, found)
        checks.append(found)
    _check_list_size(state, rows, v, "registrations" if batch else "position_group")
    v.raise_if_any()
    common = base(c, state.plan_id, now)
    events: list[DomainEvent] = []
    for row, found in zip(rows, checks, strict=True):
        events.append(CandidateRegistered(
            **common, nomination_id=row.nomination_id, candidate=row.candidate,
            position_group=row.position_group, candidate_group=row.candidate_group))
        events.append(EligibilityChecked(
            **common, nomination_id=row.nomination_id, occasion="registration", checks=found))
    return events


def _check_in_batch(v: Violations, i: int, row: Registration,
                    first_card: dict[tuple[str, str], int],
                    first_person: dict[tuple[str, str, date], int],
                    first_id: dict[str, int]) -> None:
    """Within one imported list: a nomination id, a party card or a person (name and birth
    date) appears once per position group. Rows are named from 1, as a person counts them;
    fields keep the list's index from 0."""
    p = row.candidate
    at = f"registrations[{i}]."
    earlier = first_id.setdefault(row.nomination_id, i)
    if earlier != i:
        v.add(f"{at}nomination_id", "duplicate_in_batch",
              f"Dòng {i + 1} dùng lại mã đề cử {row.nomination_id} của dòng {earlier + 1}")
    if p.party_card_number is not None:
        earlier = first_card.setdefault((row.position_group, p.party_card_number), i)
        if earlier != i:
            v.add(f"{at}candidate.party_card_number", "duplicate_in_batch",
                  f"Dòng {i + 1} ({p.full_name}) trùng số thẻ đảng {p.party_card_number} với "
                  f"dòng {earlier + 1} trong cùng nhóm chức danh")
            return
    earlier = first_person.setdefault(
        (row.position_group, name_key(p.full_name), p.birth_date), i)
    if earlier != i:
        v.add(f"{at}candidate", "duplicate_in_batch",
              f"Dòng {i + 1} và dòng {earlier + 1} cùng là {p.full_name}, sinh ngày "
              f"{day(p.birth_date)}, trong cùng nhóm chức danh")


def _check_list_size(state: PlanState, rows: tuple[Registration, ...], v: Violations,
                     field: str) -> None:
    """At most LIST_FACTOR times the seats registered for a position group (those withdrawn
    no longer count)."""
    assert state.procedure is not None
    adding = Counter(r.position_group for r in rows)
    for position_group, count in adding.items():
        seats = state.seats_for(position_group)
        if seats <= 0:
            continue
        already = sum(1 for n in state.in_position_group(position_group)
                      if n.status is not NominationStatus.WITHDRAWN)
        total = already + count
        v.check(total <= LIST_FACTOR * seats, field, "list_size",
                f"Nhóm {state.procedure.position_group_title(position_group)} có "
                f"{number(seats)} chỉ tiêu: được đăng ký tối đa {number(LIST_FACTOR * seats)} "
                f"người, nhưng danh sách sẽ có {number(total)} người "
                f"({number(already)} đã đăng ký, {number(count)} đăng ký thêm)")


def _check_registration_open(state: PlanState, track: Track, v: Violations,
                             field: str) -> bool:
    """A group can take candidates until its own steps begin, and never after a group that
    comes later in the order has begun (incumbents always go first)."""
    tracks = state.tracks()
    index = tracks.index(track)
    for later in tracks[index:]:
        progress = state.progress.get(later)
        if progress is not None and progress.started:
            v.add(field, "registration_closed",
                  f"{track_label(state, later)} đã bắt đầu quy trình 5 bước; không thể "
                  f"đăng ký thêm nhân sự cho {track_label(state, track)}")
            return False
    return True


def _check_blocking(state: PlanState, v: Violations, field: str, p: Candidate,
                    found: tuple[EligibilityCheck, ...]) -> None:
    """A failed check the procedure names as blocking refuses the registration outright."""
    assert state.procedure is not None
    blocking = state.procedure.eligibility.blocking
    for check in found:
        if not check.passed and check.code in blocking:
            v.add(field, "eligibility_blocks",
                  f"{person(p.full_name, p.party_card_number)} không đạt tiêu chuẩn "
                  f"«{ELIGIBILITY_CHECKS.get(check.code, check.code)}»: {check.detail}; "
                  f"theo {state.procedure.title_vi} không được đăng ký khi chưa đạt "
                  f"tiêu chuẩn này")


# --- withdrawing and correcting -------------------------------------------------------------
def _changeable(state: PlanState, nomination_id: str, v: Violations, *, rule: str,
                doing: str) -> Nomination | None:
    nomination = state.nominations.get(nomination_id)
    if nomination is None:
        v.add("nomination_id", "unknown_nomination",
              f"Đề án {state.plan_id} không có nhân sự với mã đề cử {nomination_id}")
        return None
    if nomination.status not in CHANGEABLE:
        v.add("nomination_id", rule,
              f"{who(nomination)} đang ở trạng thái «{NOMINATION_STATUSES[nomination.status]}»:"
              f" không thể {doing}; chỉ nhân sự đã đăng ký, đang xem xét hoặc đã vào danh "
              f"sách mới được {doing}")
        return None
    return nomination


def withdraw(state: PlanState, c: WithdrawCandidate, now: datetime) -> list[DomainEvent]:
    v = door(c)
    if not require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None
    authorize(c.actor, state.organization.organization_id, v)
    _changeable(state, c.nomination_id, v, rule="not_withdrawable",
                doing="rút khỏi danh sách")
    check_reason(v, "reason", c.reason, what="Lý do rút khỏi danh sách")
    v.raise_if_any()
    return [CandidateWithdrawn(**base(c, state.plan_id, now), nomination_id=c.nomination_id,
                               reason=c.reason)]


def correct(state: PlanState, c: CorrectRegistration, now: datetime) -> list[DomainEvent]:
    v = door(c)
    if not require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None and state.term_start is not None
    assert state.procedure is not None
    authorize(c.actor, state.organization.organization_id, v)
    nomination = _changeable(state, c.nomination_id, v, rule="not_correctable",
                             doing="đính chính")
    check_reason(v, "reason", c.reason, what="Lý do đính chính")
    p = c.candidate
    dates_ok = check_candidate(v, "candidate.", p, term_start=state.term_start,
                               today=business_day(now))
    if nomination is None or not dates_ok:
        v.raise_if_any()
    assert nomination is not None
    v.check(p != nomination.candidate, "candidate", "unchanged",
            f"Thông tin đính chính giống hệt thông tin đã đăng ký của {who(nomination)}")
    other = _Known.of(state, skip=nomination.nomination_id).same(p, nomination.position_group)
    if other is not None:
        v.add("candidate", "already_nominated",
              f"Sau đính chính, {person(p.full_name, p.party_card_number)} trùng với "
              f"{who(other)} đã được giới thiệu vào nhóm "
              f"{state.procedure.position_group_title(nomination.position_group)}")
    found = check_eligibility(p, nomination.candidate_group, term_start=state.term_start,
                              term_months=state.procedure.term_months,
                              rules=state.procedure.eligibility, on=business_day(now))
    _check_blocking(state, v, "candidate", p, found)
    v.raise_if_any()
    common = base(c, state.plan_id, now)
    return [
        RegistrationCorrected(**common, nomination_id=c.nomination_id,
                              previous=nomination.candidate, candidate=p, reason=c.reason),
        EligibilityChecked(**common, nomination_id=c.nomination_id, occasion="correction",
                           checks=found),
    ]

