"""nhansu conference …: ghi biên bản kiểm phiếu của một bước; tạo mẫu biên bản."""

from __future__ import annotations

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

app = typer.Typer(help="Hội nghị các bước: ghi kết quả (biên bản kiểm phiếu), tạo mẫu biên "
                  "bản cho hội nghị tiếp theo.", no_args_is_help=True)


@app.command("record")
def conference_record(plan_id: str,
                      file: Annotated[Path, typer.Argument(help="Biên bản (TOML), ví dụ tạo bằng "
                                                           "nhansu conference template.")],
                      idempotency_key: IdempotencyKey = None, as_json: Json = False) -> None:
    """Ghi kết quả hội nghị của một bước cho một nhóm. Biên bản phải ghi đúng đề án, tổ chức,
    bước, nhóm và lần thực hiện; chỉ ghi số phiếu, không bao giờ ghi ai bầu ai."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.files import read_minutes
        from application.preparation import record_conference, show_plan

        minutes = read_minutes(file)
        principal = await user(ctx)
        announce_key(key)
        written = await record_conference(ctx, principal, plan_id, minutes, key=key)
        return written, await show_plan(ctx, principal, plan_id)

    written, details = run(lambda: in_context(work), as_json=as_json, key=key)
    show_written(written, as_json=as_json)
    if not as_json:
        from cli import render

        render.plan(details)


@app.command("template")
def conference_template(
    plan_id: str,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Ghi mẫu vào tệp này (mặc định: in ra màn hình).")] = None,
    held_on: Annotated[str | None, typer.Option(
        "--held-on", help="Ngày họp, ví dụ 21/04/2025.")] = None,
    as_json: Json = False,
) -> None:
    """Mẫu biên bản cho hội nghị tiếp theo của đề án: đúng bước, nhóm, lần và danh sách nhân
    sự (số thẻ đảng, họ tên); các con số để 0 cho người ghi điền vào."""
    async def work(ctx: Any) -> str:
        from application.preparation import next_minutes_template

        return await next_minutes_template(ctx, await user(ctx), plan_id,
                                           held_on=day(held_on, "--held-on"))

    text = run(lambda: in_context(work), as_json=as_json)
    if as_json and out is None:
        output.emit_json({"plan_id": plan_id, "template": text})
        return
    if out is None:
        output.out.file.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        from cli.common import fail

        fail(exc)
    if as_json:
        output.emit_json({"plan_id": plan_id, "written": str(out)})
        return
    output.say(f"Đã ghi mẫu biên bản vào {out}: điền số người được triệu tập, có mặt, phiếu và "
               f"số phiếu đồng ý của từng người, rồi chạy nhansu conference record {plan_id} "
               f"{out}")
