"""The congress (đại hội): election lists, ballots, results, the superior standing committee's
approval of the result (chuẩn y) and its appointments (chỉ định).

``decide_congress(state, command, now=...) -> events`` checks every rule before anything is
recorded (a command that breaks one raises CommandRejected naming each field and rule);
``evolve_congress(state, event) -> state`` folds the congress's events.

The order of work, from low to high (từng nhóm chức danh từ thấp đến cao): the congress opens
with the approved plan's lists and the election rules of the plan's procedure version; each
position group is a round (the congress elects the executive committee and the delegates to
the superior congress; the new committee elects its standing committee, then the secretary
and the deputies; or the congress elects the secretary where the procedure allows it). A
round's list is the plan's candidates for the group who can stand, plus nominations made at
the congress with the agreement the procedure requires; the body votes the list; the
counting committee counts each ballot and signs the count; the signed count says who is
elected, whether a tie goes to a new ballot, or whether seats are short. A planned secretary
or deputy not elected pauses the election until the superior committee gives its direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from domain.ballots import (
    BallotPattern,
    ballot_file_sha256,
    count_ballots,
    count_digest,
    is_canonical,
)
from domain.commands import Command
from domain.conference import ratio_label, votes_needed
from domain.congress_events import (
    BallotCount,
    BallotOpened,
    BallotResultDeclared,
    BallotsCounted,
    CongressClosed,
    CongressEvent,
    CongressOpened,
    CountSigned,
    DirectionGiven,
    ElectedEntry,
    ElectionEntry,
    ElectionPaused,
    ElectionResultApproved,
    ListVoted,
    MemberAppointed,
    NominatedAtCongress,
    NotStanding,
    OpenSeats,
    PlannedCandidate,
    PlannedList,
    RoundConcluded,
    RoundOpened,
    ShortfallDecided,
    WithdrawnFromList,
    congress_stream,
)
from domain.door import (
    MAX_NAME,
    MAX_PARAGRAPH,
    MAX_PEOPLE,
    MAX_REFERENCE,
    MAX_SEATS,
    check_candidate,
    check_command,
    check_int,
    check_reason,
)
from domain.eligibility import add_months
from domain.errors import Violations
from domain.event_base import DomainEvent, EventCommon, common
from domain.people import Actor, Candidate, Organization, Role
from domain.plan import NominationStatus, PlanState
from domain.procedure import (
    ElectionRule,
    PassBase,
    PositionGroupRule,
    ProcedureDefinition,
    SurplusRule,
    ratio,
)
from domain.text import check_identifier, check_text, check_uuid
from domain.vocabulary import PHASES, ROLES, business_day, day, label, number, person

COMMITTEE = "committee_member"
SECRETARY = "secretary"
CONGRESS = "congress"
EXECUTIVE_COMMITTEE = "executive_committee"
#: Đại hội đại biểu (delegates) or đại hội đảng viên (all members).
CONGRESS_KINDS = ("delegates", "members")
#: Who puts a name on a round's list at the congress: ứng cử, đề cử, the presidium (for a
#: group the approved plan has no list for).
NOMINATION_SOURCES = ("self", "delegate", "presidium")
SHORTFALL_DECISIONS = ("another_ballot", "leave_open")
MAX_SIGNATORIES = 50
OPENING_PAST_MONTHS = 24  # a congress recorded at most this long after it opened


class CongressPhase(StrEnum):
    NOT_OPENED = "not_opened"
    OPEN = "open"  # rounds of election under way
    PAUSED = "paused"  # waiting for the superior committee's direction
    CLOSED = "closed"


class RoundStage(StrEnum):
    NOMINATING = "nominating"  # the list is being made, then voted
    BALLOTING = "balloting"  # a ballot is being counted and signed
    SHORTFALL = "shortfall"  # too few elected: another ballot, or seats left open
    CONCLUDED = "concluded"


def identity(candidate: Candidate) -> str:
    """Who a candidate is across lists and rounds: the party card, or the name and birth
    date when no card is known."""
    if candidate.party_card_number:
        return candidate.party_card_number
    return f"{' '.join(candidate.full_name.casefold().split())}|{candidate.birth_date}"


def who(candidate: Candidate) -> str:
    return person(candidate.full_name, candidate.party_card_number)


# --- what the congress takes from the plan ----------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ApprovedPlan:
    """The approved plan as the one who opens the congress read it from the plan's events
    (``approved_plan``): a fact read from the store that goes with the command, like the
    term claims of an opening."""

    plan_id: str
    phase: str
    organization: Organization
    term: str
    procedure: ProcedureDefinition
    procedure_digest: str
    lists: tuple[PlannedList, ...]


def approved_plan(state: PlanState) -> ApprovedPlan:
    """The plan's approved lists, by position group, each in the order of registration."""
    assert state.organization is not None and state.procedure is not None
    lists = tuple(PlannedList(
        position_group=s.position_group, seats=s.seats,
        candidates=tuple(PlannedCandidate(nomination_id=n.nomination_id, candidate=n.candidate)
                         for n in state.in_position_group(s.position_group)
                         if n.status is NominationStatus.APPROVED))
        for s in state.seats)
    return ApprovedPlan(plan_id=state.plan_id, phase=state.phase.value,
                        organization=state.organization, term=state.term,
                        procedure=state.procedure, procedure_digest=state.procedure_digest,
                        lists=lists)


# --- commands ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class OpenCongress(Command):
    """Khai mạc đại hội (by the organization department): the approved plan read from the
    store, who is summoned, the day it opens."""

    approved_plan: ApprovedPlan
    kind: str
    summoned: int
    opens_on: date


@dataclass(frozen=True, kw_only=True)
class OpenRound(Command):
    """A round of election: which body elects which position group, how many seats, who is
    summoned, how many of them the rules exclude from the base, who is present."""

    position_group: str
    body: str
    seats: int
    summoned: int
    present: int
    held_on: date
    excluded: int = 0
    excluded_reason: str = ""


@dataclass(frozen=True, kw_only=True)
class NominateAtCongress(Command):
    """Ứng cử, đề cử, or the presidium's nomination of one person onto a round's list."""

    round: int
    entry_id: str
    source: str
    candidate: Candidate
    nominated_by: str = ""
    nominee_consented: bool = False
    presidium_accepted: bool = False
    support: int | None = None  # delegates agreeing, where the procedure asks for it


@dataclass(frozen=True, kw_only=True)
class WithdrawFromList(Command):
    round: int
    entry_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class VoteOnList(Command):
    """The body's vote on the round's list (biểu quyết danh sách bầu cử)."""

    round: int
    present: int
    in_favour: int


@dataclass(frozen=True, kw_only=True)
class CountBallots(Command):
    """The counting committee's count of one ballot of a round: the ballots as patterns in
    the canonical order (``domain.ballots.canonical``), never one by one in the order read."""

    round: int
    ballot: int
    issued: int
    ballots: tuple[BallotPattern, ...]


@dataclass(frozen=True, kw_only=True)
class SignCount(Command):
    """Ban kiểm phiếu ký biên bản: the count with this digest, by these members."""

    round: int
    ballot: int
    count_digest: str
    signatories: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DecideShortfall(Command):
    """Too few elected: "another_ballot" for the open seats, or "leave_open"."""

    round: int
    decision: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class GiveDirection(Command):
    """Ý kiến chỉ đạo of the superior standing committee on a paused election."""

    decision_ref: str
    direction: str


