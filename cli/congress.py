"""nhansu congress …: đại hội — khai mạc, các vòng bầu, danh sách bầu cử, kiểm phiếu bằng máy
tính, kết quả, chuẩn y, chỉ định, ban chấp hành khóa mới."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import output
from cli.common import (
    IdempotencyKey,
    Json,
    announce_key,
    day,
    in_context,
    new_key,
    run,
    show_written,
    user,
)

app = typer.Typer(help="Đại hội: khai mạc, các vòng bầu, danh sách bầu cử, kiểm phiếu, kết quả, "
                       "chuẩn y, chỉ định, ban chấp hành khóa mới.", no_args_is_help=True)
Opt = typer.Option
Arg = typer.Argument
Round = Annotated[int, Arg(help="Số thứ tự vòng bầu (1, 2, ...).")]
PlanId = Annotated[str, Arg(help="Mã đề án (đại hội của đề án đã được phê duyệt).")]


def _write(work: Any, key: str, as_json: bool) -> None:
    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)


def _as_data(view: Any) -> Any:
    from application.views import as_data

    return as_data(view)


# --- the organization department ----------------------------------------------------------------
@app.command("open")
def congress_open(
    plan_id: PlanId,
    summoned: Annotated[int, Opt("--summoned", help="Số đại biểu (đảng viên) được triệu tập.")],
    opens_on: Annotated[str, Opt("--opens-on", help="Ngày khai mạc, ví dụ 20/07/2025.")],
    kind: Annotated[str, Opt("--kind", help="delegates (đại hội đại biểu) | members (đại hội "
                                            "đảng viên).")] = "delegates",
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Khai mạc đại hội của một đề án đã được phê duyệt: danh sách theo đề án và quy chế bầu
    cử của quy trình được chép vào hồ sơ đại hội."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import open_congress

        opened = day(opens_on, "--opens-on")
        assert opened is not None
        principal = await user(ctx)
        announce_key(key)
        return await open_congress(ctx, principal, plan_id, kind=kind, summoned=summoned,
                                   opens_on=opened, key=key)

    _write(work, key, as_json)


@app.command("open-round")
def congress_open_round(
    plan_id: PlanId,
    group: Annotated[str, Opt("--group", help="Nhóm chức danh: committee_member, "
                                              "standing_committee_member, secretary, "
                                              "deputy_secretary, ...")],
    seats: Annotated[int, Opt("--seats", help="Số lượng bầu.")],
    summoned: Annotated[int, Opt("--summoned", help="Số được triệu tập (đại hội: số đại biểu; "
                                                    "Ban Chấp hành: số ủy viên khóa mới).")],
    present: Annotated[int, Opt("--present", help="Số có mặt.")],
    held_on: Annotated[str, Opt("--held-on", help="Ngày bầu.")],
    body: Annotated[str, Opt("--body", help="congress (đại hội) | executive_committee (Ban Chấp "
                                            "hành khóa mới).")] = "congress",
    excluded: Annotated[int, Opt("--excluded", help="Số không tính vào cơ sở theo quy chế "
                                                    "(vắng mặt cả buổi có lý do, ...).")] = 0,
    excluded_reason: Annotated[str, Opt("--excluded-reason", help="Lý do.")] = "",
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Mở một vòng bầu: danh sách là những người của đề án đủ điều kiện ứng cử; bầu từng nhóm
    chức danh từ thấp đến cao."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import open_round

        held = day(held_on, "--held-on")
        assert held is not None
        principal = await user(ctx)
        announce_key(key)
        return await open_round(ctx, principal, plan_id, position_group=group, body=body,
                                seats=seats, summoned=summoned, present=present, held_on=held,
                                excluded=excluded, excluded_reason=excluded_reason, key=key)

    _write(work, key, as_json)


def _particulars(name: str | None, born: str | None, gender: str | None,
                 ethnicity: str | None, post: str | None) -> dict[str, str | None] | None:
    given = {"full_name": name, "birth_date": born, "gender": gender, "ethnicity": ethnicity,
             "current_post": post}
    return given if any(v is not None for v in given.values()) else None


Card = Annotated[str | None, Opt("--party-card", help="Số thẻ đảng (người đã có trong đề án "
                                                      "hay danh sách bầu cử: chỉ cần số thẻ).")]
Name = Annotated[str | None, Opt("--name", help="Họ và tên (người mới).")]
Born = Annotated[str | None, Opt("--born", help="Ngày sinh.")]
Gender = Annotated[str | None, Opt("--gender", help="nam | nữ.")]
Ethnicity = Annotated[str | None, Opt("--ethnicity", help="Dân tộc.")]
Post = Annotated[str | None, Opt("--post", help="Chức vụ hiện tại.")]


@app.command("nominate")
def congress_nominate(
    plan_id: PlanId, round_: Round,
    source: Annotated[str, Opt("--source", help="self (ứng cử) | delegate (đề cử) | presidium "
                                                "(Đoàn Chủ tịch giới thiệu).")],
    party_card: Card = None, name: Name = None, born: Born = None, gender: Gender = None,
    ethnicity: Ethnicity = None, post: Post = None,
    nominated_by: Annotated[str, Opt("--nominated-by", help="Người đề cử.")] = "",
    consented: Annotated[bool, Opt("--consented", help="Người được giới thiệu đồng ý.")] = False,
    accepted: Annotated[bool, Opt("--accepted", help="Đoàn Chủ tịch chấp thuận.")] = False,
    support: Annotated[int | None, Opt("--support", help="Số đại biểu tán thành (khi quy chế "
                                                         "yêu cầu).")] = None,
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Ứng cử, đề cử tại đại hội: vào danh sách khi có đủ sự đồng ý quy chế yêu cầu."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import nominate

        principal = await user(ctx)
        announce_key(key)
        return await nominate(ctx, principal, plan_id, round_, source=source, who=party_card,
                              particulars=_particulars(name, born, gender, ethnicity, post),
                              nominated_by=nominated_by, consented=consented,
                              accepted=accepted, support=support, key=key)

    _write(work, key, as_json)


@app.command("withdraw")
def congress_withdraw(
    plan_id: PlanId, round_: Round,
    candidate: Annotated[str, Arg(help="Số thẻ đảng của người rút khỏi danh sách.")],
    reason: Annotated[str, Opt("--reason", help="Lý do.")],
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Rút khỏi danh sách bầu cử (trước khi biểu quyết danh sách)."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import withdraw_from_list

        principal = await user(ctx)
        announce_key(key)
        return await withdraw_from_list(ctx, principal, plan_id, round_, candidate,
                                        reason=reason, key=key)

    _write(work, key, as_json)


@app.command("vote-list")
def congress_vote_list(
    plan_id: PlanId, round_: Round,
    present: Annotated[int, Opt("--present", help="Số có mặt khi biểu quyết.")],
    in_favour: Annotated[int, Opt("--in-favour", help="Số tán thành.")],
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Biểu quyết danh sách bầu cử (quá nửa số có mặt, theo quy chế); thông qua thì bắt đầu
    bỏ phiếu."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import vote_on_list

        principal = await user(ctx)
        announce_key(key)
        return await vote_on_list(ctx, principal, plan_id, round_, present=present,
                                  in_favour=in_favour, key=key)

    _write(work, key, as_json)


@app.command("shortfall")
def congress_shortfall(
    plan_id: PlanId, round_: Round,
    decision: Annotated[str, Opt("--decision", help="another_ballot (bầu tiếp) | leave_open "
                                                    "(để trống chỉ tiêu).")],
    reason: Annotated[str, Opt("--reason", help="Lý do, ý kiến của đại hội.")],
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Bầu chưa đủ số lượng: bầu tiếp trong số còn lại, hoặc để trống (cấp trên chỉ định sau)."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import decide_shortfall

        principal = await user(ctx)
        announce_key(key)
        return await decide_shortfall(ctx, principal, plan_id, round_, decision=decision,
                                      reason=reason, key=key)

    _write(work, key, as_json)


@app.command("close")
def congress_close(plan_id: PlanId, idempotency_key: IdempotencyKey = None,
                   as_json: Json = False) -> None:
    """Kết thúc hồ sơ đại hội (mọi kết quả đã được chuẩn y)."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import close_congress

        principal = await user(ctx)
        announce_key(key)
        return await close_congress(ctx, principal, plan_id, key=key)

    _write(work, key, as_json)


