"""Use cases of the congress (đại hội), each given the principal and acting through the access
policy (``application.access``):

- the organization department conducts the election (``conduct_congress``): opens the congress
  once the plan is approved, opens each round, records nominations at the congress (ứng cử,
  đề cử) and withdrawals, the list vote, what to do when too few are elected, and closes the
  record;
- the counting committee (``count_ballots``) imports the ballots from a CSV or enters them one
  by one with a running count, and signs the count;
- the superior standing committee gives its direction to a paused election
  (``give_direction``), approves the result (chuẩn y, ``approve_election_result``) and appoints
  to open seats (chỉ định, ``appoint``);
- reading (``read_congress``): the congress, a round, the elected committee, and the count
  protocol (biên bản kiểm phiếu) as a printable page.

Secret ballot: ballots are read into patterns in the canonical order at once; no use case
keeps a ballot, its place in a file, or the file itself; what is sent and stored is the
canonical form (``domain.ballots``)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from application.access import acting
from application.context import Context
from application.errors import CongressNotFound, NominationNotFound, Rejected
from application.inputs import parse_choice
from application.labels import CATALOGUE
from application.preparation import Written, load
from application.principal import Principal
from domain.access import Operation
from domain.ballots import (
    BallotPattern,
    PatternKey,
    canonical,
    canonical_ballot_file,
    count_ballots,
    invalid_reason,
)
from domain.congress_events import BallotCount
from domain.election import (
    Appoint,
    ApproveElectionResult,
    CloseCongress,
    CongressPhase,
    CongressState,
    CountBallots,
    DecideShortfall,
    GiveDirection,
    NominateAtCongress,
    OpenCongress,
    OpenRound,
    RoundStage,
    SignCount,
    VoteOnList,
    WithdrawFromList,
    approved_plan,
    identity,
    reference_of,
)
from domain.errors import Violation
from domain.people import Candidate
from domain.plan import PlanState
from domain.text import nfc
from domain.vocabulary import label, number, person
from reads.congress import (
    BallotView,
    CongressRecord,
    CongressView,
    ElectedCommittee,
    RoundView,
    congress_view,
    elected_committee,
    load_congress,
    round_view,
)


async def load_record(ctx: Context, plan_id: str) -> CongressRecord:
    record = await load_congress(ctx.store, plan_id)
    if record.state.phase is CongressPhase.NOT_OPENED:
        await load(ctx, plan_id)  # PlanNotFound when there is no such plan either
        raise CongressNotFound(plan_id)
    return record


def _organization(state: CongressState) -> str:
    assert state.organization is not None
    return state.organization.organization_id


def _round_of(state: CongressState, round_: int) -> None:
    if state.round_at(round_) is None:
        raise Rejected((Violation(field="round", rule="unknown_round",
                                  message=f"Đại hội không có vòng bầu {round_}."),))


def _entry(state: CongressState, round_: int, ref: str) -> str:
    """An entry of a round's list named by party card or entry id."""
    rnd = state.round_at(round_)
    if rnd is None:
        raise Rejected((Violation(field="round", rule="unknown_round",
                                  message=f"Đại hội không có vòng bầu {round_}."),))
    wanted = nfc(ref)
    for entry_id in rnd.entries:
        if wanted in (entry_id, reference_of(state, entry_id)):
            return entry_id
    raise NominationNotFound(wanted)


# --- the organization department ----------------------------------------------------------------
async def open_congress(ctx: Context, principal: Principal, plan_id: str, *, kind: str,
                        summoned: int, opens_on: date, key: str) -> Written:
    """Khai mạc đại hội of an approved plan: its lists and its procedure's election rules are
    copied into the congress's first event."""
    plan = await load(ctx, plan_id)
    assert plan.organization is not None
    actor = await acting(ctx, principal, Operation.CONDUCT_CONGRESS,
                         plan.organization.organization_id)
    chosen = parse_choice(kind, "kind", dict(CATALOGUE["congress_kind"]), "một loại đại hội")
    command = OpenCongress(command_id=key, actor=actor, approved_plan=approved_plan(plan),
                           kind=chosen, summoned=summoned, opens_on=opens_on)
    recorded = await ctx.plans.open_congress(command)
    return Written(recorded=recorded,
                   summary=f"Đã khai mạc {label('congress_kind', chosen).lower()} "
                           f"{plan.organization.name}, nhiệm kỳ {plan.term}: "
                           f"{number(summoned)} người được triệu tập; danh sách theo đề án "
                           f"{plan_id} đã được phê duyệt.")