@dataclass(frozen=True, kw_only=True)
class ApproveElectionResult(Command):
    """Chuẩn y kết quả bầu cử: every concluded round not yet approved."""

    decision_ref: str
    reasons: str = ""


@dataclass(frozen=True, kw_only=True)
class Appoint(Command):
    """Chỉ định to a seat left open, with the superior standing committee's agreement: how
    many of its members there are and how many agreed."""

    position_group: str
    entry_id: str
    candidate: Candidate
    decision_ref: str
    members: int
    agreeing: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class CloseCongress(Command):
    pass


CongressCommand = (OpenCongress | OpenRound | NominateAtCongress | WithdrawFromList | VoteOnList
                   | CountBallots | SignCount | DecideShortfall | GiveDirection
                   | ApproveElectionResult | Appoint | CloseCongress)


# --- state ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class BallotState:
    number: int
    kind: str  # first, tie, shortfall
    seats: int
    entries: tuple[str, ...]
    count: BallotCount | None = None
    count_digest: str = ""
    counts: int = 0  # how many times it was counted (recounts included)
    signed: bool = False
    outcome: str = ""  # complete, tie, shortfall, once declared


@dataclass(frozen=True, kw_only=True)
class RoundState:
    number: int
    position_group: str
    body: str
    seats: int
    summoned: int
    excluded: int
    base: int
    present: int
    held_on: date
    entries: tuple[str, ...]  # in list order, withdrawn ones included
    withdrawn: frozenset[str] = frozenset()
    list_approved: bool = False
    ballots: tuple[BallotState, ...] = ()
    elected: tuple[ElectedEntry, ...] = ()
    stage: RoundStage = RoundStage.NOMINATING
    open_seats: int = 0  # once concluded
    shortfall_ballots: int = 0

    @property
    def on_list(self) -> list[str]:
        return [e for e in self.entries if e not in self.withdrawn]

    @property
    def ballot(self) -> BallotState | None:
        return self.ballots[-1] if self.ballots else None

    @property
    def elected_ids(self) -> set[str]:
        return {e.entry_id for e in self.elected}


@dataclass(frozen=True, kw_only=True)
class CongressState:
    plan_id: str = ""
    phase: CongressPhase = CongressPhase.NOT_OPENED
    organization: Organization | None = None
    term: str = ""
    kind: str = ""
    summoned: int = 0
    opens_on: date | None = None
    procedure_key: str = ""
    procedure_digest: str = ""
    position_groups: tuple[PositionGroupRule, ...] = ()
    surplus: SurplusRule = field(default_factory=SurplusRule)
    election: ElectionRule = field(default_factory=ElectionRule)
    lists: tuple[PlannedList, ...] = ()
    rounds: tuple[RoundState, ...] = ()
    entries: dict[str, ElectionEntry] = field(default_factory=dict)
    paused_groups: tuple[str, ...] = ()
    directed_groups: frozenset[str] = frozenset()
    approved_rounds: frozenset[int] = frozenset()
    appointments: tuple[MemberAppointed, ...] = ()
    last_held_on: date | None = None
    processed_commands: frozenset[str] = frozenset()
    version: int = 0  # of the congress stream

    # --- derived views -------------------------------------------------------------------
    @property
    def superior_id(self) -> str:
        assert self.organization is not None
        return self.organization.parent_id or self.organization.organization_id

    def title(self, position_group: str) -> str:
        for group in self.position_groups:
            if group.code == position_group:
                return group.title_vi
        return label("position_group", position_group)

    def planned(self, position_group: str) -> PlannedList | None:
        for planned in self.lists:
            if planned.position_group == position_group:
                return planned
        return None

    def round_at(self, number: int) -> RoundState | None:
        if type(number) is int and 1 <= number <= len(self.rounds):
            return self.rounds[number - 1]
        return None

    @property
    def current_round(self) -> RoundState | None:
        """The round under way (one at a time), if any."""
        last = self.rounds[-1] if self.rounds else None
        return last if last is not None and last.stage is not RoundStage.CONCLUDED else None

    def rounds_of(self, position_group: str) -> list[RoundState]:
        return [r for r in self.rounds if r.position_group == position_group]

    def concluded(self, position_group: str) -> bool:
        rounds = self.rounds_of(position_group)
        return bool(rounds) and all(r.stage is RoundStage.CONCLUDED for r in rounds)

    def elected_in(self, rnd: RoundState) -> set[str]:
        return {identity(self.entries[e.entry_id].candidate) for e in rnd.elected}

    def member_identities(self, position_group: str) -> set[str]:
        """Who holds ``position_group`` in the new committee: elected in a concluded round,
        or appointed."""
        found: set[str] = set()
        for rnd in self.rounds_of(position_group):
            if rnd.stage is RoundStage.CONCLUDED:
                found |= self.elected_in(rnd)
        found |= {identity(a.candidate) for a in self.appointments
                  if a.position_group == position_group}
        return found

    def source_group(self, position_group: str, body: str) -> str | None:
        """The group a round elects from: the standing committee from the new executive
        committee, ...; the secretary elected by the congress from the new committee."""
        rule = self.election.body_of(position_group)
        if rule is not None and rule.body == body:
            return rule.elected_from
        if position_group == SECRETARY and body == CONGRESS:
            return COMMITTEE
        return None

    def path(self, position_group: str) -> list[str]:
        """The group and the groups it is elected from, up the chain."""
        found = [position_group]
        rule = self.election.body_of(position_group)
        while rule is not None and rule.elected_from is not None \
                and rule.elected_from not in found:
            found.append(rule.elected_from)
            rule = self.election.body_of(rule.elected_from)
        return found

    def open_seats(self, position_group: str) -> list[tuple[RoundState, int]]:
        """Concluded rounds of the group with seats still open (after appointments)."""
        appointed = sum(1 for a in self.appointments if a.position_group == position_group)
        found = []
        for rnd in self.rounds_of(position_group):
            if rnd.stage is not RoundStage.CONCLUDED or rnd.open_seats == 0:
                continue
            left = max(0, rnd.open_seats - appointed)
            appointed = max(0, appointed - rnd.open_seats)
            if left:
                found.append((rnd, left))
        return found


# --- the decision -----------------------------------------------------------------------------
def decide_congress(state: CongressState, command: CongressCommand, *,
                    now: datetime) -> list[DomainEvent]:
    """The events ``command`` records on ``state`` at ``now``, or CommandRejected. A command
    already decided (same command id) decides nothing again."""
    if command.command_id in state.processed_commands:
        return []
    if isinstance(command, OpenCongress):
        return _open_congress(state, command, now)
    if isinstance(command, OpenRound):
        return _open_round(state, command, now)
    if isinstance(command, NominateAtCongress):
        return _nominate(state, command, now)
    if isinstance(command, WithdrawFromList):
        return _withdraw(state, command, now)
    if isinstance(command, VoteOnList):
        return _vote_list(state, command, now)
    if isinstance(command, CountBallots):
        return _count(state, command, now)
    if isinstance(command, SignCount):
        return _sign(state, command, now)
    if isinstance(command, DecideShortfall):
        return _shortfall(state, command, now)
    if isinstance(command, GiveDirection):
        return _direction(state, command, now)
    if isinstance(command, ApproveElectionResult):
        return _approve(state, command, now)
    if isinstance(command, Appoint):
        return _appoint(state, command, now)
    if isinstance(command, CloseCongress):
        return _close(state, command, now)
    raise TypeError(f"unknown command {type(command).__name__}")


