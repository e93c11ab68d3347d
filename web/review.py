"""The superior level's pages: an appraisal agency's queue and its findings form (a row per
nomination, several recorded at once, amended by sending a row again), and the superior
standing committee's approval inbox and decision form.

The decision form shows every failed eligibility check and every finding of the candidates
on the list. Approving needs each failed check acknowledged with a reason or its candidate
excluded (the domain's rule: eligibility_unacknowledged), each disqualifying finding's
candidate excluded (disqualified_not_excluded), and, on this form, each concern acknowledged
with a reason or its candidate excluded (finding_unacknowledged); the acknowledgements of
concerns are written into the decision's reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from application import errors
from application.failures import translate
from application.inbox import appraisal_queue, approval_inbox
from application.labels import label
from application.preparation import Written, show_plan
from application.review import (
    AppraisalRow,
    AppraisalView,
    SendBackRequest,
    appraisal_view,
    decide_plan,
    record_finding,
)
from web.common import (
    Problems,
    choices,
    context,
    form_key,
    new_key,
    page,
    posted,
    problems_of,
    render,
    status_of,
    text,
    visitor,
)
from web.department import UNKNOWN_OUTCOME, attempt

router = APIRouter(include_in_schema=False)
FINDING_FIELDS = ("outcome", "text", "evidence_ref")


# --- appraisal ------------------------------------------------------------------------------
@router.get("/appraisal")
@page
async def queue(request: Request) -> Response:
    who = await visitor(request)
    found = await appraisal_queue(context(request), who.principal)
    return render(request, "appraisal_queue.html", queue=found)


def _open_rows(view: AppraisalView) -> list[AppraisalRow]:
    """Nominations whose appraisal is open: findings may be recorded or amended."""
    return [r for r in view.rows if r.deadline is not None]


def _current(row: AppraisalRow, view: AppraisalView, agency: str) -> dict[str, str]:
    if agency not in view.agencies:
        return {"outcome": "", "text": "", "evidence_ref": ""}
    f = row.findings[view.agencies.index(agency)]
    if f is None:
        return {"outcome": "", "text": "", "evidence_ref": ""}
    return {"outcome": f.outcome, "text": f.text, "evidence_ref": f.evidence_ref}


def _finding_form(request: Request, view: AppraisalView, agencies: list[str], agency: str,
                  key: str, problems: Problems, values: dict[str, dict[str, str]],
                  recorded: list[Written], *, was: dict[str, dict[str, str]] | None = None,
                  status: int = 200) -> Response:
    """``values``: each row as shown; ``was``: as it was when the form was first rendered
    (hidden fields: a row is sent when it differs from them, so the same form sent again
    sends the same rows, which the application answers once)."""
    return render(request, "appraisal.html", status=status, v=view, agencies=agencies,
                  agency=agency, key=key, problems=problems, values=values,
                  was=values if was is None else was, open_rows=_open_rows(view),
                  recorded=recorded, outcomes=choices("finding"))


@router.get("/plans/{plan_id}/appraisal")
@page
async def appraisal_page(request: Request, plan_id: str) -> Response:
    who = await visitor(request)
    view = await appraisal_view(context(request), who.principal, plan_id)
    agencies = [a for a in who.agencies() if a in view.agencies]
    agency = request.query_params.get("agency") or (agencies[0] if agencies else "")
    if agency not in agencies:
        agency = agencies[0] if agencies else ""
    values = {r.nomination_id: _current(r, view, agency) for r in _open_rows(view)}
    return _finding_form(request, view, agencies, agency, new_key(), Problems(), values, [])


@router.post("/plans/{plan_id}/appraisal")
@page
async def appraisal_submit(request: Request, plan_id: str) -> Response:
    """Record each row that says something new (a first finding, or an amendment); each row
    is its own command, keyed by the form's key and the nomination, so sending the form again
    records nothing twice."""
    who, form = await posted(request)
    key = form_key(form)
    ctx = context(request)
    view = await appraisal_view(ctx, who.principal, plan_id)
    agency = text(form, "agency")
    agencies = [a for a in who.agencies() if a in view.agencies]
    posted_rows = [name.removeprefix("outcome.") for name in dict.fromkeys(form.keys())
                   if name.startswith("outcome.")]
    values = {n: {f: text(form, f"{f}.{n}") for f in FINDING_FIELDS} for n in posted_rows}
    was = {n: {f: text(form, f"was.{f}.{n}") for f in FINDING_FIELDS} for n in posted_rows}
    problems = Problems()
    recorded: list[Written] = []
    worst = 200
    for nomination in posted_rows:
        typed = values[nomination]
        if not typed["outcome"] or typed == was[nomination]:
            continue  # nothing said, or nothing changed on this form
        try:
            recorded.append(await record_finding(
                ctx, who.principal, plan_id, nomination, agency=agency,
                outcome=typed["outcome"], text=typed["text"],
                evidence_ref=typed["evidence_ref"], key=f"{key}:{nomination}"))
        except Exception as exc:
            error = translate(exc, idempotency_key=key)
            if not isinstance(error, errors.Rejected | errors.OutcomeUnknown
                              | errors.ServiceUnavailable):
                raise
            worst = max(worst, status_of(error))

            def place(field: str, nomination: str = nomination) -> str:
                name = field.rsplit(".", 1)[-1]
                return f"{name if name in FINDING_FIELDS else 'row'}.{nomination}"

            found = problems_of(error, place)
            for name, items in found.by_field.items():
                problems.by_field.setdefault(name, []).extend(items)
            if found.detail:
                problems.by_field.setdefault(f"row.{nomination}", []).append(
                    {"field": nomination, "rule": found.code, "rule_label": found.title,
                     "message": found.detail + " " + UNKNOWN_OUTCOME})
    if problems:
        problems.title = "Một số dòng chưa được ghi"
        return _finding_form(request, await appraisal_view(ctx, who.principal, plan_id),
                             agencies, agency, key, problems, values, recorded, was=was,
                             status=worst)
    if not recorded:
        problems.general.append({"field": "outcome", "rule": "nothing_to_record",
                                 "rule_label": "không có gì để ghi",
                                 "message": "Chưa chọn kết luận mới nào: chọn kết luận ở ít "
                                            "nhất một dòng (hoặc sửa một kết luận đã ghi)."})
        problems.title = "Không có gì được ghi"
        return _finding_form(request, view, agencies, agency, key, problems, values, [],
                             was=was, status=422)
    return render(request, "findings_written.html",
                  status=200 if all(w.already_applied for w in recorded) else 201,
                  recorded=recorded, plan_id=plan_id, agency=agency)


# --- approval -------------------------------------------------------------------------------
@router.get("/approval")
@page
async def inbox(request: Request) -> Response:
    who = await visitor(request)
    found = await approval_inbox(context(request), who.principal)
    return render(request, "approval_inbox.html", inbox=found,
                  now=context(request).clock())


@dataclass
class DecisionForm:
    """What the committee chose on the form, as typed."""

    decision: str
    decision_ref: str
    reasons: str
    excluded: dict[str, str]  # nomination -> reason
    acknowledged: dict[tuple[str, str], str]  # (nomination, check) -> reason
    concerns: dict[tuple[str, str], str]  # (nomination, agency) -> reason
    back: list[str]
    back_step: str
    back_group: str

    @classmethod
    def empty(cls) -> DecisionForm:
        return cls(decision="", decision_ref="", reasons="", excluded={}, acknowledged={},
                   concerns={}, back=[], back_step="", back_group="")

    @classmethod
    def read(cls, form: FormData) -> DecisionForm:
        """The form as posted, by its fields' names alone, in their order: the same form
        sent again reads the same, whatever the plan's state is by then."""
        chosen = cls.empty()
        chosen.decision = text(form, "decision")
        chosen.decision_ref = text(form, "decision_ref")
        chosen.reasons = text(form, "reasons")
        chosen.back_step = text(form, "back_step")
        chosen.back_group = text(form, "back_group")
        for name in dict.fromkeys(form.keys()):
            kind, _, rest = name.partition(".")
            if kind == "exclude" and rest and text(form, name):
                chosen.excluded[rest] = text(form, f"exclude_reason.{rest}")
            elif kind == "back" and rest and text(form, name):
                chosen.back.append(rest)
            elif kind in ("ack", "concern") and "." in rest:
                nomination, _, code = rest.partition(".")
                target = chosen.acknowledged if kind == "ack" else chosen.concerns
                target[(nomination, code)] = text(form, name)
        return chosen


