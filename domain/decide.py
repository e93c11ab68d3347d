"""decide(state, command, now) -> events: every rule of the five steps, checked before
anything is recorded. A command that breaks a rule raises CommandRejected naming each field
and rule; a command already decided (same command id) decides nothing again."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from domain.approval import RecordApprovalDecision, decide_approval
from domain.commands import (
    Command,
    OpenPlan,
    PlanCommand,
    RecordConferenceResult,
    RegisterCandidate,
    SubmitPlan,
)
from domain.conference import (
    BASE_LABELS_VI,
    base_count,
    quorum_required,
    ratio_label,
    votes_needed,
)
from domain.eligibility import check_eligibility
from domain.errors import InvalidDefinition, Violations
from domain.events import (
    CandidateRegistered,
    ConferenceResultRecorded,
    DomainEvent,
    EligibilityChecked,
    EventCommon,
    GroupCompletedSteps,
    ListEntry,
    NominationAdvanced,
    NominationDropped,
    NominationRevoteRequired,
    PlanOpened,
    PlanSubmitted,
    StructureAssessed,
    common,
)
from domain.people import CANDIDATE_GROUP_LABELS_VI, Actor, Role
from domain.plan import GroupProgress, Nomination, PlanPhase, PlanState, Track
from domain.plan_terms import Tally
from domain.procedure import ratio
from domain.structure import assess_lists

MIN_MEMBER_AGE = 18
MAX_CANDIDATE_AGE = 100
TERM_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")


def decide(state: PlanState, command: PlanCommand | RecordApprovalDecision, *,
           now: datetime) -> list[DomainEvent]:
    if command.command_id in state.processed_commands:
        return []
    if isinstance(command, RecordApprovalDecision):
        return decide_approval(state, command, now=now)
    if isinstance(command, OpenPlan):
        return _open_plan(state, command, now)
    if isinstance(command, RegisterCandidate):
        return _register(state, command, now)
    if isinstance(command, RecordConferenceResult):
        return _conference(state, command, now)
    if isinstance(command, SubmitPlan):
        return _submit(state, command, now)
    raise TypeError(f"unknown command {type(command).__name__}")


def _base(command: Command, plan_id: str, now: datetime) -> EventCommon:
    return common(plan_id=plan_id, now=now, actor=command.actor, command_id=command.command_id)


def _authorize(actor: Actor, organization_id: str, v: Violations) -> None:
    """Only the plan's own organization department prepares it."""
    v.check(actor.role is Role.ORGANIZATION_DEPARTMENT, "actor.role", "role_not_permitted",
            f"role {actor.role.value} may not prepare a personnel plan; "
            f"only {Role.ORGANIZATION_DEPARTMENT.value} (ban tổ chức) may")
    v.check(actor.organization_id == organization_id, "actor.organization_id",
            "outside_scope",
            f"{actor.user_id} acts for {actor.organization_id}, not for {organization_id}")
    v.check(bool(actor.user_id.strip()), "actor.user_id", "required", "who acts must be named")


