"""A congress read from its stored events (fold on read): its rounds, their lists, ballots and
counts, and the elected committee, with codes and their Vietnamese labels side by side.

``elected_committee`` is the read other parts build on (reports on the elected committees,
the national generator, the web pages): one row per person and position group held in the
new committee, saying how the seat was filled (elected in which round and ballot with how
many votes, or appointed by which decision) and whether the superior committee approved the
result.

Every read here raises ``reads.errors.CorruptRecord`` for a stored event that cannot be read or
does not fit the congress's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.congress_events import (
    BallotCount,
    BallotResultDeclared,
    BallotsCounted,
    CongressEvent,
    CountSigned,
    DirectionGiven,
    ElectionPaused,
    ElectionResultApproved,
    MemberAppointed,
    RoundOpened,
    ShortfallDecided,
    WithdrawnFromList,
    congress_stream,
)
from domain.election import (
    CongressState,
    RoundState,
    evolve_congress,
    fold_congress,
    identity,
)
from domain.event_base import DomainEvent
from domain.people import Candidate
from domain.vocabulary import label, person
from eventstore.model import RecordedEvent
from eventstore.store import PostgresEventStore
from reads.decoding import corrupt, decode_in_place

Decoded = tuple[RecordedEvent, DomainEvent]


@dataclass(frozen=True, kw_only=True)
class CongressRecord:
    """The congress's state and its events as stored, in order."""

    state: CongressState
    history: tuple[DomainEvent, ...]

    def events(self) -> list[DomainEvent]:
        return list(self.history)


def record_of(events: Sequence[DomainEvent]) -> CongressRecord:
    """A congress from events already read (the domain's own, in tests and tools)."""
    return CongressRecord(state=fold_congress(list(events)), history=tuple(events))


async def congress_history(store: PostgresEventStore, plan_id: str, *,
                           as_of: datetime | None = None) -> list[Decoded]:
    recorded = await store.read_stream(congress_stream(plan_id), as_of=as_of)
    return [(r, decode_in_place(r)) for r in recorded]


def fold_history(history: Sequence[Decoded]) -> CongressState:
    state = CongressState()
    for recorded, event in history:
        if not isinstance(event, CongressEvent):
            raise corrupt(recorded, "không phải sự kiện của đại hội")
        try:
            state = evolve_congress(state, event)
        except Exception as error:  # decodable, but not an event this history can have
            raise corrupt(recorded, f"không khớp với lịch sử của đại hội "
                                    f"({type(error).__name__}: {error})") from error
    return state


def congress_state(recorded: Sequence[RecordedEvent], plan_id: str) -> CongressState:
    """The congress folded from a plan's correlated events (its own stream's only)."""
    stream = congress_stream(plan_id)
    return fold_history([(r, decode_in_place(r)) for r in recorded if r.stream_id == stream])


async def load_congress(store: PostgresEventStore, plan_id: str, *,
                        as_of: datetime | None = None) -> CongressRecord:
    history = await congress_history(store, plan_id, as_of=as_of)
    return CongressRecord(state=fold_history(history), history=tuple(e for _, e in history))


# --- the elected committee --------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CommitteeMember:
    """One person holding one position group of the new committee."""

    person_id: str  # the party card (or name and birth date): the same person across groups
    who: str
    full_name: str
    party_card_number: str | None
    gender: str
    birth_date: date
    ethnicity: str
    current_post: str
    position_group: str
    position_group_title: str
    how: str  # "elected" or "appointed"
    how_label: str
    round: int
    body: str  # who elected (congress, executive_committee), or "superior_standing_committee"
    body_label: str
    ballot: int | None  # the ballot that elected, for an elected member
    votes: int | None
    base: int | None  # the base "more than half" was counted against
    source: str  # plan, self, delegate, presidium (elected), appointment
    source_label: str
    entry_id: str
    nomination_id: str | None  # the approved plan's nomination, when on its list
    decision_ref: str | None  # the approval (elected) or appointment decision
    approved: bool  # elected: the round's result approved (chuẩn y); appointed: always