async def open_round(ctx: Context, principal: Principal, plan_id: str, *, position_group: str,
                     body: str, seats: int, summoned: int, present: int, held_on: date,
                     excluded: int = 0, excluded_reason: str = "", key: str) -> Written:
    """Một vòng bầu: which body elects which position group (code or title), how many."""
    record = await load_record(ctx, plan_id)
    state = record.state
    actor = await acting(ctx, principal, Operation.CONDUCT_CONGRESS, _organization(state))
    group = parse_choice(position_group, "position_group",
                         {g.code: g.title_vi for g in state.position_groups},
                         "một nhóm chức danh")
    chosen = parse_choice(body, "body", dict(CATALOGUE["electing_body"]), "một cơ quan bầu")
    command = OpenRound(command_id=key, actor=actor, position_group=group, body=chosen,
                        seats=seats, summoned=summoned, present=present, held_on=held_on,
                        excluded=excluded, excluded_reason=nfc(excluded_reason))
    recorded = await ctx.plans.send_congress(plan_id, "open_round", command)
    after = (await load_record(ctx, plan_id)).state
    rnd = next(r for r in after.rounds if r.position_group == group)
    return Written(recorded=recorded,
                   summary=f"Đã mở vòng bầu {rnd.number}: {label('electing_body', chosen)} bầu "
                           f"{number(seats)} {after.title(group)}; danh sách có "
                           f"{number(len(rnd.on_list))} người theo đề án.")


def _known_person(plan: PlanState, state: CongressState, card: str) -> Candidate | None:
    wanted = nfc(card)
    for entry in state.entries.values():
        if entry.candidate.party_card_number == wanted:
            return entry.candidate
    for nomination in plan.nominations.values():
        if nomination.candidate.party_card_number == wanted:
            return nomination.candidate
    return None


async def _candidate(ctx: Context, plan_id: str, state: CongressState, who: str | None,
                     particulars: Mapping[str, str | None] | None) -> Candidate:
    """A person named by party card (someone of the plan or of the congress's lists), or
    given in full (``particulars``: the fields of ``application.files.OPTION_NAMES``)."""
    from application.files import candidate_from_fields

    if particulars:
        fields = {"candidate_group": "first_time", "position_group": "committee_member",
                  **{k: v for k, v in particulars.items() if v is not None}}
        if who and not fields.get("party_card_number"):
            fields["party_card_number"] = who
        return candidate_from_fields(fields).candidate
    if not who:
        raise Rejected((Violation(field="candidate", rule="required",
                                  message="Hãy nêu số thẻ đảng của người được giới thiệu, hoặc "
                                          "đủ thông tin (họ tên, ngày sinh, giới tính, dân "
                                          "tộc, chức vụ, số thẻ đảng)."),))
    found = _known_person(await load(ctx, plan_id), state, who)
    if found is None:
        raise Rejected((Violation(
            field="candidate", rule="known_candidate",
            message=f"Thẻ đảng {who} không có trong đề án hay danh sách bầu cử của đại hội: "
                    f"hãy ghi đủ thông tin của người này."),))
    return found


def entry_id_for(key: bytes, plan_id: str, round_: int, candidate: Candidate) -> str:
    """Stable per congress, round and person: nominating the same person again is refused,
    never recorded twice. Keyed (HMAC-SHA-256 under the installation's id key, as nomination
    ids are): an id seen in a stream or an update cannot be traced back to a party card by
    trying every card number, as a plain uuid5 could."""
    return keyed_id(key, f"nhansu:{plan_id}:congress:{round_}:{identity(candidate)}")