def _base(state: CongressState, c: Command, now: datetime) -> EventCommon:
    return common(plan_id=state.plan_id, now=now, actor=c.actor, command_id=c.command_id)


def _door(c: Command) -> Violations:
    v = Violations()
    check_command(v, c.command_id, c.actor)
    return v


def _phase(state: CongressState, v: Violations, *, paused_ok: bool = False) -> bool:
    """Commands are for a congress that is open (and not paused, unless ``paused_ok``)."""
    if state.phase is CongressPhase.NOT_OPENED:
        v.add("plan_id", "congress_not_opened", "Đại hội của đề án này chưa được khai mạc")
        return False
    if state.phase is CongressPhase.CLOSED:
        v.add("plan_id", "congress_closed",
              "Hồ sơ đại hội đã kết thúc: không ghi thêm được gì")
        return False
    if state.phase is CongressPhase.PAUSED and not paused_ok:
        groups = ", ".join(state.title(g) for g in state.paused_groups)
        v.add("plan_id", "election_paused",
              f"Bầu cử đang tạm dừng ({groups}): chờ ý kiến chỉ đạo của "
              f"{ROLES['superior_standing_committee']} ({state.superior_id})")
        return False
    return True


def _acting_as(v: Violations, actor: Actor, role: Role, organization_id: str,
               what: str) -> None:
    v.check(actor.role is role, "actor.role", "role_not_permitted",
            f"Vai trò {ROLES.get(actor.role, actor.role)} không được {what}; chỉ "
            f"{ROLES[role]} được làm việc này")
    v.check(actor.organization_id == organization_id, "actor.organization_id",
            "outside_scope",
            f"Người thực hiện {actor.user_id} thuộc tổ chức {actor.organization_id}, không "
            f"thuộc tổ chức {organization_id}")


def _department(v: Violations, state: CongressState, actor: Actor, what: str) -> None:
    assert state.organization is not None
    _acting_as(v, actor, Role.ORGANIZATION_DEPARTMENT, state.organization.organization_id, what)


def _counting_committee(v: Violations, state: CongressState, actor: Actor, what: str) -> None:
    assert state.organization is not None
    _acting_as(v, actor, Role.VOTE_COUNTING_COMMITTEE, state.organization.organization_id, what)


def _superior(v: Violations, state: CongressState, actor: Actor, what: str) -> None:
    _acting_as(v, actor, Role.SUPERIOR_STANDING_COMMITTEE, state.superior_id, what)


def _round(state: CongressState, number: int, v: Violations,
           *stages: RoundStage) -> RoundState | None:
    rnd = state.round_at(number)
    if rnd is None:
        v.add("round", "unknown_round", f"Đại hội không có vòng bầu {str(number)[:20]}")
        return None
    if rnd.stage not in stages:
        v.add("round", "round_stage",
              f"Vòng bầu {rnd.number} ({state.title(rnd.position_group)}) đang ở giai đoạn "
              f"«{label('round_stage', rnd.stage.value)}»: việc này chỉ làm được khi "
              + " hoặc ".join(f"«{label('round_stage', s.value)}»" for s in stages))
        return None
    return rnd


def _check_day(v: Violations, field_name: str, value: date, today: date, *,
               not_before: date | None = None, what: str) -> None:
    v.check(value <= today, field_name, "not_in_future",
            f"{what} {day(value)} là ngày trong tương lai")
    if not_before is not None:
        v.check(value >= not_before, field_name, "chronological",
                f"{what} {day(value)} trước {day(not_before)}")