@dataclass(frozen=True, kw_only=True)
class GroupSummary:
    position_group: str
    title: str
    seats: int
    elected: int
    appointed: int
    open: int
    approved: bool


@dataclass(frozen=True, kw_only=True)
class ElectedCommittee:
    plan_id: str
    organization_id: str
    organization_name: str
    term: str
    phase: str
    phase_label: str
    procedure_key: str
    groups: tuple[GroupSummary, ...]  # in the order the procedure lists its groups
    members: tuple[CommitteeMember, ...]  # by group, then as elected (most votes first)

    def of_group(self, position_group: str) -> list[CommitteeMember]:
        return [m for m in self.members if m.position_group == position_group]


def _member(c: Candidate, **rest: Any) -> CommitteeMember:
    return CommitteeMember(who=person(c.full_name, c.party_card_number), full_name=c.full_name,
                           party_card_number=c.party_card_number, gender=c.gender.value,
                           birth_date=c.birth_date, ethnicity=c.ethnicity,
                           current_post=c.current_post, person_id=identity(c), **rest)


def elected_committee(record: CongressRecord) -> ElectedCommittee:
    state = record.state
    assert state.organization is not None
    approvals: dict[int, str] = {}
    for event in record.events():
        if isinstance(event, ElectionResultApproved):
            for number in event.rounds:
                approvals[number] = event.decision_ref
    members: list[CommitteeMember] = []
    groups: list[GroupSummary] = []
    for group in state.position_groups:
        rounds = [r for r in state.rounds_of(group.code) if r.stage.value == "concluded"]
        appointed = [a for a in state.appointments if a.position_group == group.code]
        if not rounds and not appointed:
            continue
        for rnd in rounds:
            base = rnd.base
            for e in rnd.elected:
                entry = state.entries[e.entry_id]
                members.append(_member(
                    entry.candidate, position_group=group.code,
                    position_group_title=group.title_vi, how="elected",
                    how_label=label("membership", "elected"), round=rnd.number,
                    body=rnd.body, body_label=label("electing_body", rnd.body),
                    ballot=e.ballot, votes=e.votes, base=base, source=entry.source,
                    source_label=label("nomination_source", entry.source),
                    entry_id=entry.entry_id, nomination_id=entry.nomination_id,
                    decision_ref=approvals.get(rnd.number),
                    approved=rnd.number in state.approved_rounds))
        for a in appointed:
            members.append(_member(
                a.candidate, position_group=group.code,
                position_group_title=group.title_vi, how="appointed",
                how_label=label("membership", "appointed"), round=a.round,
                body="superior_standing_committee",
                body_label=label("role", "superior_standing_committee"), ballot=None,
                votes=None, base=None, source="appointment",
                source_label=label("membership", "appointed"), entry_id=a.entry_id,
                nomination_id=None, decision_ref=a.decision_ref, approved=True))
        seats = sum(r.seats for r in rounds)
        elected = sum(len(r.elected) for r in rounds)
        groups.append(GroupSummary(
            position_group=group.code, title=group.title_vi, seats=seats, elected=elected,
            appointed=len(appointed), open=max(0, seats - elected - len(appointed)),
            approved=bool(rounds) and all(r.number in state.approved_rounds for r in rounds)))
    return ElectedCommittee(
        plan_id=state.plan_id, organization_id=state.organization.organization_id,
        organization_name=state.organization.name, term=state.term, phase=state.phase.value,
        phase_label=label("congress_phase", state.phase.value),
        procedure_key=state.procedure_key, groups=tuple(groups), members=tuple(members))


# --- rounds -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class EntryView:
    entry_id: str
    who: str
    full_name: str
    party_card_number: str | None
    source: str
    source_label: str
    nominated_by: str
    withdrawn: bool
    withdrawal_reason: str
    elected: bool


@dataclass(frozen=True, kw_only=True)
class VoteRow:
    entry_id: str
    who: str
    kept: int
    elected: bool


@dataclass(frozen=True, kw_only=True)
class InvalidRow:
    reason: str
    label: str
    ballots: int


