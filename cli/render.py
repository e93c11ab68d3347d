"""How plans, trails and verification look in a terminal (Vietnamese labels)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from domain.errors import Violation
from domain.people import CANDIDATE_GROUP_LABELS_VI
from domain.plan import NominationStatus
from domain.structure import structure_figures
from eventstore.model import VerificationReport
from reads.describe import APPRAISAL_RESULT_VI
from reads.plans import PlanView
from reads.trail import Trail

STATUS_VI = {
    NominationStatus.REGISTERED: "Đã đăng ký",
    NominationStatus.STANDING: "Đang xem xét",
    NominationStatus.LISTED: "Vào danh sách",
    NominationStatus.DROPPED: "Dừng",
    NominationStatus.APPROVED: "Được phê duyệt",
    NominationStatus.EXCLUDED: "Bị cấp trên loại",
}
PHASE_VI = {"open": "Đang lập", "in_procedure": "Đang thực hiện 5 bước",
            "submitted": "Đã trình cấp trên, đang thẩm định", "not_opened": "Chưa lập",
            "awaiting_approval": "Chờ cấp trên phê duyệt", "approved": "Đã phê duyệt",
            "rejected": "Không được phê duyệt"}


def violations(console: Console, title: str, items: tuple[Violation, ...]) -> None:
    console.print(f"[bold red]{title}[/]")
    for v in items:
        console.print(f"  • [bold]{v.field}[/]: {v.message} [dim]({v.rule})[/]")


def plan(console: Console, view: PlanView) -> None:
    s = view.state
    assert s.procedure is not None and s.organization is not None and s.term_start is not None
    console.print(f"[bold]Đề án nhân sự {s.plan_id}[/] — {s.organization.name}, "
                  f"nhiệm kỳ {s.term}")
    console.print(f"Quy trình: {s.procedure.title_vi} [dim]({s.procedure.key}, "
                  f"{s.procedure_digest[:12]})[/]")
    console.print(f"Trạng thái: [bold]{PHASE_VI.get(s.phase.value, s.phase.value)}[/]"
                  + (f" (vòng {s.round})" if s.round > 1 else ""))
    steps = [st.number for st in s.procedure.steps]
    for seat in s.seats:
        low, high = s.procedure.surplus.list_bounds(seat.seats)
        table = Table(title=f"{s.procedure.position_group_title(seat.position_group)}: "
                            f"{seat.seats} chỉ tiêu, danh sách {low}–{high} người")
        table.add_column("#", justify="right")
        table.add_column("Họ và tên")
        table.add_column("Nhóm")
        for number in steps:
            table.add_column(f"B{number}", justify="right")
        table.add_column("Thẩm định")
        table.add_column("Kết quả")
        members = s.in_position_group(seat.position_group)
        for i, n in enumerate(members, start=1):
            cells = []
            for number in steps:
                marks = [("✓" if r.outcome == "advanced" else "↺" if r.outcome == "revote"
                          else "✗") + str(r.yes)
                         for r in view.results.get(n.nomination_id, []) if r.step == number]
                cells.append(" ".join(marks))
            appraisal = s.appraisals.get(n.nomination_id)
            appraised = APPRAISAL_RESULT_VI.get(appraisal.outcome or "", "đang thẩm định") \
                if appraisal else ""
            table.add_row(str(i), n.candidate.full_name,
                          CANDIDATE_GROUP_LABELS_VI[n.candidate_group], *cells, appraised,
                          STATUS_VI[n.status])
        console.print(table)
        assert s.targets is not None
        listed = s.listed(seat.position_group)
        if listed:
            figures = structure_figures(listed, s.targets, s.term_start)
            console.print("Cơ cấu danh sách: " + "; ".join(
                f"{f.label_vi} {f.count}/{f.total} ({f.percent_text})"
                + ("" if f.met is None else " ✓" if f.met else " ✗ chưa đạt")
                for f in figures))
    track = s.current_track()
    if track is not None:
        progress = s.progress.get(track)
        step = progress.step if progress else steps[0]
        attempt = progress.attempt if progress else 1
        console.print(f"Tiếp theo: bước {step} (lần {attempt}) cho {track[0]} / "
                      f"{CANDIDATE_GROUP_LABELS_VI[track[1]]}")


def trail(console: Console, t: Trail) -> None:
    console.print(f"[bold]Hồ sơ quá trình: {t.full_name}[/] — nomination {t.nomination_id}")
    console.print(f"  Đề án {t.plan_id}; {t.position_group}; nhóm {t.candidate_group}; "
                  f"quy trình {t.procedure} [dim]{t.procedure_digest[:12]}[/]"
                  + (f"; tính đến {t.as_of.isoformat()}" if t.as_of else ""))
    for e in t.entries:
        step = "" if e.step is None else f" — bước {e.step}, lần {e.attempt}"
        console.print(f"  [bold][{e.version}] {e.outcome_vi}[/]{step}")
        console.print(f"      ghi lúc {e.recorded_at:%Y-%m-%d %H:%M:%S} bởi {e.actor} "
                      f"({e.role}, {e.organization_id})")
        if e.tally is not None:
            tally = e.tally
            console.print(f"      hội nghị {tally.held_on} ({tally.body}): {tally.yes}/"
                          f"{tally.base_count} đồng ý, cần {tally.needed}; có mặt "
                          f"{tally.attending}/{tally.summoned}; phiếu hợp lệ "
                          f"{tally.ballots_valid}")
        console.print(f"      {e.reason}")
        console.print(f"      [dim]vị trí {e.position}, hash {e.hash[:16]}…[/]")
    verification(console, t.verification)


def verification(console: Console, report: VerificationReport) -> None:
    if report.ok:
        console.print(f"[green]Chuỗi băm toàn vẹn[/]: {report.events_checked} sự kiện, "
                      f"{report.streams_checked} luồng đã kiểm tra, không có thay đổi.")
        return
    b = report.first_broken
    assert b is not None
    console.print(f"[bold red]Chuỗi băm bị phá vỡ[/] tại luồng {b.stream_id}, phiên bản "
                  f"{b.stream_version}, vị trí {b.position}: {b.reason}")
