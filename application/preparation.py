"""Use cases of the organization department (Ban tổ chức): open the personnel plan, register,
import, withdraw and correct candidates, record each step's conference, submit or cancel the
plan; and read it.

Each write takes the authenticated principal and an idempotency key, and returns what it
wrote (``Written``) with the eligibility warnings a person must see: a candidate failing a
check is never passed over in silence, at registration, at every step and at submission."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import procedures
from application.access import acting
from application.context import Context, today
from application.errors import NominationNotFound, PlanNotFound, Rejected
from application.principal import Principal
from application.results import Recorded
from application.views import PlanDetails, plan_details
from domain.access import Operation
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
from domain.errors import Violation
from domain.people import Actor, Candidate, CandidateGroup, Organization
from domain.plan import Nomination, PlanPhase, PlanState
from domain.plan_terms import Vote
from domain.text import nfc
from domain.vocabulary import label, person
from reads.plans import load_plan, plan_view

if TYPE_CHECKING:
    from application.files import CandidateList, CandidateRow, Minutes, PlanFile


@dataclass(frozen=True, kw_only=True)
class CandidateWarning:
    nomination_id: str
    who: str
    check: str
    check_label: str
    severity: str
    detail: str


@dataclass(frozen=True, kw_only=True)
class Written:
    """What a write did, and what its reader must not miss."""

    recorded: Recorded
    summary: str  # one Vietnamese sentence
    warnings: tuple[CandidateWarning, ...] = ()
    skipped: tuple[str, ...] = ()  # for an import: who was already registered

    @property
    def already_applied(self) -> bool:
        return self.recorded.already_applied


# --- reading ----------------------------------------------------------------------------------
async def settle(ctx: Context, plan_id: str, ready: Callable[[PlanState], bool]) -> PlanState:
    """The plan once ``ready`` holds, for what the workflow does by itself right after a
    command (open the appraisals, conclude them); after the update timeout, as it is."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.update_timeout_seconds
    while True:
        state = await load(ctx, plan_id)
        if ready(state) or loop.time() >= deadline:
            return state
        await asyncio.sleep(0.1)



async def load(ctx: Context, plan_id: str, *, as_of: datetime | None = None,
               at_position: int | None = None) -> PlanState:
    state = await load_plan(ctx.store, plan_id, as_of=as_of, at_position=at_position)
    if state.phase is PlanPhase.NOT_OPENED:
        raise PlanNotFound(plan_id)
    return state


async def show_plan(ctx: Context, principal: Principal, plan_id: str, *,
                    as_of: datetime | None = None, as_of_date: date | None = None,
                    at_position: int | None = None) -> PlanDetails:
    """The plan, who passed each step, structure against targets, eligibility warnings."""
    kwargs: dict[str, Any] = {"as_of": as_of, "at_position": at_position}
    if as_of_date is not None:
        kwargs["as_of_date"] = as_of_date
    view = await plan_view(ctx.store, plan_id, **kwargs)
    if view.state.phase is PlanPhase.NOT_OPENED:
        raise PlanNotFound(plan_id)
    assert view.state.organization is not None
    await acting(ctx, principal, Operation.READ_PLAN, view.state.organization.organization_id)
    return plan_details(view, as_of=as_of, as_of_date=as_of_date)