@dataclass(frozen=True, kw_only=True)
class BallotView:
    number: int
    kind: str
    kind_label: str
    seats: int
    entries: tuple[str, ...]
    counted: bool
    counts: int  # counted how many times (recounts included)
    count: BallotCount | None
    count_digest: str
    counted_at: datetime | None
    counted_by: str
    recount_matches: bool | None
    signed: bool
    signatories: tuple[str, ...]
    signed_at: datetime | None
    votes: tuple[VoteRow, ...]
    invalid: tuple[InvalidRow, ...]
    outcome: str
    outcome_label: str
    result_reason: str
    needed: int | None
    base: int | None


@dataclass(frozen=True, kw_only=True)
class NotStandingView:
    who: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RoundView:
    plan_id: str
    organization_name: str
    number: int
    position_group: str
    title: str
    body: str
    body_label: str
    seats: int
    summoned: int
    excluded: int
    base: int
    present: int
    held_on: date
    stage: str
    stage_label: str
    list_approved: bool
    entries: tuple[EntryView, ...]
    not_standing: tuple[NotStandingView, ...]
    ballots: tuple[BallotView, ...]
    elected: tuple[str, ...]  # who, as elected
    open_seats: int
    shortfall_decisions: tuple[str, ...]  # "Bầu tiếp: lý do", ...
    approved: bool


def round_view(record: CongressRecord, number: int) -> RoundView:
    state = record.state
    assert state.organization is not None
    rnd = state.rounds[number - 1]
    events = record.events()
    withdrawals = {e.entry_id: e.reason for e in events
                   if isinstance(e, WithdrawnFromList) and e.round == number}
    elected = rnd.elected_ids
    entries = tuple(EntryView(
        entry_id=i, who=_who(state, i), full_name=state.entries[i].candidate.full_name,
        party_card_number=state.entries[i].candidate.party_card_number,
        source=state.entries[i].source,
        source_label=label("nomination_source", state.entries[i].source),
        nominated_by=state.entries[i].nominated_by, withdrawn=i in rnd.withdrawn,
        withdrawal_reason=withdrawals.get(i, ""), elected=i in elected)
        for i in rnd.entries)
    opened = next(e for e in events if isinstance(e, RoundOpened) and e.round == number)
    return RoundView(
        plan_id=state.plan_id, organization_name=state.organization.name, number=rnd.number,
        position_group=rnd.position_group, title=state.title(rnd.position_group),
        body=rnd.body, body_label=label("electing_body", rnd.body), seats=rnd.seats,
        summoned=rnd.summoned, excluded=rnd.excluded, base=rnd.base, present=rnd.present,
        held_on=rnd.held_on, stage=rnd.stage.value,
        stage_label=label("round_stage", rnd.stage.value), list_approved=rnd.list_approved,
        entries=entries,
        not_standing=tuple(NotStandingView(who=person(n.candidate.full_name,
                                                      n.candidate.party_card_number),
                                           reason=n.reason) for n in opened.not_standing),
        ballots=tuple(_ballot_view(state, rnd, b.number, events) for b in rnd.ballots),
        elected=tuple(_who(state, e.entry_id) for e in rnd.elected), open_seats=rnd.open_seats,
        shortfall_decisions=tuple(
            f"{label('shortfall_decision', e.decision)}: {e.reason}" for e in events
            if isinstance(e, ShortfallDecided) and e.round == number),
        approved=rnd.number in state.approved_rounds)


def _who(state: CongressState, entry_id: str) -> str:
    c = state.entries[entry_id].candidate
    return person(c.full_name, c.party_card_number)