def _listed(view: AppraisalView) -> list[AppraisalRow]:
    return [r for r in view.rows if r.status == "listed"]


def _decision_form(request: Request, view: AppraisalView, details: Any, key: str,
                   problems: Problems, chosen: DecisionForm, *,
                   status: int = 200) -> Response:
    return render(request, "decision.html", status=status, v=view, d=details, key=key,
                  problems=problems, chosen=chosen, rows=_listed(view),
                  decisions=choices("decision"), groups=choices("candidate_group"))


@router.get("/plans/{plan_id}/decision")
@page
async def decision_page(request: Request, plan_id: str) -> Response:
    who = await visitor(request)
    ctx = context(request)
    if not who.has("superior_standing_committee"):
        raise errors.Forbidden("Chỉ Ban Thường vụ cấp ủy cấp trên quyết định phê duyệt đề án.")
    view = await appraisal_view(ctx, who.principal, plan_id)
    details = await show_plan(ctx, who.principal, plan_id)
    return _decision_form(request, view, details, new_key(), Problems(), DecisionForm.empty())


@router.post("/plans/{plan_id}/decision")
@page
async def decision_submit(request: Request, plan_id: str) -> Response:
    who, form = await posted(request)
    key = form_key(form)
    ctx = context(request)
    view = await appraisal_view(ctx, who.principal, plan_id)
    details = await show_plan(ctx, who.principal, plan_id)
    rows = _listed(view)
    chosen = DecisionForm.read(form)
    approving = chosen.decision in ("approve", "approve_with_exclusions")
    excluded = list(chosen.excluded)
    acknowledgements = [(n, check, reason) for (n, check), reason in chosen.acknowledged.items()
                        if n not in chosen.excluded and reason.strip()] if approving else []
    who_of = {r.nomination_id: r.who for r in view.rows}
    # Concerns about candidates still on the list, as the plan stands (none once decided).
    concerns = [(r.nomination_id, agency) for r in rows
                for agency, f in zip(view.agencies, r.findings, strict=True)
                if f is not None and f.outcome == "concern"]

    async def write() -> Written:
        unacknowledged = [
            (f"concern.{n}.{agency}", "finding_unacknowledged",
             f"{who_of[n]}: kết luận «{label('finding', 'concern')}» của "
             f"{label('agency', agency)} phải được ghi nhận kèm lý do, hoặc loại nhân sự này")
            for n, agency in concerns
            if approving and n not in chosen.excluded
            and not chosen.concerns.get((n, agency), "").strip()]
        if unacknowledged:
            raise errors.invalid(*unacknowledged)
        reasons = chosen.reasons
        noted = [f"Ghi nhận kết luận «{label('finding', 'concern')}» của "
                 f"{label('agency', agency)} về {who_of.get(n, n)}: {reason.strip()}"
                 for (n, agency), reason in chosen.concerns.items()
                 if approving and n not in chosen.excluded and reason.strip()]
        if noted:
            reasons = "\n".join([reasons.strip(), *noted]).strip()
        send_back = None
        if chosen.decision == "send_back":
            if not chosen.back_step.isdigit():
                raise errors.invalid(("back_step", "required",
                                      "Trả lại phải chọn bước cần làm lại."))
            send_back = SendBackRequest(step=int(chosen.back_step),
                                        candidate_group=chosen.back_group or "incumbent",
                                        candidates=tuple(chosen.back))
        if not chosen.decision:
            raise errors.invalid(("decision", "required", "Hãy chọn một quyết định."))
        return await decide_plan(
            ctx, who.principal, plan_id, decision=chosen.decision,
            decision_ref=chosen.decision_ref, reasons=reasons,
            exclusions=tuple((n, chosen.excluded[n]) for n in excluded),
            acknowledgements=tuple(acknowledgements), send_back=send_back, key=key)

    def place(field: str) -> str | None:
        head, _, rest = field.partition("[")
        index = int(rest.split("]", 1)[0]) if rest and rest[0].isdigit() else None
        if field in ("decision", "decision_ref", "reasons") or field.startswith("concern."):
            return field
        if head == "excluded" and index is not None and index < len(excluded):
            return f"exclude_reason.{excluded[index]}"
        if head == "acknowledged" and index is not None and index < len(acknowledgements):
            n, check, _ = acknowledgements[index]
            return f"ack.{n}.{check}"
        if field in ("back_step", "send_back.step"):
            return "back_step"
        if field.startswith("send_back"):
            return "back"
        return None

    def refill(problems: Problems, status: int) -> Response:
        _beside_rows(problems, rows)
        return _decision_form(request, view, details, key, problems, chosen, status=status)

    return await attempt(request, key, write, refill, place, f"/plans/{plan_id}")


def _beside_rows(problems: Problems, rows: list[AppraisalRow]) -> None:
    """The domain names the person (and the check) of an unacknowledged failed check or an
    unexcluded disqualified candidate: repeat its message beside that row too."""
    for item in problems.general:
        for r in rows:
            if r.who not in item["message"]:
                continue
            if item["rule"] == "eligibility_unacknowledged":
                for w in r.failed_checks:
                    if w.check_label in item["message"]:
                        problems.by_field.setdefault(f"ack.{r.nomination_id}.{w.check}",
                                                     []).append(item)
            elif item["rule"] == "disqualified_not_excluded":
                problems.by_field.setdefault(f"exclude.{r.nomination_id}", []).append(item)
