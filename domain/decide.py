"""decide(state, command, now) -> events: every rule of the five steps, checked before
anything is recorded. A command that breaks a rule raises CommandRejected naming each field
and rule; a command already decided (same command id) decides nothing again."""

from __future__ import annotations

import re
from datetime import datetime

from domain.approval import RecordApprovalDecision, decide_approval
from domain.commands import (
    CancelPlan,
    CorrectRegistration,
    OpenPlan,
    PlanCommand,
    RecordConferenceResult,
    RegisterCandidate,
    RegisterCandidates,
    SubmitPlan,
    WithdrawCandidate,
)
from domain.conference import base_count, quorum_required, ratio_label, votes_needed
from domain.door import (
    CONFERENCE_BEFORE_TERM_MONTHS,
    MAX_ORGANIZATION_NAME,
    MAX_PEOPLE,
    MAX_SEATS,
    MAX_TERM,
    TERM_START_AHEAD_MONTHS,
    TERM_START_PAST_MONTHS,
    check_int,
    check_reason,
)
from domain.door import MAX_CANDIDATE_AGE as MAX_CANDIDATE_AGE
from domain.door import MIN_MEMBER_AGE as MIN_MEMBER_AGE
from domain.eligibility import add_months, check_eligibility
from domain.errors import InvalidDefinition, Violations
from domain.events import (
    ConferenceResultRecorded,
    DomainEvent,
    EligibilityChecked,
    GroupCompletedSteps,
    ListEntry,
    NominationAdvanced,
    NominationDropped,
    NominationRevoteRequired,
    PlanCancelled,
    PlanOpened,
    PlanSubmitted,
    PlanTermClaimed,
    PlanTermReleased,
    StructureAssessed,
)
from domain.guards import authorize, base, door, named, require_open, track_label, who
from domain.plan import GroupProgress, Nomination, PlanPhase, PlanState
from domain.plan_terms import Tally
from domain.procedure import ratio
from domain.registration import correct, register, register_batch, withdraw
from domain.structure import assess_lists
from domain.text import check_identifier, check_text
from domain.vocabulary import PASS_BASES, business_day, day, number

TERM_PATTERN = re.compile(r"(\d{4})-(\d{4})")


def decide(state: PlanState, command: PlanCommand | RecordApprovalDecision, *,
           now: datetime, legacy: bool = False) -> list[DomainEvent]:
    """The events ``command`` records on ``state`` at ``now``, or CommandRejected.

    ``legacy=True`` decides as before the door checks on nomination ids, term claims and
    acknowledged eligibility failures: for a workflow whose recorded history began before
    them, so that replaying it decides what it decided then. Everything else passes False.
    """
    if command.command_id in state.processed_commands:
        return []
    if isinstance(command, RecordApprovalDecision):
        return decide_approval(state, command, now=now, legacy=legacy)
    if isinstance(command, OpenPlan):
        return _open_plan(state, command, now, legacy=legacy)
    if isinstance(command, RegisterCandidate):
        return register(state, command, now, legacy=legacy)
    if isinstance(command, RegisterCandidates):
        return register_batch(state, command, now)
    if isinstance(command, WithdrawCandidate):
        return withdraw(state, command, now)
    if isinstance(command, CorrectRegistration):
        return correct(state, command, now)
    if isinstance(command, CancelPlan):
        return _cancel(state, command, now)
    if isinstance(command, RecordConferenceResult):
        return _conference(state, command, now)
    if isinstance(command, SubmitPlan):
        return _submit(state, command, now)
    raise TypeError(f"unknown command {type(command).__name__}")