# --- opening a plan -------------------------------------------------------------------------
def _open_plan(state: PlanState, c: OpenPlan, now: datetime) -> list[DomainEvent]:
    v = Violations()
    v.check(state.phase is PlanPhase.NOT_OPENED, "plan_id", "already_opened",
            f"plan {c.plan_id} is already opened")
    v.check(bool(c.plan_id.strip()), "plan_id", "required", "a plan needs an id")
    org = c.organization
    v.check(bool(org.organization_id.strip()), "organization.organization_id", "required",
            "the organization needs an id")
    v.check(bool(org.name.strip()), "organization.name", "required",
            "the organization needs a name")
    v.check(org.parent_id != org.organization_id, "organization.parent_id", "not_own_parent",
            "an organization cannot be its own superior")
    _authorize(c.actor, org.organization_id, v)
    match = TERM_PATTERN.match(c.term)
    years = c.procedure.term_months // 12
    if v.check(match is not None, "term", "format", f"term {c.term!r} must look like 2025-2030"):
        assert match is not None
        first, last = int(match.group(1)), int(match.group(2))
        v.check(last - first == years, "term", "term_length",
                f"term {c.term} must span {years} years under {c.procedure.key}")
        v.check(c.term_start.year == first, "term_start", "within_term",
                f"term_start {c.term_start} is not in the first year of term {c.term}")
    v.check(c.procedure.effective_from <= now.date(), "procedure", "not_in_force",
            f"{c.procedure.key} takes effect on {c.procedure.effective_from}")
    known = set(c.procedure.position_group_codes())
    v.check(bool(c.seats), "seats", "required", "a plan fixes the seats of at least one group")
    seen: set[str] = set()
    for i, s in enumerate(c.seats):
        v.check(s.position_group in known, f"seats[{i}].position_group", "unknown_group",
                f"{s.position_group!r} is not a position group of {c.procedure.key} "
                f"({', '.join(sorted(known))})")
        v.check(s.position_group not in seen, f"seats[{i}].position_group", "duplicate",
                f"{s.position_group} is given twice")
        v.check(s.seats >= 1, f"seats[{i}].seats", "positive", "seats must be at least 1")
        seen.add(s.position_group)
    for name in ("women_min", "under_40_min", "first_time_min", "ethnic_minority_min"):
        text = getattr(c.targets, name)
        if text is not None:
            try:
                ratio(text)
            except InvalidDefinition:
                v.add(f"targets.{name}", "ratio", f"{text!r} is not a ratio between 0 and 1")
    v.raise_if_any()
    return [PlanOpened(
        **_base(c, c.plan_id, now),
        organization=org, term=c.term, term_start=c.term_start, seats=c.seats,
        targets=c.targets, procedure=c.procedure, procedure_digest=c.procedure.digest(),
    )]


def _require_open(state: PlanState, v: Violations) -> bool:
    """Preparation commands are for a plan being prepared, not one under review or decided."""
    if state.phase is PlanPhase.NOT_OPENED:
        v.add("plan_id", "not_opened", "no plan is opened under this id")
        return False
    if state.phase not in (PlanPhase.OPEN, PlanPhase.IN_PROCEDURE):
        v.add("plan_id", "already_submitted",
              f"the plan is {state.phase.value}: it is with the superior committee and "
              f"cannot change unless it is sent back")
        return False
    assert state.organization is not None
    return True


def _track_label(state: PlanState, track: Track) -> str:
    assert state.procedure is not None
    pg, cg = track
    return (f"{state.procedure.position_group_title(pg)} / {CANDIDATE_GROUP_LABELS_VI[cg]} "
            f"({pg}, {cg.value})")


