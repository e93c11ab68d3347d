"""The organization department's forms: open a plan (its file), import candidates (CSV/XLSX),
add one candidate, download the next minutes template, record a conference's result (its
file, or a form made from the template), submit, withdraw or correct a candidate, cancel.

Each write form carries the session's CSRF token and an idempotency key made when the form was
rendered: sent twice, it is applied once and the second answer says so. A refused write
records nothing and shows the form again, as typed, with each message beside its field; a
write whose outcome is unknown shows the form again with the same key, to send again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from application import errors
from application.failures import translate
from application.file_input import check_size, decode_utf8
from application.files import (
    MAX_FILE_BYTES,
    candidate_from_fields,
    read_candidates_bytes,
    read_minutes_text,
    read_plan_text,
)
from application.preparation import (
    Written,
    cancel_plan,
    correct_registration,
    import_candidates,
    next_minutes_template,
    open_plan,
    record_conference,
    register_candidate,
    show_plan,
    submit_plan,
    withdraw_candidate,
)
from application.views import CandidateView, PlanDetails
from web.common import (
    Problems,
    choices,
    context,
    download,
    form_key,
    new_key,
    page,
    posted,
    problems_of,
    render,
    status_of,
    text,
    texts,
    upload,
    visitor,
)
from web.forms import (
    CANDIDATE_FIELDS,
    COUNTS,
    Conference,
    candidate_place,
    conference_of,
    file_place,
    minutes_place,
    minutes_text,
    reason_place,
)

router = APIRouter(include_in_schema=False)
Place = Callable[[str], str | None]
UNKNOWN_OUTCOME = ("Gửi lại biểu mẫu này: nó giữ nguyên khóa lặp lại, nên lệnh chỉ được ghi "
                   "một lần dù lần gửi trước đã được ghi hay chưa.")


async def attempt(request: Request, key: str, write: Callable[[], Awaitable[Written]],
                  refill: Callable[[Problems, int], Response], place: Place,
                  back: str | Callable[[], str]) -> Response:
    """Run a write: its result page; or, when it was refused or its outcome is unknown, the
    form again (same key) with the messages; anything else goes to the error page."""
    try:
        written = await write()
    except Exception as exc:
        error = translate(exc, idempotency_key=key)
        if not isinstance(error, errors.Rejected | errors.OutcomeUnknown
                          | errors.ServiceUnavailable):
            raise
        found = problems_of(error, place)
        if not isinstance(error, errors.Rejected):
            found.detail += " " + UNKNOWN_OUTCOME
        response = refill(found, status_of(error))
        if status_of(error) == 503:
            response.headers["Retry-After"] = "5"
        return response
    return written_page(request, written, back if isinstance(back, str) else back())


def written_page(request: Request, written: Written, back: str) -> Response:
    recorded = written.recorded
    return render(request, "written.html", status=200 if recorded.already_applied else 201,
                  written=written, recorded=recorded, back=back)


async def file_bytes(form: FormData, name: str = "file") -> tuple[bytes, str]:
    """An uploaded file's bytes and name; refused (beside the field) when none was chosen or
    it is larger than the readers take."""
    chosen = upload(form, name)
    if chosen is None:
        raise errors.invalid((name, "required", "Hãy chọn tệp để tải lên."))
    data = await chosen.read(MAX_FILE_BYTES + 1)
    filename = chosen.filename or "tệp tải lên"
    check_size(data, filename)
    return data, filename


async def plan_of(request: Request, plan_id: str) -> tuple[Any, PlanDetails]:
    who = await visitor(request)
    return who, await show_plan(context(request), who.principal, plan_id)


# --- opening a plan -------------------------------------------------------------------------
@router.get("/department/new-plan")
@page
async def open_form(request: Request) -> Response:
    await visitor(request)
    return render(request, "open_plan.html", key=new_key(), problems=Problems())


@router.post("/department/new-plan")
@page
async def open_submit(request: Request) -> Response:
    who, form = await posted(request)
    key = form_key(form)
    opened: list[str] = []

    async def write() -> Written:
        data, filename = await file_bytes(form)
        plan = read_plan_text(decode_utf8(data, filename, "hãy lưu tệp dạng UTF-8"), filename)
        opened.append(plan.plan_id)
        return await open_plan(context(request), who.principal, plan, key=key)

    def refill(problems: Problems, status: int) -> Response:
        return render(request, "open_plan.html", status=status, key=key, problems=problems)

    return await attempt(request, key, write, refill, file_place,
                         lambda: f"/plans/{opened[0]}")


# --- candidates -----------------------------------------------------------------------------
@router.get("/plans/{plan_id}/import")
@page
async def import_form(request: Request, plan_id: str) -> Response:
    _, details = await plan_of(request, plan_id)
    return render(request, "import.html", d=details, key=new_key(), problems=Problems())


@router.post("/plans/{plan_id}/import")
@page
async def import_submit(request: Request, plan_id: str) -> Response:
    who, form = await posted(request)
    key = form_key(form)
    details = await show_plan(context(request), who.principal, plan_id)

    async def write() -> Written:
        data, filename = await file_bytes(form)
        return await import_candidates(context(request), who.principal, plan_id,
                                       read_candidates_bytes(data, filename), key=key)

    def refill(problems: Problems, status: int) -> Response:
        return render(request, "import.html", status=status, d=details, key=key,
                      problems=problems)

    return await attempt(request, key, write, refill, file_place, f"/plans/{plan_id}")


def _candidate_values(c: CandidateView | None) -> dict[str, str]:
    if c is None:
        return {name: "" for name in CANDIDATE_FIELDS}
    return {"full_name": c.full_name, "birth_date": f"{c.birth_date:%d/%m/%Y}",
            "gender": "nữ" if c.gender == "female" else "nam", "ethnicity": c.ethnicity,
            "candidate_group": c.candidate_group, "current_post": c.current_post,
            "party_card_number": c.party_card_number or "",
            "position_group": c.position_group,
            "in_cadre_plan": "" if c.in_cadre_plan is None else
            "có" if c.in_cadre_plan else "không", "discipline": ""}


def _candidate_form(request: Request, details: PlanDetails, values: dict[str, str], key: str,
                    problems: Problems, *, status: int = 200,
                    candidate: CandidateView | None = None, reason: str = "",
                    was: dict[str, str] | None = None) -> Response:
    """``was``: a correction form's values as first rendered (hidden fields), against which
    what was changed is found, so the same form sent again is the same correction."""
    groups = [(g.position_group, g.title) for g in details.groups]
    return render(request, "candidate.html", status=status, d=details, values=values, key=key,
                  problems=problems, fields=CANDIDATE_FIELDS, position_groups=groups,
                  candidate_groups=choices("candidate_group"), candidate=candidate,
                  reason=reason, was=values if was is None else was)


@router.get("/plans/{plan_id}/candidates/new")
@page
async def candidate_form(request: Request, plan_id: str) -> Response:
    _, details = await plan_of(request, plan_id)
    values = _candidate_values(None)
    values["position_group"] = details.groups[0].position_group if details.groups else ""
    return _candidate_form(request, details, values, new_key(), Problems())


def _typed(form: FormData) -> dict[str, str]:
    return {name: text(form, name) for name in CANDIDATE_FIELDS}


@router.post("/plans/{plan_id}/candidates/new")
@page
async def candidate_submit(request: Request, plan_id: str) -> Response:
    who, form = await posted(request)
    key = form_key(form)
    details = await show_plan(context(request), who.principal, plan_id)
    values = _typed(form)

    async def write() -> Written:
        row = candidate_from_fields({k: v or None for k, v in values.items()},
                                    CANDIDATE_FIELDS)
        return await register_candidate(context(request), who.principal, plan_id, row,
                                        key=key)

    def refill(problems: Problems, status: int) -> Response:
        return _candidate_form(request, details, values, key, problems, status=status)

    return await attempt(request, key, write, refill, candidate_place, f"/plans/{plan_id}")


def _candidate(details: PlanDetails, nomination_id: str) -> CandidateView:
    for g in details.groups:
        for c in g.candidates:
            if c.nomination_id == nomination_id:
                return c
    raise errors.NominationNotFound(nomination_id)


@router.get("/plans/{plan_id}/candidates/{nomination_id}/correct")
@page
async def correct_form(request: Request, plan_id: str, nomination_id: str) -> Response:
    _, details = await plan_of(request, plan_id)
    c = _candidate(details, nomination_id)
    return _candidate_form(request, details, _candidate_values(c), new_key(), Problems(),
                           candidate=c)


@router.post("/plans/{plan_id}/candidates/{nomination_id}/correct")
@page
async def correct_submit(request: Request, plan_id: str, nomination_id: str) -> Response:
    who, form = await posted(request)
    key = form_key(form)
    details = await show_plan(context(request), who.principal, plan_id)
    c = _candidate(details, nomination_id)
    values, reason = _typed(form), text(form, "reason")
    before = {name: text(form, f"was.{name}") for name in CANDIDATE_FIELDS}
    # Only what was changed on the form is a correction; a blank discipline keeps the record.
    given: dict[str, str | None] = {k: v for k, v in values.items()
                                    if v.strip() != before[k].strip()
                                    and (v.strip() or k != "discipline")}

    async def write() -> Written:
        if not given:
            raise errors.invalid(("full_name", "nothing_changed",
                                  "Chưa có gì thay đổi so với hồ sơ đã đăng ký."))
        return await correct_registration(context(request), who.principal, plan_id,
                                          nomination_id, given, reason, key=key)

    def refill(problems: Problems, status: int) -> Response:
        return _candidate_form(request, details, values, key, problems, status=status,
                               candidate=c, reason=reason, was=before)

    def place(field: str) -> str | None:
        return "reason" if field == "reason" else candidate_place(field)

    return await attempt(request, key, write, refill, place, f"/plans/{plan_id}")


@router.get("/plans/{plan_id}/candidates/{nomination_id}/withdraw")
@page
async def withdraw_form(request: Request, plan_id: str, nomination_id: str) -> Response:
    _, details = await plan_of(request, plan_id)
    return render(request, "reason.html", d=details, key=new_key(), problems=Problems(),
                  action="withdraw", candidate=_candidate(details, nomination_id), reason="")


@router.post("/plans/{plan_id}/candidates/{nomination_id}/withdraw")
@page
async def withdraw_submit(request: Request, plan_id: str, nomination_id: str) -> Response:
    who, form = await posted(request)
    key = form_key(form)
    details = await show_plan(context(request), who.principal, plan_id)
    c = _candidate(details, nomination_id)
    reason = text(form, "reason")

    async def write() -> Written:
        return await withdraw_candidate(context(request), who.principal, plan_id,
                                        nomination_id, reason, key=key)

    def refill(problems: Problems, status: int) -> Response:
        return render(request, "reason.html", status=status, d=details, key=key,
                      problems=problems, action="withdraw", candidate=c, reason=reason)

    return await attempt(request, key, write, refill, reason_place, f"/plans/{plan_id}")


# --- conferences ----------------------------------------------------------------------------
@router.get("/plans/{plan_id}/minutes-template")
@page
async def template_download(request: Request, plan_id: str) -> Response:
    who = await visitor(request)
    held_on = request.query_params.get("held_on") or None
    from application.inputs import parse_day

    template = await next_minutes_template(
        context(request), who.principal, plan_id,
        held_on=parse_day(held_on, "held_on") if held_on else None)
    step = conference_of(template)
    name = f"bien-ban-{plan_id}-buoc-{step.step}-lan-{step.attempt}.toml"
    return download(template, name, "application/toml")


def _names(details: PlanDetails) -> dict[str, str]:
    return {key: c.full_name for g in details.groups for c in g.candidates
            for key in (c.party_card_number or c.nomination_id, c.nomination_id)}


def _conference_form(request: Request, details: PlanDetails, conference: Conference,
                     key: str, problems: Problems, values: dict[str, str], *,
                     status: int = 200) -> Response:
    return render(request, "conference.html", status=status, d=details, c=conference,
                  names=_names(details), key=key, problems=problems, values=values,
                  counts=COUNTS)


@router.get("/plans/{plan_id}/conference")
@page
async def conference_form(request: Request, plan_id: str) -> Response:
    who, details = await plan_of(request, plan_id)
    template = await next_minutes_template(context(request), who.principal, plan_id)
    return _conference_form(request, details, conference_of(template), new_key(), Problems(),
                            {})


@router.post("/plans/{plan_id}/conference")
@page
async def conference_submit(request: Request, plan_id: str) -> Response:
    """Either the minutes file uploaded, or the form filled in from the template: both are
    read by the same reader and recorded by the same use case."""
    who, form = await posted(request)
    key = form_key(form)
    ctx = context(request)
    details = await show_plan(ctx, who.principal, plan_id)
    fixed = {k: text(form, k) for k in ("plan_id", "organization_id", "position_group",
                                        "candidate_group", "step", "attempt")}
    cards = texts(form, "card")
    # The form shown again is the one sent (the plan may have moved on since).
    shown = Conference(plan_id=fixed["plan_id"], organization_id=fixed["organization_id"],
                       position_group=fixed["position_group"],
                       candidate_group=fixed["candidate_group"],
                       step=int(fixed["step"]) if fixed["step"].isdigit() else 0,
                       attempt=int(fixed["attempt"]) if fixed["attempt"].isdigit() else 0,
                       cards=tuple(cards))
    values = {k: text(form, k) for k in ("held_on", *COUNTS)}
    values.update({f"votes.{card}": text(form, f"votes.{card}") for card in cards})
    from_file = upload(form, "file") is not None

    async def write() -> Written:
        if from_file:
            data, filename = await file_bytes(form)
            minutes = read_minutes_text(decode_utf8(data, filename, "hãy lưu tệp dạng UTF-8"),
                                        filename)
        else:
            document = minutes_text(fixed, values, [(c, values[f"votes.{c}"]) for c in cards],
                                    texts(form, "tie_break"))
            minutes = read_minutes_text(document, "biểu mẫu")
        return await record_conference(ctx, who.principal, plan_id, minutes, key=key)

    def refill(problems: Problems, status: int) -> Response:
        return _conference_form(request, details, shown, key, problems, values,
                                status=status)

    place = file_place if from_file else minutes_place(cards)
    return await attempt(request, key, write, refill, place, f"/plans/{plan_id}")


# --- submitting and cancelling --------------------------------------------------------------
@router.get("/plans/{plan_id}/submit")
@page
async def submit_form(request: Request, plan_id: str) -> Response:
    _, details = await plan_of(request, plan_id)
    warnings = [(c, w) for g in details.groups for c in g.candidates for w in c.warnings]
    return render(request, "submit.html", d=details, key=new_key(), problems=Problems(),
                  warnings=warnings)


@router.post("/plans/{plan_id}/submit")
@page
async def submit_submit(request: Request, plan_id: str) -> Response:
    who, form = await posted(request)
    key = form_key(form)
    details = await show_plan(context(request), who.principal, plan_id)
    warnings = [(c, w) for g in details.groups for c in g.candidates for w in c.warnings]

    async def write() -> Written:
        return await submit_plan(context(request), who.principal, plan_id, key=key)

    def refill(problems: Problems, status: int) -> Response:
        return render(request, "submit.html", status=status, d=details, key=key,
                      problems=problems, warnings=warnings)

    return await attempt(request, key, write, refill, lambda f: None, f"/plans/{plan_id}")


@router.get("/plans/{plan_id}/cancel")
@page
async def cancel_form(request: Request, plan_id: str) -> Response:
    _, details = await plan_of(request, plan_id)
    return render(request, "reason.html", d=details, key=new_key(), problems=Problems(),
                  action="cancel", candidate=None, reason="")


@router.post("/plans/{plan_id}/cancel")
@page
async def cancel_submit(request: Request, plan_id: str) -> Response:
    who, form = await posted(request)
    key = form_key(form)
    details = await show_plan(context(request), who.principal, plan_id)
    reason = text(form, "reason")

    async def write() -> Written:
        return await cancel_plan(context(request), who.principal, plan_id, reason, key=key)

    def refill(problems: Problems, status: int) -> Response:
        return render(request, "reason.html", status=status, d=details, key=key,
                      problems=problems, action="cancel", candidate=None, reason=reason)

    return await attempt(request, key, write, refill, reason_place, f"/plans/{plan_id}")