# --- opening a plan -------------------------------------------------------------------------
def _open_plan(state: PlanState, c: OpenPlan, now: datetime, *,
               legacy: bool) -> list[DomainEvent]:
    v = door(c)
    v.check(state.phase is PlanPhase.NOT_OPENED, "plan_id", "already_opened",
            f"Đề án {c.plan_id} đã được lập")
    if v.check(bool(c.plan_id.strip()), "plan_id", "required", "Đề án cần có mã"):
        check_identifier(v, "plan_id", c.plan_id, what="Mã đề án")
    org = c.organization
    if v.check(bool(org.organization_id.strip()), "organization.organization_id", "required",
               "Tổ chức đảng cần có mã"):
        check_identifier(v, "organization.organization_id", org.organization_id,
                         what="Mã tổ chức")
    if org.parent_id is not None:
        check_identifier(v, "organization.parent_id", org.parent_id, what="Mã tổ chức cấp trên")
    check_text(v, "organization.name", org.name, what="Tên tổ chức",
               limit=MAX_ORGANIZATION_NAME, required=True)
    v.check(org.parent_id != org.organization_id, "organization.parent_id", "not_own_parent",
            "Một tổ chức không thể là cấp trên trực tiếp của chính mình")
    authorize(c.actor, org.organization_id, v)
    _check_term(c, now, v)
    v.check(c.procedure.effective_from <= business_day(now), "procedure", "not_in_force",
            f"{c.procedure.title_vi} ({c.procedure.key}) có hiệu lực từ ngày "
            f"{day(c.procedure.effective_from)}")
    known = c.procedure.position_group_codes()
    v.check(bool(c.seats), "seats", "required",
            "Đề án phải xác định số chỉ tiêu của ít nhất một nhóm chức danh")
    seen: set[str] = set()
    for i, s in enumerate(c.seats):
        v.check(s.position_group in known, f"seats[{i}].position_group", "unknown_group",
                f"«{s.position_group}» không phải nhóm chức danh của {c.procedure.title_vi}; "
                f"các nhóm: " + ", ".join(c.procedure.position_group_title(k) for k in known))
        v.check(s.position_group not in seen, f"seats[{i}].position_group", "duplicate",
                f"Nhóm «{c.procedure.position_group_title(s.position_group)}» được ghi hai lần")
        if type(s.seats) is int and s.seats < 1:
            v.add(f"seats[{i}].seats", "positive", "Số chỉ tiêu phải ít nhất là 1")
        else:
            check_int(v, f"seats[{i}].seats", s.seats, low=1, high=MAX_SEATS,
                      what="Số chỉ tiêu của một nhóm chức danh")
        seen.add(s.position_group)
    for name in ("women_min", "under_40_min", "first_time_min", "ethnic_minority_min"):
        text = getattr(c.targets, name)
        if text is not None:
            try:
                ratio(text)
            except (InvalidDefinition, TypeError):
                v.add(f"targets.{name}", "ratio",
                      f"«{text}» không phải tỷ lệ từ 0 đến 1 (viết dạng p/q, ví dụ 3/20)")
    claims = c.term_claims
    check_int(v, "term_claims.version", claims.version, low=0, high=2**31 - 1,
              what="Phiên bản luồng nhiệm kỳ")
    if claims.holder is not None:
        v.add("term", "already_planned",
              f"{org.name} ({org.organization_id}) đã có đề án {claims.holder} cho nhiệm kỳ "
              f"{c.term}; chỉ lập đề án mới khi đề án đó bị hủy hoặc không được phê duyệt")
    v.raise_if_any()
    common = base(c, c.plan_id, now)
    events: list[DomainEvent] = [PlanOpened(
        **common,
        organization=org, term=c.term, term_start=c.term_start, seats=c.seats,
        targets=c.targets, procedure=c.procedure, procedure_digest=c.procedure.digest(),
    )]
    if not legacy:
        events.append(PlanTermClaimed(
            **common, organization_id=org.organization_id, term=c.term,
            previous_version=claims.version, follows=claims.last_released))
    return events


def _check_term(c: OpenPlan, now: datetime, v: Violations) -> None:
    years = c.procedure.term_months // 12
    check_text(v, "term", c.term, what="Nhiệm kỳ", limit=MAX_TERM)
    match = TERM_PATTERN.fullmatch(c.term) if isinstance(c.term, str) else None
    if v.check(match is not None, "term", "format",
               f"Nhiệm kỳ «{str(c.term)[:20]}» phải viết dạng năm đầu-năm cuối, ví dụ "
               f"2025-2030"):
        assert match is not None
        first, last = int(match.group(1)), int(match.group(2))
        v.check(last - first == years, "term", "term_length",
                f"Nhiệm kỳ {c.term} phải kéo dài {years} năm theo {c.procedure.title_vi}")
        v.check(c.term_start.year == first, "term_start", "within_term",
                f"Ngày bắt đầu {day(c.term_start)} không thuộc năm đầu của nhiệm kỳ {c.term}")
    today = business_day(now)
    earliest = add_months(today, -TERM_START_PAST_MONTHS)
    latest = add_months(today, TERM_START_AHEAD_MONTHS)
    v.check(earliest <= c.term_start <= latest, "term_start", "plausible_date",
            f"Ngày bắt đầu nhiệm kỳ {day(c.term_start)} không hợp lý: phải từ {day(earliest)} "
            f"đến {day(latest)}")


