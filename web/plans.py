"""The organization department's dashboard and the plan page every role reads: the five steps
with each candidate's tallies, who passed and why, structure and surplus against the targets,
every eligibility warning in full; as of a recorded time or a business date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application.inputs import parse_day, parse_moment
from application.preparation import show_plan
from application.reports import STATUSES, parse_status, plans
from web.common import context, page, render, visitor
from web.forms import iso_moment

router = APIRouter(include_in_schema=False)

#: Phases in which the workflow moves on by itself: the page refreshes its status.
MOVING = ("submitted",)


def by_status(rows: Sequence[Any]) -> list[tuple[str, list[Any]]]:
    return [(s, [r for r in rows if r.status == s]) for s in STATUSES
            if any(r.status == s for r in rows)]


@router.get("/department")
@page
async def dashboard(request: Request) -> Response:
    """Ban tổ chức: its plans by status."""
    who = await visitor(request)
    status = parse_status(request.query_params.get("status") or None)
    report = await plans(context(request), who.principal, status=status)
    mine = set(who.organizations("organization_department"))
    rows = [r for r in report.rows if r.organization_id in mine]
    return render(request, "department.html", groups=by_status(rows), total=len(rows),
                  behind=bool(report.behind), chosen_status=status, statuses=STATUSES)


def as_of_query(request: Request) -> dict[str, Any]:
    """The page's points in time: ``as_of`` (recorded time, Vietnam time unless a zone is
    written) and ``as_of_date`` (business date)."""
    as_of = (request.query_params.get("as_of") or "").strip() or None
    as_of_date = (request.query_params.get("as_of_date") or "").strip() or None
    return {"as_of": parse_moment(iso_moment(as_of), "as_of") if as_of else None,
            "as_of_date": parse_day(as_of_date, "as_of_date") if as_of_date else None}


@router.get("/plans/{plan_id}")
@page
async def plan_page(request: Request, plan_id: str) -> Response:
    who = await visitor(request)
    when = as_of_query(request)
    details = await show_plan(context(request), who.principal, plan_id, **when)
    historical = when["as_of"] is not None or when["as_of_date"] is not None
    department = (not historical and details.organization_id
                  in who.organizations("organization_department"))
    warnings = [(c, w) for g in details.groups for c in g.candidates for w in c.warnings]
    return render(request, "plan.html", d=details, department=department,
                  historical=historical, warnings=warnings, moving=details.phase in MOVING,
                  as_of=request.query_params.get("as_of", ""),
                  as_of_date=request.query_params.get("as_of_date", ""),
                  reviewer=who.has("appraisal_agency")
                  or who.has("superior_standing_committee") or who.has("auditor"),
                  committee=who.has("superior_standing_committee"),
                  agency=who.has("appraisal_agency"))


@router.get("/plans/{plan_id}/status")
@page
async def plan_status(request: Request, plan_id: str) -> Response:
    """The plan's phase, for the page to refresh while the workflow moves on (htmx)."""
    who = await visitor(request)
    details = await show_plan(context(request), who.principal, plan_id)
    return render(request, "fragments/status.html", d=details,
                  moving=details.phase in MOVING)
