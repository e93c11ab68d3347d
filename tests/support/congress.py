"""Builders for the congress (domain/election.py): an approved plan, the actors, each command,
and ballots that give chosen tallies.

The approved plan of the tests, under directive-45-2025@v2 (Quy chế 190):

- committee_member: 9 seats, candidates c1-c11 (the surplus of 2 the congress allows);
- standing_committee_member: 3 seats, c1-c4;
- secretary: 1 seat, c1; deputy_secretary: 1 seat, c2.

Candidate ``i`` has party card TD-0000ii and nomination id ``pid(i, group)``; the congress
summons 100 delegates.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime

import procedures
from domain.ballots import BallotPattern, canonical
from domain.congress_events import BallotsCounted, PlannedCandidate, PlannedList
from domain.election import (
    Appoint,
    ApprovedPlan,
    ApproveElectionResult,
    CloseCongress,
    CongressCommand,
    CongressState,
    CountBallots,
    DecideShortfall,
    GiveDirection,
    NominateAtCongress,
    OpenCongress,
    OpenRound,
    SignCount,
    VoteOnList,
    WithdrawFromList,
    decide_congress,
    fold_congress,
)
from domain.event_base import DomainEvent
from domain.people import Actor, Candidate, Role
from domain.procedure import ProcedureDefinition
from tests.support.plans import DEPARTMENT, ORG, candidate

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
OPENS_ON = date(2025, 5, 30)
SUMMONED = 100
SUPERIOR = ORG.parent_id or ""
COUNTERS = Actor(user_id="ban-kiem-phieu.truong-ban", role=Role.VOTE_COUNTING_COMMITTEE,
                 organization_id=ORG.organization_id)
COMMITTEE_ACTOR = Actor(user_id="btv.cap-tren", role=Role.SUPERIOR_STANDING_COMMITTEE,
                        organization_id=SUPERIOR)
PROCEDURE = "directive-45-2025@v2"
COMMITTEE, STANDING, SECRETARY, DEPUTY = ("committee_member", "standing_committee_member",
                                          "secretary", "deputy_secretary")
PLAN_ID = "xa-an-binh-2025-2030"
GROUP_LISTS: dict[str, tuple[int, tuple[int, ...]]] = {
    COMMITTEE: (9, tuple(range(1, 12))),
    STANDING: (3, (1, 2, 3, 4)),
    SECRETARY: (1, (1,)),
    DEPUTY: (1, (2,)),
}


def pid(i: int, group: str = COMMITTEE) -> str:
    """The plan's nomination id of candidate ``i`` for ``group`` (a UUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nhansu-test:{group}:{i}"))


def person(i: int) -> Candidate:
    return candidate(i)


def card(i: int) -> str:
    return f"TD-{i:06d}"


def approved_plan(*, procedure: str | ProcedureDefinition = PROCEDURE,
                  lists: Mapping[str, tuple[int, tuple[int, ...]]] | None = None,
                  phase: str = "approved", plan_id: str = PLAN_ID) -> ApprovedPlan:
    definition = procedures.load(procedure) if isinstance(procedure, str) else procedure
    groups = GROUP_LISTS if lists is None else lists
    return ApprovedPlan(
        plan_id=plan_id, phase=phase, organization=ORG, term="2025-2030",
        procedure=definition, procedure_digest=definition.digest(),
        lists=tuple(PlannedList(position_group=g, seats=seats, candidates=tuple(
            PlannedCandidate(nomination_id=pid(i, g), candidate=person(i)) for i in numbers))
            for g, (seats, numbers) in groups.items()))


def open_congress(plan: ApprovedPlan | None = None, *, command_id: str = "open-congress",
                  summoned: int = SUMMONED, kind: str = "delegates",
                  opens_on: date = OPENS_ON, actor: Actor = DEPARTMENT) -> OpenCongress:
    return OpenCongress(command_id=command_id, actor=actor,
                        approved_plan=plan or approved_plan(), kind=kind, summoned=summoned,
                        opens_on=opens_on)