# --- cancelling -----------------------------------------------------------------------------
def _cancel(state: PlanState, c: CancelPlan, now: datetime) -> list[DomainEvent]:
    v = door(c)
    if not require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None
    authorize(c.actor, state.organization.organization_id, v)
    check_reason(v, "reason", c.reason, what="Lý do hủy đề án")
    v.raise_if_any()
    common = base(c, state.plan_id, now)
    events: list[DomainEvent] = [PlanCancelled(**common, reason=c.reason)]
    if state.term_held:
        events.append(PlanTermReleased(
            **common, organization_id=state.organization.organization_id, term=state.term,
            reason_code="cancelled"))
    return events


# --- recording a conference -----------------------------------------------------------------
def _conference(state: PlanState, c: RecordConferenceResult, now: datetime) -> list[DomainEvent]:
    v = door(c)
    if not require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None and state.procedure is not None
    assert state.term_start is not None
    proc = state.procedure
    authorize(c.actor, state.organization.organization_id, v)
    _check_minutes(state, c, v)
    track = state.current_track()
    if track is None:
        v.add("step", "nothing_to_vote",
              "Mọi nhóm đã hoàn thành quy trình 5 bước; hãy trình đề án lên cấp trên")
        v.raise_if_any()
    assert track is not None
    given = (c.position_group, c.candidate_group)
    if given != track:
        v.add("candidate_group", "group_order",
              f"Hội nghị tiếp theo là của {track_label(state, track)}, không phải của "
              f"{track_label(state, given) if given in state.tracks() else 'nhóm đã ghi'}: "
              f"bầu từng nhóm chức danh từ thấp đến cao, nhóm tái cử trước nhóm lần đầu "
              f"tham gia")
        v.raise_if_any()
    progress = state.progress.get(track, GroupProgress(step=proc.steps[0].number))
    if c.step != progress.step:
        v.add("step", "step_order",
              f"Hội nghị tiếp theo của {track_label(state, track)} là bước {progress.step} "
              f"(lần {progress.attempt}), không phải bước {c.step}")
        v.raise_if_any()
    if c.attempt is not None and check_int(v, "attempt", c.attempt, low=1, high=MAX_PEOPLE,
                                           what="Lần bỏ phiếu"):
        v.check(c.attempt == progress.attempt, "attempt", "minutes_mismatch",
                f"Biên bản ghi lần bỏ phiếu thứ {c.attempt}, nhưng bước {c.step} của "
                f"{track_label(state, track)} đang ở lần thứ {progress.attempt}")
    rule = proc.step(c.step)
    pg = track[0]
    seats = state.seats_for(pg)
    list_min, list_max = proc.surplus.list_bounds(seats)
    if not any(state.progress.get(t, GroupProgress(step=0)).started
               for t in state.tracks() if t[0] == pg):
        count = sum(1 for n in state.in_position_group(pg) if n.in_play)
        v.check(count >= list_min, "position_group", "list_minimum",
                f"Nhóm {proc.position_group_title(pg)} có {count} nhân sự; {seats} chỉ tiêu "
                f"cần danh sách ít nhất {list_min} người (số dư tối thiểu "
                f"{proc.surplus.prepared_min}) trước khi bắt đầu quy trình")

    _check_held_on(state, c, now, v)
    counts = {"summoned": ("Số được triệu tập", c.summoned),
              "attending": ("Số có mặt", c.attending),
              "ballots_issued": ("Số phiếu phát ra", c.ballots_issued),
              "ballots_valid": ("Số phiếu hợp lệ", c.ballots_valid)}
    for field, (what, value) in counts.items():
        check_int(v, field, value, low=0, high=MAX_PEOPLE, what=what)
    if any(type(value) is not int for _, value in counts.values()):
        v.raise_if_any()  # no arithmetic on what is not a number
    v.check(c.summoned >= 1, "summoned", "positive", "Phải triệu tập ít nhất một người")
    v.check(0 <= c.attending <= c.summoned, "attending", "within_summoned",
            f"Số có mặt {number(c.attending)} phải từ 0 đến số được triệu tập "
            f"{number(c.summoned)}")
    quorum = proc.quorum_of(rule)
    needed_present = quorum_required(c.summoned, quorum)
    v.check(c.attending >= needed_present, "attending", "quorum",
            f"Chỉ {number(c.attending)}/{number(c.summoned)} người có mặt; hội nghị chỉ được "
            f"tiến hành khi có ít nhất {ratio_label(quorum)} số được triệu tập "
            f"({number(needed_present)} người)")
    v.check(0 <= c.ballots_issued <= c.attending, "ballots_issued", "within_attending",
            f"Số phiếu phát ra {number(c.ballots_issued)} phải từ 0 đến số có mặt "
            f"{number(c.attending)}")
    v.check(0 <= c.ballots_valid <= c.ballots_issued, "ballots_valid", "within_issued",
            f"Số phiếu hợp lệ {number(c.ballots_valid)} phải từ 0 đến số phiếu phát ra "
            f"{number(c.ballots_issued)}")
    on_step = [n for n in state.members(track) if n.in_play]
    expected = {n.nomination_id for n in on_step}
    given_ids = [vote.nomination_id for vote in c.votes]
    counted = {i: given_ids.count(i) for i in set(given_ids)}
    duplicates = sorted(i for i, k in counted.items() if k > 1)
    v.check(not duplicates, "votes", "one_tally_each",
            "Có người được ghi kết quả hơn một lần: "
            + ", ".join(named(state, i) for i in duplicates))
    unknown = sorted(set(given_ids) - expected)
    v.check(not unknown, "votes", "on_the_list",
            f"Không có trong danh sách bỏ phiếu bước {c.step}: "
            + ", ".join(named(state, i) for i in unknown))
    missing = sorted(who(state.nominations[i]) for i in expected - set(given_ids))
    v.check(not missing, "votes", "complete",
            f"Chưa có kết quả kiểm phiếu của: {', '.join(missing)}")
    for i, vote in enumerate(c.votes):
        if type(vote.yes) is not int:
            check_int(v, f"votes[{i}].yes", vote.yes, low=0, high=MAX_PEOPLE,
                      what="Số phiếu đồng ý")
            continue
        v.check(0 <= vote.yes <= c.ballots_valid, f"votes[{i}].yes", "within_valid_ballots",
                f"{named(state, vote.nomination_id)} được {number(vote.yes)} phiếu đồng ý, "
                f"phải từ 0 đến số phiếu hợp lệ {number(c.ballots_valid)}")
    v.raise_if_any()

    base_kind = proc.pass_base_of(rule)
    base_n = base_count(base_kind, summoned=c.summoned, attending=c.attending,
                        ballots_valid=c.ballots_valid)
    threshold = proc.threshold_of(rule)
    needed = votes_needed(base_n, threshold)
    yes_of = {vote.nomination_id: vote.yes for vote in c.votes}
    passers = [n for n in on_step if rule.consultative or yes_of[n.nomination_id] >= needed]
    tracks = state.tracks()
    later = [n for t in tracks[tracks.index(track) + 1:] if t[0] == pg
             for n in state.members(t) if n.in_play]
    earlier = len(state.listed(pg))
    standing = earlier + len(passers) + len(later)
    revote = not rule.consultative and standing < list_min
    outcome = "revote_required" if revote else ("consultative" if rule.consultative
                                                else "advanced")
    is_final = c.step == proc.final_step
    kept: list[Nomination] = passers
    cut: list[Nomination] = []
    if not revote and is_final and earlier + len(passers) > list_max:
        kept, cut = _cut_to_list_maximum(state, passers, yes_of, list_max - earlier,
                                         c.tie_break, v)
    elif c.tie_break:
        v.add("tie_break", "no_tie",
              "Không có trường hợp bằng phiếu ở ngưỡng cuối danh sách cần người đứng đầu "
              "quyết định")
    v.raise_if_any()

    def tally(n: Nomination) -> Tally:
        return Tally(held_on=c.held_on, body=rule.body, summoned=c.summoned,
                     attending=c.attending, ballots_valid=c.ballots_valid,
                     yes=yes_of[n.nomination_id], pass_base=base_kind.value, base_count=base_n,
                     threshold=ratio_label(threshold), needed=needed)

    tied_votes = {yes_of[i] for i in c.tie_break}
    base_vi = PASS_BASES[base_kind]
    common = base(c, state.plan_id, now)
    events: list[DomainEvent] = [ConferenceResultRecorded(
        **common,
        position_group=pg, candidate_group=c.candidate_group, step=c.step,
        attempt=progress.attempt, body=rule.body, held_on=c.held_on, summoned=c.summoned,
        attending=c.attending, ballots_issued=c.ballots_issued, ballots_valid=c.ballots_valid,
        votes=c.votes, quorum_required=needed_present, pass_base=base_kind.value,
        base_count=base_n, threshold=ratio_label(threshold), outcome=outcome,
        passed=tuple(n.nomination_id for n in passers), standing_after=standing,
        tie_break=c.tie_break,
        list_minimum=list_min,
    )]
    next_step = proc.next_step(c.step)
    for n in on_step:
        yes = yes_of[n.nomination_id]
        score = f"{number(yes)}/{number(base_n)} phiếu ({base_vi})"
        if revote:
            events.append(NominationRevoteRequired(
                **common,
                nomination_id=n.nomination_id, step=c.step, attempt=progress.attempt,
                tally=tally(n),
                reason=(f"{score}; chỉ còn {standing} người cho danh sách cần ít nhất "
                        f"{list_min} ({seats} chỉ tiêu và số dư): bước {c.step} phải làm lại "
                        f"(lần {progress.attempt + 1})"),
            ))
        elif n in kept:
            why = ("bước tham khảo, không loại" if rule.consultative
                   else f"quá {ratio_label(threshold)} (cần {number(needed)})")
            events.append(NominationAdvanced(
                **common,
                nomination_id=n.nomination_id, step=c.step, attempt=progress.attempt,
                tally=tally(n), next_step=next_step,
                reason=f"{score}, {why}: " + (f"chuyển sang bước {next_step}" if next_step
                                              else "vào danh sách đề án"),
            ))
        elif n in cut:
            events.append(NominationDropped(
                **common,
                nomination_id=n.nomination_id, step=c.step, attempt=progress.attempt,
                tally=tally(n), reason_code="over_list_maximum",
                reason=(f"{score}: đạt nhưng danh sách tối đa {list_max} người; "
                        + ("bằng phiếu ở ngưỡng, người đứng đầu cấp ủy quyết định giữ người "
                           "khác" if yes_of[n.nomination_id] in tied_votes
                           else "không nằm trong số được giữ theo số phiếu")),
            ))
        else:
            events.append(NominationDropped(
                **common,
                nomination_id=n.nomination_id, step=c.step, attempt=progress.attempt,
                tally=tally(n), reason_code="below_threshold",
                reason=f"{score}, không quá {ratio_label(threshold)} (cần {number(needed)})",
            ))
    if not revote and (is_final or not kept):
        events.append(GroupCompletedSteps(
            **common,
            position_group=pg, candidate_group=c.candidate_group,
            listed=tuple(n.nomination_id for n in kept) if is_final else (),
        ))
    return events