# --- registering candidates -----------------------------------------------------------------
def _register(state: PlanState, c: RegisterCandidate, now: datetime) -> list[DomainEvent]:
    v = Violations()
    if not _require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None and state.term_start is not None
    _authorize(c.actor, state.organization.organization_id, v)
    p = c.candidate
    v.check(bool(c.nomination_id.strip()), "nomination_id", "required", "needs an id")
    v.check(c.nomination_id not in state.nominations, "nomination_id", "duplicate",
            f"nomination {c.nomination_id} is already registered")
    v.check(bool(p.full_name.strip()) and len(p.full_name) <= 200, "candidate.full_name",
            "required", "a full name of 1 to 200 characters is required")
    age = p.age_on(state.term_start)
    v.check(MIN_MEMBER_AGE <= age <= MAX_CANDIDATE_AGE, "candidate.birth_date", "plausible_age",
            f"born {p.birth_date} makes the candidate {age} at the start of the term; "
            f"a party member is {MIN_MEMBER_AGE} to {MAX_CANDIDATE_AGE}")
    v.check(p.birth_date <= now.date(), "candidate.birth_date", "not_in_future",
            f"{p.birth_date} is in the future")
    v.check(bool(p.ethnicity.strip()), "candidate.ethnicity", "required", "ethnicity is required")
    v.check(bool(p.current_post.strip()), "candidate.current_post", "required",
            "the current post is required")
    for other in state.nominations.values():
        same_card = (p.party_card_number is not None
                     and other.candidate.party_card_number == p.party_card_number)
        same_person = (_name_key(other.candidate.full_name) == _name_key(p.full_name)
                       and other.candidate.birth_date == p.birth_date)
        if other.position_group == c.position_group and (same_card or same_person):
            v.add("candidate", "already_nominated",
                  f"{p.full_name} is already nominated for {c.position_group} "
                  f"(nomination {other.nomination_id})")
            break
    if v.check(state.seats_for(c.position_group) > 0, "position_group", "no_seats",
               f"the plan has no seats for {c.position_group!r}"):
        _check_registration_open(state, (c.position_group, c.candidate_group), v)
    v.raise_if_any()
    assert state.procedure is not None
    return [
        CandidateRegistered(
            **_base(c, state.plan_id, now),
            nomination_id=c.nomination_id, candidate=p, position_group=c.position_group,
            candidate_group=c.candidate_group,
        ),
        EligibilityChecked(
            **_base(c, state.plan_id, now), nomination_id=c.nomination_id,
            occasion="registration",
            checks=check_eligibility(p, c.candidate_group, term_start=state.term_start,
                                     term_months=state.procedure.term_months,
                                     rules=state.procedure.eligibility, on=now.date()),
        ),
    ]