# --- opening ----------------------------------------------------------------------------------
def _open_congress(state: CongressState, c: OpenCongress, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    plan = c.approved_plan
    v.check(state.phase is CongressPhase.NOT_OPENED, "plan_id", "congress_already_opened",
            f"Đại hội của đề án {plan.plan_id} đã được khai mạc")
    if v.check(bool(plan.plan_id.strip()), "plan_id", "required", "Đề án cần có mã"):
        check_identifier(v, "plan_id", plan.plan_id, what="Mã đề án")
    v.check(plan.phase == "approved", "plan_id", "plan_not_approved",
            f"Đề án {plan.plan_id} đang ở trạng thái «{PHASES.get(plan.phase, plan.phase)}»: "
            f"chỉ khai mạc đại hội khi đề án đã được cấp trên phê duyệt")
    _acting_as(v, c.actor, Role.ORGANIZATION_DEPARTMENT, plan.organization.organization_id,
               "khai mạc đại hội")
    v.check(c.kind in CONGRESS_KINDS, "kind", "one_of",
            f"Loại đại hội «{str(c.kind)[:40]}» không có; chọn "
            + " hoặc ".join(f"{k} ({label('congress_kind', k)})" for k in CONGRESS_KINDS))
    check_int(v, "summoned", c.summoned, low=1, high=MAX_PEOPLE,
              what="Số đại biểu (đảng viên) được triệu tập")
    today = business_day(now)
    _check_day(v, "opens_on", c.opens_on, today, what="Ngày khai mạc")
    earliest = add_months(today, -OPENING_PAST_MONTHS)
    v.check(c.opens_on >= earliest, "opens_on", "plausible_date",
            f"Ngày khai mạc {day(c.opens_on)} quá xa: chỉ ghi đại hội khai mạc từ "
            f"{day(earliest)}")
    v.check(any(p.candidates for p in plan.lists), "plan_id", "no_list",
            f"Đề án {plan.plan_id} không có danh sách nhân sự nào được phê duyệt")
    v.raise_if_any()
    procedure = plan.procedure
    return [CongressOpened(
        **common(plan_id=plan.plan_id, now=now, actor=c.actor, command_id=c.command_id),
        organization=plan.organization, term=plan.term, kind=c.kind, summoned=c.summoned,
        opens_on=c.opens_on, procedure_key=procedure.key,
        procedure_digest=plan.procedure_digest, position_groups=procedure.position_groups,
        surplus=procedure.surplus, election=procedure.election, lists=plan.lists)]


# --- a round and its list ---------------------------------------------------------------------
def _open_round(state: CongressState, c: OpenRound, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _department(v, state, c.actor, "mở vòng bầu cử")
    current = state.current_round
    if current is not None:
        v.add("round", "round_in_progress",
              f"Vòng bầu {current.number} ({state.title(current.position_group)}) chưa kết "
              f"thúc: mỗi lúc chỉ một vòng bầu")
    pg = c.position_group
    if pg not in {g.code for g in state.position_groups}:
        v.add("position_group", "unknown_group",
              f"«{str(pg)[:60]}» không phải nhóm chức danh của quy trình; các nhóm: "
              + ", ".join(f"{g.code} ({g.title_vi})" for g in state.position_groups))
        v.raise_if_any()
    allowed = state.election.bodies_for(pg)
    v.check(c.body in allowed, "body", "electing_body",
            f"{state.title(pg)} do "
            + (" hoặc ".join(label("electing_body", b) for b in allowed) + " bầu"
               if allowed else "không cơ quan nào bầu tại đại hội theo quy trình")
            + f", không phải {label('electing_body', str(c.body))}")
    source = state.source_group(pg, c.body)
    rule = state.election.body_of(pg)
    before = [g for g in (source, *(rule.after if rule else ())) if g is not None]
    for group in before:
        v.check(state.concluded(group), "position_group", "group_order",
                f"Phải bầu xong {state.title(group)} trước khi bầu {state.title(pg)}: bầu "
                f"từng nhóm chức danh từ thấp đến cao")
    v.check(not state.rounds_of(pg), "position_group", "already_elected",
            f"{state.title(pg)} đã có vòng bầu; chỉ tiêu còn trống do cấp trên chỉ định")
    if check_int(v, "seats", c.seats, low=1, high=MAX_SEATS, what="Số lượng bầu"):
        planned = state.planned(pg)
        if planned is not None:
            v.check(c.seats <= planned.seats, "seats", "seats_within_plan",
                    f"Đề án được phê duyệt có {number(planned.seats)} chỉ tiêu "
                    f"{state.title(pg)}; không bầu {number(c.seats)}")
        if source is not None:
            pool = len(state.member_identities(source))
            v.check(c.seats <= pool, "seats", "seats_within_electorate",
                    f"{state.title(source)} khóa mới có {number(pool)} người; không bầu "
                    f"{number(c.seats)} {state.title(pg)} trong số đó")
    electorate = state.summoned if c.body == CONGRESS else len(state.member_identities(COMMITTEE))
    if check_int(v, "summoned", c.summoned, low=1, high=MAX_PEOPLE, what="Số được triệu tập"):
        v.check(c.summoned == electorate, "summoned", "electorate",
                f"{label('electing_body', str(c.body))} có {number(electorate)} người; số "
                f"được triệu tập của vòng bầu phải là {number(electorate)}, không phải "
                f"{number(c.summoned)}")
    bounds_ok = type(c.summoned) is int
    if check_int(v, "excluded", c.excluded, low=0, high=MAX_PEOPLE,
                 what="Số không tính vào cơ sở") and bounds_ok:
        v.check(c.excluded < c.summoned, "excluded", "within_summoned",
                f"Số không tính vào cơ sở ({number(c.excluded)}) phải nhỏ hơn số được triệu "
                f"tập ({number(c.summoned)})")
        if c.excluded > 0:
            check_reason(v, "excluded_reason", c.excluded_reason,
                         what="Lý do không tính vào cơ sở (vắng mặt cả buổi có lý do, ...)")
    check_text(v, "excluded_reason", c.excluded_reason, what="Lý do không tính vào cơ sở",
               limit=MAX_PARAGRAPH, multiline=True)
    if check_int(v, "present", c.present, low=1, high=MAX_PEOPLE, what="Số có mặt") \
            and bounds_ok:
        v.check(c.present <= c.summoned, "present", "within_summoned",
                f"Số có mặt {number(c.present)} vượt số được triệu tập {number(c.summoned)}")
    assert state.opens_on is not None
    _check_day(v, "held_on", c.held_on, business_day(now),
               not_before=max(state.opens_on, state.last_held_on or state.opens_on),
               what="Ngày bầu")
    v.raise_if_any()
    entries, not_standing = [], []
    planned = state.planned(pg)
    pool_ids = state.member_identities(source) if source is not None else None
    for pc in planned.candidates if planned else ():
        if pool_ids is None or identity(pc.candidate) in pool_ids:
            entries.append(ElectionEntry(entry_id=pc.nomination_id, candidate=pc.candidate,
                                         source="plan", nomination_id=pc.nomination_id))
        else:
            assert source is not None
            not_standing.append(NotStanding(
                nomination_id=pc.nomination_id, candidate=pc.candidate,
                reason=f"{who(pc.candidate)} không trúng cử {state.title(source)} khóa mới "
                       f"nên không ứng cử {state.title(pg)}"))
    return [RoundOpened(
        **_base(state, c, now), round=len(state.rounds) + 1, position_group=pg, body=c.body,
        seats=c.seats, summoned=c.summoned, excluded=c.excluded,
        excluded_reason=c.excluded_reason, base=c.summoned - c.excluded, present=c.present,
        held_on=c.held_on, entries=tuple(entries), not_standing=tuple(not_standing))]


def _nominate(state: CongressState, c: NominateAtCongress, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _department(v, state, c.actor, "ghi ứng cử, đề cử")
    rnd = _round(state, c.round, v, RoundStage.NOMINATING)
    if rnd is None:
        v.raise_if_any()
    assert rnd is not None and state.opens_on is not None
    title = state.title(rnd.position_group)
    if v.check(c.source in NOMINATION_SOURCES, "source", "one_of",
               "Hình thức giới thiệu phải là "
               + ", ".join(f"{s} ({label('nomination_source', s)})"
                           for s in NOMINATION_SOURCES)):
        planned = state.planned(rnd.position_group)
        if c.source == "presidium":
            v.check(planned is None or not planned.candidates, "source", "presidium_list",
                    f"Đề án được phê duyệt đã có danh sách {title}: Đoàn Chủ tịch không giới "
                    f"thiệu thêm; người khác chỉ vào danh sách bằng ứng cử, đề cử")
    check_text(v, "nominated_by", c.nominated_by, what="Người đề cử", limit=MAX_NAME,
               required=c.source == "delegate")
    if check_uuid(v, "entry_id", c.entry_id, what="Mã người trong danh sách"):
        v.check(c.entry_id not in state.entries, "entry_id", "duplicate",
                f"Mã {c.entry_id} đã có trong danh sách bầu cử")
    check_candidate(v, "candidate.", c.candidate, term_start=state.opens_on,
                    today=business_day(now))
    v.check(bool(c.candidate.party_card_number), "candidate.party_card_number", "required",
            "Người được ứng cử, đề cử tại đại hội phải ghi số thẻ đảng viên")
    person_id = identity(c.candidate)
    on_list = {identity(state.entries[e].candidate) for e in rnd.on_list}
    v.check(person_id not in on_list, "candidate", "already_on_list",
            f"{who(c.candidate)} đã có trong danh sách bầu {title}")
    source = state.source_group(rnd.position_group, rnd.body)
    if source is not None:
        v.check(person_id in state.member_identities(source), "candidate",
                "not_in_electing_pool",
                f"{who(c.candidate)} không phải {state.title(source)} khóa mới: "
                f"{title} được bầu trong số {state.title(source)}")
    requires = state.election.nomination_requires if c.source != "presidium" \
        else ("nominee_consent",)
    if "nominee_consent" in requires:
        v.check(c.nominee_consented is True, "nominee_consented", "nominee_consent",
                f"{who(c.candidate)} chưa đồng ý ứng cử: phải có sự đồng ý của người được "
                f"giới thiệu")
    if "presidium_acceptance" in requires:
        v.check(c.presidium_accepted is True, "presidium_accepted", "presidium_acceptance",
                "Đoàn Chủ tịch chưa chấp thuận đưa người này vào danh sách")
    needed: int | None = None
    share = state.election.nomination_support_min
    if share is not None and c.source != "presidium":
        needed = votes_needed(rnd.present, ratio(share))
        if c.support is None:
            v.add("support", "nomination_support",
                  f"Quy trình yêu cầu hơn {share} số có mặt ({number(needed)}/"
                  f"{number(rnd.present)} người) đồng ý: hãy ghi số người đồng ý")
        elif check_int(v, "support", c.support, low=0, high=rnd.present,
                       what="Số người đồng ý"):
            v.check(c.support >= needed, "support", "nomination_support",
                    f"Chỉ {number(c.support)}/{number(rnd.present)} người có mặt đồng ý; "
                    f"cần hơn {share} ({number(needed)} người) để vào danh sách")
    elif c.support is not None:
        check_int(v, "support", c.support, low=0, high=rnd.present, what="Số người đồng ý")
    v.raise_if_any()
    entry = ElectionEntry(entry_id=c.entry_id, candidate=c.candidate, source=c.source,
                          nominated_by=c.nominated_by)
    return [NominatedAtCongress(
        **_base(state, c, now), round=rnd.number, entry=entry,
        nominee_consented=c.nominee_consented, presidium_accepted=c.presidium_accepted,
        support=c.support, support_needed=needed)]


def _withdraw(state: CongressState, c: WithdrawFromList, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _department(v, state, c.actor, "cho rút khỏi danh sách bầu cử")
    rnd = _round(state, c.round, v, RoundStage.NOMINATING)
    if rnd is not None:
        v.check(c.entry_id in rnd.on_list, "entry_id", "not_on_list",
                f"Mã {str(c.entry_id)[:40]} không có trong danh sách vòng bầu {rnd.number}")
    check_reason(v, "reason", c.reason, what="Lý do rút khỏi danh sách")
    v.raise_if_any()
    assert rnd is not None
    return [WithdrawnFromList(**_base(state, c, now), round=rnd.number, entry_id=c.entry_id,
                              reason=c.reason)]


def list_bounds(state: CongressState, position_group: str, seats: int) -> tuple[int, int]:
    """The shortest and longest list the congress may vote on for ``seats``: longer than the
    seats where a surplus is required; at most one more for small bodies, at most the
    procedure's congress share more otherwise (số dư tối đa 30%)."""
    surplus = state.surplus
    low = seats + 1 if position_group in state.election.surplus_required else seats
    if seats <= surplus.small_committee_max_seats:
        extra = surplus.small_committee_surplus
    else:
        share = ratio(surplus.congress_max)
        extra = seats * share.numerator // share.denominator
    return low, max(low, seats + extra)


def _vote_list(state: CongressState, c: VoteOnList, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _department(v, state, c.actor, "ghi biểu quyết danh sách bầu cử")
    rnd = _round(state, c.round, v, RoundStage.NOMINATING)
    if rnd is None:
        v.raise_if_any()
    assert rnd is not None
    if check_int(v, "present", c.present, low=1, high=rnd.summoned, what="Số có mặt") \
            and check_int(v, "in_favour", c.in_favour, low=0, high=MAX_PEOPLE,
                          what="Số tán thành"):
        v.check(c.in_favour <= c.present, "in_favour", "within_present",
                f"Số tán thành {number(c.in_favour)} vượt số có mặt {number(c.present)}")
    low, high = list_bounds(state, rnd.position_group, rnd.seats)
    size = len(rnd.on_list)
    title = state.title(rnd.position_group)
    v.check(size >= low, "round", "list_minimum",
            f"Danh sách bầu {title} có {number(size)} người cho {number(rnd.seats)} chỉ tiêu; "
            f"cần ít nhất {number(low)} người")
    v.check(size <= high, "round", "list_maximum",
            f"Danh sách bầu {title} có {number(size)} người cho {number(rnd.seats)} chỉ tiêu; "
            f"số dư vượt mức quy trình cho phép (tối đa {number(high)} người): Đoàn Chủ tịch "
            f"đề nghị đại hội cho rút bớt")
    v.raise_if_any()
    threshold = ratio(state.election.list_vote_threshold)
    needed = votes_needed(c.present, threshold)
    approved = c.in_favour >= needed
    base = _base(state, c, now)
    events: list[DomainEvent] = [ListVoted(
        **base, round=rnd.number, present=c.present, in_favour=c.in_favour,
        threshold=ratio_label(threshold), needed=needed, approved=approved, size=size,
        seats=rnd.seats, list_minimum=low, list_maximum=high)]
    if approved:
        events.append(BallotOpened(**base, round=rnd.number, ballot=1, kind="first",
                                   seats=rnd.seats, entries=tuple(rnd.on_list)))
    return events


# --- counting ---------------------------------------------------------------------------------
def reference_of(state: CongressState, entry_id: str) -> str:
    """How the ballot file names an entry: the party card, or the entry's id."""
    candidate = state.entries[entry_id].candidate
    return candidate.party_card_number or entry_id


def _current_ballot(state: CongressState, number_: int, ballot: int,
                    v: Violations) -> tuple[RoundState, BallotState] | None:
    rnd = _round(state, number_, v, RoundStage.BALLOTING)
    if rnd is None or rnd.ballot is None:
        return None
    b = rnd.ballot
    if not v.check(ballot == b.number, "ballot", "ballot_order",
                   f"Vòng bầu {rnd.number} đang bầu lần {b.number}, không phải lần "
                   f"{str(ballot)[:10]}"):
        return None
    return rnd, b


def _count(state: CongressState, c: CountBallots, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _counting_committee(v, state, c.actor, "kiểm phiếu")
    found = _current_ballot(state, c.round, c.ballot, v)
    if found is None:
        v.raise_if_any()
    assert found is not None
    rnd, b = found
    v.check(not b.signed, "ballot", "already_signed",
            f"Biên bản kiểm phiếu lần bầu {b.number} đã được ký; không kiểm lại được")
    if check_int(v, "issued", c.issued, low=0, high=MAX_PEOPLE, what="Số phiếu phát ra"):
        v.check(c.issued <= rnd.summoned, "issued", "issued_within_summoned",
                f"Số phiếu phát ra {number(c.issued)} vượt số được triệu tập "
                f"{number(rnd.summoned)}")
    v.check(bool(c.ballots), "ballots", "required", "Chưa có phiếu bầu nào để kiểm")
    on_ballot = set(b.entries)
    counts_ok = True
    for i, pattern in enumerate(c.ballots):
        counts_ok &= check_int(v, f"ballots[{i}].count", pattern.count, low=1,
                               high=MAX_PEOPLE, what="Số phiếu cùng loại")
        stray = sorted(set(pattern.crossed_out) - on_ballot)
        v.check(not stray, f"ballots[{i}].crossed_out", "on_the_ballot",
                f"Phiếu gạch tên không có trên phiếu bầu lần {b.number}: "
                + ", ".join(s[:40] for s in stray[:5]))
        v.check(len(set(pattern.crossed_out)) == len(pattern.crossed_out),
                f"ballots[{i}].crossed_out", "duplicate", "Một tên được ghi gạch hai lần")
    if counts_ok:
        v.check(is_canonical(c.ballots), "ballots", "canonical_order",
                "Phiếu phải được gộp theo loại và xếp theo thứ tự chuẩn (domain.ballots."
                "canonical), không theo thứ tự đọc phiếu: thứ tự có thể cho biết ai bầu thế "
                "nào")
        returned = sum(p.count for p in c.ballots)
        sealed = sum(p.count for p in c.ballots if p.issued)
        v.check(returned <= MAX_PEOPLE, "ballots", "range",
                f"{number(returned)} phiếu vượt giới hạn {number(MAX_PEOPLE)}")
        if type(c.issued) is int:
            v.check(sealed <= c.issued, "ballots", "returned_within_issued",
                    f"Có {number(sealed)} phiếu có dấu của Ban Kiểm phiếu trong thùng phiếu, "
                    f"nhiều hơn {number(c.issued)} phiếu phát ra")
    v.raise_if_any()
    references = {e: reference_of(state, e) for e in b.entries}
    sha = ballot_file_sha256(c.ballots, references)
    count = count_ballots(round=rnd.number, ballot=b.number, seats=b.seats, entries=b.entries,
                          issued=c.issued, patterns=c.ballots,
                          rules=state.election.invalid_ballots, ballot_file_sha256=sha)
    digest = count_digest(count)
    return [BallotsCounted(**_base(state, c, now), round=rnd.number, ballot=b.number,
                           count=count, count_digest=digest, recount=b.counts,
                           matches_previous=None if b.counts == 0
                           else digest == b.count_digest)]


def _sign(state: CongressState, c: SignCount, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _counting_committee(v, state, c.actor, "ký biên bản kiểm phiếu")
    found = _current_ballot(state, c.round, c.ballot, v)
    if found is None:
        v.raise_if_any()
    assert found is not None
    rnd, b = found
    counted = v.check(b.count is not None, "ballot", "not_counted",
                      f"Lần bầu {b.number} của vòng {rnd.number} chưa được kiểm phiếu")
    v.check(not b.signed, "ballot", "already_signed",
            f"Biên bản kiểm phiếu lần bầu {b.number} đã được ký")
    if counted:
        v.check(c.count_digest == b.count_digest, "count_digest", "count_changed",
                f"Biên bản được ký phải là lần kiểm phiếu gần nhất (mã "
                f"{b.count_digest[:16]}…), không phải «{str(c.count_digest)[:16]}…»")
    if check_int(v, "signatories", len(c.signatories), low=1, high=MAX_SIGNATORIES,
                 what="Số thành viên Ban Kiểm phiếu ký"):
        for i, name in enumerate(c.signatories):
            check_text(v, f"signatories[{i}]", name, what="Họ tên người ký", limit=MAX_NAME,
                       required=True)
        v.check(len(set(c.signatories)) == len(c.signatories), "signatories", "once_each",
                "Mỗi thành viên Ban Kiểm phiếu ký một lần")
    v.raise_if_any()
    base = _base(state, c, now)
    signed = CountSigned(**base, round=rnd.number, ballot=b.number, count_digest=b.count_digest,
                         signatories=c.signatories)
    after = evolve_congress(state, signed)
    return [signed, *_declare(after, rnd.number, base)]


def ballot_result(state: CongressState, rnd: RoundState,
                  b: BallotState) -> tuple[int, int, list[ElectedEntry], list[str], int, int]:
    """(base, needed, elected, tied, tied places, open seats) of a counted ballot: more than
    the threshold of the base, then the most votes fill its seats; a tie straddling the
    cut-off leaves those places to a new ballot among the tied."""
    assert b.count is not None
    rule = state.election
    base = {PassBase.SUMMONED: rnd.base, PassBase.ATTENDING: rnd.present,
            PassBase.VALID_BALLOTS: b.count.valid}[rule.pass_base]
    needed = votes_needed(base, ratio(rule.pass_threshold))
    votes = {cv.entry_id: cv.kept for cv in b.count.votes}
    order = {e: i for i, e in enumerate(b.entries)}
    ranked = sorted((e for e in b.entries if votes[e] >= needed),
                    key=lambda e: (-votes[e], order[e]))

    def elected_of(ids: list[str]) -> list[ElectedEntry]:
        return [ElectedEntry(entry_id=e, votes=votes[e], ballot=b.number) for e in ids]

    if len(ranked) <= b.seats:
        return base, needed, elected_of(ranked), [], 0, b.seats - len(ranked)
    line = votes[ranked[b.seats - 1]]
    above = [e for e in ranked if votes[e] > line]
    at_line = [e for e in ranked if votes[e] == line]
    places = b.seats - len(above)
    if len(at_line) == places:
        return base, needed, elected_of(above + at_line), [], 0, 0
    tied = sorted(at_line, key=lambda e: order[e])
    return base, needed, elected_of(above), tied, places, 0


def _declare(state: CongressState, round_number: int, base: EventCommon) -> list[DomainEvent]:
    rnd = state.rounds[round_number - 1]
    b = rnd.ballot
    assert b is not None and b.count is not None
    rule = state.election
    count_base, needed, elected, tied, places, open_seats = ballot_result(state, rnd, b)
    outcome = "tie" if tied else ("shortfall" if open_seats else "complete")
    names = "; ".join(f"{who(state.entries[e.entry_id].candidate)}: {number(e.votes)}"
                      for e in elected) or "không ai"
    reason = (f"Cần hơn {rule.pass_threshold} của {number(count_base)} "
              f"({label('pass_base', rule.pass_base.value)}), tức ít nhất {number(needed)} "
              f"phiếu. Trúng cử: {names}.")
    if tied:
        reason += (f" Bằng phiếu ở ngưỡng cuối ({number(places)} chỗ): "
                   + "; ".join(who(state.entries[e].candidate) for e in tied)
                   + " — bầu lại trong số này.")
    elif open_seats:
        reason += f" Còn thiếu {number(open_seats)} chỉ tiêu."
    events: list[DomainEvent] = [BallotResultDeclared(
        **base, round=rnd.number, ballot=b.number, pass_base=rule.pass_base.value,
        base=count_base, threshold=rule.pass_threshold, needed=needed, elected=tuple(elected),
        tied=tuple(tied), tied_places=places, open_seats=open_seats, outcome=outcome,
        reason=reason)]
    if tied:
        events.append(BallotOpened(**base, round=rnd.number, ballot=b.number + 1, kind="tie",
                                   seats=places, entries=tuple(tied)))
        return events
    total = len(rnd.elected) + len(elected)
    if total >= rnd.seats:
        events.extend(_conclude(state, rnd, (*rnd.elected, *elected), 0, base))
    return events


def _conclude(state: CongressState, rnd: RoundState, elected: tuple[ElectedEntry, ...],
              open_seats: int, base: EventCommon) -> list[DomainEvent]:
    concluded = RoundConcluded(**base, round=rnd.number, position_group=rnd.position_group,
                               elected=elected, open_seats=open_seats)
    return [concluded, *_pause_if_planned_not_elected(evolve_congress(state, concluded), base)]


def _pause_if_planned_not_elected(state: CongressState,
                                  base: EventCommon) -> list[DomainEvent]:
    """Pause when a group the procedure names (secretary, deputy) can no longer be filled by
    the persons the approved plan prepared for it: they were not elected to it, or to a body
    it is elected from."""
    groups: list[str] = []
    lost: list[str] = []
    for group in state.election.pause_unless_planned_elected:
        planned = state.planned(group)
        if planned is None or not planned.candidates or group in state.directed_groups:
            continue
        path = state.path(group)
        decided = [r for r in state.rounds
                   if r.stage is RoundStage.CONCLUDED and r.position_group in path]
        if not decided:
            continue
        possible = [pc for pc in planned.candidates
                    if all(identity(pc.candidate) in state.elected_in(r) for r in decided)]
        if len(possible) < planned.seats:
            groups.append(group)
            lost.extend(who(pc.candidate) for pc in planned.candidates if pc not in possible)
    if not groups:
        return []
    titles = ", ".join(state.title(g) for g in groups)
    return [ElectionPaused(
        **base, position_groups=tuple(groups), planned=tuple(dict.fromkeys(lost)),
        reason=(f"Nhân sự được đề án chuẩn bị cho chức danh {titles} không trúng cử "
                f"({'; '.join(dict.fromkeys(lost))}): tạm dừng bầu cử, xin ý kiến chỉ đạo của "
                f"{ROLES['superior_standing_committee']} ({state.superior_id})"),
        direction_from=state.superior_id)]


def _shortfall(state: CongressState, c: DecideShortfall, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _department(v, state, c.actor, "quyết định khi bầu chưa đủ số lượng")
    rnd = _round(state, c.round, v, RoundStage.SHORTFALL)
    check_reason(v, "reason", c.reason, what="Lý do")
    if rnd is None:
        v.raise_if_any()
    assert rnd is not None
    open_seats = rnd.seats - len(rnd.elected)
    remaining = [e for e in rnd.on_list if e not in rnd.elected_ids]
    if v.check(c.decision in SHORTFALL_DECISIONS, "decision", "one_of",
               "Quyết định phải là "
               + " hoặc ".join(f"{d} ({label('shortfall_decision', d)})"
                               for d in SHORTFALL_DECISIONS)) \
            and c.decision == "another_ballot":
        limit = state.election.further_ballots_max
        v.check(rnd.shortfall_ballots < limit, "decision", "ballots_exhausted",
                f"Vòng bầu đã bầu thêm {number(rnd.shortfall_ballots)} lần (quy trình cho tối "
                f"đa {number(limit)}): chỉ còn quyết định để trống {number(open_seats)} chỉ "
                f"tiêu")
        v.check(bool(remaining), "decision", "no_one_left",
                "Không còn ai trong danh sách để bầu tiếp")
    v.raise_if_any()
    base = _base(state, c, now)
    decided = ShortfallDecided(**base, round=rnd.number, decision=c.decision,
                               open_seats=open_seats, reason=c.reason)
    if c.decision == "another_ballot":
        assert rnd.ballot is not None
        return [decided, BallotOpened(**base, round=rnd.number, ballot=rnd.ballot.number + 1,
                                      kind="shortfall", seats=open_seats,
                                      entries=tuple(remaining))]
    after = evolve_congress(state, decided)
    return [decided, *_conclude(after, after.rounds[rnd.number - 1], rnd.elected, open_seats,
                                base)]


# --- the superior standing committee ----------------------------------------------------------
def _direction(state: CongressState, c: GiveDirection, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v, paused_ok=True):
        v.raise_if_any()
    v.check(state.phase is CongressPhase.PAUSED, "plan_id", "not_paused",
            "Bầu cử không tạm dừng chờ ý kiến chỉ đạo")
    _superior(v, state, c.actor, "cho ý kiến chỉ đạo bầu cử")
    check_text(v, "decision_ref", c.decision_ref, what="Số văn bản chỉ đạo",
               limit=MAX_REFERENCE, required=True)
    check_reason(v, "direction", c.direction, what="Nội dung chỉ đạo")
    v.raise_if_any()
    return [DirectionGiven(**_base(state, c, now), position_groups=state.paused_groups,
                           decision_ref=c.decision_ref, direction=c.direction)]


def _approve(state: CongressState, c: ApproveElectionResult,
             now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _superior(v, state, c.actor, "chuẩn y kết quả bầu cử")
    current = state.current_round
    if current is not None:
        v.add("plan_id", "round_in_progress",
              f"Vòng bầu {current.number} ({state.title(current.position_group)}) chưa kết "
              f"thúc: chuẩn y khi không còn vòng bầu nào đang diễn ra")
    pending = tuple(r.number for r in state.rounds
                    if r.stage is RoundStage.CONCLUDED and r.number not in state.approved_rounds)
    v.check(bool(pending), "plan_id", "nothing_to_approve",
            "Không có vòng bầu nào đã kết thúc mà chưa được chuẩn y")
    check_text(v, "decision_ref", c.decision_ref, what="Số quyết định chuẩn y",
               limit=MAX_REFERENCE, required=True)
    check_text(v, "reasons", c.reasons, what="Nội dung", limit=MAX_PARAGRAPH, multiline=True)
    v.raise_if_any()
    return [ElectionResultApproved(**_base(state, c, now), decision_ref=c.decision_ref,
                                   reasons=c.reasons, rounds=pending)]


def _appoint(state: CongressState, c: Appoint, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _superior(v, state, c.actor, "chỉ định")
    pg = c.position_group
    if pg not in {g.code for g in state.position_groups}:
        v.add("position_group", "unknown_group",
              f"«{str(pg)[:60]}» không phải nhóm chức danh của quy trình")
        v.raise_if_any()
    title = state.title(pg)
    open_rounds = state.open_seats(pg)
    approved = [(r, n) for r, n in open_rounds if r.number in state.approved_rounds]
    if v.check(bool(open_rounds), "position_group", "no_open_seat",
               f"{title} không còn chỉ tiêu để trống sau bầu cử: không chỉ định"):
        v.check(bool(approved), "position_group", "result_not_approved",
                f"Kết quả bầu {title} chưa được chuẩn y: chuẩn y trước khi chỉ định vào chỉ "
                f"tiêu còn trống")
    if check_uuid(v, "entry_id", c.entry_id, what="Mã người được chỉ định"):
        v.check(c.entry_id not in state.entries
                and all(a.entry_id != c.entry_id for a in state.appointments),
                "entry_id", "duplicate", f"Mã {c.entry_id} đã được dùng")
    assert state.opens_on is not None
    check_candidate(v, "candidate.", c.candidate, term_start=state.opens_on,
                    today=business_day(now))
    v.check(bool(c.candidate.party_card_number), "candidate.party_card_number", "required",
            "Người được chỉ định phải ghi số thẻ đảng viên")
    v.check(identity(c.candidate) not in state.member_identities(pg), "candidate",
            "already_member", f"{who(c.candidate)} đã là {title}")
    threshold = ratio(state.election.appointment_consensus)
    if check_int(v, "members", c.members, low=1, high=MAX_PEOPLE,
                 what="Số ủy viên Ban Thường vụ cấp trên") \
            and check_int(v, "agreeing", c.agreeing, low=0, high=c.members,
                          what="Số ủy viên đồng ý"):
        needed = votes_needed(c.members, threshold)
        v.check(c.agreeing >= needed, "agreeing", "consensus",
                f"Chỉ {number(c.agreeing)}/{number(c.members)} ủy viên đồng ý; chỉ định cần "
                f"hơn {ratio_label(threshold)} số ủy viên ({number(needed)} người) đồng ý")
    check_text(v, "decision_ref", c.decision_ref, what="Số quyết định chỉ định",
               limit=MAX_REFERENCE, required=True)
    check_reason(v, "reason", c.reason, what="Lý do chỉ định")
    v.raise_if_any()
    return [MemberAppointed(
        **_base(state, c, now), position_group=pg, round=approved[0][0].number,
        entry_id=c.entry_id, candidate=c.candidate, decision_ref=c.decision_ref,
        members=c.members, agreeing=c.agreeing, threshold=ratio_label(threshold),
        reason=c.reason)]


def _close(state: CongressState, c: CloseCongress, now: datetime) -> list[DomainEvent]:
    v = _door(c)
    if not _phase(state, v):
        v.raise_if_any()
    _department(v, state, c.actor, "kết thúc hồ sơ đại hội")
    current = state.current_round
    if current is not None:
        v.add("plan_id", "round_in_progress",
              f"Vòng bầu {current.number} ({state.title(current.position_group)}) chưa kết "
              f"thúc")
    concluded = [r for r in state.rounds if r.stage is RoundStage.CONCLUDED]
    v.check(bool(concluded), "plan_id", "nothing_elected", "Đại hội chưa bầu xong vòng nào")
    unapproved = [r.number for r in concluded if r.number not in state.approved_rounds]
    v.check(not unapproved, "plan_id", "result_not_approved",
            "Kết quả vòng bầu " + ", ".join(str(n) for n in unapproved)
            + " chưa được cấp trên chuẩn y")
    v.raise_if_any()
    open_seats = tuple(OpenSeats(position_group=r.position_group, round=r.number, seats=n)
                       for g in dict.fromkeys(r.position_group for r in concluded)
                       for r, n in state.open_seats(g))
    return [CongressClosed(**_base(state, c, now), open_seats=open_seats)]


# --- evolving ---------------------------------------------------------------------------------
def evolve_congress(state: CongressState, event: DomainEvent) -> CongressState:
    """The congress after ``event``; events of the plan are not the congress's and leave it
    as it is."""
    if not isinstance(event, CongressEvent):
        return state
    state = _apply(state, event)
    return replace(state, version=state.version + 1,
                   processed_commands=state.processed_commands | {event.command_id})


def fold_congress(events: list[DomainEvent] | tuple[DomainEvent, ...],
                  state: CongressState | None = None) -> CongressState:
    current = state or CongressState()
    for event in events:
        current = evolve_congress(current, event)
    return current


def _replace_round(state: CongressState, rnd: RoundState) -> CongressState:
    rounds = list(state.rounds)
    rounds[rnd.number - 1] = rnd
    return replace(state, rounds=tuple(rounds))


def _replace_ballot(rnd: RoundState, ballot: BallotState) -> RoundState:
    return replace(rnd, ballots=(*rnd.ballots[:-1], ballot))


def _apply(state: CongressState, event: CongressEvent) -> CongressState:
    if isinstance(event, CongressOpened):
        return replace(state, plan_id=event.plan_id, phase=CongressPhase.OPEN,
                       organization=event.organization, term=event.term, kind=event.kind,
                       summoned=event.summoned, opens_on=event.opens_on,
                       procedure_key=event.procedure_key,
                       procedure_digest=event.procedure_digest,
                       position_groups=event.position_groups, surplus=event.surplus,
                       election=event.election, lists=event.lists)
    if isinstance(event, RoundOpened):
        rnd = RoundState(number=event.round, position_group=event.position_group,
                         body=event.body, seats=event.seats, summoned=event.summoned,
                         excluded=event.excluded, base=event.base, present=event.present,
                         held_on=event.held_on,
                         entries=tuple(e.entry_id for e in event.entries))
        return replace(state, rounds=(*state.rounds, rnd), last_held_on=event.held_on,
                       entries={**state.entries, **{e.entry_id: e for e in event.entries}})
    if isinstance(event, NominatedAtCongress):
        rnd = state.rounds[event.round - 1]
        state = _replace_round(state, replace(rnd, entries=(*rnd.entries,
                                                            event.entry.entry_id)))
        return replace(state, entries={**state.entries, event.entry.entry_id: event.entry})
    if isinstance(event, WithdrawnFromList):
        rnd = state.rounds[event.round - 1]
        return _replace_round(state, replace(rnd, withdrawn=rnd.withdrawn | {event.entry_id}))
    if isinstance(event, ListVoted):
        return state if not event.approved else _replace_round(
            state, replace(state.rounds[event.round - 1], list_approved=True))
    if isinstance(event, BallotOpened):
        rnd = state.rounds[event.round - 1]
        ballot = BallotState(number=event.ballot, kind=event.kind, seats=event.seats,
                             entries=event.entries)
        return _replace_round(state, replace(
            rnd, ballots=(*rnd.ballots, ballot), stage=RoundStage.BALLOTING,
            shortfall_ballots=rnd.shortfall_ballots + (event.kind == "shortfall")))
    if isinstance(event, BallotsCounted):
        rnd = state.rounds[event.round - 1]
        assert rnd.ballot is not None
        ballot = replace(rnd.ballot, count=event.count, count_digest=event.count_digest,
                         counts=rnd.ballot.counts + 1)
        return _replace_round(state, _replace_ballot(rnd, ballot))
    if isinstance(event, CountSigned):
        rnd = state.rounds[event.round - 1]
        assert rnd.ballot is not None
        return _replace_round(state, _replace_ballot(rnd, replace(rnd.ballot, signed=True)))
    if isinstance(event, BallotResultDeclared):
        rnd = state.rounds[event.round - 1]
        assert rnd.ballot is not None
        rnd = _replace_ballot(rnd, replace(rnd.ballot, outcome=event.outcome))
        stage = RoundStage.SHORTFALL if event.outcome == "shortfall" else rnd.stage
        return _replace_round(state, replace(rnd, elected=(*rnd.elected, *event.elected),
                                             stage=stage))
    if isinstance(event, ShortfallDecided):
        return state
    if isinstance(event, RoundConcluded):
        rnd = state.rounds[event.round - 1]
        return _replace_round(state, replace(rnd, stage=RoundStage.CONCLUDED,
                                             elected=event.elected,
                                             open_seats=event.open_seats))
    if isinstance(event, ElectionPaused):
        return replace(state, phase=CongressPhase.PAUSED, paused_groups=event.position_groups)
    if isinstance(event, DirectionGiven):
        return replace(state, phase=CongressPhase.OPEN, paused_groups=(),
                       directed_groups=state.directed_groups | set(event.position_groups))
    if isinstance(event, ElectionResultApproved):
        return replace(state, approved_rounds=state.approved_rounds | set(event.rounds))
    if isinstance(event, MemberAppointed):
        return replace(state, appointments=(*state.appointments, event))
    if isinstance(event, CongressClosed):
        return replace(state, phase=CongressPhase.CLOSED)
    raise TypeError(f"no evolve rule for {type(event).__name__}")


def expected_versions(state: CongressState, events: list[DomainEvent]) -> dict[str, int]:
    """The congress stream, where ``state`` has it: the congress is its only writer."""
    return {congress_stream(e.plan_id): state.version for e in events[:1]}