def _check_minutes(state: PlanState, c: RecordConferenceResult, v: Violations) -> None:
    """The plan and organization the minutes' file names, when it names them."""
    assert state.organization is not None
    if c.plan_id is not None:
        v.check(c.plan_id == state.plan_id, "plan_id", "minutes_mismatch",
                f"Biên bản ghi đề án «{str(c.plan_id)[:64]}», nhưng được gửi cho đề án "
                f"{state.plan_id}")
    if c.organization_id is not None:
        v.check(c.organization_id == state.organization.organization_id, "organization_id",
                "minutes_mismatch",
                f"Biên bản ghi tổ chức «{str(c.organization_id)[:64]}», nhưng đề án là của "
                f"{state.organization.name} ({state.organization.organization_id})")


def _check_held_on(state: PlanState, c: RecordConferenceResult, now: datetime,
                   v: Violations) -> None:
    assert state.term_start is not None
    today = business_day(now)
    earliest = add_months(state.term_start, -CONFERENCE_BEFORE_TERM_MONTHS)
    v.check(c.held_on <= today, "held_on", "not_in_future",
            f"Ngày họp {day(c.held_on)} là ngày trong tương lai")
    v.check(c.held_on >= earliest, "held_on", "plausible_date",
            f"Ngày họp {day(c.held_on)} quá sớm: hội nghị chuẩn bị nhân sự cho nhiệm kỳ "
            f"{state.term} họp từ ngày {day(earliest)}")
    if state.last_held_on is not None:
        v.check(c.held_on >= state.last_held_on, "held_on", "chronological",
                f"Ngày họp {day(c.held_on)} trước hội nghị trước đó "
                f"({day(state.last_held_on)})")


