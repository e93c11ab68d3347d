"""How plans, appraisals, trails, verifications and reports look in a terminal: Vietnamese
words from the label catalogue, Vietnamese numbers, Vietnam time, ids never truncated, and
every piece of data printed through ``cli.output`` (never read as markup)."""

from __future__ import annotations

from typing import Any

from application.labels import VIETNAM, day, label, moment, number
from cli import output
from cli.output import ID_COLUMN, say, show, table

MARKS = {"advanced": "✓", "revote": "↺", "dropped": "✗"}


def plan(d: Any) -> None:
    """application.views.PlanDetails."""
    say(("Đề án nhân sự ", "bold"), (d.plan_id, "bold"), f" — {d.organization_name}, nhiệm kỳ "
        f"{d.term} (từ {day(d.term_start)})")
    say("Quy trình: ", d.procedure_title, (f" ({d.procedure}, {d.procedure_digest[:12]})", "dim"))
    say("Trạng thái: ", (d.phase_label, "bold"), f" (vòng {d.round})" if d.round > 1 else "",
        f"; cấp trên phê duyệt: {d.superior_id}")
    if d.follows:
        say(f"Thay cho đề án {d.follows} (đã hủy hoặc không được phê duyệt).")
    if d.as_of is not None:
        say((f"Như dữ liệu đã ghi đến {moment(d.as_of)}.", "yellow"))
    if d.as_of_date is not None:
        say((f"Như tình hình đến hết ngày {day(d.as_of_date)}.", "yellow"))
    for group in d.groups:
        rows = []
        for i, c in enumerate(group.candidates, start=1):
            cells = []
            for step in d.steps:
                marks = [MARKS.get(s.outcome, "?") + str(s.yes) for s in c.steps
                         if s.step == step]
                cells.append(" ".join(marks))
            rows.append([str(i), c.full_name, c.party_card_number or "",
                         c.candidate_group_label, *cells, c.appraisal_label,
                         (c.status_label, "bold") if c.status in ("listed", "approved")
                         else c.status_label,
                         ("⚠ " + str(len(c.warnings)), "yellow") if c.warnings else ""])
        show(table(
            f"{group.title}: {number(group.seats)} chỉ tiêu, danh sách {number(group.list_minimum)}"
            f"–{number(group.list_maximum)} người",
            [("#", {"justify": "right"}), "Họ và tên", ("Thẻ đảng", ID_COLUMN), "Nhóm",
             *((f"B{s}", {"justify": "right"}) for s in d.steps), "Thẩm định", "Kết quả",
             "Cảnh báo"], rows))
        if group.structure:
            say("Cơ cấu danh sách: " + "; ".join(
                f"{f.measure_label} {number(f.count)}/{number(f.total)} ({f.percent})"
                + ("" if f.met is None else " ✓" if f.met else " ✗ chưa đạt")
                for f in group.structure))
    warnings = [(c, w) for g in d.groups for c in g.candidates for w in c.warnings]
    if warnings:
        say((f"⚠ Cảnh báo tiêu chuẩn, điều kiện ({len(warnings)}):", "bold yellow"))
        for c, w in warnings:
            say("  • ", (c.who, "bold"), f" — {w.check_label}: ", w.detail)
    n = d.next_conference
    if n is not None:
        say("Tiếp theo: ", (f"bước {n.step} (lần {n.attempt})", "bold"), f" — {n.step_title}, "
            f"{n.position_group_title}, nhóm {n.candidate_group_label}. Mẫu biên bản: nhansu "
            f"conference template {d.plan_id}")


def appraisal(v: Any) -> None:
    """application.review.AppraisalView."""
    rows = []
    for r in v.rows:
        checks = "; ".join(f"{w.check_label}: {w.detail}" for w in r.failed_checks) or "đạt"
        rows.append([r.full_name, r.party_card_number or "", (checks, "yellow")
                     if r.failed_checks else checks,
                     *("—" if f is None else f.outcome_label
                       + (f" ({f.text})" if f.text else "") for f in r.findings),
                     r.result_label])
    show(table(f"Thẩm định đề án {v.plan_id} — {v.organization_name} (vòng {v.round}, "
               f"{v.phase_label})",
               ["Họ và tên", ("Thẻ đảng", ID_COLUMN), "Kiểm tra tự động", *v.agency_labels,
                "Kết quả"], rows))