def _name_key(name: str) -> str:
    """A name as typed on any keyboard: Vietnamese diacritics composed (NFC) or not (NFD),
    letter case and runs of spaces do not make a different person."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _check_registration_open(state: PlanState, track: Track, v: Violations) -> None:
    """A group can take candidates until its own steps begin, and never after a group that
    comes later in the order has begun (incumbents always go first)."""
    tracks = state.tracks()
    index = tracks.index(track)
    for later in tracks[index:]:
        progress = state.progress.get(later)
        if progress is not None and progress.started:
            v.add("candidate_group", "registration_closed",
                  f"{_track_label(state, later)} has already begun the steps; "
                  f"no candidate can be added to {_track_label(state, track)}")
            return


# --- recording a conference -----------------------------------------------------------------
def _conference(state: PlanState, c: RecordConferenceResult, now: datetime) -> list[DomainEvent]:
    v = Violations()
    if not _require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None and state.procedure is not None
    proc = state.procedure
    _authorize(c.actor, state.organization.organization_id, v)
    track = state.current_track()
    if track is None:
        v.add("step", "nothing_to_vote", "every group has finished the steps; submit the plan")
        v.raise_if_any()
    assert track is not None
    given = (c.position_group, c.candidate_group)
    if given != track:
        v.add("candidate_group", "group_order",
              f"the next conference is for {_track_label(state, track)}, "
              f"not {c.position_group}/{c.candidate_group.value}: position groups go from low "
              f"to high, and incumbents (tái cử) before first-time candidates")
        v.raise_if_any()
    progress = state.progress.get(track, GroupProgress(step=proc.steps[0].number))
    if c.step != progress.step:
        v.add("step", "step_order",
              f"the next conference for {_track_label(state, track)} is step {progress.step}"
              f" (attempt {progress.attempt}), not step {c.step}")
        v.raise_if_any()
    rule = proc.step(c.step)
    pg = track[0]
    seats = state.seats_for(pg)
    list_min, list_max = proc.surplus.list_bounds(seats)
    if not any(state.progress.get(t, GroupProgress(step=0)).started
               for t in state.tracks() if t[0] == pg):
        count = len(state.in_position_group(pg))
        v.check(count >= list_min, "position_group", "list_minimum",
                f"{pg} has {count} candidates; {seats} seats need a list of at least "
                f"{list_min} (surplus {proc.surplus.prepared_min}) before the steps begin")

    v.check(c.held_on <= now.date(), "held_on", "not_in_future", f"{c.held_on} is in the future")
    if state.last_held_on is not None:
        v.check(c.held_on >= state.last_held_on, "held_on", "chronological",
                f"{c.held_on} is before the previous conference ({state.last_held_on})")
    v.check(c.summoned >= 1, "summoned", "positive", "at least one person must be summoned")
    v.check(0 <= c.attending <= c.summoned, "attending", "within_summoned",
            f"{c.attending} attending is not between 0 and the {c.summoned} summoned")
    quorum = proc.quorum_of(rule)
    needed_present = quorum_required(c.summoned, quorum)
    v.check(c.attending >= needed_present, "attending", "quorum",
            f"{c.attending} of {c.summoned} attended; the conference may sit only with at "
            f"least {ratio_label(quorum)} of those summoned ({needed_present})")
    v.check(0 <= c.ballots_issued <= c.attending, "ballots_issued", "within_attending",
            f"{c.ballots_issued} ballots issued to {c.attending} attending")
    v.check(0 <= c.ballots_valid <= c.ballots_issued, "ballots_valid", "within_issued",
            f"{c.ballots_valid} valid ballots of {c.ballots_issued} issued")
    on_step = [n for n in state.members(track) if n.in_play]
    expected = {n.nomination_id for n in on_step}
    given_ids = [vote.nomination_id for vote in c.votes]
    duplicates = sorted({i for i in given_ids if given_ids.count(i) > 1})
    v.check(not duplicates, "votes", "one_tally_each",
            f"tallied more than once: {', '.join(duplicates)}")
    unknown = sorted(set(given_ids) - expected)
    v.check(not unknown, "votes", "on_the_list",
            f"not on the list for step {c.step}: {', '.join(unknown)}")
    missing = [state.nominations[i].candidate.full_name for i in expected - set(given_ids)]
    v.check(not missing, "votes", "complete",
            f"no tally for: {', '.join(sorted(missing))}")
    for i, vote in enumerate(c.votes):
        known = state.nominations.get(vote.nomination_id)
        who = known.candidate.full_name if known else vote.nomination_id
        v.check(0 <= vote.yes <= c.ballots_valid, f"votes[{i}].yes", "within_valid_ballots",
                f"{vote.yes} yes-votes for {who} with {c.ballots_valid} valid ballots")
    v.raise_if_any()

    base_kind = proc.pass_base_of(rule)
    base = base_count(base_kind, summoned=c.summoned, attending=c.attending,
                      ballots_valid=c.ballots_valid)
    threshold = proc.threshold_of(rule)
    needed = votes_needed(base, threshold)
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
        kept, cut = _cut_to_list_maximum(passers, yes_of, list_max - earlier, c.tie_break, v)
    elif c.tie_break:
        v.add("tie_break", "no_tie", "no tie at the list's cut-off needs the head's decision")
    v.raise_if_any()

    def tally(n: Nomination) -> Tally:
        return Tally(held_on=c.held_on, body=rule.body, summoned=c.summoned,
                     attending=c.attending, ballots_valid=c.ballots_valid,
                     yes=yes_of[n.nomination_id], pass_base=base_kind.value, base_count=base,
                     threshold=ratio_label(threshold), needed=needed)

    tied_votes = {yes_of[i] for i in c.tie_break}
    base_vi = BASE_LABELS_VI[base_kind]
    common = _base(c, state.plan_id, now)
    events: list[DomainEvent] = [ConferenceResultRecorded(
        **common,
        position_group=pg, candidate_group=c.candidate_group, step=c.step,
        attempt=progress.attempt, body=rule.body, held_on=c.held_on, summoned=c.summoned,
        attending=c.attending, ballots_issued=c.ballots_issued, ballots_valid=c.ballots_valid,
        votes=c.votes, quorum_required=needed_present, pass_base=base_kind.value,
        base_count=base, threshold=ratio_label(threshold), outcome=outcome,
        passed=tuple(n.nomination_id for n in passers), standing_after=standing,
        tie_break=c.tie_break,
        list_minimum=list_min,
    )]
    next_step = proc.next_step(c.step)
    for n in on_step:
        yes = yes_of[n.nomination_id]
        score = f"{yes}/{base} phiếu ({base_vi})"
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
                   else f"quá {ratio_label(threshold)} (cần {needed})")
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
                reason=f"{score}, không quá {ratio_label(threshold)} (cần {needed})",
            ))
    if not revote and (is_final or not kept):
        events.append(GroupCompletedSteps(
            **common,
            position_group=pg, candidate_group=c.candidate_group,
            listed=tuple(n.nomination_id for n in kept) if is_final else (),
        ))
    return events


def _cut_to_list_maximum(
    passers: list[Nomination], yes_of: dict[str, int], room: int, tie_break: tuple[str, ...],
    v: Violations,
) -> tuple[list[Nomination], list[Nomination]]:
    """Keep the ``room`` best-voted; a tie across the cut-off is the head's to settle."""
    room = max(room, 0)
    ranked = sorted(passers, key=lambda n: -yes_of[n.nomination_id])
    if room == 0:
        if tie_break:
            v.add("tie_break", "no_tie", "the list is already full; no tie needs the head's "
                  "decision")
        return [], ranked
    line = yes_of[ranked[room - 1].nomination_id]
    above = [n for n in ranked if yes_of[n.nomination_id] > line]
    tied = [n for n in ranked if yes_of[n.nomination_id] == line]
    places = room - len(above)
    if len(tied) == places:
        kept = above + tied
        if tie_break:
            v.add("tie_break", "no_tie",
                  f"no tie at the list's cut-off ({line} votes); the votes decide, not the head")
    else:
        tied_ids = {n.nomination_id for n in tied}
        chosen = [i for i in tie_break if i in tied_ids]
        valid = (len(chosen) >= places and len(set(chosen)) == len(chosen)
                 and set(tie_break) <= tied_ids)
        if not valid:
            v.add("tie_break", "head_decides_tie",
                  f"{len(tied)} candidates tied at {line} votes for the last {places} "
                  f"place(s) on the list; the head of the committee must name {places} of: "
                  f"{', '.join(sorted(tied_ids))}")
            return passers, []
        keep_ids = set(chosen[:places])
        kept = above + [n for n in tied if n.nomination_id in keep_ids]
    cut = [n for n in ranked if n not in kept]
    return [n for n in passers if n in kept], cut


# --- submitting -----------------------------------------------------------------------------
def _submit(state: PlanState, c: SubmitPlan, now: datetime) -> list[DomainEvent]:
    v = Violations()
    if not _require_open(state, v):
        v.raise_if_any()
    assert state.organization is not None and state.procedure is not None
    _authorize(c.actor, state.organization.organization_id, v)
    track = state.current_track()
    if track is not None:
        v.add("plan_id", "steps_unfinished",
              f"{_track_label(state, track)} has not finished the five steps")
    v.check(state.phase is PlanPhase.IN_PROCEDURE, "plan_id", "steps_unfinished",
            "no conference has been recorded yet")
    assessment = assess_lists(state)
    for a in assessment:
        for shortfall in a.shortfalls:
            if shortfall.severity != "block":
                continue
            rule = shortfall.measure
            if rule == "list_bounds":
                rule = "list_minimum" if a.size < a.list_minimum else "list_maximum"
            v.add(f"lists.{a.position_group}", rule, shortfall.detail)
    v.raise_if_any()
    assert state.term_start is not None
    common = _base(c, state.plan_id, now)
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
                                     rules=state.procedure.eligibility, on=now.date()))
        for n in state.all_listed())
    return events