def _cut_to_list_maximum(
    state: PlanState, passers: list[Nomination], yes_of: dict[str, int], room: int,
    tie_break: tuple[str, ...], v: Violations,
) -> tuple[list[Nomination], list[Nomination]]:
    """Keep the ``room`` best-voted; a tie across the cut-off is the head's to settle."""
    room = max(room, 0)
    ranked = sorted(passers, key=lambda n: -yes_of[n.nomination_id])
    if room == 0:
        if tie_break:
            v.add("tie_break", "no_tie",
                  "Danh sách đã đủ số lượng tối đa; không có trường hợp bằng phiếu cần người "
                  "đứng đầu quyết định")
        return [], ranked
    line = yes_of[ranked[room - 1].nomination_id]
    above = [n for n in ranked if yes_of[n.nomination_id] > line]
    tied = [n for n in ranked if yes_of[n.nomination_id] == line]
    places = room - len(above)
    if len(tied) == places:
        kept = above + tied
        if tie_break:
            v.add("tie_break", "no_tie",
                  f"Không có bằng phiếu ở ngưỡng cuối danh sách ({number(line)} phiếu): số "
                  f"phiếu quyết định, không cần người đứng đầu")
    else:
        tied_ids = {n.nomination_id for n in tied}
        chosen = [i for i in tie_break if i in tied_ids]
        valid = (len(chosen) >= places and len(set(chosen)) == len(chosen)
                 and set(tie_break) <= tied_ids)
        if not valid:
            v.add("tie_break", "head_decides_tie",
                  f"{len(tied)} người bằng {number(line)} phiếu cho {places} vị trí cuối của "
                  f"danh sách; người đứng đầu cấp ủy phải chọn {places} trong số: "
                  + "; ".join(sorted(who(n) for n in tied)))
            return passers, []
        keep_ids = set(chosen[:places])
        kept = above + [n for n in tied if n.nomination_id in keep_ids]
    cut = [n for n in ranked if n not in kept]
    return [n for n in passers if n in kept], cut


