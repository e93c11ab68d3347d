"""Builders for plans, candidates and conference results used across test tiers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime

import procedures
from domain.commands import (
    CancelPlan,
    CorrectRegistration,
    OpenPlan,
    RecordConferenceResult,
    RegisterCandidate,
    RegisterCandidates,
    Registration,
    SubmitPlan,
    WithdrawCandidate,
)
from domain.people import Actor, Candidate, CandidateGroup, Gender, Organization, Role
from domain.plan_terms import SeatAllocation, StructureTargets, Vote

ORG = Organization(organization_id="org-xa-an-binh", name="Đảng bộ xã An Bình",
                   parent_id="org-huyen-thuan-an", level="grassroots")
DEPARTMENT = Actor(user_id="nguyen.van.to-chuc", role=Role.ORGANIZATION_DEPARTMENT,
                   organization_id=ORG.organization_id)
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
COMMITTEE = "committee_member"


def open_plan(plan_id: str = "plan-1", seats: int = 15, command_id: str = "open-1",
              procedure_id: str = "directive-35-2019") -> OpenPlan:
    return OpenPlan(
        command_id=command_id, actor=DEPARTMENT, plan_id=plan_id, organization=ORG,
        term="2025-2030", term_start=date(2025, 7, 1),
        seats=(SeatAllocation(position_group=COMMITTEE, seats=seats),),
        targets=StructureTargets(), procedure=procedures.load(procedure_id),
    )


# The procedures' position groups, numbered for nomination ids.
GROUP_NUMBERS = {"committee_member": 0, "standing_committee_member": 1, "deputy_secretary": 2,
                 "secretary": 3, "inspection_committee_member": 4,
                 "upper_congress_delegate": 5}


def nid(i: int, position_group: str = COMMITTEE) -> str:
    """The nomination id of candidate ``i`` for a position group: a UUID in canonical form
    whose last digits read ``i`` (nid(5) == "00000000-0000-4000-8000-000000000005")."""
    return f"00000000-0000-4000-8{GROUP_NUMBERS.get(position_group, 99):03d}-{i:012d}"


(N00, N01, N02, N03, N04, N05, N06, N07, N08, N09, N10, N11, N12, N13, N14, N15, N16, N17, N18,
 N19, N20) = (nid(i) for i in range(21))
N99 = nid(99)  # never registered

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
GIVEN = ["Văn An", "Thị Bình", "Hữu Cường", "Thị Dung", "Minh Đức", "Thị Hà", "Quốc Hùng",
         "Thị Lan", "Đức Long", "Thị Mai"]


def candidate(i: int, *, female: bool | None = None, born: date | None = None,
              ethnicity: str = "Kinh") -> Candidate:
    is_female = (i % 3 == 1) if female is None else female
    return Candidate(
        full_name=f"{FAMILY[i % 10]} {GIVEN[i % 10]} {i}",
        birth_date=born or date(1970 + i % 20, 1 + i % 12, 1 + i % 27),
        gender=Gender.FEMALE if is_female else Gender.MALE, ethnicity=ethnicity,
        current_post=f"Chức vụ {i}", party_card_number=f"TD-{i:06d}", in_cadre_plan=True,
    )


def register(i: int, group: CandidateGroup, *, nomination_id: str | None = None,
             position_group: str = COMMITTEE, person: Candidate | None = None,
             command_id: str | None = None) -> RegisterCandidate:
    return RegisterCandidate(
        command_id=command_id or f"reg-{i}", actor=DEPARTMENT,
        nomination_id=nomination_id or nid(i, position_group), candidate=person or candidate(i),
        position_group=position_group, candidate_group=group,
    )


def batch(incumbents: Iterable[int] = (), first_time: Iterable[int] = (), *,
          position_group: str = COMMITTEE, command_id: str = "import-1") -> RegisterCandidates:
    """One imported list: candidates ``incumbents`` (tái cử) then ``first_time``."""
    rows = tuple(
        Registration(nomination_id=nid(i, position_group), candidate=candidate(i),
                     position_group=position_group, candidate_group=group)
        for group, numbers in ((CandidateGroup.INCUMBENT, incumbents),
                               (CandidateGroup.FIRST_TIME, first_time))
        for i in numbers)
    return RegisterCandidates(command_id=command_id, actor=DEPARTMENT, registrations=rows)


def withdraw(i: int, reason: str = "Xin rút vì lý do sức khỏe", *,
             command_id: str | None = None) -> WithdrawCandidate:
    return WithdrawCandidate(command_id=command_id or f"withdraw-{i}", actor=DEPARTMENT,
                             nomination_id=nid(i), reason=reason)


def correct(i: int, person: Candidate, reason: str = "Sai ngày sinh so với hồ sơ đảng viên", *,
            command_id: str | None = None) -> CorrectRegistration:
    return CorrectRegistration(command_id=command_id or f"correct-{i}", actor=DEPARTMENT,
                               nomination_id=nid(i), candidate=person, reason=reason)


def cancel(reason: str = "Sáp nhập đơn vị hành chính, lập đề án mới", *,
           command_id: str = "cancel-1") -> CancelPlan:
    return CancelPlan(command_id=command_id, actor=DEPARTMENT, reason=reason)


def ids(numbers: Iterable[int], position_group: str = COMMITTEE) -> list[str]:
    """Nomination ids as ``register`` makes them: 1 -> nid(1) (N01)."""
    return [nid(i, position_group) for i in numbers]


def registrations(incumbents: Iterable[int] = (), first_time: Iterable[int] = (), *,
                  position_group: str = COMMITTEE) -> list[RegisterCandidate]:
    """Register candidates numbered ``incumbents`` (tái cử) and ``first_time`` (lần đầu)."""
    suffix = "" if position_group == COMMITTEE else f"-{position_group}"
    return [
        register(i, group, position_group=position_group, command_id=f"reg-{i}{suffix}",
                 nomination_id=nid(i, position_group))
        for group, numbers in ((CandidateGroup.INCUMBENT, incumbents),
                               (CandidateGroup.FIRST_TIME, first_time))
        for i in numbers
    ]


def votes(nomination_ids: Iterable[str], yes: int = 15) -> dict[str, int]:
    """The same yes-count for every nomination."""
    return dict.fromkeys(nomination_ids, yes)


def all_steps(group: CandidateGroup, yes: dict[str, int], *, steps: Iterable[int] = range(1, 6),
              summoned: int = 15, position_group: str = COMMITTEE,
              held_on: date = date(2025, 5, 1)) -> list[RecordConferenceResult]:
    """One conference per step with the same tallies: everyone above the mark goes through."""
    return [
        conference(step, group, yes, summoned=summoned, position_group=position_group,
                   held_on=held_on,
                   command_id=f"conf-{position_group}-{group.value}-{step}-{tallies(yes)}")
        for step in steps
    ]


def conference(step: int, group: CandidateGroup, yes: dict[str, int], *,
               command_id: str | None = None, summoned: int = 15, attending: int | None = None,
               ballots_issued: int | None = None, ballots_valid: int | None = None,
               held_on: date = date(2025, 5, 1), tie_break: tuple[str, ...] = (),
               position_group: str = COMMITTEE) -> RecordConferenceResult:
    present = summoned if attending is None else attending
    issued = present if ballots_issued is None else ballots_issued
    return RecordConferenceResult(
        command_id=command_id or f"conf-{group.value}-{step}-{tallies(yes)}",
        actor=DEPARTMENT, position_group=position_group, candidate_group=group, step=step,
        held_on=held_on, summoned=summoned, attending=present, ballots_issued=issued,
        ballots_valid=issued if ballots_valid is None else ballots_valid,
        votes=tuple(Vote(nomination_id=k, yes=v) for k, v in yes.items()), tie_break=tie_break,
    )


def tallies(yes: dict[str, int]) -> str:
    """A short digest of the tallies, so conferences with different tallies have different
    command ids (ids are at most 200 characters, of a limited alphabet)."""
    return hashlib.sha256(repr(sorted(yes.items())).encode()).hexdigest()[:16]


def submit(command_id: str = "submit-1") -> SubmitPlan:
    return SubmitPlan(command_id=command_id, actor=DEPARTMENT)