def trail(report: Any) -> None:
    """audit.trail.TrailReport: the nomination's history, then its two verdicts."""
    from application.audit import trail_statements

    t = report.trail
    say(("Hồ sơ quá trình: ", "bold"), (t.full_name, "bold"), " — hồ sơ ", t.nomination_id)
    say(f"  Đề án {t.plan_id}; {label('position_group', t.position_group)}; nhóm "
        f"{label('candidate_group', t.candidate_group)}; quy trình {t.procedure} ",
        (t.procedure_digest[:12], "dim"))
    if t.as_of is not None:
        say((f"  Như dữ liệu đã ghi đến {moment(t.as_of)}", "yellow"))
    if getattr(t, "as_of_date", None) is not None:
        say((f"  Như tình hình đến hết ngày {day(t.as_of_date)}", "yellow"))
    for e in t.entries:
        step = ""
        if e.step is not None:
            step = f" — bước {e.step}" + (f", lần {e.attempt}" if e.attempt is not None else "")
        say("  ", (f"[{e.version}] ", "bold"), (e.outcome_vi, "bold"), step)
        say(f"      ngày {day(e.business_date)}; ghi lúc {moment(e.recorded_at)} bởi {e.actor} "
            f"({label('role', e.role)}, {e.organization_id})")
        if e.tally is not None:
            tally = e.tally
            say(f"      hội nghị {day(tally.held_on)} ({label('body', tally.body)}): "
                f"{number(tally.yes)}/{number(tally.base_count)} đồng ý, cần "
                f"{number(tally.needed)}; có mặt {number(tally.attending)}/"
                f"{number(tally.summoned)}; phiếu hợp lệ {number(tally.ballots_valid)}")
        say("      ", e.reason)
        say((f"      vị trí {e.position}, mã băm {e.hash[:16]}…", "dim"))
    chain, coverage = trail_statements(report)
    say((chain, "green" if t.verification.ok else "bold red"))
    style = "green" if report.coverage.ok else "red" if report.coverage.failed else "yellow"
    say((coverage, style))


def verification(v: Any) -> None:
    """application.audit.Verification."""
    c = v.chains
    if c.ok:
        say(("Chuỗi băm toàn vẹn", "green"), f": {number(c.events_checked)} sự kiện, "
            f"{number(c.streams_checked)} luồng đã kiểm tra, không có thay đổi.")
    else:
        b = c.first_broken
        say(("Chuỗi băm bị phá vỡ", "bold red"), f" tại luồng {b.stream_id}, phiên bản "
            f"{b.stream_version}, vị trí {b.position}: {b.reason}")
    if v.coverage is not None:
        say((v.coverage, "green" if v.ok else "yellow"))
    for n, line in enumerate(v.ledger_lines):
        say((line, ("green" if v.ok else "bold red") if n == 0 else ""))


def plans(rows: Any, title: str) -> None:
    show(table(title, [("Đề án", ID_COLUMN), "Tổ chức", "Nhiệm kỳ", "Trạng thái", "Chỉ tiêu",
                       "Nhân sự", "Lập", "Trình"],
               [[r.plan_id, r.organization_name, r.term, label("phase", r.status),
                 number(r.seats), number(r.candidates), _day_of(r.opened_at),
                 _day_of(r.submitted_at)] for r in rows]))


def _day_of(moment_: Any) -> str:
    return "" if moment_ is None else day(moment_.astimezone(VIETNAM).date())


def structure(report: Any) -> None:
    """application.reports.StructureReport (candidate lists, not elected committees)."""
    from application.reports import MEASURES

    def cell(s: Any, measure: str) -> str:
        f = next(f for f in s.figures() if f.measure == measure)
        mark = "" if f.met is None else " ✓" if f.met else " ✗"
        return f"{number(f.count)} ({f.percent_text}){mark}"

    show(table(
        f"Cơ cấu các danh sách nhân sự ({label('position_group', report.position_group)}): "
        f"{number(len(report.lists))} danh sách",
        ["Tổ chức", ("Đề án", ID_COLUMN), "Trạng thái", "Chỉ tiêu", "Danh sách",
         *(label("measure", m) for m in MEASURES)],
        [[s.organization_name, s.plan_id, label("phase", s.status), number(s.seats),
          number(s.total), *(cell(s, m) for m in MEASURES)] for s in report.lists]))
    for above in report.above:
        say(above.sentence)


