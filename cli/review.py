"""nhansu appraisal … (thẩm định) and nhansu approval … (phê duyệt): the superior level."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli import output
from cli.common import (
    IdempotencyKey,
    Json,
    announce_key,
    in_context,
    new_key,
    run,
    show_warnings,
    show_written,
    user,
)

appraisal_app = typer.Typer(help="Thẩm định: kết luận của các cơ quan chuyên môn cấp trên về "
                            "từng nhân sự.", no_args_is_help=True)
approval_app = typer.Typer(help="Phê duyệt: quyết định của Ban thường vụ cấp trên.",
                           no_args_is_help=True)
Opt = typer.Option


@appraisal_app.command("show")
def appraisal_show(plan_id: str, as_json: Json = False) -> None:
    """Thẩm định từng nhân sự trong danh sách: ai, tiêu chuẩn nào chưa đạt (với số liệu), kết
    luận của từng cơ quan, kết quả."""
    async def work(ctx: Any) -> Any:
        from application.review import appraisal_view

        return await appraisal_view(ctx, await user(ctx), plan_id)

    view = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json(as_data(view))
        return
    from cli import render

    render.appraisal(view)
    show_warnings(view.warnings, "Tiêu chuẩn, điều kiện chưa đạt mà cấp trên phải thấy")


@appraisal_app.command("pending")
def appraisal_pending(plan_id: str,
                      agency: Annotated[str | None, Opt("--agency", help="Cơ quan (mặc định: cơ "
                                                                         "quan của bạn).")] = None,
                      as_json: Json = False) -> None:
    """Những nhân sự còn chờ kết luận của cơ quan: số thẻ đảng, mỗi dòng một người (dùng được
    trong vòng lặp của shell)."""
    async def work(ctx: Any) -> Any:
        from application.review import pending_findings

        return await pending_findings(ctx, await user(ctx), plan_id, agency=agency)

    waiting = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        output.emit_json(waiting)
    else:
        output.out.file.write("".join(f"{w}\n" for w in waiting))


@appraisal_app.command("record")
def appraisal_record(
    plan_id: str,
    candidate: Annotated[str, typer.Argument(help="Số thẻ đảng hoặc mã hồ sơ của nhân sự.")],
    agency: Annotated[str, Opt("--agency", help="Cơ quan thẩm định: organization_department "
                                                "(Ban Tổ chức), inspection_committee (Ủy ban "
                                                "Kiểm tra), internal_affairs (Ban Nội chính).")],
    outcome: Annotated[str, Opt("--outcome", help="cleared (đạt) | concern (có vấn đề cần lưu "
                                                  "ý) | disqualifying (không đủ tiêu chuẩn).")],
    evidence: Annotated[str, Opt("--evidence", help="Căn cứ: văn bản, báo cáo, số hồ sơ.")],
    text: Annotated[str, Opt("--text", help="Nội dung vấn đề hoặc lý do.")] = "",
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Ghi (hoặc sửa) kết luận thẩm định của cơ quan mình về một nhân sự."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.review import record_finding

        principal = await user(ctx)
        announce_key(key)
        return await record_finding(ctx, principal, plan_id, candidate, agency=agency,
                                    outcome=outcome, text=text, evidence_ref=evidence, key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)


@approval_app.command("decide")
def approval_decide(
    plan_id: str,
    decision: Annotated[str, Opt("--decision", help="approve (phê duyệt) | "
                                 "approve_with_exclusions (phê duyệt, loại một số nhân sự) | "
                                 "send_back (trả lại) | reject (không phê duyệt).")],
    ref: Annotated[str, Opt("--ref", help="Số văn bản, quyết định.")],
    reasons: Annotated[str, Opt("--reasons", help="Lý do.")] = "",
    exclude: Annotated[list[str] | None, Opt(
        "--exclude", help="NHÂN_SỰ=lý do (số thẻ đảng hoặc mã hồ sơ), mỗi người loại một "
        "lần.")] = None,
    acknowledge: Annotated[list[str] | None, Opt(
        "--acknowledge", help="NHÂN_SỰ:MÃ_ĐIỀU_KIỆN=lý do: ghi nhận một tiêu chuẩn, điều kiện "
        "chưa đạt mà vẫn phê duyệt (mã: retirement_margin, full_term, discipline_bar, "
        "cadre_plan).")] = None,
    back_step: Annotated[int | None, Opt("--back-step", help="Trả lại về bước này.")] = None,
    back_group: Annotated[str | None, Opt("--back-group", help="tái cử | lần đầu")] = None,
    back_position_group: Annotated[str, Opt("--back-position-group",
                                            help="Nhóm chức danh.")] = "committee_member",
    back: Annotated[list[str] | None, Opt(
        "--back", help="Nhân sự trả lại (số thẻ đảng hoặc mã hồ sơ), mỗi người một lần.")
    ] = None,
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Quyết định của Ban thường vụ cấp trên: phê duyệt, loại, trả lại về một bước, hoặc không
    phê duyệt. Phê duyệt khi còn tiêu chuẩn, điều kiện chưa đạt thì phải loại người đó hoặc
    ghi nhận từng điều kiện với lý do (--acknowledge)."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.errors import invalid
        from application.review import SendBackRequest, decide_plan

        problems = []
        exclusions = []
        for i, item in enumerate(exclude or []):
            who, sep, why = item.partition("=")
            if not sep:
                problems.append((f"--exclude[{i}]", "format", "viết NHÂN_SỰ=lý do"))
            exclusions.append((who.strip(), why.strip()))
        acknowledgements = []
        for i, item in enumerate(acknowledge or []):
            head, sep, why = item.partition("=")
            who, colon, check = head.partition(":")
            if not (sep and colon):
                problems.append((f"--acknowledge[{i}]", "format",
                                 "viết NHÂN_SỰ:MÃ_ĐIỀU_KIỆN=lý do"))
            acknowledgements.append((who.strip(), check.strip(), why.strip()))
        send_back = None
        if back_step is not None or back_group is not None or back:
            if back_step is None or back_group is None:
                problems.append(("--back-step", "required",
                                 "trả lại phải ghi --back-step và --back-group"))
            else:
                send_back = SendBackRequest(step=back_step, candidate_group=back_group,
                                            candidates=tuple(back or ()),
                                            position_group=back_position_group)
        if problems:
            raise invalid(*problems)
        principal = await user(ctx)
        announce_key(key)
        return await decide_plan(ctx, principal, plan_id, decision=decision, decision_ref=ref,
                                 reasons=reasons, exclusions=tuple(exclusions),
                                 acknowledgements=tuple(acknowledgements), send_back=send_back,
                                 key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)
