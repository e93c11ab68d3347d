"""nhansu audit … and nhansu ledger …: trails, verification, exports, time travel, the ledger.
Everything here reads PostgreSQL alone: it works with the worker and Temporal stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli import output
from cli.common import (
    EXIT_FAILURE,
    AsOf,
    AsOfDate,
    Json,
    day,
    fail,
    in_context,
    moment,
    operator,
    run,
    user,
    user_or_operator,
)
from cli.progress import bar

audit_app = typer.Typer(help="Kiểm tra, thanh tra, kiểm toán: hồ sơ quá trình, chuỗi băm, sổ "
                        "cái, xuất dữ liệu, xem lại quá khứ.", no_args_is_help=True)
ledger_app = typer.Typer(help="Sổ cái: niêm phong sự kiện, ký điểm chốt, khóa công khai.",
                         no_args_is_help=True)
Opt = typer.Option


@audit_app.command("trail")
def audit_trail(
    candidate: Annotated[str, typer.Argument(help="Mã hồ sơ; hoặc số thẻ đảng cùng --plan.")],
    plan: Annotated[str | None, Opt("--plan", help="Đề án, khi nêu nhân sự bằng số thẻ "
                                                   "đảng.")] = None,
    as_of: AsOf = None, as_of_date: AsOfDate = None, as_json: Json = False,
    fmt: Annotated[str | None, Opt("--format", help="text (mặc định) | json | csv | html")] = None,
    out: Annotated[Path | None, Opt("--out", help="Ghi ra tệp (json, csv, html).")] = None,
    redacted: Annotated[bool, Opt("--redacted", help="Ẩn thông tin cá nhân (cho người đọc ngoài "
                                                     "phạm vi đề án); vẫn kiểm tra được.")
                        ] = False,
) -> None:
    """Toàn bộ quá trình của một nhân sự, từ PostgreSQL, cùng kết quả kiểm tra chuỗi băm và
    điểm chốt có chữ ký bao phủ sự kiện cuối. --as-of: như đã ghi đến thời điểm đó (giờ Việt
    Nam); --as-of-date: như tình hình đến hết một ngày nghiệp vụ (ngày họp, ngày quyết định)."""
    chosen = fmt or ("json" if as_json else "text")
    if chosen not in ("text", "json", "csv", "html") or (out is not None and chosen == "text"):
        from application.errors import invalid

        fail(invalid(("--format", "one_of", f"«{chosen}»: chọn text, json, csv hoặc html; "
                      "--out cần json, csv hoặc html")), as_json=as_json)

    async def work(ctx: Any) -> Any:
        from application.audit import trail

        return await trail(ctx, await user(ctx), candidate, plan_id=plan, as_of=moment(as_of),
                           as_of_date=day(as_of_date), redacted=redacted)

    report = run(lambda: in_context(work), as_json=as_json)
    if chosen == "text":
        from cli import render

        render.trail(report)
    else:
        from application.audit import trail_document

        text = trail_document(report, chosen)
        if out is None:
            output.out.file.write(text)
        else:
            try:
                # Spreadsheet programs detect UTF-8 in a CSV file by its byte order mark.
                out.write_text(text, encoding="utf-8-sig" if chosen == "csv" else "utf-8")
            except OSError as exc:
                fail(exc)
            output.note(f"Đã ghi {out} ({chosen}).")
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


@audit_app.command("verify")
def audit_verify(
    stream: Annotated[str | None, Opt("--stream", help="Một luồng (mặc định: mọi luồng).")] = None,
    trusted_checkpoint: Annotated[Path | None, Opt(
        "--trusted-checkpoint", help="Một điểm chốt có chữ ký bạn đang giữ: cơ sở dữ liệu phải "
        "còn nó.")] = None,
    min_size: Annotated[int | None, Opt("--min-size", help="Sổ cái phải có ít nhất chừng này "
                                                           "mục đã ký.")] = None,
    since_checkpoint: Annotated[bool, Opt(
        "--since-checkpoint", help="Chỉ kiểm tra phần sau điểm chốt có chữ ký mới nhất (chạy "
        "hằng đêm; phần trước do chữ ký bảo đảm).")] = False,
    workers: Annotated[int, Opt("--workers", help="Số tiến trình cùng kiểm tra toàn bộ kho "
                                                  "(mỗi tiến trình một kết nối).")] = 1,
    as_json: Json = False,
) -> None:
    """Tính lại mọi chuỗi băm và chỉ ra mắt xích hỏng đầu tiên; rồi sổ cái: đánh số, chuỗi và
    mọi điểm chốt có chữ ký."""
    async def work(ctx: Any) -> Any:
        from application.audit import verify

        principal = await user_or_operator(ctx)
        with bar("Kiểm tra chuỗi băm") as update:
            return await verify(ctx, principal, stream=stream,
                                trusted_checkpoint=trusted_checkpoint, min_size=min_size,
                                progress=update, since_checkpoint=since_checkpoint,
                                workers=workers)

    result = run(lambda: in_context(work, long_jobs=True), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json({"ok": result.ok, "chains": as_data(result.chains),
                          "ledger": list(result.ledger_lines), "coverage": result.coverage})
    else:
        from cli import render

        render.verification(result)
    if not result.ok:
        raise typer.Exit(EXIT_FAILURE)


@audit_app.command("export")
def audit_export(out: Annotated[Path, Opt("--out", help="Thư mục ghi header.json, "
                                                        "checkpoints.jsonl, events.jsonl.")],
                 redacted: Annotated[bool, Opt(
                     "--redacted", help="Ẩn thông tin cá nhân (chỉ giữ cam kết băm của chúng), "
                     "cho người đọc ngoài phạm vi đề án; bản xuất vẫn kiểm tra được.")] = False,
                 as_json: Json = False) -> None:
    """Xuất mọi sự kiện (với số thứ tự sổ cái) và mọi điểm chốt có chữ ký, để kiểm tra không
    cần cơ sở dữ liệu (nhansu audit verify-export)."""
    async def work(ctx: Any) -> Any:
        from application.audit import export

        principal = await user(ctx)
        with bar("Xuất dữ liệu") as update:
            return await export(ctx, principal, out, progress=update, redacted=redacted)

    summary, command = run(lambda: in_context(work, long_jobs=True), as_json=as_json)
    if as_json:
        output.emit_json({"directory": str(out), "events": summary.events,
                          "sealed": summary.sealed, "checkpoints": summary.checkpoints,
                          "redacted": redacted, "verify": command})
        return
    from application.labels import number

    output.say(f"Đã xuất {number(summary.events)} sự kiện ({number(summary.sealed)} trong sổ "
               f"cái) và {number(summary.checkpoints)} điểm chốt có chữ ký vào {out}"
               + (", đã ẩn thông tin cá nhân." if redacted else "."))
    output.say("Kiểm tra: ", command)


@audit_app.command("verify-export")
def audit_verify_export(
    directory: Annotated[Path, typer.Argument(help="Thư mục do nhansu audit export ghi.")],
    public_key: Annotated[list[str], Opt("--public-key", help="Khóa tin cậy, key_id:base64 "
                                                              "(lặp lại nếu nhiều khóa).")],
    trusted_checkpoint: Annotated[Path | None, Opt(
        "--trusted-checkpoint", help="Điểm chốt có chữ ký bạn đang giữ: bản xuất thiếu nó là "
        "đã bị cắt bớt hoặc rẽ nhánh.")] = None,
    min_size: Annotated[int | None, Opt("--min-size", help="Ít nhất chừng này mục đã ký.")] = None,
    as_json: Json = False,
) -> None:
    """Kiểm tra một bản xuất mà không cần cơ sở dữ liệu: chữ ký, chuỗi điểm chốt, chuỗi băm
    từng luồng, chuỗi và đánh số sổ cái, không bị cắt bớt."""
    from application.audit import verify_export

    try:
        with bar("Kiểm tra bản xuất") as update:
            ok, lines = verify_export(directory, public_key,
                                      trusted_checkpoint=trusted_checkpoint, min_size=min_size,
                                      progress=update)
    except Exception as exc:
        fail(exc)
    for n, line in enumerate(lines):
        output.say((line, ("green" if ok else "bold red") if n == 0 else ""))
    if not ok:
        raise typer.Exit(EXIT_FAILURE)


@audit_app.command("state")
def audit_state(plan_id: str,
                at_position: Annotated[int, Opt("--at-position", help="Vị trí trong sổ sự "
                                                                      "kiện.")],
                as_json: Json = False) -> None:
    """Đề án đúng như tại một vị trí của sổ sự kiện."""
    async def work(ctx: Any) -> Any:
        from application.audit import plan_at_position

        return await plan_at_position(ctx, await user(ctx), plan_id, at_position)

    details = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json(as_data(details))
        return
    from cli import render

    output.say((f"Đề án tại vị trí {at_position} của sổ sự kiện", "bold"))
    render.plan(details)


@audit_app.command("decision")
def audit_decision(plan_id: str, event_id: str, as_json: Json = False) -> None:
    """Người quyết định đã thấy gì: đề án dựng lại đúng tại vị trí mà sự kiện quyết định ghi."""
    async def work(ctx: Any) -> Any:
        from application.audit import decision_basis

        return await decision_basis(ctx, await user(ctx), plan_id, event_id)

    basis, details = run(lambda: in_context(work), as_json=as_json)
    from application.labels import label
    from cli import render

    e = basis.event
    if as_json:
        from application.views import as_data

        output.emit_json({"event_id": e.event_id, "event_type": e.event_type,
                          "position": e.position, "seen_position": basis.seen_position,
                          "versions_match": basis.versions_match,
                          "mismatches": {k: list(v) for k, v in basis.mismatches.items()},
                          "plan": as_data(details)})
        if not basis.versions_match:
            raise typer.Exit(EXIT_FAILURE)
        return
    output.say((label("event", e.event_type), "bold"),
               f" (vị trí {e.position}) bởi {e.metadata.get('actor')} "
               f"({label('role', str(e.metadata.get('role')))}), quyết định trên trạng thái đến "
               f"vị trí {basis.seen_position}.")
    if basis.versions_match:
        output.say(("Phiên bản các luồng khớp với trạng thái dựng lại.", "green"))
    else:
        output.say(("Không khớp phiên bản: ", "bold red"), str(basis.mismatches))
    render.plan(details)
    if not basis.versions_match:
        raise typer.Exit(EXIT_FAILURE)


# --- the ledger -------------------------------------------------------------------------------
@ledger_app.command("seal")
def ledger_seal(
    no_checkpoint: Annotated[bool, Opt("--no-checkpoint",
                                       help="Chỉ nối sổ cái, không ký.")] = False,
    wait: Annotated[float, Opt("--wait", help="Số giây chờ tiến trình niêm phong khác (worker) "
                                              "xong.")] = 30.0,
    as_json: Json = False,
) -> None:
    """Ghi mọi sự kiện đã lưu vào sổ cái và ký một điểm chốt (worker cũng làm việc này định
    kỳ). Lệnh của người vận hành."""
    async def work(ctx: Any) -> Any:
        from application.audit import seal, signed_note

        with bar("Niêm phong sổ cái") as update:
            result = await seal(ctx, operator(), checkpoint=not no_checkpoint,
                                wait_seconds=wait, progress=update)
        note = signed_note(ctx, result.checkpoint) if result.checkpoint is not None else None
        return result, note

    result, note = run(lambda: in_context(work, long_jobs=True), as_json=as_json)
    if as_json:
        made = result.checkpoint
        output.emit_json({"busy": result.busy, "sealed": result.sealed,
                          "ledger_size": result.ledger_size,
                          "checkpoint_seq": made.checkpoint_seq if made else None,
                          "signed_note": note})
    elif result.busy:
        output.say(("Một tiến trình khác đang niêm phong sổ cái; hãy thử lại.", "yellow"))
    else:
        from application.labels import number

        output.say(f"Sổ cái: thêm {number(result.sealed)} mục, tổng "
                   f"{number(result.ledger_size)} mục.")
        made, latest = result.checkpoint, result.latest_checkpoint
        if made is not None:
            output.say(f"Đã ký điểm chốt số {made.checkpoint_seq} (đến mục {made.ledger_size}, "
                       f"khóa {made.key_id}):")
            output.out.file.write(note or "")
        elif latest is not None:
            output.say(f"Điểm chốt mới nhất: số {latest.checkpoint_seq} (đến mục "
                       f"{latest.ledger_size}).")
    if result.busy:
        raise typer.Exit(4)


@ledger_app.command("public-key")
def ledger_public_key(as_json: Json = False) -> None:
    """Khóa công khai để kiểm tra điểm chốt của hệ thống này (key_id:base64): trao cho kiểm
    toán, họ ghim nó bằng --public-key."""
    async def work(ctx: Any) -> str:
        from application.audit import public_key

        return public_key(ctx)

    spec = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        output.emit_json({"public_key": spec})
    else:
        output.say(spec)


@ledger_app.command("checkpoint")
def ledger_checkpoint(out: Annotated[Path | None, Opt(
        "--out", help="Ghi điểm chốt vào tệp (để dùng với --trusted-checkpoint sau này).")]
        = None, as_json: Json = False) -> None:
    """Điểm chốt có chữ ký mới nhất, dạng C2SP signed note."""
    async def work(ctx: Any) -> Any:
        from application.audit import latest_checkpoint_note

        return await latest_checkpoint_note(ctx, await user_or_operator(ctx))

    checkpoint, note = run(lambda: in_context(work), as_json=as_json)
    if as_json and out is None:
        output.emit_json({"checkpoint_seq": checkpoint.checkpoint_seq,
                          "ledger_size": checkpoint.ledger_size, "key_id": checkpoint.key_id,
                          "signed_note": note})
        return
    if out is None:
        output.out.file.write(note)
        return
    try:
        out.write_text(note, encoding="utf-8")
    except OSError as exc:
        fail(exc)
    output.say(f"Đã ghi điểm chốt số {checkpoint.checkpoint_seq} vào {out}.")


@ledger_app.command("consistency")
def ledger_consistency(
    from_size: Annotated[int, Opt("--from-size", help="Số mục của điểm chốt mà người chứng "
                                                      "thực giữ lần trước (0 nếu chưa có).")],
    out: Annotated[Path | None, Opt("--out", help="Ghi ra tệp để trao cho người chứng "
                                                  "thực.")] = None,
    as_json: Json = False,
) -> None:
    """Bằng chứng nhất quán (RFC 9162) từ cây Merkle --from-size mục đến điểm chốt có chữ ký
    mới nhất, kèm điểm chốt ấy: trao cho người chứng thực (nhansu audit witness)."""
    async def work(ctx: Any) -> Any:
        from application.audit import consistency_proof

        return await consistency_proof(ctx, await user_or_operator(ctx), from_size)

    proof = run(lambda: in_context(work), as_json=as_json)
    text = proof.to_json()
    if out is None:
        output.out.file.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        output.emit_json({"first_size": proof.first_size, "second_size": proof.second_size,
                          "proof_hashes": len(proof.proof), "out": str(out)})
    else:
        output.say(f"Đã ghi bằng chứng nhất quán từ {proof.first_size} đến {proof.second_size} "
                   f"mục ({len(proof.proof)} giá trị băm) vào {out}.")


@audit_app.command("witness-key")
def audit_witness_key(
    key_id: Annotated[str, Opt("--key-id", help="Tên khóa, ví dụ kiem-toan-nha-nuoc.")],
    out: Annotated[Path, Opt("--out", help="Tệp khóa bí mật mới (chỉ chủ sở hữu đọc được); "
                                           "giữ ở máy của cơ quan kiểm toán.")],
    as_json: Json = False,
) -> None:
    """Tạo khóa của người chứng thực (cơ quan kiểm toán). Bên vận hành không bao giờ giữ nó."""
    from application.audit import new_witness_key

    try:
        spec = new_witness_key(key_id, out)
    except Exception as exc:
        fail(exc, as_json=as_json)
    if as_json:
        output.emit_json({"public_key": spec, "key_file": str(out)})
    else:
        output.say(f"Đã tạo khóa người chứng thực trong {out}. Khóa công khai: {spec}")


@audit_app.command("witness")
def audit_witness(
    proof: Annotated[Path, Opt("--proof", help="Tệp từ nhansu ledger consistency: điểm chốt "
                                               "mới và bằng chứng nhất quán.")],
    state: Annotated[Path, Opt("--state", help="Tệp điểm chốt đã chứng thực lần trước; người "
                                               "chứng thực giữ, bên vận hành không ghi được.")],
    witness_key: Annotated[Path, Opt("--witness-key", help="Tệp khóa của người chứng thực.")],
    public_key: Annotated[list[str], Opt("--public-key", help="Khóa công khai của bên vận "
                                                              "hành (key_id:base64).")],
    init: Annotated[bool, Opt("--init", help="Lần chứng thực đầu tiên: chưa có tệp "
                                             "trạng thái.")] = False,
    as_json: Json = False,
) -> None:
    """Người chứng thực kiểm tra điểm chốt mới nối tiếp điểm chốt đã chứng thực lần trước
    (bằng chứng nhất quán của cây Merkle), rồi ký thêm và lưu vào tệp trạng thái. Từ chối nếu
    sổ cái bị cắt bớt, quay lui hoặc rẽ nhánh. Không cần cơ sở dữ liệu."""
    from application.audit import witness

    try:
        result = witness(proof_file=proof, state_file=state, key_file=witness_key,
                         public_keys=public_key, init=init)
    except Exception as exc:
        fail(exc, as_json=as_json)
    if as_json:
        output.emit_json({"checkpoint_seq": result.checkpoint_seq,
                          "ledger_size": result.ledger_size, "tree_root": result.tree_root,
                          "previous_size": result.previous_size, "signed_note": result.note})
        return
    since = ("lần đầu" if result.previous_size is None
             else f"nối tiếp {result.previous_size} mục đã chứng thực")
    output.say((f"Đã ký chứng thực điểm chốt số {result.checkpoint_seq} "
                f"({result.ledger_size} mục, {since}); đã lưu vào {state}.", "green"))
    output.out.file.write(result.note)


@audit_app.command("verify-trail")
def audit_verify_trail(
    file: Annotated[Path, typer.Argument(help="Hồ sơ quá trình dạng JSON (audit trail "
                                              "--format json).")],
    public_key: Annotated[list[str], Opt("--public-key", help="Khóa công khai của bên vận "
                                                              "hành (key_id:base64).")],
    as_json: Json = False,
) -> None:
    """Kiểm tra, không cần cơ sở dữ liệu, rằng từng sự kiện của hồ sơ nằm trong cây Merkle
    của điểm chốt có chữ ký đi kèm (bằng chứng bao hàm RFC 9162)."""
    from application.audit import verify_trail
    from application.labels import number

    try:
        check = verify_trail(file, public_key)
    except Exception as exc:
        fail(exc, as_json=as_json)
    records = check.records
    if as_json:
        output.emit_json({"ok": check.ok, "proven": check.proven,
                          "recomputed": records.recomputed,
                          "withheld_events": records.withheld_events,
                          "withheld_values": records.withheld_values,
                          "problems": check.problems})
    elif check.problems:
        output.say((f"Hồ sơ KHÔNG hợp lệ ({number(len(check.problems))} lỗi):", "bold red"))
        for problem in check.problems:
            output.say(f"  • {problem}")
    else:
        output.say((f"Bằng chứng bao hàm hợp lệ: {number(check.proven)} sự kiện nằm trong cây "
                    "Merkle của điểm chốt có chữ ký.", "green"))
        output.say(f"Nội dung: mã băm của {number(records.recomputed)} sự kiện được tính lại "
                   "từ chính nội dung trong hồ sơ, khớp; vị trí, loại, thời điểm, người thực "
                   "hiện, bước, lần, kết quả biểu quyết và họ tên ghi trong hồ sơ khớp với nội "
                   "dung đó.")
        if records.withheld_values or records.withheld_events:
            output.say(f"Đã ẩn thông tin cá nhân: {number(records.withheld_values)} giá trị chỉ "
                       f"còn cam kết băm; {number(records.withheld_events)} sự kiện ghi trước "
                       "khi có cam kết được ẩn toàn bộ nội dung (chỉ kiểm tra bao hàm).")
    if not check.ok:
        raise typer.Exit(EXIT_FAILURE)