def keyed_id(key: bytes, text: str) -> str:
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


async def nominate(ctx: Context, principal: Principal, plan_id: str, round_: int, *,
                   source: str, who: str | None = None,
                   particulars: Mapping[str, str | None] | None = None,
                   nominated_by: str = "", consented: bool = False, accepted: bool = False,
                   support: int | None = None, key: str) -> Written:
    """Ứng cử (self), đề cử (delegate) or the presidium's nomination onto a round's list."""
    record = await load_record(ctx, plan_id)
    state = record.state
    actor = await acting(ctx, principal, Operation.CONDUCT_CONGRESS, _organization(state))
    chosen = parse_choice(source, "source", {s: label("nomination_source", s)
                                             for s in ("self", "delegate", "presidium")},
                          "một hình thức giới thiệu",
                          aliases={"ứng cử": "self", "đề cử": "delegate",
                                   "đoàn chủ tịch": "presidium"})
    candidate = await _candidate(ctx, plan_id, state, who, particulars)
    command = NominateAtCongress(
        command_id=key, actor=actor, round=round_,
        entry_id=entry_id_for(ctx.id_key, plan_id, round_, candidate), source=chosen,
        candidate=candidate,
        nominated_by=nfc(nominated_by), nominee_consented=consented,
        presidium_accepted=accepted, support=support)
    recorded = await ctx.plans.send_congress(plan_id, "nominate", command)
    return Written(recorded=recorded,
                   summary=f"Đã ghi {label('nomination_source', chosen).lower()}: "
                           f"{person(candidate.full_name, candidate.party_card_number)} vào "
                           f"danh sách vòng bầu {round_}.")


async def withdraw_from_list(ctx: Context, principal: Principal, plan_id: str, round_: int,
                             ref: str, *, reason: str, key: str) -> Written:
    record = await load_record(ctx, plan_id)
    state = record.state
    actor = await acting(ctx, principal, Operation.CONDUCT_CONGRESS, _organization(state))
    entry = _entry(state, round_, ref)
    recorded = await ctx.plans.send_congress(plan_id, "withdraw_from_list", WithdrawFromList(
        command_id=key, actor=actor, round=round_, entry_id=entry, reason=nfc(reason)))
    who = state.entries[entry].candidate
    return Written(recorded=recorded,
                   summary=f"Đã cho {person(who.full_name, who.party_card_number)} rút khỏi "
                           f"danh sách vòng bầu {round_}.")


async def vote_on_list(ctx: Context, principal: Principal, plan_id: str, round_: int, *,
                       present: int, in_favour: int, key: str) -> Written:
    """Biểu quyết danh sách bầu cử; approved, the first ballot opens."""
    record = await load_record(ctx, plan_id)
    actor = await acting(ctx, principal, Operation.CONDUCT_CONGRESS,
                         _organization(record.state))
    recorded = await ctx.plans.send_congress(plan_id, "vote_on_list", VoteOnList(
        command_id=key, actor=actor, round=round_, present=present, in_favour=in_favour))
    approved = "BallotOpened" in recorded.event_types
    return Written(recorded=recorded,
                   summary=f"Biểu quyết danh sách vòng bầu {round_}: {number(in_favour)}/"
                           f"{number(present)} tán thành — "
                           + ("danh sách được thông qua, bắt đầu bỏ phiếu."
                              if approved else "danh sách chưa được thông qua."))