def resolve(state: PlanState, ref: str, *, position_group: str | None = None) -> Nomination:
    """A candidate named by nomination id or party card number (số thẻ đảng)."""
    ref = nfc(ref)
    if ref in state.nominations:
        return state.nominations[ref]
    found = [n for n in state.nominations.values() if n.candidate.party_card_number == ref
             and (position_group is None or n.position_group == position_group)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise Rejected((Violation(
            field="candidate", rule="ambiguous",
            message=f"Thẻ đảng {ref} có {len(found)} hồ sơ (nhóm chức danh "
                    f"{', '.join(n.position_group for n in found)}): hãy ghi mã hồ sơ "
                    f"({', '.join(n.nomination_id for n in found)})."),))
    raise NominationNotFound(ref)


def nomination_id_for(key: bytes, plan_id: str, candidate: Candidate,
                      position_group: str) -> str:
    """Stable per person and group, so importing the same file twice registers no one twice;
    derived with a keyed hash (HMAC-SHA-256 under the installation's id key), so that an id
    seen in a workflow id or a stream name cannot be traced back to a party card by trying
    every card number."""
    who = candidate.party_card_number or f"{candidate.full_name.casefold()}|{candidate.birth_date}"
    digest = hmac.new(key, f"nhansu:{plan_id}:{position_group}:{who}".encode(),
                      hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def warnings_of(state: PlanState, nomination_ids: list[str] | None = None,
                ) -> tuple[CandidateWarning, ...]:
    """Failed eligibility checks of candidates still on the way or on the list (all, or
    those named)."""
    chosen = None if nomination_ids is None else set(nomination_ids)
    return tuple(
        CandidateWarning(nomination_id=n.nomination_id,
                         who=person(n.candidate.full_name, n.candidate.party_card_number),
                         check=c.code, check_label=label("check", c.code), severity=c.severity,
                         detail=c.detail)
        for n, c in state.eligibility_warnings()
        if chosen is None or n.nomination_id in chosen)


async def _department(ctx: Context, principal: Principal, state: PlanState,
                      operation: Operation) -> Actor:
    assert state.organization is not None
    return await acting(ctx, principal, operation, state.organization.organization_id)


# --- opening ----------------------------------------------------------------------------------
async def open_plan(ctx: Context, principal: Principal, plan: PlanFile, *,
                    key: str) -> Written:
    """Lập đề án nhân sự from a plan file."""
    from application.registry import organization_on, superior_of

    actor = await acting(ctx, principal, Operation.OPEN_PLAN, plan.organization_id)
    try:
        procedure = procedures.load(plan.procedure)
    except procedures.ProcedureError as exc:
        raise Rejected((Violation(field="procedure", rule="known_procedure",
                                  message=str(exc)),)) from None
    # The organization, its level and its superior committee as the registry has them today:
    # never as a plan file says.
    day = today(ctx)
    organization: Organization = await organization_on(ctx, plan.organization_id, day)
    await superior_of(ctx, plan.organization_id, day)
    if plan.organization_name is not None and nfc(plan.organization_name) != organization.name:
        raise Rejected((Violation(
            field="organization.name", rule="registry_name",
            message=f"Tệp ghi tên «{plan.organization_name}» nhưng danh mục ghi tổ chức "
                    f"{plan.organization_id} là «{organization.name}»: kiểm tra lại mã tổ "
                    f"chức."),))
    command = OpenPlan(
        command_id=key, actor=actor, plan_id=plan.plan_id, organization=organization,
        term=plan.term, term_start=plan.term_start, seats=plan.seats, targets=plan.targets,
        procedure=procedure)
    recorded = await ctx.plans.open_plan(command)
    return Written(recorded=recorded,
                   summary=f"Đã lập đề án {plan.plan_id} ({organization.name}, nhiệm kỳ "
                           f"{plan.term}) theo {procedure.title_vi} ({procedure.key}); cấp trên "
                           f"phê duyệt: {organization.parent_id}.")


# --- candidates -------------------------------------------------------------------------------
async def register_candidate(ctx: Context, principal: Principal, plan_id: str,
                             row: CandidateRow, *, key: str) -> Written:
    """Đăng ký một nhân sự."""
    state = await load(ctx, plan_id)
    nomination_id = nomination_id_for(ctx.id_key, plan_id, row.candidate, row.position_group)
    command = RegisterCandidate(
        command_id=key, actor=await _department(ctx, principal, state, Operation.REGISTER),
        nomination_id=nomination_id,
        candidate=row.candidate, position_group=row.position_group,
        candidate_group=row.candidate_group)
    recorded = await ctx.plans.send(plan_id, "register_candidate", command)
    after = await load(ctx, plan_id)
    who = person(row.candidate.full_name, row.candidate.party_card_number)
    return Written(recorded=recorded, warnings=warnings_of(after, [nomination_id]),
                   summary=f"Đã đăng ký {who}: hồ sơ {nomination_id}.")


def import_key(key: bytes, plan_id: str, candidates: CandidateList) -> str:
    """The same file imported into the same plan is the same request: a retry. Keyed (the
    installation's id key), since the key is the Temporal Update id and a file of one known
    shape could otherwise be confirmed by hashing guesses of its party card numbers."""
    digest = hmac.new(key, f"{plan_id}\n{candidates.digest}".encode(),
                      hashlib.sha256).hexdigest()
    return f"import-{digest[:32]}"


async def import_candidates(ctx: Context, principal: Principal, plan_id: str,
                            candidates: CandidateList, *, key: str | None = None) -> Written:
    """Đăng ký cả danh sách: one decision for the whole list, all or none. People already
    registered (the same file imported again) are skipped, not registered twice."""
    state = await load(ctx, plan_id)
    actor = await _department(ctx, principal, state, Operation.REGISTER)
    rows = [Registration(nomination_id=nomination_id_for(ctx.id_key, plan_id, r.candidate,
                                                         r.position_group),
                         candidate=r.candidate, position_group=r.position_group,
                         candidate_group=r.candidate_group) for r in candidates.rows]
    command_id = key or import_key(ctx.id_key, plan_id, candidates)
    prior = [e for e in await _plan_events(ctx, plan_id)
             if e.metadata.get("command_id") == command_id]
    fresh = rows if prior else [r for r in rows if r.nomination_id not in state.nominations]
    skipped = tuple(person(r.candidate.full_name, r.candidate.party_card_number)
                    for r in rows if r not in fresh)
    if not fresh:
        return Written(recorded=Recorded(command_id=command_id, already_applied=True,
                                         phase=state.phase.value, events=()),
                       skipped=skipped,
                       summary=f"Không có nhân sự mới: cả {len(rows)} người trong "
                               f"{candidates.filename} đã được đăng ký vào đề án {plan_id}.")
    command = RegisterCandidates(command_id=command_id, actor=actor,
                                 registrations=tuple(fresh))
    recorded = await ctx.plans.send(plan_id, "register_candidates",
                                    command)
    after = await load(ctx, plan_id)
    return Written(
        recorded=recorded, skipped=skipped,
        warnings=warnings_of(after, [r.nomination_id for r in fresh]),
        summary=f"Đã đăng ký {len(fresh)} nhân sự mới từ {candidates.filename} vào đề án "
                f"{plan_id}" + (f" ({len(skipped)} người đã có từ trước)." if skipped else "."))


async def _plan_events(ctx: Context, plan_id: str) -> list[Any]:
    from reads.plans import plan_events

    return await plan_events(ctx.store, plan_id)


async def withdraw_candidate(ctx: Context, principal: Principal, plan_id: str, ref: str,
                             reason: str, *, key: str) -> Written:
    """Rút khỏi danh sách, with a reason: the nomination stays on record."""
    state = await load(ctx, plan_id)
    nomination = resolve(state, ref)
    command = WithdrawCandidate(command_id=key,
                                actor=await _department(ctx, principal, state,
                                                        Operation.WITHDRAW),
                                nomination_id=nomination.nomination_id, reason=nfc(reason))
    recorded = await ctx.plans.send(plan_id, "withdraw_candidate", command)
    who = person(nomination.candidate.full_name, nomination.candidate.party_card_number)
    return Written(recorded=recorded, summary=f"Đã rút {who} khỏi danh sách.")


def _as_fields(n: Nomination) -> dict[str, str | None]:
    """A registration as the fields a person would type, to be read back by the same rules."""
    c = n.candidate
    return {"full_name": c.full_name, "birth_date": c.birth_date.isoformat(),
            "gender": "nữ" if c.gender.value == "female" else "nam", "ethnicity": c.ethnicity,
            "candidate_group": n.candidate_group.value, "current_post": c.current_post,
            "party_card_number": c.party_card_number, "position_group": n.position_group,
            "in_cadre_plan": None if c.in_cadre_plan is None
            else "có" if c.in_cadre_plan else "không",
            "discipline": "; ".join(f"{d.kind.value} {d.decided_on.isoformat()}"
                                    for d in c.discipline) or None}


async def correct_registration(ctx: Context, principal: Principal, plan_id: str, ref: str,
                               given: dict[str, str | None], reason: str, *,
                               key: str) -> Written:
    """Đính chính: the fields given (as typed; the others stay) replace the registration's,
    by an event, never by an edit. ``discipline`` "không" clears the record."""
    from application.files import candidate_from_fields

    state = await load(ctx, plan_id)
    nomination = resolve(state, ref)
    fields = _as_fields(nomination)
    for name, value in given.items():
        if value is not None:
            fields[name] = None if name == "discipline" and nfc(value) == "không" else value
    corrected = candidate_from_fields(fields).candidate
    command = CorrectRegistration(command_id=key,
                                  actor=await _department(ctx, principal, state,
                                                          Operation.CORRECT_REGISTRATION),
                                  nomination_id=nomination.nomination_id, candidate=corrected,
                                  reason=nfc(reason))
    recorded = await ctx.plans.send(plan_id, "correct_registration",
                                    command)
    after = await load(ctx, plan_id)
    return Written(recorded=recorded,
                   warnings=warnings_of(after, [nomination.nomination_id]),
                   summary=f"Đã đính chính hồ sơ của "
                           f"{person(corrected.full_name, corrected.party_card_number)}.")


# --- conferences ------------------------------------------------------------------------------
async def record_conference(ctx: Context, principal: Principal, plan_id: str,
                            minutes: Minutes, *, key: str) -> Written:
    """Ghi kết quả hội nghị của một bước (biên bản kiểm phiếu) for one group."""
    state = await load(ctx, plan_id)
    problems: list[Violation] = []
    votes = []
    for written, yes in minutes.votes:
        try:
            n = resolve(state, written, position_group=minutes.position_group)
        except (NominationNotFound, Rejected):
            problems.append(Violation(
                field=f"votes.{written}", rule="known_candidate",
                message=f"«{written}» không phải số thẻ đảng hay mã hồ sơ của một nhân sự "
                        f"trong đề án {plan_id}."))
            continue
        votes.append(Vote(nomination_id=n.nomination_id, yes=yes))
    tie_break = []
    for written in minutes.tie_break:
        try:
            tie_break.append(resolve(state, written,
                                     position_group=minutes.position_group).nomination_id)
        except (NominationNotFound, Rejected):
            problems.append(Violation(field=f"tie_break.{written}", rule="known_candidate",
                                      message=f"«{written}» không phải nhân sự của đề án."))
    if problems:
        raise Rejected(problems)
    command = RecordConferenceResult(
        command_id=key,
        actor=await _department(ctx, principal, state, Operation.RECORD_CONFERENCE),
        plan_id=minutes.plan_id,
        organization_id=minutes.organization_id, position_group=minutes.position_group,
        candidate_group=minutes.candidate_group, step=minutes.step, attempt=minutes.attempt,
        held_on=minutes.held_on, summoned=minutes.summoned, attending=minutes.attending,
        ballots_issued=minutes.ballots_issued, ballots_valid=minutes.ballots_valid,
        votes=tuple(votes), tie_break=tuple(tie_break))
    recorded = await ctx.plans.send(plan_id, "record_conference_result",
                                    command)
    after = await load(ctx, plan_id)
    on_step = [v.nomination_id for v in votes]
    dropped = recorded.event_types.count("NominationDropped")
    revote = "NominationRevoteRequired" in recorded.event_types
    summary = (f"Đã ghi kết quả bước {minutes.step} (lần {minutes.attempt}), nhóm "
               f"{label('candidate_group', minutes.candidate_group.value)}: "
               + ("chưa đủ số dư, bước này phải làm lại." if revote
                  else f"{len(on_step) - dropped} người đạt, {dropped} người dừng."))
    return Written(recorded=recorded, summary=summary, warnings=warnings_of(after, on_step))


async def next_minutes_template(ctx: Context, principal: Principal, plan_id: str, *,
                                held_on: date | None = None) -> str:
    """A pre-filled minutes file for the plan's next conference: its group, step, attempt and
    candidates, the counts left at zero (an unfilled template is refused by the quorum)."""
    state = await load(ctx, plan_id)
    await _department(ctx, principal, state, Operation.RECORD_CONFERENCE)
    details = plan_details(await plan_view(ctx.store, plan_id))
    following = details.next_conference
    if following is None:
        raise Rejected((Violation(
            field="plan_id", rule="nothing_to_vote",
            message=f"Đề án {plan_id} không còn hội nghị nào phải họp "
                    f"({details.phase_label})."),))
    track = (following.position_group, CandidateGroup(following.candidate_group))
    assert state.organization is not None
    members = [n for n in state.members(track) if n.in_play]
    from application.files import MinutesTemplate, minutes_template

    return minutes_template(MinutesTemplate(
        plan_id=plan_id, organization_id=state.organization.organization_id,
        organization_name=state.organization.name, position_group=following.position_group,
        position_group_title=following.position_group_title,
        candidate_group=track[1], step=following.step, step_title=following.step_title,
        attempt=following.attempt, held_on=held_on,
        candidates=tuple((n.candidate.party_card_number or n.nomination_id,
                          n.candidate.full_name) for n in members)))


# --- submitting and cancelling ----------------------------------------------------------------
async def submit_plan(ctx: Context, principal: Principal, plan_id: str, *,
                      key: str) -> Written:
    """Trình cấp trên: the superior level's agencies appraise it next."""
    state = await load(ctx, plan_id)
    command = SubmitPlan(command_id=key,
                         actor=await _department(ctx, principal, state, Operation.SUBMIT))
    recorded = await ctx.plans.send(plan_id, "submit", command)
    # The workflow opens an appraisal per listed nomination right after: answer once they are
    # open, so that the agencies' next command finds them (no race with the next user).
    after = await settle(ctx, plan_id, lambda s: all(
        (a := s.appraisals.get(n.nomination_id)) is not None and a.round == s.round
        for n in s.all_listed()))
    listed = [n.nomination_id for n in after.all_listed()]
    return Written(recorded=recorded, warnings=warnings_of(after, listed),
                   summary=f"Đã trình đề án {plan_id} lên cấp trên ({after.superior_id}) với "
                           f"{len(listed)} người trong danh sách.")


async def resume_plan(ctx: Context, principal: Principal, plan_id: str, reason: str, *,
                      key: str) -> Written:
    """Khôi phục quy trình của đề án: its workflow is gone from Temporal (terminated, or the
    history lost); started again from its events, and the resumption recorded. The operator
    of the installation, or an administrator over the plan's organization."""
    from domain.resumption import ResumePlan

    state = await load(ctx, plan_id)
    actor = await _department(ctx, principal, state, Operation.RESUME_WORKFLOW)
    recorded = await ctx.plans.resume(ResumePlan(command_id=key, actor=actor, plan_id=plan_id,
                                                 reason=nfc(reason)))
    return Written(recorded=recorded,
                   summary=f"Đã khôi phục quy trình của đề án {plan_id} từ sổ sự kiện; đề án "
                           f"nhận lệnh trở lại.")


async def cancel_plan(ctx: Context, principal: Principal, plan_id: str, reason: str, *,
                      key: str) -> Written:
    """Hủy đề án (before it is submitted): the organization's term is free for a new plan,
    which will be linked to this one."""
    state = await load(ctx, plan_id)
    command = CancelPlan(command_id=key,
                         actor=await _department(ctx, principal, state, Operation.CANCEL_PLAN),
                         reason=nfc(reason))
    recorded = await ctx.plans.send(plan_id, "cancel", command)
    return Written(recorded=recorded, summary=f"Đã hủy đề án {plan_id}.")