def _ballot_view(state: CongressState, rnd: RoundState, number: int,
                 events: list[DomainEvent]) -> BallotView:
    ballot = rnd.ballots[number - 1]
    counts = [e for e in events if isinstance(e, BallotsCounted) and e.round == rnd.number
              and e.ballot == number]
    signed = next((e for e in events if isinstance(e, CountSigned) and e.round == rnd.number
                   and e.ballot == number), None)
    result = next((e for e in events if isinstance(e, BallotResultDeclared)
                   and e.round == rnd.number and e.ballot == number), None)
    last = counts[-1] if counts else None
    count = last.count if last else None
    won = {e.entry_id for e in result.elected} if result else set()
    return BallotView(
        number=number, kind=ballot.kind, kind_label=label("ballot_kind", ballot.kind),
        seats=ballot.seats, entries=ballot.entries, counted=count is not None,
        counts=len(counts), count=count, count_digest=last.count_digest if last else "",
        counted_at=last.occurred_at if last else None,
        counted_by=last.actor.user_id if last else "",
        recount_matches=last.matches_previous if last else None,
        signed=signed is not None, signatories=signed.signatories if signed else (),
        signed_at=signed.occurred_at if signed else None,
        votes=tuple(VoteRow(entry_id=v.entry_id, who=_who(state, v.entry_id), kept=v.kept,
                            elected=v.entry_id in won)
                    for v in (count.votes if count else ())),
        invalid=tuple(InvalidRow(reason=i.reason, label=label("ballot_invalid", i.reason),
                                 ballots=i.ballots)
                      for i in (count.invalid_by_reason if count else ())),
        outcome=result.outcome if result else "",
        outcome_label=label("ballot_outcome", result.outcome) if result else "",
        result_reason=result.reason if result else "",
        needed=result.needed if result else None, base=result.base if result else None)


# --- the congress as a whole ------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Decision:
    kind: str  # event type
    kind_label: str
    decision_ref: str
    text: str
    at: datetime
    by: str


@dataclass(frozen=True, kw_only=True)
class CongressView:
    plan_id: str
    organization_id: str
    organization_name: str
    superior_id: str
    term: str
    kind: str
    kind_label: str
    summoned: int
    opens_on: date
    phase: str
    phase_label: str
    procedure_key: str
    procedure_digest: str
    paused_groups: tuple[str, ...]
    pause_reason: str
    rounds: tuple[RoundView, ...]
    decisions: tuple[Decision, ...]  # pauses, directions, approvals, appointments


def congress_view(record: CongressRecord) -> CongressView:
    state = record.state
    assert state.organization is not None and state.opens_on is not None
    decisions: list[Decision] = []
    pause_reason = ""
    for event in record.events():
        if isinstance(event, ElectionPaused):
            pause_reason = event.reason
            decisions.append(_decision(event, "", event.reason))
        elif isinstance(event, DirectionGiven):
            decisions.append(_decision(event, event.decision_ref, event.direction))
        elif isinstance(event, ElectionResultApproved):
            rounds = ", ".join(str(n) for n in event.rounds)
            decisions.append(_decision(event, event.decision_ref,
                                       f"vòng bầu {rounds}" + (f": {event.reasons}"
                                                               if event.reasons else "")))
        elif isinstance(event, MemberAppointed):
            decisions.append(_decision(
                event, event.decision_ref,
                f"{person(event.candidate.full_name, event.candidate.party_card_number)} — "
                f"{state.title(event.position_group)}; {event.agreeing}/{event.members} ủy "
                f"viên đồng ý (cần hơn {event.threshold}); {event.reason}"))
    return CongressView(
        plan_id=state.plan_id, organization_id=state.organization.organization_id,
        organization_name=state.organization.name, superior_id=state.superior_id,
        term=state.term, kind=state.kind, kind_label=label("congress_kind", state.kind),
        summoned=state.summoned, opens_on=state.opens_on, phase=state.phase.value,
        phase_label=label("congress_phase", state.phase.value),
        procedure_key=state.procedure_key, procedure_digest=state.procedure_digest,
        paused_groups=state.paused_groups,
        pause_reason=pause_reason if state.paused_groups else "",
        rounds=tuple(round_view(record, r.number) for r in state.rounds),
        decisions=tuple(decisions))


def _decision(event: DomainEvent, ref: str, text: str) -> Decision:
    return Decision(kind=event.TYPE, kind_label=label("event", event.TYPE), decision_ref=ref,
                    text=text, at=event.occurred_at, by=event.actor.user_id)
