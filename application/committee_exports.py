"""The elected committees' report as files: CSV and XLSX tables (one row per committee, headers
in Vietnamese, shares as numbers a spreadsheet can sort) and a PNG chart of the aggregate
(matplotlib, Agg backend: no display, nothing downloaded)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from application.committee_reports import MEASURES, CommitteesReport
from domain.vocabulary import label

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header() -> list[str]:
    return ["Mã tổ chức", "Tổ chức", "Cấp", "Nhiệm kỳ", "Số ủy viên theo đề án",
            "Số cấp ủy viên", *(f"{label('measure', m)} (người)" for m in MEASURES),
            *(f"{label('measure', m)} (%)" for m in MEASURES), "Tái cử",
            "Bầu đủ ngay lần đầu", "Đại hội bầu trực tiếp bí thư", "Số ghế còn trống",
            "Số được chỉ định", "Đã chuẩn y", "Ngày hoàn thành",
            "Chưa đạt chỉ tiêu cơ cấu của đề án"]


def _share(count: int, total: int) -> float | str:
    return round(float(Fraction(count, total) * 100), 1) if total else ""


def _yes(value: bool | None) -> str:
    return "" if value is None else ("Có" if value else "Không")


def rows(report: CommitteesReport) -> list[list[Any]]:
    out: list[list[Any]] = []
    for r in report.committees:
        out.append([r.organization_id, r.organization_name, label("level", r.organization_level),
                    r.term, r.seats, r.elected, *(r.counts[m] for m in MEASURES),
                    *(_share(r.counts[m], r.elected) for m in MEASURES), r.incumbents,
                    _yes(r.first_ballot_complete), _yes(r.secretary_direct), r.open_seats,
                    r.appointed, _yes(r.result_approved),
                    r.closed_on.strftime("%d/%m/%Y") if r.closed_on else "",
                    "; ".join(label("measure", m) for m in r.targets_missed())])
    return out


def to_csv(report: CommitteesReport) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the diacritics."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header())
    writer.writerows(rows(report))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: CommitteesReport) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Cấp ủy được bầu")
    sheet.append(header())
    for row in rows(report):
        sheet.append(row)
    summary = book.create_sheet("Tổng hợp")
    summary.append(["Chỉ tiêu", "Số", "Trên tổng", "Tỷ lệ"])
    for f in (*report.figures, *report.structure):
        summary.append([f.label, f.count, f.out_of if f.out_of is not None else "",
                        f.share or ""])
    for ranked in report.above:
        summary.append([ranked.sentence])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bars(axis: Any, names: Sequence[str], values: Sequence[float], title: str) -> None:
    bars = axis.barh(list(names), list(values), color="#b22222")
    axis.set_xlim(0, 100)
    axis.invert_yaxis()
    axis.set_title(title, fontsize=11)
    axis.set_xlabel("%")
    for bar, value in zip(bars, values, strict=True):
        axis.text(min(value + 1, 88), bar.get_y() + bar.get_height() / 2,
                  f"{value:.1f}".replace(".", ",") + "%", va="center", fontsize=9)


def chart_png(report: CommitteesReport) -> bytes:
    """Two panels: the members' make-up (share of all members), and the congresses' figures
    (share of the committees)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 6), dpi=100)
    top, bottom = figure.subplots(2, 1)
    _bars(top, [f.label for f in report.structure],
          [float(Fraction(f.count, f.out_of) * 100) if f.out_of else 0.0
           for f in report.structure], "Cơ cấu cấp ủy viên (tỷ lệ trên tổng số cấp ủy viên)")
    shown = [f for f in report.figures if f.out_of is not None and f.code != "incumbents"]
    _bars(bottom, [f.label for f in shown],
          [float(Fraction(f.count, f.out_of) * 100) if f.out_of else 0.0 for f in shown],
          "Kết quả đại hội (tỷ lệ trên số cấp ủy)")
    figure.suptitle(f"Cấp ủy được bầu: {report.organization_id} "
                    f"({len(report.committees)} cấp ủy)", fontsize=12)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