# --- submitting -----------------------------------------------------------------------------
def _submit(state: PlanState, c: SubmitPlan, now: datetime) -> list[DomainEvent]:
    v = door(c)
    if not require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None and state.procedure is not None
    authorize(c.actor, state.organization.organization_id, v)
    track = state.current_track()
    if track is not None:
        v.add("plan_id", "steps_unfinished",
              f"{track_label(state, track)} chưa hoàn thành quy trình 5 bước")
    v.check(state.phase is PlanPhase.IN_PROCEDURE, "plan_id", "steps_unfinished",
            "Chưa có hội nghị nào được ghi kết quả")
    assessment = assess_lists(state)
    for a in assessment:
        for shortfall in a.shortfalls:
            if shortfall.severity != "block":
                continue
            if shortfall.measure == "list_bounds":
                rule = "list_minimum" if a.size < a.list_minimum else "list_maximum"
            else:
                rule = shortfall.measure  # one of structure.SHORTFALL_RULES
            v.add(f"lists.{a.position_group}", rule,
                  f"{state.procedure.position_group_title(a.position_group)}: "
                  f"{shortfall.detail}")
    v.raise_if_any()
    assert state.term_start is not None
    common = base(c, state.plan_id, now)
    lists = tuple(ListEntry(position_group=s.position_group, seats=s.seats,
                            nominations=tuple(n.nomination_id
                                              for n in state.listed(s.position_group)))
                  for s in state.seats)
    events: list[DomainEvent] = [
        PlanSubmitted(**common, lists=lists),
        StructureAssessed(**common, round=state.round, lists=assessment),
    ]
    events.extend(
        EligibilityChecked(
            **common, nomination_id=n.nomination_id, occasion="submission",
            checks=check_eligibility(n.candidate, n.candidate_group,
                                     term_start=state.term_start,
                                     term_months=state.procedure.term_months,
                                     rules=state.procedure.eligibility, on=business_day(now)))
        for n in state.all_listed())
    return events
