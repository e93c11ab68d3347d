"""Plain data the use cases return: what a plan, a list, an appraisal look like to a person,
with codes (for machines) and their Vietnamese labels (for people) side by side. The CLI
prints them, the HTTP API serialises them (``as_data``), the web interface renders them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.plan import Nomination, NominationStatus, PlanState
from domain.serialization import to_data
from domain.structure import structure_figures
from domain.vocabulary import label, person
from reads.plans import PlanView


def as_data(view: Any) -> Any:
    """A view as JSON-safe data (dates ISO, enums their codes)."""
    return to_data(view)


@dataclass(frozen=True, kw_only=True)
class StepMark:
    step: int
    attempt: int
    yes: int
    needed: int
    outcome: str  # advanced, dropped, revote


@dataclass(frozen=True, kw_only=True)
class Warning:
    """A failed eligibility check: the rule, the figures, and how serious."""

    check: str
    check_label: str
    severity: str
    detail: str


@dataclass(frozen=True, kw_only=True)
class CandidateView:
    nomination_id: str
    full_name: str
    party_card_number: str | None
    who: str  # "Nguyễn Văn A (thẻ đảng TD-100003)"
    birth_date: date
    gender: str
    ethnicity: str
    current_post: str
    in_cadre_plan: bool | None
    position_group: str
    candidate_group: str
    candidate_group_label: str
    status: str
    status_label: str
    steps: tuple[StepMark, ...]
    appraisal: str | None  # cleared, concern, disqualified, incomplete; "" while under way
    appraisal_label: str
    warnings: tuple[Warning, ...]


@dataclass(frozen=True, kw_only=True)
class FigureView:
    measure: str
    measure_label: str
    count: int
    total: int
    percent: str
    target: str | None
    met: bool | None


@dataclass(frozen=True, kw_only=True)
class SeatGroupView:
    position_group: str
    title: str
    seats: int
    list_minimum: int
    list_maximum: int
    candidates: tuple[CandidateView, ...]
    listed: int
    structure: tuple[FigureView, ...]  # of the list (those through the last step)


@dataclass(frozen=True, kw_only=True)
class NextConference:
    position_group: str
    position_group_title: str
    candidate_group: str
    candidate_group_label: str
    step: int
    step_title: str
    attempt: int


@dataclass(frozen=True, kw_only=True)
class PlanDetails:
    plan_id: str
    organization_id: str
    organization_name: str
    superior_id: str
    term: str
    term_start: date
    procedure: str
    procedure_title: str
    procedure_digest: str
    phase: str
    phase_label: str
    round: int
    follows: str | None
    steps: tuple[int, ...]
    groups: tuple[SeatGroupView, ...]
    next_conference: NextConference | None
    warnings: int  # failed eligibility checks of candidates still on the way or on the list
    as_of: datetime | None = None
    as_of_date: date | None = None


def candidate_view(state: PlanState, n: Nomination,
                   results: dict[str, list[Any]] | None = None) -> CandidateView:
    appraisal = state.appraisals.get(n.nomination_id)
    outcome = None if appraisal is None else (appraisal.outcome or "")
    live = n.status in (NominationStatus.REGISTERED, NominationStatus.STANDING,
                        NominationStatus.LISTED, NominationStatus.APPROVED)
    warnings = tuple(Warning(check=c.code, check_label=label("check", c.code),
                             severity=c.severity, detail=c.detail)
                     for c in n.eligibility if not c.passed) if live else ()
    c = n.candidate
    return CandidateView(
        nomination_id=n.nomination_id, full_name=c.full_name,
        party_card_number=c.party_card_number, who=person(c.full_name, c.party_card_number),
        birth_date=c.birth_date, gender=c.gender.value, ethnicity=c.ethnicity,
        current_post=c.current_post, in_cadre_plan=c.in_cadre_plan,
        position_group=n.position_group, candidate_group=n.candidate_group.value,
        candidate_group_label=label("candidate_group", n.candidate_group.value),
        status=n.status.value, status_label=label("nomination_status", n.status.value),
        steps=tuple(StepMark(step=r.step, attempt=r.attempt, yes=r.yes, needed=r.needed,
                             outcome=r.outcome)
                    for r in (results or {}).get(n.nomination_id, [])),
        appraisal=outcome,
        appraisal_label=("" if outcome is None else
                         label("appraisal_result", outcome) if outcome else "đang thẩm định"),
        warnings=warnings)


def plan_details(view: PlanView, *, as_of: datetime | None = None,
                 as_of_date: date | None = None) -> PlanDetails:
    s = view.state
    assert s.procedure is not None and s.organization is not None
    assert s.term_start is not None and s.targets is not None
    groups = []
    for seat in s.seats:
        low, high = s.procedure.surplus.list_bounds(seat.seats)
        listed = s.listed(seat.position_group) or [
            n for n in s.in_position_group(seat.position_group)
            if n.status is NominationStatus.APPROVED]
        figures = structure_figures(listed, s.targets, s.term_start) if listed else []
        groups.append(SeatGroupView(
            position_group=seat.position_group,
            title=s.procedure.position_group_title(seat.position_group), seats=seat.seats,
            list_minimum=low, list_maximum=high,
            candidates=tuple(candidate_view(s, n, view.results)
                             for n in s.in_position_group(seat.position_group)),
            listed=len(listed),
            structure=tuple(FigureView(measure=f.measure,
                                       measure_label=label("measure", f.measure),
                                       count=f.count, total=f.total, percent=f.percent_text,
                                       target=f.target, met=f.met) for f in figures)))
    following = None
    track = s.current_track() if s.phase.value in ("open", "in_procedure") else None
    if track is not None:
        progress = s.progress.get(track)
        step = progress.step if progress else s.procedure.steps[0].number
        following = NextConference(
            position_group=track[0],
            position_group_title=s.procedure.position_group_title(track[0]),
            candidate_group=track[1].value,
            candidate_group_label=label("candidate_group", track[1].value),
            step=step, step_title=s.procedure.step(step).title_vi,
            attempt=progress.attempt if progress else 1)
    return PlanDetails(
        plan_id=s.plan_id, organization_id=s.organization.organization_id,
        organization_name=s.organization.name, superior_id=s.superior_id, term=s.term,
        term_start=s.term_start, procedure=s.procedure.key, procedure_title=s.procedure.title_vi,
        procedure_digest=s.procedure_digest, phase=s.phase.value,
        phase_label=label("phase", s.phase.value), round=s.round, follows=s.follows,
        steps=tuple(st.number for st in s.procedure.steps), groups=tuple(groups),
        next_conference=following, warnings=len(s.eligibility_warnings()), as_of=as_of,
        as_of_date=as_of_date)