async def decide_shortfall(ctx: Context, principal: Principal, plan_id: str, round_: int, *,
                           decision: str, reason: str, key: str) -> Written:
    record = await load_record(ctx, plan_id)
    actor = await acting(ctx, principal, Operation.CONDUCT_CONGRESS,
                         _organization(record.state))
    chosen = parse_choice(decision, "decision", dict(CATALOGUE["shortfall_decision"]),
                          "một quyết định", aliases={"bầu tiếp": "another_ballot",
                                                     "để trống": "leave_open"})
    recorded = await ctx.plans.send_congress(plan_id, "decide_shortfall", DecideShortfall(
        command_id=key, actor=actor, round=round_, decision=chosen, reason=nfc(reason)))
    return Written(recorded=recorded,
                   summary=f"Vòng bầu {round_}: {label('shortfall_decision', chosen)}.")


async def close_congress(ctx: Context, principal: Principal, plan_id: str, *,
                         key: str) -> Written:
    record = await load_record(ctx, plan_id)
    actor = await acting(ctx, principal, Operation.CONDUCT_CONGRESS,
                         _organization(record.state))
    recorded = await ctx.plans.send_congress(plan_id, "close",
                                             CloseCongress(command_id=key, actor=actor))
    return Written(recorded=recorded, summary=f"Đã kết thúc hồ sơ đại hội của đề án {plan_id}.")


# --- the counting committee ---------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CountWritten(Written):
    """A count recorded: its digest (what the committee signs) and the canonical ballot file
    (whose sha256 the count holds) for the committee to seal with the ballots."""

    count_digest: str
    ballot_file_sha256: str
    canonical_file: bytes
    ballot: BallotView


@dataclass(frozen=True, kw_only=True)
class _Ballot:
    round: int
    number: int
    seats: int
    entries: tuple[str, ...]
    references: dict[str, str]  # party card (or entry id) -> entry id
    names: dict[str, str]  # entry id -> "Nguyễn Văn A (thẻ đảng ...)"
    rules: tuple[str, ...]


def _current_ballot(state: CongressState, round_: int) -> _Ballot:
    rnd = state.round_at(round_)
    if rnd is None:
        raise Rejected((Violation(field="round", rule="unknown_round",
                                  message=f"Đại hội không có vòng bầu {round_}."),))
    if rnd.stage is not RoundStage.BALLOTING or rnd.ballot is None:
        raise Rejected((Violation(
            field="round", rule="round_stage",
            message=f"Vòng bầu {round_} đang ở giai đoạn "
                    f"«{label('round_stage', rnd.stage.value)}»: không có lần bầu nào chờ "
                    f"kiểm phiếu."),))
    b = rnd.ballot
    return _Ballot(round=round_, number=b.number, seats=b.seats, entries=b.entries,
                   references={reference_of(state, e): e for e in b.entries},
                   names={e: person(state.entries[e].candidate.full_name,
                                    state.entries[e].candidate.party_card_number)
                          for e in b.entries},
                   rules=state.election.invalid_ballots)


def ballots_key(round_: int, ballot: int, counts: int, canonical_file: bytes,
                issued: int) -> str:
    """The same ballots counted at the same point are the same request (a retry)."""
    digest = hashlib.sha256(canonical_file + f"\n{issued}".encode()).hexdigest()
    return f"ballots-r{round_}-b{ballot}-c{counts}-{digest[:32]}"