def freshness(rows: Any) -> None:
    show(table("Bảng đọc (read models)",
               ["Bảng", "Vị trí", "Sự kiện đã áp dụng", "Cập nhật", "Tình trạng", "Để riêng"],
               [[r.name, number(r.position), number(r.events_processed),
                 moment(r.updated_at) if r.updated_at else "chưa",
                 ("chậm hơn sổ sự kiện", "yellow") if r.behind else "đã cập nhật",
                 (number(r.set_aside), "bold red") if r.set_aside else "0"] for r in rows]))
    for r in rows:
        for s in r.first_set_aside:
            say((f"  {r.name}: để riêng sự kiện ở vị trí {s.position} ({s.stream_id}, "
                 f"{s.event_type}): {s.error}", "red"))
    if any(r.set_aside for r in rows):
        say("Các sự kiện để riêng không làm dừng bảng đọc; kiểm tra chúng bằng nhansu audit "
            "verify.")


def lines(items: Any) -> None:
    for item in items:
        output.say(item)


def elected_committee(committee: Any) -> None:
    """reads.congress.ElectedCommittee: the new committee by position group, low to high."""
    say((f"{committee.organization_name}, nhiệm kỳ {committee.term}: cấp ủy khóa mới "
         f"({committee.phase_label})", "bold"))
    for group in committee.groups:
        members = committee.of_group(group.position_group)
        state = "đã chuẩn y" if group.approved else "chưa chuẩn y"
        show(table(
            f"{group.title}: {number(group.elected)} trúng cử, {number(group.appointed)} chỉ "
            f"định, {number(group.open)} còn trống / {number(group.seats)} chỉ tiêu ({state})",
            ["Họ và tên", "Trúng cử / chỉ định", ("Số phiếu", {"justify": "right"}),
             "Vòng, lần bầu", "Quyết định"],
            [[m.who, m.how_label,
              f"{number(m.votes)}/{number(m.base)}" if m.votes is not None else "—",
              f"vòng {m.round}" + (f", lần {m.ballot}" if m.ballot else ""),
              m.decision_ref or ""] for m in members]))


def committees(report: Any, *, limit: int = 50) -> None:
    """application.committee_reports.CommitteesReport: the elected committees, the aggregate
    figures and the footnote's sentences."""
    from application.committee_reports import MEASURES

    def cell(r: Any, measure: str) -> str:
        f = next(f for f in r.figures() if f.measure == measure)
        mark = "" if f.met is None else " ✓" if f.met else " ✗"
        return f"{number(f.count)} ({f.percent_text}){mark}"

    shown = report.committees[:limit]
    more = len(report.committees) - len(shown)
    show(table(
        f"Cấp ủy được bầu dưới {report.organization_id}: {number(len(report.committees))} "
        f"cấp ủy; ✓/✗: đạt/chưa đạt chỉ tiêu cơ cấu của đề án"
        + (f" (hiện {number(len(shown))} đầu tiên)" if more else ""),
        ["Tổ chức", "Nhiệm kỳ", "Theo đề án", "Cấp ủy viên",
         *(label("measure", m) for m in MEASURES), "Ghế trống", "Chỉ định"],
        [[r.organization_name, r.term, number(r.seats), number(r.elected),
          *(cell(r, m) for m in MEASURES), number(r.open_seats), number(r.appointed)]
         for r in shown]))
    show(table("Tổng hợp", ["Chỉ tiêu", "Số", "Tỷ lệ"],
               [[f.label, number(f.count) + (f"/{number(f.out_of)}" if f.out_of else ""),
                 f.share or ""] for f in (*report.figures, *report.structure)]))
    for ranked in report.above:
        say(ranked.sentence)
