"""nhansu report … (báo cáo) and nhansu projections … (bảng đọc)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli import output
from cli.common import Json, in_context, operator, run, settings, user
from cli.progress import bar

report_app = typer.Typer(help="Báo cáo tổng hợp các đề án bạn được xem, từ bảng đọc.",
                         no_args_is_help=True)
projections_app = typer.Typer(help="Bảng đọc (read models) nuôi từ sổ sự kiện: chạy, cập nhật, "
                              "dựng lại, tình trạng. Lệnh của người vận hành.",
                              no_args_is_help=True)
Opt = typer.Option
Status = Annotated[str | None, Opt("--status", help="Chỉ các đề án ở trạng thái này (open, "
                                                    "in_procedure, submitted, "
                                                    "awaiting_approval, approved, rejected, "
                                                    "cancelled).")]


@report_app.command("plans")
def report_plans(status: Status = None, as_json: Json = False) -> None:
    """Các đề án theo trạng thái, ví dụ --status submitted: các đề án chờ cấp trên."""
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


@report_app.command("structure")
def report_structure(
    position_group: Annotated[str, Opt("--position-group", help="Danh sách nhóm chức danh "
                                                                "nào.")] = "committee_member",
    status: Status = None,
    first_time_above: Annotated[str, Opt("--first-time-above", help="Nêu các danh sách có tỷ "
                                                                    "lệ lần đầu trên mức này."
                                         )] = "1/3",
    women_above: Annotated[str, Opt("--women-above", help="Nêu các danh sách có tỷ lệ nữ trên "
                                                          "mức này.")] = "15%",
    as_json: Json = False,
) -> None:
    """Cơ cấu các danh sách nhân sự (không phải cấp ủy đã bầu): nữ, dưới 40 tuổi, dân tộc
    thiểu số, lần đầu so với mục tiêu; những danh sách vượt các tỷ lệ đã nêu."""
    async def work(ctx: Any) -> Any:
        from application.reports import structure

        return await structure(ctx, await user(ctx), position_group=position_group,
                               status=status,
                               thresholds=(("first_time", first_time_above,
                                            "--first-time-above"),
                                           ("women", women_above, "--women-above")))

    report = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json({"position_group": report.position_group,
                          "lists": [as_data(s) for s in report.lists],
                          "above": [{"measure": a.measure, "threshold": a.threshold,
                                     "plans": [s.plan_id for s in a.lists],
                                     "sentence": a.sentence} for a in report.above]})
    else:
        from cli import render

        render.structure(report)
    if report.behind:
        output.note((f"Bảng đọc đang chậm hơn sổ sự kiện ({', '.join(report.behind)}).",
                     "yellow"))


@report_app.command("committees")
def report_committees(
    organization: Annotated[str, Opt("--organization", help="Tổng hợp các cấp ủy của tổ chức "
                                                          "này và mọi tổ chức trực thuộc.")],
    first_time_above: Annotated[str, Opt("--first-time-above", help="Nêu các cấp ủy có tỷ lệ "
                                                                    "tham gia lần đầu trên "
                                                                    "mức này.")] = "1/3",
    women_above: Annotated[str, Opt("--women-above", help="Nêu các cấp ủy có tỷ lệ nữ trên "
                                                          "mức này.")] = "15%",
    deadline: Annotated[str | None, Opt("--deadline", help="Hạn hoàn thành đại hội "
                                                           "(năm-tháng-ngày).")] = None,
    term: Annotated[str | None, Opt("--term", help="Chỉ nhiệm kỳ này, ví dụ 2025-2030.")] = None,
    csv_file: Annotated[str | None, Opt("--csv", help="Ghi bảng ra tệp CSV.")] = None,
    xlsx_file: Annotated[str | None, Opt("--xlsx", help="Ghi bảng ra tệp XLSX.")] = None,
    png_file: Annotated[str | None, Opt("--png", help="Ghi biểu đồ ra tệp PNG.")] = None,
    as_json: Json = False,
) -> None:
    """Cấp ủy được bầu tại đại hội (không phải danh sách nhân sự): cơ cấu so với đề án, các
    cấp ủy có tỷ lệ lần đầu, nữ trên các mức đã nêu, xếp hạng; bầu đủ ngay lần đầu, bầu trực
    tiếp bí thư, ghế còn trống, chỉ định sau đại hội, hoàn thành đúng hạn."""
    from pathlib import Path

    async def work(ctx: Any) -> Any:
        from application.committee_reports import committees

        return await committees(ctx, await user(ctx), organization_id=organization,
                                thresholds=(("first_time", first_time_above,
                                             "--first-time-above"),
                                            ("women", women_above, "--women-above")),
                                deadline=deadline, term=term)

    report = run(lambda: in_context(work), as_json=as_json)
    from application import committee_exports

    written = []
    for path, make in ((csv_file, committee_exports.to_csv),
                       (xlsx_file, committee_exports.to_xlsx),
                       (png_file, committee_exports.chart_png)):
        if path:
            Path(path).write_bytes(make(report))
            written.append(path)
    if as_json:
        from application.views import as_data

        output.emit_json({"organization_id": report.organization_id,
                          "day": report.day.isoformat(),
                          "committees": [as_data(r) for r in report.committees],
                          "figures": [as_data(f) | {"share": f.share} for f in report.figures],
                          "structure": [as_data(f) | {"share": f.share}
                                        for f in report.structure],
                          "above": [{"measure": a.measure, "threshold": a.threshold,
                                     "plans": [r.plan_id for r in a.committees],
                                     "sentence": a.sentence} for a in report.above],
                          "files": written})
    else:
        from cli import render

        render.committees(report)
        for path in written:
            output.say(f"Đã ghi {path}.")
    if report.behind:
        output.note((f"Bảng đọc đang chậm hơn sổ sự kiện ({', '.join(report.behind)}).",
                     "yellow"))


@projections_app.command("status")
def projections_status(as_json: Json = False) -> None:
    """Vị trí của từng bảng đọc trong sổ sự kiện, có chậm không, sự kiện nào bị để riêng."""
    async def work(ctx: Any) -> Any:
        from application.reports import freshness

        return await freshness(ctx, operator())

    rows = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json([as_data(r) for r in rows])
    else:
        from cli import render

        render.freshness(rows)


@projections_app.command("catch-up")
def projections_catch_up(batch_size: Annotated[int, Opt(
        "--batch-size", min=1, max=100_000, help="Số sự kiện mỗi giao dịch.")] = 500,
        as_json: Json = False) -> None:
    """Áp dụng mọi sự kiện bảng đọc chưa thấy rồi thoát; in tốc độ."""
    import time

    async def work(ctx: Any) -> tuple[int, float]:
        from application.reports import catch_up

        started = time.perf_counter()
        with bar("Cập nhật bảng đọc") as update:
            events = await catch_up(ctx, operator(), batch_size=batch_size, progress=update)
        return events, time.perf_counter() - started

    events, seconds = run(lambda: in_context(work, long_jobs=True), as_json=as_json)
    from application.labels import number

    if as_json:
        output.emit_json({"events": events, "seconds": round(seconds, 3)})
        return
    rate = f", {number(round(events / seconds))} sự kiện/giây" if events and seconds else ""
    output.say(f"Đã cập nhật: {number(events)} sự kiện trong "
               f"{f'{seconds:.2f}'.replace('.', ',')} giây{rate}.")


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str, typer.Argument(help="plans | nominations | structure | committees")],
    batch_size: Annotated[int, Opt("--batch-size", min=1, max=100_000,
                                   help="Số sự kiện mỗi giao dịch.")] = 500,
    as_json: Json = False,
) -> None:
    """Dựng lại một bảng đọc từ đầu sổ sự kiện vào bảng mới, rồi thay vào (người đọc thấy bảng
    cũ cho đến lúc đó); cho biết có khác bảng đang dùng không."""
    async def work(ctx: Any) -> Any:
        from application.reports import rebuild

        with bar(f"Dựng lại {name}") as update:
            return await rebuild(ctx, operator(), name, batch_size=batch_size, progress=update)

    report = run(lambda: in_context(work, long_jobs=True), as_json=as_json)
    from application.labels import number

    if as_json:
        output.emit_json({"name": report.name, "events": report.events, "rows": report.rows,
                          "position": report.position, "matched_live": report.matched_live})
        return
    verdict = {None: "bảng đang dùng ở vị trí khác trong sổ, không so sánh",
               True: "giống hệt bảng đang dùng",
               False: "KHÁC bảng đang dùng, và đã thay nó"}
    output.say(f"Đã dựng lại {report.name}: {number(report.events)} sự kiện, "
               f"{number(report.rows)} dòng, đến vị trí {report.position}; "
               f"{verdict[report.matched_live]}.")


@projections_app.command("run")
def projections_run() -> None:
    """Giữ bảng đọc luôn cập nhật (chạy ở tiền cảnh; worker cũng chạy việc này). Ctrl-C để
    dừng."""
    import asyncio
    import signal

    async def work(ctx: Any) -> None:
        import bootstrap

        async with bootstrap.projector(settings(), ctx.db) as task:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            output.say(f"Bảng đọc đang chạy (kiểm tra mỗi "
                       f"{settings().projection_poll_seconds:g} giây); Ctrl-C để dừng.")
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait([task, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if task.done():
                task.result()

    run(lambda: in_context(work))