async def _send_count(ctx: Context, principal: Principal, plan_id: str, ballot: _Ballot,
                      patterns: tuple[BallotPattern, ...], issued: int,
                      key: str | None) -> CountWritten:
    record = await load_record(ctx, plan_id)
    actor = await acting(ctx, principal, Operation.COUNT_BALLOTS, _organization(record.state))
    rnd = record.state.rounds[ballot.round - 1]
    assert rnd.ballot is not None
    by_entry = {e: ref for ref, e in ballot.references.items()}
    canonical_file = canonical_ballot_file(patterns, by_entry)
    command_id = key or ballots_key(ballot.round, ballot.number, rnd.ballot.counts,
                                    canonical_file, issued)
    command = CountBallots(command_id=command_id, actor=actor, round=ballot.round,
                           ballot=ballot.number, issued=issued, ballots=patterns)
    recorded = await ctx.plans.send_congress(plan_id, "count_ballots", command)
    after = await load_record(ctx, plan_id)
    view = round_view(after, ballot.round).ballots[ballot.number - 1]
    count = view.count
    assert count is not None
    recount = ("" if view.counts <= 1 else
               " Kiểm lại: " + ("trùng khớp lần kiểm trước." if view.recount_matches
                                else "KHÁC lần kiểm trước."))
    return CountWritten(
        recorded=recorded, count_digest=view.count_digest,
        ballot_file_sha256=count.ballot_file_sha256, canonical_file=canonical_file,
        ballot=view,
        summary=f"Đã kiểm phiếu lần bầu {ballot.number} của vòng {ballot.round}: "
                f"{number(count.returned)} phiếu thu vào, {number(count.valid)} hợp lệ, "
                f"{number(count.invalid)} không hợp lệ. Mã kiểm phiếu (để ký): "
                f"{view.count_digest}.{recount}")


async def import_ballots(ctx: Context, principal: Principal, plan_id: str, round_: int,
                         path: Path, *, issued: int, key: str | None = None) -> CountWritten:
    """Kiểm phiếu bằng máy tính from a ballot file (``application.ballot_file``)."""
    from application.ballot_file import read_ballots

    record = await load_record(ctx, plan_id)
    await acting(ctx, principal, Operation.COUNT_BALLOTS, _organization(record.state))
    ballot = _current_ballot(record.state, round_)
    parsed = read_ballots(path, ballot.references)
    return await _send_count(ctx, principal, plan_id, ballot, parsed.patterns, issued, key)


@dataclass(frozen=True, kw_only=True)
class EnteredBallot:
    """What the counting table sees after each ballot: was it valid, and the running count."""

    valid: bool
    reason: str | None
    reason_label: str
    running: BallotCount


class BallotEntry:
    """Ballots entered one by one at the counting table, with a running count.

    Kept in this process's memory only, as how many ballots of each kind (never a list in
    the order entered), and sent once, as the whole box, by ``finish_ballot_entry``."""

    def __init__(self, plan_id: str, ballot: _Ballot) -> None:
        self.plan_id = plan_id
        self._ballot = ballot
        self._kinds: Counter[PatternKey] = Counter()

    @property
    def round(self) -> int:
        return self._ballot.round

    @property
    def ballot(self) -> int:
        return self._ballot.number

    @property
    def names(self) -> dict[str, str]:
        """The names on the ballot, by party card (or entry id)."""
        return {ref: self._ballot.names[e] for ref, e in self._ballot.references.items()}

    def name_of(self, entry_id: str) -> str:
        return self._ballot.names[entry_id]

    def _pattern(self, crossed_out: Sequence[str], issued: bool, names_added: bool,
                 marked: bool) -> BallotPattern:
        entries: list[str] = []
        for ref in crossed_out:
            entry = self._ballot.references.get(nfc(ref))
            if entry is None:
                raise Rejected((Violation(
                    field="crossed_out", rule="on_the_ballot",
                    message=f"{ref} không phải số thẻ đảng của người có tên trên phiếu."),))
            if entry in entries:
                raise Rejected((Violation(field="crossed_out", rule="duplicate",
                                          message=f"{ref} được ghi gạch hai lần."),))
            entries.append(entry)
        return BallotPattern(issued=issued, crossed_out=tuple(sorted(entries)),
                             names_added=names_added, marked=marked)

    def add(self, crossed_out: Sequence[str], *, issued: bool = True,
            names_added: bool = False, marked: bool = False) -> EnteredBallot:
        pattern = self._pattern(crossed_out, issued, names_added, marked)
        self._kinds[pattern.key()] += 1
        reason = invalid_reason(pattern, size=len(self._ballot.entries),
                                seats=self._ballot.seats, rules=self._ballot.rules)
        return EnteredBallot(valid=reason is None, reason=reason,
                             reason_label=label("ballot_invalid", reason) if reason else "",
                             running=self.running())

    def remove(self, crossed_out: Sequence[str], *, issued: bool = True,
               names_added: bool = False, marked: bool = False) -> BallotCount:
        """Take back one ballot of this kind (a mistake at the table)."""
        key = self._pattern(crossed_out, issued, names_added, marked).key()
        if self._kinds[key] == 0:
            raise Rejected((Violation(field="crossed_out", rule="not_counted",
                                      message="Chưa nhập phiếu nào như vậy để bỏ ra."),))
        self._kinds[key] -= 1
        return self.running()

    @property
    def patterns(self) -> tuple[BallotPattern, ...]:
        return canonical(BallotPattern(issued=i, crossed_out=c, names_added=a, marked=m,
                                       count=n)
                         for (i, c, a, m), n in self._kinds.items() if n > 0)

    def running(self) -> BallotCount:
        b = self._ballot
        return count_ballots(round=b.round, ballot=b.number, seats=b.seats, entries=b.entries,
                             issued=sum(p.count for p in self.patterns if p.issued),
                             patterns=self.patterns, rules=b.rules, ballot_file_sha256="")


