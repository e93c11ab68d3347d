"""A nomination's trail as JSON, CSV and a printable HTML page, with Vietnamese labels. Each
states both verification results. The HTML page is self-contained (no script, no external
file) and escapes every value; CSV cells that a spreadsheet would run as a formula are
prefixed with an apostrophe."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import UTC, datetime
from typing import Any

from audit.statements import chain_statement, coverage_statement
from audit.trail import TrailReport
from domain.plan_terms import Tally
from domain.vocabulary import VIETNAM, day, moment
from eventstore.hashing import utc_iso
from reads.describe import label
from reads.trail import Trail, TrailEntry, trail_as_json

CSV_COLUMNS = (
    "Phiên bản", "Vị trí", "Loại sự kiện", "Kết quả", "Bước", "Lần", "Ngày hội nghị",
    "Hội nghị", "Số triệu tập", "Số có mặt", "Phiếu hợp lệ", "Số đồng ý", "Cơ sở tính",
    "Số cơ sở", "Ngưỡng (hơn)", "Cần đạt", "Lý do", "Người thực hiện", "Vai trò", "Tổ chức",
    "Thời điểm", "Ghi lúc", "Ngày diễn ra", "Mã băm",
)


def trail_json(report: TrailReport) -> dict[str, Any]:
    data = trail_as_json(report.trail)
    coverage = report.coverage
    checkpoint = coverage.checkpoint
    data["checkpoint_verification"] = {
        "status": coverage.status, "ok": coverage.ok, "ledger_seq": coverage.ledger_seq,
        "position": coverage.position, "problem": coverage.problem,
        "checkpoint": None if checkpoint is None else {
            "checkpoint_seq": checkpoint.checkpoint_seq, "ledger_size": checkpoint.ledger_size,
            "ledger_hash": checkpoint.ledger_hash, "previous_hash": checkpoint.previous_hash,
            "created_at": utc_iso(checkpoint.created_at), "key_id": checkpoint.key_id,
            "signature": checkpoint.signature, "signed_note": report.signed_note,
        },
    }
    data["inclusion_proofs"] = _inclusion_json(report)
    data["redacted"] = report.redacted
    # What each event's hash covers, so that the content shown is checked, not only its hash
    # (audit.offline.verify_trail_records; nhansu audit verify-trail).
    data["records"] = list(report.records)
    data["statements"] = {"chain": chain_statement(report.trail.verification),
                          "checkpoint": coverage_statement(coverage),
                          **({"privacy": label("privacy", "redacted_trail")}
                             if report.redacted else {})}
    return data


def _inclusion_json(report: TrailReport) -> dict[str, Any] | None:
    """Per event: its ledger seq and RFC 9162 audit path (hex) in the tree of the signed note;
    ``audit.offline.verify_trail_proofs`` (``nhansu audit verify-trail``) checks them."""
    inclusion = report.inclusion
    if inclusion is None:
        return None
    cp = inclusion.checkpoint
    return {
        "checkpoint_seq": cp.checkpoint_seq, "tree_size": cp.ledger_size,
        "tree_root": cp.tree_root, "signed_note": inclusion.signed_note,
        "events": [{"position": e.position, "hash": e.hash,
                    "ledger_seq": inclusion.proofs[e.position][0],
                    "audit_path": [h.hex() for h in inclusion.proofs[e.position][1]]}
                   for e in report.trail.entries if e.position in inclusion.proofs],
    }


def trail_json_text(report: TrailReport) -> str:
    return json.dumps(trail_json(report), ensure_ascii=False, indent=2) + "\n"


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _tally_cells(tally: Tally | None) -> list[object]:
    if tally is None:
        return [""] * 10
    return [tally.held_on.isoformat(), tally.body, tally.summoned, tally.attending,
            tally.ballots_valid, tally.yes, tally.pass_base, tally.base_count, tally.threshold,
            tally.needed]


def trail_csv(report: TrailReport) -> str:
    t = report.trail
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in t.entries:
        writer.writerow([_cell(v) for v in (
            e.version, e.position, e.event_type, e.outcome_vi, e.step, e.attempt,
            *_tally_cells(e.tally), e.reason, e.actor, e.role, e.organization_id,
            _vietnam_iso(e.occurred_at), _vietnam_iso(e.recorded_at),
            e.business_date.isoformat(),
            e.hash)])
    writer.writerow([])
    for name, value in (
        *_info(t, f"{t.procedure} ({t.procedure_digest})"),
        ("Kiểm tra chuỗi băm", chain_statement(t.verification)),
        ("Kiểm tra điểm chốt có chữ ký", coverage_statement(report.coverage)),
        *([("Thông tin cá nhân", label("privacy", "redacted_trail"))] if report.redacted
          else []),
    ):
        writer.writerow([_cell(name), _cell(value)])
    return out.getvalue()


def _vietnam_iso(value: datetime) -> str:
    """A spreadsheet's reader sees Vietnam's time, with its offset so the moment is exact."""
    return value.astimezone(VIETNAM).isoformat()


def _info(t: Trail, procedure: str) -> list[tuple[str, str]]:
    rows = [
        ("Họ và tên", t.full_name), ("Mã hồ sơ", t.nomination_id), ("Đề án", t.plan_id),
        ("Nhóm vị trí", label("position_group", t.position_group)),
        ("Nhóm ứng viên", label("candidate_group", t.candidate_group)),
        ("Quy trình", procedure),
        ("Tính đến", moment(t.as_of) if t.as_of else "hiện tại"),
    ]
    if t.as_of_date is not None:
        rows.append(("Tính đến ngày (theo ngày diễn ra)", t.as_of_date.isoformat()))
    return rows


_STYLE = """
body { font-family: "Times New Roman", "Noto Serif", Georgia, serif; margin: 2em; color: #111; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { border: 1px solid #888; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eee; } table.info th { width: 14em; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 0.75em; word-break: break-all; }
.verdict { border: 2px solid #888; padding: 0.6em 0.8em; margin: 0.6em 0; }
.verdict.ok { border-color: #1a7f37; } .verdict.fail { border-color: #b42318; }
.verdict.pending { border-color: #b08800; }
pre { white-space: pre-wrap; word-break: break-all; font-size: 0.8em; background: #f6f6f6;
      padding: 0.6em; }
footer { margin-top: 2em; font-size: 0.8em; color: #555; }
@media print { body { margin: 1cm; } tr, .verdict, pre { break-inside: avoid; } }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _tally_html(tally: Tally | None) -> str:
    if tally is None:
        return ""
    return (f"Hội nghị ngày {_e(tally.held_on.isoformat())} ({_e(label('body', tally.body))}):"
            f" <strong>{_e(tally.yes)}</strong>/{_e(tally.base_count)} đồng ý "
            f"(cơ sở: {_e(label('pass_base', tally.pass_base))}; cần hơn "
            f"{_e(tally.threshold)}, tức ít nhất "
            f"{_e(tally.needed)}); có mặt {_e(tally.attending)}/{_e(tally.summoned)}; "
            f"phiếu hợp lệ {_e(tally.ballots_valid)}")


def _row(e: TrailEntry) -> str:
    step = "" if e.step is None else f"bước {e.step}" + (
        "" if e.attempt is None else f", lần {e.attempt}")
    return ("<tr>"
            f"<td>{_e(e.version)}</td>"
            f"<td>{_e(day(e.business_date))}<br><small>thời điểm "
            f"{_e(moment(e.occurred_at))}, ghi lúc {_e(moment(e.recorded_at))}</small></td>"
            f"<td><strong>{_e(e.outcome_vi)}</strong><br><small>{_e(e.event_type)}</small></td>"
            f"<td>{_e(step)}</td><td>{_tally_html(e.tally)}</td><td>{_e(e.reason)}</td>"
            f"<td>{_e(e.actor)}<br><small>{_e(label('role', e.role))}, "
            f"{_e(e.organization_id)}</small></td>"
            f"<td class=\"hash\">vị trí {_e(e.position)}<br>{_e(e.hash)}</td>"
            "</tr>")


def trail_html(report: TrailReport, *, now: datetime | None = None) -> str:
    t = report.trail
    chain_class = "ok" if t.verification.ok else "fail"
    coverage = report.coverage
    cover_class = "ok" if coverage.ok else "fail" if coverage.failed else "pending"
    info = "".join(f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>"
                   for name, value in _info(t, f"{t.procedure} (sha256 {t.procedure_digest})"))
    note = (f"<p>Điểm chốt có chữ ký (C2SP signed note), để đối chiếu độc lập:</p>"
            f"<pre>{_e(report.signed_note)}</pre>" if report.signed_note else "")
    privacy = (f'<p class="verdict pending">{_e(label("privacy", "redacted_trail"))}</p>'
               if report.redacted else "")
    made = moment(now or datetime.now(UTC))
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hồ sơ quá trình nhân sự — {_e(t.full_name)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Hồ sơ quá trình nhân sự</h1>
{privacy}
<table class="info">{info}</table>
<h2>Diễn biến ({len(t.entries)} sự kiện)</h2>
<table>
<thead><tr><th>#</th><th>Thời điểm</th><th>Kết quả</th><th>Bước</th>
<th>Hội nghị và kiểm phiếu</th><th>Lý do</th><th>Người thực hiện</th><th>Mã băm</th></tr></thead>
<tbody>
{chr(10).join(_row(e) for e in t.entries)}
</tbody>
</table>
<h2>Kết quả kiểm tra</h2>
<div class="verdict {chain_class}"><strong>Kiểm tra chuỗi băm:</strong>
{_e(chain_statement(t.verification))}</div>
<div class="verdict {cover_class}"><strong>Kiểm tra điểm chốt có chữ ký:</strong>
{_e(coverage_statement(coverage))}</div>
{note}
<footer>Lập bởi nhansu lúc {_e(made)} từ cơ sở dữ liệu PostgreSQL (bản ghi gốc).</footer>
</body>
</html>
"""