def open_round(group: str = COMMITTEE, *, seats: int | None = None, body: str | None = None,
               summoned: int = SUMMONED, present: int | None = None, excluded: int = 0,
               excluded_reason: str = "", held_on: date = OPENS_ON,
               command_id: str | None = None, actor: Actor = DEPARTMENT) -> OpenRound:
    chosen_body = body or ("congress" if group in (COMMITTEE, "upper_congress_delegate")
                           else "executive_committee")
    return OpenRound(
        command_id=command_id or f"round-{group}-{chosen_body}", actor=actor,
        position_group=group, body=chosen_body,
        seats=GROUP_LISTS.get(group, (1, ()))[0] if seats is None else seats,
        summoned=summoned, present=summoned if present is None else present,
        excluded=excluded, excluded_reason=excluded_reason, held_on=held_on)


def entry_id(i: int, round_: int) -> str:
    """The id of a name nominated at the congress."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nhansu-test:congress:{round_}:{i}"))


def nominate(round_: int, i: int, *, source: str = "delegate", support: int | None = 40,
             consented: bool = True, accepted: bool = True, nominated_by: str | None = None,
             who: Candidate | None = None, command_id: str | None = None,
             actor: Actor = DEPARTMENT) -> NominateAtCongress:
    return NominateAtCongress(
        command_id=command_id or f"nominate-{round_}-{i}-{source}", actor=actor, round=round_,
        entry_id=entry_id(i, round_), source=source, candidate=who or person(i),
        nominated_by=("Đại biểu Trần Văn Đề" if source == "delegate" else "")
        if nominated_by is None else nominated_by,
        nominee_consented=consented, presidium_accepted=accepted, support=support)


def withdraw(round_: int, entry: str, *, reason: str = "Xin rút vì lý do sức khỏe",
             command_id: str | None = None) -> WithdrawFromList:
    return WithdrawFromList(command_id=command_id or f"withdraw-{round_}-{entry[:8]}",
                            actor=DEPARTMENT, round=round_, entry_id=entry, reason=reason)


def vote_list(round_: int, *, present: int = SUMMONED, in_favour: int | None = None,
              command_id: str | None = None) -> VoteOnList:
    return VoteOnList(command_id=command_id or f"list-vote-{round_}-{in_favour}",
                      actor=DEPARTMENT, round=round_, present=present,
                      in_favour=present if in_favour is None else in_favour)


def spread(entries: Iterable[str], kept: Mapping[str, int], ballots: int,
           seats: int) -> tuple[BallotPattern, ...]:
    """``ballots`` valid ballots on which each entry is kept ``kept[entry]`` times (0 when not
    given), each ballot keeping at most ``seats`` names (and at least one where the list has
    a surplus): the votes are dealt to the least filled ballots first."""
    names = list(entries)
    keeps: list[set[str]] = [set() for _ in range(ballots)]
    for name in sorted(names, key=lambda n: -kept.get(n, 0)):
        wanted = kept.get(name, 0)
        assert wanted <= ballots, f"{name}: {wanted} votes on {ballots} ballots"
        order = sorted(range(ballots), key=lambda i: (len(keeps[i]), i))
        for i in order[:wanted]:
            keeps[i].add(name)
    least = 1 if len(names) > seats else 0  # none kept is invalid where there is a surplus
    assert all(least <= len(k) <= seats for k in keeps), "the tallies do not fit valid ballots"
    return canonical(BallotPattern(issued=True, crossed_out=tuple(sorted(set(names) - k)))
                     for k in keeps)


def count(round_: int, patterns: Iterable[BallotPattern], *, ballot: int = 1,
          issued: int | None = None, command_id: str | None = None,
          actor: Actor = COUNTERS) -> CountBallots:
    merged = canonical(patterns)
    returned = sum(p.count for p in merged if p.issued)
    return CountBallots(command_id=command_id or f"count-{round_}-{ballot}-{len(merged)}",
                        actor=actor, round=round_, ballot=ballot,
                        issued=returned if issued is None else issued, ballots=merged)


def sign(round_: int, digest: str, *, ballot: int = 1, command_id: str | None = None,
         actor: Actor = COUNTERS,
         signatories: tuple[str, ...] = ("Lê Văn Kiểm", "Ngô Thị Phiếu")) -> SignCount:
    return SignCount(command_id=command_id or f"sign-{round_}-{ballot}", actor=actor,
                     round=round_, ballot=ballot, count_digest=digest, signatories=signatories)


def shortfall(round_: int, decision: str, *, reason: str = "Đại hội biểu quyết",
              command_id: str | None = None) -> DecideShortfall:
    return DecideShortfall(command_id=command_id or f"shortfall-{round_}-{decision}",
                           actor=DEPARTMENT, round=round_, decision=decision, reason=reason)


def direction(*, command_id: str = "chi-dao-1", actor: Actor = COMMITTEE_ACTOR) -> GiveDirection:
    return GiveDirection(command_id=command_id, actor=actor, decision_ref="CV-77/BTV",
                         direction="Tiếp tục bầu cử; giới thiệu nhân sự khác cho chức danh này")


def approve_result(*, command_id: str = "chuan-y-1",
                   actor: Actor = COMMITTEE_ACTOR) -> ApproveElectionResult:
    return ApproveElectionResult(command_id=command_id, actor=actor, decision_ref="QĐ-88/BTV",
                                 reasons="Chuẩn y kết quả bầu cử")


def appoint(group: str, i: int, *, members: int = 9, agreeing: int = 7,
            command_id: str | None = None, actor: Actor = COMMITTEE_ACTOR) -> Appoint:
    return Appoint(command_id=command_id or f"chi-dinh-{group}-{i}", actor=actor,
                   position_group=group,
                   entry_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"nhansu-test:appoint:{i}")),
                   candidate=person(i), decision_ref="QĐ-99/BTV", members=members,
                   agreeing=agreeing, reason="Chỉ định bổ sung chỉ tiêu còn trống")


def close(*, command_id: str = "ket-thuc") -> CloseCongress:
    return CloseCongress(command_id=command_id, actor=DEPARTMENT)


def decided(state: CongressState, *commands: CongressCommand,
            now: datetime = NOW) -> tuple[CongressState, list[DomainEvent]]:
    """Decide and fold each command in turn (each must be accepted)."""
    events: list[DomainEvent] = []
    for command in commands:
        new = decide_congress(state, command, now=now)
        state = fold_congress(new, state)
        events.extend(new)
    return state, events


def count_and_sign(state: CongressState, round_: int, kept: Mapping[str, int], *,
                   ballots: int, extra: Iterable[BallotPattern] = (),
                   issued: int | None = None) -> tuple[CongressState, list[DomainEvent]]:
    """Count the current ballot of ``round_`` (valid ballots keeping each entry ``kept``
    times, plus ``extra`` ballots) and sign the count."""
    rnd = state.rounds[round_ - 1]
    assert rnd.ballot is not None
    number = rnd.ballot.number
    patterns = [*spread(rnd.ballot.entries, kept, ballots, rnd.ballot.seats), *extra]
    state, events = decided(state, count(
        round_, patterns, ballot=number, issued=issued,
        command_id=f"count-{round_}-{number}-{rnd.ballot.counts}"))
    last = events[-1]
    assert isinstance(last, BallotsCounted)
    state, signed = decided(state, sign(round_, last.count_digest, ballot=number))
    return state, [*events, *signed]


def tallies(**overrides: int) -> dict[str, int]:
    """The committee's first ballot: c1-c9 from 80 votes down to 72, c10 40, c11 30; change
    one with ``c5=50``."""
    votes = {pid(i): 81 - i for i in range(1, 10)} | {pid(10): 40, pid(11): 30}
    for name, value in overrides.items():
        votes[pid(int(name[1:]))] = value
    return votes


BALLOTS = 96  # returned of 100 delegates


def whole_election() -> list[DomainEvent]:
    """A congress through every kind of event: a nomination withdrawn, a tie re-voted, a
    seat left open, the planned secretary lost (paused, then directed), the result
    approved, an appointment, the close."""
    state, history = decided(CongressState(), open_congress(), open_round(), nominate(1, 12),
                             withdraw(1, entry_id(12, 1)), vote_list(1))
    for votes in (tallies(c1=40, c8=60, c9=60, c10=60, c11=60),
                  {pid(8): 70, pid(9): 66, pid(10): 40, pid(11): 30}):
        state, events = count_and_sign(state, 1, votes, ballots=BALLOTS)
        history.extend(events)
    state, events = decided(state, shortfall(1, "leave_open"), direction(), approve_result(),
                            appoint(COMMITTEE, 13), close())
    return [*history, *events]


def with_election(plan: ApprovedPlan, **changes: object) -> ApprovedPlan:
    """The plan under its procedure with some election parameters changed."""
    election = replace(plan.procedure.election, **changes)  # type: ignore[arg-type]
    return replace(plan, procedure=replace(plan.procedure, election=election))