async def start_ballot_entry(ctx: Context, principal: Principal, plan_id: str,
                             round_: int) -> BallotEntry:
    record = await load_record(ctx, plan_id)
    await acting(ctx, principal, Operation.COUNT_BALLOTS, _organization(record.state))
    return BallotEntry(plan_id, _current_ballot(record.state, round_))


async def finish_ballot_entry(ctx: Context, principal: Principal, entry: BallotEntry, *,
                              issued: int, key: str | None = None) -> CountWritten:
    patterns = entry.patterns
    if not patterns:
        raise Rejected((Violation(field="ballots", rule="required",
                                  message="Chưa nhập phiếu bầu nào."),))
    record = await load_record(ctx, entry.plan_id)
    ballot = _current_ballot(record.state, entry.round)
    return await _send_count(ctx, principal, entry.plan_id, ballot, patterns, issued, key)


async def sign_count(ctx: Context, principal: Principal, plan_id: str, round_: int, *,
                     signatories: Sequence[str], count_digest: str | None = None,
                     key: str) -> Written:
    """Ban kiểm phiếu ký biên bản kiểm phiếu; the signed count says who is elected."""
    record = await load_record(ctx, plan_id)
    state = record.state
    actor = await acting(ctx, principal, Operation.COUNT_BALLOTS, _organization(state))
    rnd = state.round_at(round_)
    ballot = rnd.ballot if rnd is not None else None
    command = SignCount(
        command_id=key, actor=actor, round=round_, ballot=ballot.number if ballot else 0,
        count_digest=count_digest or (ballot.count_digest if ballot else ""),
        signatories=tuple(nfc(s) for s in signatories))
    recorded = await ctx.plans.send_congress(plan_id, "sign_count", command)
    view = round_view(await load_record(ctx, plan_id), round_)
    signed = view.ballots[command.ballot - 1]
    return Written(recorded=recorded,
                   summary=f"Ban Kiểm phiếu đã ký biên bản lần bầu {command.ballot} của vòng "
                           f"{round_}: {signed.outcome_label}. {signed.result_reason}")


# --- the superior standing committee ------------------------------------------------------------
async def give_direction(ctx: Context, principal: Principal, plan_id: str, *,
                         decision_ref: str, direction: str, key: str) -> Written:
    record = await load_record(ctx, plan_id)
    actor = await acting(ctx, principal, Operation.GIVE_DIRECTION,
                         _organization(record.state))
    recorded = await ctx.plans.send_congress(plan_id, "give_direction", GiveDirection(
        command_id=key, actor=actor, decision_ref=nfc(decision_ref), direction=nfc(direction)))
    return Written(recorded=recorded,
                   summary=f"Đã ghi ý kiến chỉ đạo ({decision_ref}); bầu cử tiếp tục.")


