"""Kiểm tra, kiểm toán: a nomination's trail as a timeline with its two verdicts (the hash
chain recomputed, the signed checkpoint that covers its latest event), as of a recorded time
or a business date, downloadable as CSV or printable HTML; and the verification of every
chain and of the ledger. All of it reads PostgreSQL alone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application import errors
from application.audit import trail, trail_document, trail_statements, verify
from application.reports import plans
from web.common import context, download, page, render, secured, visitor
from web.plans import as_of_query, by_status

router = APIRouter(include_in_schema=False)
FORMATS = {"csv": "text/csv", "html": "text/html", "json": "application/json"}


@router.get("/audit")
@page
async def audit_home(request: Request) -> Response:
    who = await visitor(request)
    report = await plans(context(request), who.principal)
    return render(request, "audit.html", groups=by_status(report.rows),
                  behind=bool(report.behind))


def _reference(request: Request) -> tuple[str, str | None]:
    """The nomination asked for: its id, or a party card number within a plan."""
    ref = (request.query_params.get("nomination") or "").strip()
    plan_id = (request.query_params.get("plan_id") or "").strip() or None
    if not ref:
        raise errors.invalid(("nomination", "required",
                              "Hãy nhập mã hồ sơ nhân sự, hoặc mã đề án và số thẻ đảng viên."))
    return ref, plan_id


@router.get("/trail")
@page
async def trail_page(request: Request) -> Response:
    who = await visitor(request)
    ref, plan_id = _reference(request)
    when = as_of_query(request)
    report = await trail(context(request), who.principal, ref, plan_id=plan_id, **when)
    chain, coverage = trail_statements(report)
    query = request.url.query
    return render(request, "trail.html", r=report, t=report.trail, chain=chain,
                  coverage=coverage, query=query, ref=ref, plan_id=plan_id or "",
                  as_of=request.query_params.get("as_of", ""),
                  as_of_date=request.query_params.get("as_of_date", ""))


@router.get("/trail/download")
@page
async def trail_download(request: Request) -> Response:
    who = await visitor(request)
    ref, plan_id = _reference(request)
    fmt = request.query_params.get("format") or "csv"
    if fmt not in FORMATS:
        raise errors.invalid(("format", "one_of", f"«{fmt}»: chọn csv, html hoặc json"))
    report = await trail(context(request), who.principal, ref, plan_id=plan_id,
                         **as_of_query(request))
    document = trail_document(report, fmt)
    name = f"ho-so-qua-trinh-{report.trail.nomination_id}.{fmt}"
    return download(document, name, FORMATS[fmt])


@router.get("/audit/verify")
@page
async def verify_page(request: Request) -> Response:
    who = await visitor(request)
    result = await verify(context(request), who.principal)
    return render(request, "verify.html", result=result)


# --- elected committees ---------------------------------------------------------------------
_COMMITTEE_FILES = {"csv": ("to_csv", "text/csv; charset=utf-8"),
                    "xlsx": ("to_xlsx", "application/vnd.openxmlformats-officedocument."
                                        "spreadsheetml.sheet"),
                    "png": ("chart_png", "image/png")}


def _committee_query(request: Request) -> dict[str, str]:
    q = request.query_params
    return {"organization": (q.get("organization") or "").strip(),
            "first_time_above": q.get("first_time_above") or "1/3",
            "women_above": q.get("women_above") or "15%",
            "deadline": (q.get("deadline") or "").strip()}


async def _committee_report(request: Request, query: dict[str, str]) -> Any:
    from application.committee_reports import committees

    who = await visitor(request)
    return await committees(
        context(request), who.principal, organization_id=query["organization"],
        thresholds=(("first_time", query["first_time_above"], "first_time_above"),
                    ("women", query["women_above"], "women_above")),
        deadline=query["deadline"] or None, organization_field="organization",
        deadline_field="deadline")


@router.get("/reports/committees")
@page
async def committees_page(request: Request) -> Response:
    """Cấp ủy được bầu under an organization: the form, the figures, the ranked committees and
    the chart (an <img> of the PNG below: the CSP allows no inline script)."""
    from urllib.parse import urlencode

    query = _committee_query(request)
    report = await _committee_report(request, query) if query["organization"] else None
    return render(request, "committees.html", q=query, report=report,
                  query=urlencode({k: v for k, v in query.items() if v}))


@router.get("/reports/committees/download")
@page
async def committees_download(request: Request) -> Response:
    from application import committee_exports

    fmt = request.query_params.get("format") or "csv"
    if fmt not in _COMMITTEE_FILES:
        raise errors.invalid(("format", "one_of", f"«{fmt}»: chọn csv, xlsx hoặc png"))
    query = _committee_query(request)
    if not query["organization"]:
        raise errors.invalid(("organization", "required", "Hãy chọn tổ chức."))
    report = await _committee_report(request, query)
    maker, media_type = _COMMITTEE_FILES[fmt]
    content = getattr(committee_exports, maker)(report)
    name = f"cap-uy-duoc-bau-{report.organization_id}.{fmt}"
    headers = {} if fmt == "png" else {"Content-Disposition": f"attachment; filename=\"{name}\""}
    return secured(Response(content, media_type=media_type, headers=headers))
