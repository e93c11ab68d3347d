"""Kiểm tra, kiểm toán: a nomination's trail as a timeline with its two verdicts (the hash
chain recomputed, the signed checkpoint that covers its latest event), as of a recorded time
or a business date, downloadable as CSV or printable HTML; and the verification of every
chain and of the ledger. All of it reads PostgreSQL alone."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application import errors
from application.audit import trail, trail_document, trail_statements, verify
from application.reports import plans
from web.common import context, download, page, render, visitor
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