async def approve_result(ctx: Context, principal: Principal, plan_id: str, *,
                         decision_ref: str, reasons: str = "", key: str) -> Written:
    """Chuẩn y kết quả bầu cử: every round concluded and not yet approved."""
    record = await load_record(ctx, plan_id)
    actor = await acting(ctx, principal, Operation.APPROVE_ELECTION_RESULT,
                         _organization(record.state))
    recorded = await ctx.plans.send_congress(plan_id, "approve_result", ApproveElectionResult(
        command_id=key, actor=actor, decision_ref=nfc(decision_ref), reasons=nfc(reasons)))
    return Written(recorded=recorded,
                   summary=f"Đã chuẩn y kết quả bầu cử ({decision_ref}).")


async def appoint(ctx: Context, principal: Principal, plan_id: str, *, position_group: str,
                  who: str | None = None, particulars: Mapping[str, str | None] | None = None,
                  decision_ref: str, members: int, agreeing: int, reason: str,
                  key: str) -> Written:
    """Chỉ định to a seat left open, with how many of the superior standing committee's
    members there are and how many agreed."""
    record = await load_record(ctx, plan_id)
    state = record.state
    actor = await acting(ctx, principal, Operation.APPOINT, _organization(state))
    group = parse_choice(position_group, "position_group",
                         {g.code: g.title_vi for g in state.position_groups},
                         "một nhóm chức danh")
    candidate = await _candidate(ctx, plan_id, state, who, particulars)
    entry = keyed_id(ctx.id_key, f"nhansu:{plan_id}:appointment:{group}:{identity(candidate)}")
    recorded = await ctx.plans.send_congress(plan_id, "appoint", Appoint(
        command_id=key, actor=actor, position_group=group, entry_id=entry,
        candidate=candidate, decision_ref=nfc(decision_ref), members=members,
        agreeing=agreeing, reason=nfc(reason)))
    return Written(recorded=recorded,
                   summary=f"Đã chỉ định {person(candidate.full_name, candidate.party_card_number)}"
                           f" — {state.title(group)} ({decision_ref}; {agreeing}/{members} ủy "
                           f"viên đồng ý).")


# --- reading ------------------------------------------------------------------------------------
async def show_congress(ctx: Context, principal: Principal, plan_id: str) -> CongressView:
    record = await load_record(ctx, plan_id)
    await acting(ctx, principal, Operation.READ_CONGRESS, _organization(record.state))
    return congress_view(record)


async def show_round(ctx: Context, principal: Principal, plan_id: str,
                     round_: int) -> RoundView:
    record = await load_record(ctx, plan_id)
    await acting(ctx, principal, Operation.READ_CONGRESS, _organization(record.state))
    _round_of(record.state, round_)
    return round_view(record, round_)


async def show_elected_committee(ctx: Context, principal: Principal,
                                 plan_id: str) -> ElectedCommittee:
    """The new committee: each member, position group, how elected or appointed."""
    record = await load_record(ctx, plan_id)
    await acting(ctx, principal, Operation.READ_CONGRESS, _organization(record.state))
    return elected_committee(record)


async def count_protocol(ctx: Context, principal: Principal, plan_id: str, round_: int,
                         ballot: int | None = None) -> str:
    """Biên bản kiểm phiếu of a ballot (the last counted, by default) as a printable page."""
    from audit.count_protocol import protocol_html

    view = await show_round(ctx, principal, plan_id, round_)
    counted = [b for b in view.ballots if b.counted]
    chosen = counted[-1] if ballot is None and counted else next(
        (b for b in view.ballots if b.number == ballot and b.counted), None)
    if chosen is None:
        raise Rejected((Violation(field="ballot", rule="not_counted",
                                  message=f"Vòng bầu {round_} chưa có lần bầu nào được kiểm "
                                          f"phiếu" + (f" (lần {ballot})" if ballot else "")
                                          + "."),))
    congress = congress_view(await load_record(ctx, plan_id))
    return protocol_html(congress, view, chosen)
