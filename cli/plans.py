"""nhansu plan …: lập, xem, liệt kê, trình, hủy đề án nhân sự."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli import output
from cli.common import (
    AsOf,
    AsOfDate,
    IdempotencyKey,
    Json,
    announce_key,
    day,
    in_context,
    moment,
    new_key,
    run,
    show_written,
    user,
    user_or_operator,
)

app = typer.Typer(help="Đề án nhân sự: lập, xem, liệt kê, trình cấp trên, hủy.",
                  no_args_is_help=True)

Status = Annotated[str | None, typer.Option(
    "--status", help="Chỉ các đề án ở trạng thái này: open (đang lập), in_procedure (đang thực "
    "hiện 5 bước), submitted (đã trình), awaiting_approval (chờ phê duyệt), approved (đã phê "
    "duyệt), rejected (không được phê duyệt), cancelled (đã hủy).")]


@app.command("open")
def plan_open(file: Annotated[Path, typer.Argument(help="Tệp đề án (TOML), xem examples/.")],
              idempotency_key: IdempotencyKey = None, as_json: Json = False) -> None:
    """Lập đề án nhân sự từ một tệp TOML (tổ chức và cấp trên lấy từ danh mục tổ chức)."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.files import read_plan
        from application.preparation import open_plan

        plan = read_plan(file)
        principal = await user(ctx)
        announce_key(key)
        return await open_plan(ctx, principal, plan, key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)


@app.command("show")
def plan_show(plan_id: str, as_of: AsOf = None, as_of_date: AsOfDate = None,
              as_json: Json = False) -> None:
    """Đề án: ai đạt ở từng bước, cơ cấu, cảnh báo tiêu chuẩn (đọc PostgreSQL, không cần
    worker)."""
    async def work(ctx: Any) -> Any:
        from application.preparation import show_plan

        return await show_plan(ctx, await user(ctx), plan_id, as_of=moment(as_of),
                               as_of_date=day(as_of_date))

    details = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json(as_data(details))
    else:
        from cli import render

        render.plan(details)


@app.command("list")
def plan_list(status: Status = None, as_json: Json = False) -> None:
    """Các đề án bạn được xem (từ bảng đọc): mã, nhiệm kỳ, trạng thái, tổ chức."""
    async def work(ctx: Any) -> Any:
        from application.reports import plans

        return await plans(ctx, await user(ctx), status=status)

    report = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json([as_data(r) for r in report.rows])
    else:
        from cli import render

        render.plans(report.rows, f"{len(report.rows)} đề án")
    if report.behind:
        output.note((f"Bảng đọc đang chậm hơn sổ sự kiện ({', '.join(report.behind)}): khởi "
                     "động worker hoặc chạy nhansu projections catch-up.", "yellow"))


@app.command("submit")
def plan_submit(plan_id: str, idempotency_key: IdempotencyKey = None,
                as_json: Json = False) -> None:
    """Trình đề án lên cấp trên (các cơ quan thẩm định rồi Ban thường vụ cấp trên)."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.preparation import submit_plan

        principal = await user(ctx)
        announce_key(key)
        return await submit_plan(ctx, principal, plan_id, key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)


@app.command("resume")
def plan_resume(plan_id: str,
                reason: Annotated[str, typer.Option("--reason", help="Lý do khôi phục.")],
                idempotency_key: IdempotencyKey = None, as_json: Json = False) -> None:
    """Khôi phục quy trình của đề án khi quy trình trên Temporal không còn (bị dừng ngang,
    hoặc mất lịch sử): chạy lại từ sổ sự kiện, và ghi lại ai khôi phục, vì sao. Người vận
    hành (không cần mã truy cập), hoặc quản trị viên của tổ chức."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.preparation import resume_plan

        principal = await user_or_operator(ctx)
        announce_key(key)
        return await resume_plan(ctx, principal, plan_id, reason, key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)


@app.command("cancel")
def plan_cancel(plan_id: str,
                reason: Annotated[str, typer.Option("--reason", help="Lý do hủy đề án.")],
                idempotency_key: IdempotencyKey = None, as_json: Json = False) -> None:
    """Hủy đề án (trước khi trình): tổ chức lập được đề án mới cho nhiệm kỳ, gắn với đề án
    này."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.preparation import cancel_plan

        principal = await user(ctx)
        announce_key(key)
        return await cancel_plan(ctx, principal, plan_id, reason, key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)
