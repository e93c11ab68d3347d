"""`nhansu demo` (`make demo`): the worked example (application/worked_example.py), told in a
terminal. It starts the embedded services, runs in a database of its own made afresh, and
ends by saying what is still running and how to stop it."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from rich.rule import Rule

from cli import output, render
from cli.common import settings, show_warnings


class TerminalNarrator:
    def line(self, text: str, style: str = "") -> None:
        output.say((text, style))

    def rule(self, text: str) -> None:
        output.show(Rule(output.clean(text)))

    def refused(self, title: str, error: Exception) -> None:
        output.say((title, "bold red"))
        for v in getattr(error, "violations", ()):
            output.say("     • ", (v.field, "bold"), ": ", v.message, (f" ({v.rule})", "dim"))
        if not getattr(error, "violations", ()):
            output.say("     • ", str(error))

    def plan(self, details: Any) -> None:
        render.plan(details)

    def warnings(self, warnings: Any) -> None:
        show_warnings(warnings)

    def trail(self, report: Any) -> None:
        render.trail(report)

    def verification(self, result: Any) -> None:
        render.verification(result)

    def committee(self, committee: Any) -> None:
        render.elected_committee(committee)

    def committees_report(self, report: Any) -> None:
        render.committees(report)


async def demo() -> None:
    import bootstrap
    from application.operations import fresh_demo_database
    from application.worked_example import run, task_queue

    base = settings()
    output.show(Rule("nhansu — ví dụ: Đảng bộ xã Đồi Mây (tên đặt ra), nhiệm kỳ 2025-2030"))
    current = await fresh_demo_database(base)
    queue = task_queue()
    async with bootstrap.context(current, task_queue=queue) as ctx:
        temporal = ("máy chủ phát triển nhúng" if base.uses_embedded_temporal
                    else base.temporal_address)
        output.say(f"PostgreSQL: {'nhúng' if base.uses_embedded_postgres else 'bên ngoài'}, "
                   f"cơ sở dữ liệu riêng của ví dụ «{current.database_name}» (làm mới mỗi lần "
                   f"chạy); Temporal: {temporal}.")

        @asynccontextmanager
        async def worker() -> Any:
            client = await ctx.plans.client()
            async with bootstrap.worker(client, ctx.store, queue, digest_key=ctx.id_key):
                yield

        plan_id, cast = await run(ctx, TerminalNarrator(), worker)
    token = cast.tokens["kiemtoan.trunguong"]
    where = (f"DATABASE_URL={current.database_url}" if base.database_url
             else f"NHANSU_DATABASE_NAME={current.database_name}")
    prefix = f"{where} NHANSU_TOKEN={token}"
    output.say("")
    output.say(("Thử tiếp (với quyền kiểm toán của ví dụ):", "bold"))
    output.say(f"  {prefix} nhansu plan show {plan_id}")
    output.say(f"  {prefix} nhansu audit trail TD-100019 --plan {plan_id} --format html "
               f"--out trail.html")
    output.say(f"  {prefix} nhansu congress committee {plan_id}")
    output.say(f"  {prefix} nhansu congress protocol {plan_id} 1 --ballot 1 --out "
               f"bien-ban-kiem-phieu.html")
    output.say("")
    still = ("PostgreSQL nhúng, " if base.uses_embedded_postgres else "") + (
        "máy chủ Temporal nhúng" if base.uses_embedded_temporal else "")
    if still:
        output.say((f"Vẫn đang chạy: {still.rstrip(', ')} (dữ liệu trong {base.data_dir}). "
                    "Dừng bằng: make services-down (hoặc nhansu services stop).", "yellow"))