# --- the counting committee ---------------------------------------------------------------------
Issued = Annotated[int, Opt("--issued", help="Số phiếu Ban Kiểm phiếu phát ra.")]
CanonicalOut = Annotated[Path | None, Opt(
    "--canonical-out", help="Ghi tệp phiếu bầu chuẩn hóa (mã băm của nó có trong biên bản) để "
    "niêm phong cùng phiếu bầu.")]


def _show_count(written: Any, as_json: bool, canonical_out: Path | None) -> None:
    if canonical_out is not None:
        canonical_out.write_bytes(written.canonical_file)
    if as_json:
        recorded = written.recorded
        output.emit_json({
            "command_id": recorded.command_id, "already_applied": recorded.already_applied,
            "summary": written.summary, "count_digest": written.count_digest,
            "ballot_file_sha256": written.ballot_file_sha256,
            "count": _as_data(written.ballot.count),
            "events": [_as_data(e) for e in recorded.events]})
        return
    show_written(written, as_json=False)
    _ballot_table(written.ballot)
    if canonical_out is not None:
        output.say(f"Đã ghi tệp phiếu bầu chuẩn hóa: {canonical_out} (sha256 "
                   f"{written.ballot_file_sha256}).")


def _ballot_table(ballot: Any) -> None:
    from application.labels import number

    output.show(output.table(
        f"Lần bầu {ballot.number} ({ballot.kind_label}): {ballot.seats} chỉ tiêu",
        ["Họ và tên", ("Số phiếu bầu", {"justify": "right"}), "Kết quả"],
        [(v.who, number(v.kept), ("Trúng cử" if v.elected else "—") if ballot.outcome else "")
         for v in ballot.votes]))
    invalid = [i for i in ballot.invalid if i.ballots]
    if invalid:
        output.say("Phiếu không hợp lệ: " + "; ".join(f"{i.label}: {number(i.ballots)}"
                                                     for i in invalid))


