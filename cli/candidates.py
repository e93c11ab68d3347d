"""nhansu candidate …: đăng ký nhân sự (từng người hoặc cả danh sách), rút, đính chính."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    IdempotencyKey,
    Json,
    announce_key,
    in_context,
    new_key,
    run,
    show_written,
    user,
)

app = typer.Typer(help="Nhân sự của đề án: đăng ký từng người hoặc cả danh sách (CSV, XLSX), "
                  "rút khỏi danh sách, đính chính.", no_args_is_help=True)

Opt = typer.Option


@app.command("add")
def candidate_add(
    plan_id: str,
    name: Annotated[str, Opt("--name", help="Họ và tên.")],
    born: Annotated[str, Opt("--born", help="Ngày sinh: 03/02/1989 hoặc 1989-02-03.")],
    gender: Annotated[str, Opt("--gender", help="nam | nữ")],
    group: Annotated[str, Opt("--group", help="tái cử | lần đầu")],
    post: Annotated[str, Opt("--post", help="Chức vụ hiện tại.")],
    ethnicity: Annotated[str, Opt("--ethnicity", help="Dân tộc.")] = "Kinh",
    party_card: Annotated[str | None, Opt("--party-card", help="Số thẻ đảng viên.")] = None,
    position_group: Annotated[str, Opt(
        "--position-group", help="Nhóm chức danh (mã hoặc tên), mặc định Ủy viên Ban chấp "
        "hành.")] = "committee_member",
    in_cadre_plan: Annotated[str | None, Opt(
        "--in-cadre-plan", help="Trong quy hoạch: có | không.")] = None,
    discipline: Annotated[str | None, Opt(
        "--discipline", help="Kỷ luật: hình thức và ngày quyết định, ví dụ «cảnh cáo "
        "01/05/2024»; nhiều lần cách nhau bởi «;».")] = None,
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Đăng ký một nhân sự, với đủ thông tin để kiểm tra tiêu chuẩn, điều kiện (tuổi, quy
    hoạch, kỷ luật); cảnh báo ngay nếu có điều kiện chưa đạt."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.files import candidate_from_fields
        from application.preparation import register_candidate

        row = candidate_from_fields({
            "full_name": name, "birth_date": born, "gender": gender, "ethnicity": ethnicity,
            "candidate_group": group, "current_post": post, "party_card_number": party_card,
            "position_group": position_group, "in_cadre_plan": in_cadre_plan,
            "discipline": discipline})
        principal = await user(ctx)
        announce_key(key)
        return await register_candidate(ctx, principal, plan_id, row, key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)


@app.command("import")
def candidate_import(plan_id: str,
                     file: Annotated[Path, typer.Argument(help="Danh sách nhân sự: CSV (UTF-8, "
                                                          "dấu , hoặc ;) hoặc Excel (.xlsx).")],
                     idempotency_key: IdempotencyKey = None, as_json: Json = False) -> None:
    """Đăng ký cả danh sách: kiểm tra mọi dòng trước, rồi đăng ký tất cả trong một lần hoặc
    không ai; nhập lại cùng tệp không đăng ký ai hai lần."""
    chosen: list[str] = []

    async def work(ctx: Any) -> Any:
        from application.files import read_candidates
        from application.preparation import import_candidates, import_key

        candidates = read_candidates(file)
        principal = await user(ctx)
        key = idempotency_key or import_key(ctx.id_key, plan_id, candidates)
        chosen.append(key)
        announce_key(key)
        return await import_candidates(ctx, principal, plan_id, candidates, key=key)

    written = run(lambda: in_context(work), as_json=as_json,
                  key=idempotency_key)
    show_written(written, as_json=as_json)


@app.command("withdraw")
def candidate_withdraw(plan_id: str,
                       candidate: Annotated[str, typer.Argument(
                           help="Số thẻ đảng hoặc mã hồ sơ của nhân sự.")],
                       reason: Annotated[str, Opt("--reason", help="Lý do rút.")],
                       idempotency_key: IdempotencyKey = None, as_json: Json = False) -> None:
    """Rút một nhân sự khỏi danh sách (hồ sơ vẫn được lưu, có lý do)."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.preparation import withdraw_candidate

        principal = await user(ctx)
        announce_key(key)
        return await withdraw_candidate(ctx, principal, plan_id, candidate, reason, key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)


@app.command("correct")
def candidate_correct(
    plan_id: str,
    candidate: Annotated[str, typer.Argument(help="Số thẻ đảng hoặc mã hồ sơ của nhân sự.")],
    reason: Annotated[str, Opt("--reason", help="Lý do đính chính.")],
    name: Annotated[str | None, Opt("--name", help="Họ và tên đúng.")] = None,
    born: Annotated[str | None, Opt("--born", help="Ngày sinh đúng.")] = None,
    gender: Annotated[str | None, Opt("--gender", help="nam | nữ")] = None,
    ethnicity: Annotated[str | None, Opt("--ethnicity", help="Dân tộc.")] = None,
    post: Annotated[str | None, Opt("--post", help="Chức vụ hiện tại.")] = None,
    party_card: Annotated[str | None, Opt("--party-card", help="Số thẻ đảng viên.")] = None,
    in_cadre_plan: Annotated[str | None, Opt("--in-cadre-plan", help="có | không")] = None,
    discipline: Annotated[str | None, Opt(
        "--discipline", help="Kỷ luật (thay toàn bộ): «cảnh cáo 01/05/2024», hoặc «không».")
    ] = None,
    idempotency_key: IdempotencyKey = None, as_json: Json = False,
) -> None:
    """Đính chính hồ sơ đăng ký (bằng một sự kiện, không sửa bản ghi cũ); kiểm tra lại tiêu
    chuẩn, điều kiện."""
    key = new_key(idempotency_key)

    async def work(ctx: Any) -> Any:
        from application.preparation import correct_registration

        given = {"full_name": name, "birth_date": born, "gender": gender,
                 "ethnicity": ethnicity, "current_post": post, "party_card_number": party_card,
                 "in_cadre_plan": in_cadre_plan, "discipline": discipline}
        principal = await user(ctx)
        announce_key(key)
        return await correct_registration(ctx, principal, plan_id, candidate, given, reason,
                                          key=key)

    show_written(run(lambda: in_context(work), as_json=as_json, key=key), as_json=as_json)

