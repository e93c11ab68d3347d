"""Biên bản kiểm phiếu: the count of one ballot as a printable, self-contained HTML page (no
script, no external file, every value escaped), with the digest the counting committee signed
and the sha256 of the canonical ballot file (``domain.ballots.canonical_ballot_file``): anyone
holding the sealed ballots can write that file again and check the hash."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from fractions import Fraction

from domain.vocabulary import day, moment, number, percent
from reads.congress import BallotView, CongressView, RoundView

_STYLE = """
body { font-family: "Times New Roman", "Noto Serif", Georgia, serif; margin: 2em; color: #111; }
h1 { font-size: 1.4em; text-align: center; margin: 0.4em 0 0.1em; }
.sub { text-align: center; margin: 0 0 1em; } .head { display: flex;
       justify-content: space-between; } .head div { text-align: center; }
table { border-collapse: collapse; width: 100%; font-size: 0.95em; margin: 0.6em 0; }
th, td { border: 1px solid #888; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eee; } td.n { text-align: right; } table.info th { width: 22em; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 0.8em; word-break: break-all; }
.result { border: 2px solid #888; padding: 0.6em 0.8em; margin: 0.8em 0; }
.signs { display: flex; flex-wrap: wrap; gap: 2em; margin-top: 1.5em; }
.signs div { min-width: 14em; text-align: center; }
footer { margin-top: 2em; font-size: 0.8em; color: #555; }
@media print { body { margin: 1cm; } tr, .result { break-inside: avoid; } }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def protocol_html(congress: CongressView, rnd: RoundView, ballot: BallotView, *,
                  now: datetime | None = None) -> str:
    count = ballot.count
    assert count is not None
    made = now or datetime.now(UTC)
    rows = []
    for i, vote in enumerate(ballot.votes, start=1):
        share = percent(Fraction(vote.kept, ballot.base)) if ballot.base else "—"
        outcome = ("Trúng cử" if vote.elected else "Không trúng cử") if ballot.outcome else ""
        rows.append(f"<tr><td class='n'>{i}</td><td>{_e(vote.who)}</td>"
                    f"<td class='n'>{_e(number(vote.kept))}</td><td class='n'>{_e(share)}</td>"
                    f"<td>{_e(outcome)}</td></tr>")
    invalid = "".join(f"<tr><th>— {_e(i.label)}</th><td class='n'>{_e(number(i.ballots))}</td>"
                      f"</tr>" for i in ballot.invalid)
    info = [
        ("Cơ quan bầu", rnd.body_label), ("Ngày bầu", day(rnd.held_on)),
        ("Số lượng bầu (lần bầu này)", number(ballot.seats)),
        ("Số được triệu tập", number(rnd.summoned)),
        ("Không tính vào cơ sở theo quy chế", number(rnd.excluded)),
        ("Cơ sở tính kết quả", number(rnd.base)), ("Số có mặt", number(rnd.present)),
        ("Số phiếu phát ra", number(count.issued)), ("Số phiếu thu vào", number(count.returned)),
        ("Số phiếu hợp lệ", number(count.valid)),
        ("Số phiếu không hợp lệ", number(count.invalid)),
    ]
    info_rows = "".join(f"<tr><th>{_e(k)}</th><td class='n'>{_e(v)}</td></tr>"
                        for k, v in info)
    if ballot.signed:
        signs = "".join(f"<div>{_e(name)}<br><small>(đã ký)</small></div>"
                        for name in ballot.signatories)
        signed = (f"<p>Ban Kiểm phiếu đã ký biên bản này lúc {_e(moment(ballot.signed_at))}."
                  if ballot.signed_at else "") + "</p>"
    else:
        signs = "<div><em>Chưa ký</em></div>"
        signed = "<p><strong>Biên bản chưa được Ban Kiểm phiếu ký.</strong></p>"
    recount = ""
    if ballot.counts > 1:
        recount = (f"<p>Đã kiểm {ballot.counts} lần; lần gần nhất "
                   + ("trùng khớp" if ballot.recount_matches else "KHÔNG trùng khớp")
                   + " với lần trước.</p>")
    result = (f"<div class='result'><strong>Kết quả: {_e(ballot.outcome_label)}.</strong> "
              f"{_e(ballot.result_reason)}</div>" if ballot.outcome else
              "<div class='result'>Chưa công bố kết quả (biên bản chưa ký).</div>")
    title = (f"Bầu {rnd.title} — vòng bầu {rnd.number}, lần bầu {ballot.number} "
             f"({ballot.kind_label.lower()})")
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>Biên bản kiểm phiếu — {_e(congress.organization_name)} — {_e(title)}</title>
<style>{_STYLE}</style></head><body>
<div class="head"><div>{_e(congress.organization_name.upper())}<br>BAN KIỂM PHIẾU</div>
<div><strong>ĐẢNG CỘNG SẢN VIỆT NAM</strong></div></div>
<h1>BIÊN BẢN KIỂM PHIẾU</h1>
<p class="sub">{_e(congress.kind_label)} {_e(congress.organization_name)}, nhiệm kỳ
{_e(congress.term)}<br>{_e(title)}</p>
<table class="info">{info_rows}{invalid}</table>
<h2>Số phiếu bầu cho từng người (theo thứ tự trong danh sách bầu cử)</h2>
<table><tr><th>STT</th><th>Họ và tên</th><th>Số phiếu bầu</th>
<th>Tỷ lệ so với cơ sở tính</th><th>Kết quả</th></tr>{''.join(rows)}</table>
{result}
{recount}
<table class="info">
<tr><th>Mã kiểm phiếu (sha256 của kết quả kiểm phiếu, điều Ban Kiểm phiếu ký)</th>
<td class="hash">{_e(ballot.count_digest)}</td></tr>
<tr><th>Mã băm tệp phiếu bầu chuẩn hóa (sha256)</th>
<td class="hash">{_e(count.ballot_file_sha256)}</td></tr>
<tr><th>Quy trình áp dụng</th><td>{_e(congress.procedure_key)}</td></tr>
</table>
{signed}
<div class="signs">{signs}</div>
<footer>Phiếu bầu được kiểm bằng máy tính. Hệ thống chỉ lưu kết quả kiểm phiếu và mã băm của
tệp phiếu bầu chuẩn hóa (mỗi dòng một phiếu, các dòng xếp theo thứ tự chuẩn), không lưu phiếu
nào, không lưu thứ tự phiếu, không lưu người bỏ phiếu. Lập lúc {_e(moment(made))}.</footer>
</body></html>
"""