@app.command("import-ballots")
def congress_import_ballots(
    plan_id: PlanId, round_: Round,
    file: Annotated[Path, Arg(help="Tệp CSV phiếu bầu: mỗi dòng một phiếu, cột «Có dấu» và "
                                   "«Gạch tên» (số thẻ đảng, cách nhau bằng ;).")],
    issued: Issued, canonical_out: CanonicalOut = None,
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Kiểm phiếu bằng máy tính từ tệp phiếu bầu: chỉ lưu kết quả và mã băm, không lưu phiếu
    nào, không lưu thứ tự phiếu."""
    key = idempotency_key

    async def work(ctx: Any) -> Any:
        from application.congress import import_ballots

        principal = await user(ctx)
        if key:
            announce_key(key)
        return await import_ballots(ctx, principal, plan_id, round_, file, issued=issued,
                                    key=key)

    _show_count(run(lambda: in_context(work), as_json=as_json, key=key), as_json,
                canonical_out)


FLAGS = {"khong-dau": "issued", "khongdau": "issued", "ghi-them": "names_added",
         "ghithem": "names_added", "danh-dau": "marked", "danhdau": "marked"}


def parse_ballot_line(line: str) -> tuple[str, list[str], dict[str, bool]] | None:
    """One typed line: "xong" ends; "xoa ..." takes back one ballot like it; "." is a ballot
    with no name crossed out; otherwise the party cards crossed out, with the words khong-dau
    (no seal), ghi-them (names written in), danh-dau (marked). None for a blank line."""
    from application.file_input import fold

    words = line.replace(";", " ").replace(",", " ").split()
    if not words:
        return None
    action = "add"
    if fold(words[0]) in ("xong", "ket thuc"):
        return ("done", [], {})
    if fold(words[0]) in ("xoa", "bo"):
        action, words = "remove", words[1:]
    flags = {"issued": True, "names_added": False, "marked": False}
    cards = []
    for word in words:
        flag = FLAGS.get(fold(word).replace(" ", "-"))
        if flag == "issued":
            flags["issued"] = False
        elif flag is not None:
            flags[flag] = True
        elif word != ".":
            cards.append(word)
    return (action, cards, flags)


@app.command("enter-ballots")
def congress_enter_ballots(
    plan_id: PlanId, round_: Round, issued: Issued, canonical_out: CanonicalOut = None,
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Nhập từng phiếu (mỗi dòng một phiếu: số thẻ đảng của những người bị gạch tên; «.» là
    phiếu không gạch ai; thêm khong-dau, ghi-them, danh-dau khi có; «xoa ...» bỏ một phiếu như
    vậy; «xong» để kết thúc), với kết quả kiểm phiếu tạm tính sau mỗi phiếu. Phiếu chỉ ở trong
    bộ nhớ, không theo thứ tự nhập, và chỉ được gửi một lần khi kết thúc."""
    key = idempotency_key

    async def work(ctx: Any) -> Any:
        from application.congress import finish_ballot_entry, start_ballot_entry
        from application.errors import Rejected
        from application.labels import number

        principal = await user(ctx)
        entry = await start_ballot_entry(ctx, principal, plan_id, round_)
        output.note(f"Vòng bầu {entry.round}, lần bầu {entry.ballot}. Tên trên phiếu: "
                    + "; ".join(f"{card} {who}" for card, who in entry.names.items()))
        for line in sys.stdin:
            parsed = parse_ballot_line(line)
            if parsed is None:
                continue
            action, cards, flags = parsed
            if action == "done":
                break
            try:
                if action == "remove":
                    running = entry.remove(cards, **flags)
                    verdict = "đã bỏ một phiếu"
                else:
                    entered = entry.add(cards, **flags)
                    running = entered.running
                    verdict = ("hợp lệ" if entered.valid
                               else f"KHÔNG hợp lệ ({entered.reason_label})")
            except Rejected as exc:
                output.note((f"Không nhận: {exc.violations[0].message}", "red"))
                continue
            output.note(f"Phiếu {verdict}. Tạm tính: {number(running.returned)} phiếu, "
                        f"{number(running.valid)} hợp lệ; " + "; ".join(
                            f"{entry.name_of(v.entry_id)}: {number(v.kept)}"
                            for v in running.votes))
        if key:
            announce_key(key)
        return await finish_ballot_entry(ctx, principal, entry, issued=issued, key=key)

    _show_count(run(lambda: in_context(work), as_json=as_json, key=key), as_json,
                canonical_out)


@app.command("sign")
def congress_sign(
    plan_id: PlanId, round_: Round,
    signatory: Annotated[list[str], Opt("--signatory", help="Họ tên thành viên Ban Kiểm phiếu "
                                                            "ký, mỗi người một lần.")],
    count_digest: Annotated[str | None, Opt("--count-digest", help="Mã kiểm phiếu được ký "
                                            "(mặc định: lần kiểm gần nhất).")] = None,
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Ban Kiểm phiếu ký biên bản kiểm phiếu; kết quả bầu được công bố theo biên bản đã ký."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import sign_count

        principal = await user(ctx)
        announce_key(key)
        return await sign_count(ctx, principal, plan_id, round_, signatories=signatory,
                                count_digest=count_digest, key=key)

    _write(work, key, as_json)


# --- the superior standing committee ------------------------------------------------------------
Ref = Annotated[str, Opt("--ref", help="Số văn bản, quyết định.")]


@app.command("direct")
def congress_direct(
    plan_id: PlanId, ref: Ref,
    direction: Annotated[str, Opt("--direction", help="Nội dung chỉ đạo.")],
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Ý kiến chỉ đạo của Ban Thường vụ cấp trên khi bầu cử tạm dừng."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import give_direction

        principal = await user(ctx)
        announce_key(key)
        return await give_direction(ctx, principal, plan_id, decision_ref=ref,
                                    direction=direction, key=key)

    _write(work, key, as_json)


@app.command("approve")
def congress_approve(
    plan_id: PlanId, ref: Ref,
    reasons: Annotated[str, Opt("--reasons", help="Nội dung.")] = "",
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Chuẩn y kết quả bầu cử (mọi vòng bầu đã kết thúc chưa được chuẩn y)."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import approve_result

        principal = await user(ctx)
        announce_key(key)
        return await approve_result(ctx, principal, plan_id, decision_ref=ref, reasons=reasons,
                                    key=key)

    _write(work, key, as_json)


@app.command("appoint")
def congress_appoint(
    plan_id: PlanId, ref: Ref,
    group: Annotated[str, Opt("--group", help="Nhóm chức danh còn chỉ tiêu trống.")],
    members: Annotated[int, Opt("--members", help="Số ủy viên Ban Thường vụ cấp trên.")],
    agreeing: Annotated[int, Opt("--agreeing", help="Số ủy viên đồng ý chỉ định.")],
    reason: Annotated[str, Opt("--reason", help="Lý do chỉ định.")],
    party_card: Card = None, name: Name = None, born: Born = None, gender: Gender = None,
    ethnicity: Ethnicity = None, post: Post = None,
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Chỉ định vào chỉ tiêu còn trống, với sự đồng thuận quy trình yêu cầu."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.congress import appoint

        principal = await user(ctx)
        announce_key(key)
        return await appoint(ctx, principal, plan_id, position_group=group, who=party_card,
                             particulars=_particulars(name, born, gender, ethnicity, post),
                             decision_ref=ref, members=members, agreeing=agreeing,
                             reason=reason, key=key)

    _write(work, key, as_json)


# --- reading ------------------------------------------------------------------------------------
@app.command("show")
def congress_show(plan_id: PlanId, as_json: Json = False) -> None:
    """Đại hội: các vòng bầu, danh sách, kết quả, quyết định của cấp trên."""
    async def work(ctx: Any) -> Any:
        from application.congress import show_congress

        return await show_congress(ctx, await user(ctx), plan_id)

    view = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        output.emit_json(_as_data(view))
        return
    from application.labels import day as day_vi
    from application.labels import number

    output.say((f"{view.kind_label} {view.organization_name}, nhiệm kỳ {view.term}", "bold"))
    output.say(f"Khai mạc {day_vi(view.opens_on)}; {number(view.summoned)} người được triệu "
               f"tập; quy trình {view.procedure_key}; trạng thái: {view.phase_label}.")
    if view.pause_reason:
        output.say((view.pause_reason, "bold yellow"))
    output.show(output.table("Các vòng bầu", [
        ("Vòng", {"justify": "right"}), "Nhóm chức danh", "Cơ quan bầu",
        ("Chỉ tiêu", {"justify": "right"}), "Giai đoạn", "Trúng cử", "Chuẩn y"],
        [(str(r.number), r.title, r.body_label, number(r.seats), r.stage_label,
          "; ".join(r.elected) or "—", "đã chuẩn y" if r.approved else "")
         for r in view.rounds]))
    for d in view.decisions:
        output.say(f"• {d.kind_label}" + (f" ({d.decision_ref})" if d.decision_ref else "")
                   + f": {d.text}")


@app.command("round")
def congress_round(plan_id: PlanId, round_: Round, as_json: Json = False) -> None:
    """Một vòng bầu: danh sách bầu cử, các lần bầu, kết quả kiểm phiếu."""
    async def work(ctx: Any) -> Any:
        from application.congress import show_round

        return await show_round(ctx, await user(ctx), plan_id, round_)

    view = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        output.emit_json(_as_data(view))
        return
    from application.labels import number

    output.say((f"Vòng bầu {view.number}: {view.body_label} bầu {number(view.seats)} "
                f"{view.title}", "bold"))
    output.say(f"Triệu tập {number(view.summoned)}, không tính {number(view.excluded)}, cơ sở "
               f"{number(view.base)}, có mặt {number(view.present)}; {view.stage_label}.")
    output.show(output.table("Danh sách bầu cử", ["Họ và tên", "Giới thiệu", "Ghi chú"], [
        (e.who, e.source_label, "đã rút: " + e.withdrawal_reason if e.withdrawn
         else ("trúng cử" if e.elected else "")) for e in view.entries]))
    for n in view.not_standing:
        output.say(f"Không ứng cử: {n.reason}")
    for ballot in view.ballots:
        if ballot.counted:
            _ballot_table(ballot)
            if ballot.result_reason:
                output.say(ballot.result_reason)
    for decision in view.shortfall_decisions:
        output.say(decision)


@app.command("committee")
def congress_committee(plan_id: PlanId, as_json: Json = False) -> None:
    """Ban chấp hành khóa mới: từng người, chức danh, trúng cử hay được chỉ định."""
    async def work(ctx: Any) -> Any:
        from application.congress import show_elected_committee

        return await show_elected_committee(ctx, await user(ctx), plan_id)

    committee = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        output.emit_json(_as_data(committee))
        return
    from cli import render

    render.elected_committee(committee)


@app.command("protocol")
def congress_protocol(
    plan_id: PlanId, round_: Round,
    out: Annotated[Path, Opt("--out", help="Tệp HTML để in.")],
    ballot: Annotated[int | None, Opt("--ballot", help="Lần bầu (mặc định: lần được kiểm gần "
                                                       "nhất).")] = None,
    as_json: Json = False,
) -> None:
    """Biên bản kiểm phiếu dạng HTML để in, có mã kiểm phiếu và mã băm tệp phiếu bầu."""
    async def work(ctx: Any) -> Any:
        from application.congress import count_protocol

        return await count_protocol(ctx, await user(ctx), plan_id, round_, ballot)

    page = run(lambda: in_context(work), as_json=as_json)
    out.write_text(page, encoding="utf-8")
    if as_json:
        output.emit_json({"written": str(out)})
    else:
        output.say(f"Đã ghi biên bản kiểm phiếu: {out}")
