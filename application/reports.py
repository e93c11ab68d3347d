"""Reports across plans, from the read models, and the read models' own operations (status,
catch-up, rebuild). Reports on the candidate lists say "danh sách", never "cấp ủy viên": the
elected committees are the congress's result, not the plans'."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from application.access import operator_only, readable
from application.context import Context
from application.errors import Rejected
from application.principal import Principal
from domain.access import Operation
from domain.errors import Violation
from domain.vocabulary import label, percent

Progress = Callable[[int, int | None], None]
STATUSES = ("open", "in_procedure", "submitted", "awaiting_approval", "approved", "rejected",
            "cancelled")
MEASURES = ("women", "under_40", "ethnic_minority", "first_time")
FOOTNOTE = {"first_time": "người tham gia lần đầu", "women": "nữ", "under_40": "dưới 40 tuổi",
            "ethnic_minority": "người dân tộc thiểu số"}


def parse_status(status: str | None) -> str | None:
    if status is None:
        return None
    if status not in STATUSES:
        raise Rejected((Violation(field="--status", rule="one_of", message=(
            f"«{status}» không phải trạng thái; chọn một trong: "
            + "; ".join(f"{s} ({label('phase', s)})" for s in STATUSES))),))
    return status


def parse_share(text: str, field: str) -> Fraction:
    """"1/3", "15%" or "0,15" as a share between 0 and 1."""
    value = text.strip().replace(",", ".")
    try:
        share = (Fraction(value[:-1].strip()) / 100) if value.endswith("%") else Fraction(value)
    except (ValueError, ZeroDivisionError):
        share = Fraction(-1)
    if not 0 <= share <= 1:
        raise Rejected((Violation(field=field, rule="share", message=(
            f"«{text}» không phải một tỷ lệ từ 0 đến 1; viết ví dụ 1/3 hoặc 15%")),))
    return share


def share_text(share: Fraction) -> str:
    if (share * 100).denominator == 1:
        return f"{share * 100}%"
    return f"{share.numerator}/{share.denominator}"


@dataclass(frozen=True, kw_only=True)
class PlansReport:
    rows: tuple[Any, ...]  # reads.models.reading.PlanRow
    behind: tuple[str, ...]  # read models behind the event log


async def plans(ctx: Context, principal: Principal, *, status: str | None = None) -> PlansReport:
    from reads.models import reading

    rows = await reading.plans(ctx.engine, status=parse_status(status))
    rows = await _visible(ctx, principal, rows, Operation.READ_PLAN)
    return PlansReport(rows=tuple(rows), behind=await behind(ctx, ["plans"]))


async def _visible(ctx: Context, principal: Principal, rows: list[Any],
                   operation: Operation) -> list[Any]:
    allowed = await readable(ctx, principal, operation, [r.organization_id for r in rows])
    return [r for r in rows if r.organization_id in allowed]


async def behind(ctx: Context, names: list[str]) -> tuple[str, ...]:
    from reads.models import reading

    return tuple(f.name for f in await reading.freshness(ctx.engine, ctx.store, names)
                 if f.behind)


@dataclass(frozen=True, kw_only=True)
class Above:
    measure: str
    threshold: str
    lists: tuple[Any, ...]  # ListStructure, largest share first
    sentence: str  # like the directive's footnote [1]


@dataclass(frozen=True, kw_only=True)
class StructureReport:
    position_group: str
    lists: tuple[Any, ...]  # reads.models.reading.ListStructure with a list
    above: tuple[Above, ...]
    behind: tuple[str, ...]


async def structure(ctx: Context, principal: Principal, *,
                    position_group: str = "committee_member", status: str | None = None,
                    thresholds: Sequence[tuple[str, str, str]] = ()) -> StructureReport:
    """Cơ cấu of every candidate list, across organizations, and which lists exceed the given
    shares (``thresholds``: (measure, share as typed, option name))."""
    from reads.models import reading

    shares = [(m, parse_share(t, option)) for m, t, option in thresholds]
    lists = [s for s in await reading.structure(ctx.engine, position_group=position_group,
                                                status=parse_status(status)) if s.total]
    lists = await _visible(ctx, principal, lists, Operation.REPORT)
    found = []
    for measure, share in shares:
        over = sorted((s for s in lists if s.above(measure, share)),
                      key=lambda s: (-(s.share(measure) or 0), s.organization_name))
        names = ", ".join(
            f"{s.organization_name} ({s.counts[measure]}/{s.total}, "
            f"{percent(Fraction(s.counts[measure], s.total))})" for s in over)
        sentence = (f"Có {len(over):02d} danh sách có tỷ lệ {FOOTNOTE[measure]} trên "
                    f"{share_text(share)}" + (f": {names}." if over else "."))
        found.append(Above(measure=measure, threshold=share_text(share), lists=tuple(over),
                           sentence=sentence))
    return StructureReport(position_group=position_group, lists=tuple(lists),
                           above=tuple(found), behind=await behind(ctx, ["structure"]))


async def freshness(ctx: Context, principal: Principal) -> list[Any]:
    from reads.models import reading

    operator_only(principal, "Xem tình trạng bảng đọc")
    return list(await reading.freshness(ctx.engine, ctx.store))


async def catch_up(ctx: Context, principal: Principal, *, batch_size: int = 500,
                   progress: Progress | None = None) -> int:
    from reads.models import runner
    from reads.models.sets import read_models

    operator_only(principal, "Cập nhật bảng đọc")
    return await runner.catch_up(ctx.engine, ctx.store, read_models(), batch_size=batch_size,
                                 progress=progress)


async def rebuild(ctx: Context, principal: Principal, name: str, *, batch_size: int = 500,
                  progress: Progress | None = None) -> Any:
    """One read model from the start of the log, into fresh tables, swapped in at the end."""
    from reads.models import runner
    from reads.models.sets import by_name, read_models

    operator_only(principal, "Dựng lại bảng đọc")
    try:
        projection = by_name(name)
    except LookupError:
        names = ", ".join(p.name for p in read_models())
        raise Rejected((Violation(field="NAME", rule="one_of",
                                  message=f"«{name}» không phải bảng đọc; chọn: {names}"),)) \
            from None
    try:
        return await runner.rebuild(ctx.engine, ctx.store, projection, batch_size=batch_size,
                                    progress=progress)
    except runner.RebuildRunning as exc:
        raise Rejected((Violation(field="NAME", rule="rebuild_running",
                                  message=f"Đang có một lần dựng lại khác: {exc}"),)) from None
