"""How the read models' lists and reports look in a terminal, and as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from rich.console import Console
from rich.table import Table

from cli.render import PHASE_VI
from domain.structure import StructureFigure
from reads.models.reading import LABELS_VI, MEASURES, Freshness, ListStructure, PlanRow


def parse_share(text: str) -> Fraction:
    """"1/3", "15%" or "0.15" as a fraction; ValueError otherwise."""
    value = text.strip()
    try:
        share = (Fraction(value[:-1].strip()) / 100) if value.endswith("%") else Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{text!r} is not a share such as 1/3 or 15%") from None
    if not 0 <= share <= 1:
        raise ValueError(f"{text!r} is not between 0 and 1")
    return share


def plans_table(console: Console, rows: Sequence[PlanRow], title: str) -> None:
    table = Table(title=title)
    for column in ("Đề án", "Tổ chức", "Nhiệm kỳ", "Trạng thái", "Chỉ tiêu", "Nhân sự",
                   "Lập", "Trình"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.plan_id, r.organization_name, r.term, PHASE_VI.get(r.status, r.status),
                      str(r.seats), str(r.candidates), f"{r.opened_at:%Y-%m-%d}",
                      f"{r.submitted_at:%Y-%m-%d}" if r.submitted_at else "")
    console.print(table)


def plan_json(r: PlanRow) -> dict[str, Any]:
    return {"plan_id": r.plan_id, "organization_id": r.organization_id,
            "organization_name": r.organization_name, "term": r.term, "status": r.status,
            "round": r.round, "seats": r.seats, "candidates": r.candidates,
            "opened_at": r.opened_at.isoformat(),
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "decided_at": r.decided_at.isoformat() if r.decided_at else None}


def _cell(f: StructureFigure) -> str:
    mark = "" if f.met is None else " ✓" if f.met else " ✗"
    return f"{f.count} ({f.percent_text}){mark}"


def _share_text(share: Fraction) -> str:
    if (share * 100).denominator == 1:
        return f"{share * 100}%"
    return f"{share.numerator}/{share.denominator}"


def above(lists: Sequence[ListStructure], measure: str,
          threshold: Fraction) -> list[ListStructure]:
    """The lists with strictly more than ``threshold`` of ``measure``, largest share first."""
    found = [s for s in lists if s.above(measure, threshold)]
    return sorted(found, key=lambda s: (-(s.share(measure) or 0), s.organization_name))


FOOTNOTE_VI = {"first_time": "cấp ủy viên tham gia lần đầu", "women": "cấp ủy viên nữ",
               "under_40": "cấp ủy viên dưới 40 tuổi",
               "ethnic_minority": "cấp ủy viên người dân tộc thiểu số"}


def structure_report(console: Console, lists: Sequence[ListStructure], position_group: str,
                     thresholds: dict[str, Fraction]) -> None:
    with_list = [s for s in lists if s.total]
    table = Table(title=f"Cơ cấu danh sách ({position_group}): {len(with_list)} danh sách")
    for column in ("Tổ chức", "Đề án", "Trạng thái", "Chỉ tiêu", "Danh sách",
                   *(LABELS_VI[m] for m in MEASURES)):
        table.add_column(column)
    for s in with_list:
        table.add_row(s.organization_name, s.plan_id, PHASE_VI.get(s.status, s.status),
                      str(s.seats), str(s.total), *(_cell(f) for f in s.figures()))
    console.print(table)
    for measure, threshold in thresholds.items():
        found = above(with_list, measure, threshold)
        names = ", ".join(f"{s.organization_name} ({s.counts[measure]}/{s.total}, "
                          f"{_figure(s, measure).percent_text})" for s in found)
        console.print(f"Có {len(found):02d} danh sách có tỷ lệ {FOOTNOTE_VI[measure]} trên "
                      f"{_share_text(threshold)}" + (f": {names}." if found else "."),
                      markup=False)


def _figure(s: ListStructure, measure: str) -> StructureFigure:
    return next(f for f in s.figures() if f.measure == measure)


def structure_json(lists: Sequence[ListStructure], position_group: str,
                   thresholds: dict[str, Fraction]) -> dict[str, Any]:
    with_list = [s for s in lists if s.total]
    return {
        "position_group": position_group,
        "lists": [{"plan_id": s.plan_id, "organization_id": s.organization_id,
                   "organization_name": s.organization_name, "term": s.term,
                   "status": s.status, "seats": s.seats, "total": s.total,
                   "figures": {f.measure: {"count": f.count, "target": f.target, "met": f.met}
                               for f in s.figures()}}
                  for s in with_list],
        "above": {measure: {"threshold": _share_text(threshold),
                            "count": len(found := above(with_list, measure, threshold)),
                            "plans": [{"plan_id": s.plan_id,
                                       "organization_name": s.organization_name,
                                       "count": s.counts[measure], "total": s.total}
                                      for s in found]}
                  for measure, threshold in thresholds.items()},
    }


def freshness_table(console: Console, rows: Sequence[Freshness]) -> None:
    table = Table(title="Read models")
    for column in ("Projection", "Position", "Events", "Updated", "State"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.name, str(r.position), str(r.events_processed),
                      f"{r.updated_at:%Y-%m-%d %H:%M:%S}" if r.updated_at else "never",
                      "behind" if r.behind else "caught up")
    console.print(table)
