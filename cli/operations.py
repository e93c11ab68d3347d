"""Operator commands (run on the installation's own machine, recorded as the operator):
services, migrations, the worker, the API server, users and the organization registry; and a
user's own `login`."""

from __future__ import annotations

import getpass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from cli import output
from cli.common import (
    EXIT_INPUT,
    Json,
    day,
    fail,
    in_context,
    operator,
    run,
    settings,
)

services_app = typer.Typer(help="PostgreSQL và Temporal nhúng, worker chạy nền.",
                           no_args_is_help=True)
db_app = typer.Typer(help="Nâng cấp lược đồ cơ sở dữ liệu.", no_args_is_help=True)
users_app = typer.Typer(help="Người dùng, vai trò theo tổ chức, mã truy cập (người vận hành "
                        "hoặc quản trị viên).", no_args_is_help=True)
registry_app = typer.Typer(help="Danh mục tổ chức đảng, có lịch sử (sáp nhập, chia tách, đổi "
                           "tên).", no_args_is_help=True)
Opt = typer.Option


# --- services ---------------------------------------------------------------------------------
@services_app.command("start")
def services_start(as_json: Json = False) -> None:
    """Khởi động PostgreSQL và Temporal (nhúng, trừ khi đã cấu hình), nâng cấp lược đồ, chạy
    một worker nền."""
    async def work() -> Any:
        from application.operations import start_services

        return await start_services(settings())

    started = run(work, as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json(as_data(started))
        return
    output.say("PostgreSQL sẵn sàng" + (" (nhúng)" if started.embedded_postgres else "")
               + f"; Temporal tại {started.temporal_address}"
               + (f" (giao diện {started.ui})" if started.ui else "")
               + f"; worker pid {started.worker_pid}"
               + (" (đã chạy từ trước)." if started.worker_was_running else "."))


@services_app.command("stop")
def services_stop(as_json: Json = False) -> None:
    """Dừng worker nền và các máy chủ nhúng; dữ liệu vẫn giữ trong thư mục dữ liệu."""
    from application.operations import stop_services

    names = {"worker": "Worker", "temporal": "Temporal", "postgres": "PostgreSQL"}
    stopped = stop_services(settings())
    if as_json:
        output.emit_json(stopped)
        return
    for name, was_running in stopped.items():
        output.say(f"{names.get(name, name)}: {'đã dừng' if was_running else 'vốn không chạy'}")


@services_app.command("status")
def services_status(as_json: Json = True) -> None:
    """Mỗi dịch vụ ở đâu và có đang chạy không (luôn dạng JSON)."""
    from application.operations import service_status

    output.emit_json(service_status(settings()))


@db_app.command("upgrade")
def db_upgrade(as_json: Json = False) -> None:
    """Áp dụng các bản nâng cấp lược đồ (sổ sự kiện, bảng đọc, người dùng và danh mục)."""
    async def work() -> Any:
        from application.operations import upgrade_database

        return await upgrade_database(settings())

    revisions = run(work, as_json=as_json)
    if as_json:
        output.emit_json({"revisions": list(revisions)})
        return
    output.say("Cơ sở dữ liệu ở phiên bản " + ", ".join(str(r) for r in revisions) + ".")


def worker_command() -> None:
    """Chạy worker Temporal ở tiền cảnh."""
    import worker

    worker.main()


def procedures_command(as_json: Json = False) -> None:
    """Các phiên bản quy trình có thể dùng cho đề án mới."""
    from application.operations import procedure_versions

    versions = procedure_versions()
    if as_json:
        from application.views import as_data

        output.emit_json([as_data(v) for v in versions])
        return
    for v in versions:
        output.say((v.key, "bold"), f"\thiệu lực từ {v.effective_from}\t{v.title}")


def demo_command() -> None:
    """Chạy ví dụ mẫu từ đầu đến cuối trên các dịch vụ nhúng."""
    from cli.demo import demo

    run(demo)


def serve_command(
    host: Annotated[str | None, Opt("--host", help="Địa chỉ lắng nghe.")] = None,
    port: Annotated[int | None, Opt("--port", help="Cổng.")] = None,
    with_worker: Annotated[bool, Opt("--with-worker/--no-worker",
                                     help="Chạy kèm worker trong cùng tiến trình.")] = True,
) -> None:
    """API HTTP và giao diện web tiếng Việt (đăng nhập bằng tài khoản người dùng)."""
    from api.server import serve

    try:
        serve(settings(), host=host, port=port, with_worker=with_worker)
    except Exception as exc:
        fail(exc)


# --- users ------------------------------------------------------------------------------------
def _password(given: str | None, login: str) -> str:
    if given is not None:
        return given
    first = getpass.getpass(f"Mật khẩu mới cho {login}: ")
    if first != getpass.getpass("Nhập lại mật khẩu: "):
        output.say(("Hai lần nhập không khớp; không có gì được ghi.", "bold red"))
        raise typer.Exit(EXIT_INPUT)
    return first


@users_app.command("create")
def users_create(login: str,
                 name: Annotated[str, Opt("--name", help="Họ và tên hiển thị.")],
                 password: Annotated[str | None, Opt(
                     "--password", help="Mật khẩu (ít nhất 12 ký tự; bỏ trống để nhập ẩn)."
                 )] = None,
                 no_password: Annotated[bool, Opt("--no-password",
                                                  help="Chưa đặt mật khẩu.")] = False,
                 as_json: Json = False) -> None:
    """Tạo người dùng (ghi lại là người vận hành)."""
    secret = None if no_password else _password(password, login)

    async def work(ctx: Any) -> Any:
        from application.users import create_user, set_password

        created = await create_user(ctx, operator(), login=login, display_name=name)
        if secret is not None:
            await set_password(ctx, operator(), login=login, password=secret)
        return created

    created = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json(as_data(created))
        return
    output.say(f"Đã tạo người dùng {created.login} ({created.display_name}).")


@users_app.command("grant")
def users_grant(login: str,
                role: Annotated[str, Opt("--role", help="organization_department | "
                                                        "appraisal_agency | "
                                                        "superior_standing_committee | "
                                                        "vote_counting_committee | auditor | "
                                                        "administrator")],
                organization: Annotated[str, Opt("--organization", help="Mã tổ chức trong danh "
                                                                        "mục.")],
                agency: Annotated[str | None, Opt("--agency", help="Với cơ quan thẩm định: "
                                                                   "organization_department | "
                                                                   "inspection_committee | "
                                                                   "internal_affairs")] = None,
                revoke: Annotated[bool, Opt("--revoke", help="Thu hồi vai trò này.")] = False,
                as_json: Json = False) -> None:
    """Giao (hoặc thu hồi) một vai trò gắn với một tổ chức."""
    async def work(ctx: Any) -> Any:
        from application.users import grant_role, revoke_role

        change = revoke_role if revoke else grant_role
        return await change(ctx, operator(), login=login, role=role, organization_id=organization,
                            agency=agency)

    _show_user(run(lambda: in_context(work), as_json=as_json), as_json)


@users_app.command("password")
def users_password(login: str, password: Annotated[str | None, Opt(
        "--password", help="Mật khẩu mới (bỏ trống để nhập ẩn).")] = None,
        as_json: Json = False) -> None:
    """Đặt mật khẩu mới (kết thúc các phiên web của người đó)."""
    secret = _password(password, login)

    async def work(ctx: Any) -> None:
        from application.users import set_password

        await set_password(ctx, operator(), login=login, password=secret)

    run(lambda: in_context(work), as_json=as_json)
    if as_json:
        output.emit_json({"login": login, "password_set": True})
        return
    output.say(f"Đã đặt mật khẩu mới cho {login}.")


@users_app.command("token")
def users_token(login: str,
                name: Annotated[str, Opt("--name", help="Tên gợi nhớ của mã.")] = "cli",
                days: Annotated[int, Opt("--days", min=1, max=366,
                                         help="Thời hạn (ngày).")] = 90,
                revoke: Annotated[str | None, Opt("--revoke", help="Thu hồi mã có mã số "
                                                                   "này.")] = None,
                as_json: Json = False) -> None:
    """Cấp một mã truy cập API cho người dùng (chỉ hiện một lần), hoặc thu hồi một mã."""
    async def work(ctx: Any) -> Any:
        from application.users import issue_token, revoke_token

        if revoke is not None:
            await revoke_token(ctx, operator(), login=login, token_id=revoke)
            return None
        return await issue_token(ctx, operator(), login=login, name=name,
                                 lifetime=timedelta(days=days))

    issued = run(lambda: in_context(work), as_json=as_json)
    if issued is None:
        output.say(f"Đã thu hồi mã {revoke} của {login}.")
    elif as_json:
        output.emit_json({"token_id": issued.token_id, "login": issued.login,
                          "expires_at": issued.expires_at.isoformat(),
                          "token": issued.secret})
    else:
        from application.labels import moment

        output.say(f"Mã truy cập của {issued.login} (mã số {issued.token_id}, hết hạn "
                   f"{moment(issued.expires_at)}) — chỉ hiện một lần này:")
        output.say((issued.secret, "bold"))


@users_app.command("list")
def users_list(as_json: Json = False) -> None:
    """Người dùng và vai trò của họ."""
    async def work(ctx: Any) -> Any:
        from application.users import list_users

        return await list_users(ctx, operator())

    accounts = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json([as_data(a) for a in accounts])
        return
    for account in accounts:
        _show_user(account, False)


@users_app.command("deactivate")
def users_deactivate(login: str, reason: Annotated[str, Opt("--reason", help="Lý do.")] = "",
                     as_json: Json = False) -> None:
    """Khóa người dùng: mọi mã truy cập bị thu hồi, không đăng nhập được nữa."""
    async def work(ctx: Any) -> Any:
        from application.users import deactivate_user

        return await deactivate_user(ctx, operator(), login=login, reason=reason)

    _show_user(run(lambda: in_context(work), as_json=as_json), as_json)


def _show_user(account: Any, as_json: bool) -> None:
    from application.labels import label

    if as_json:
        from application.views import as_data

        output.emit_json(as_data(account))
        return
    grants = "; ".join(f"{label('role', str(g.role))} của {g.organization_id}"
                       + (f" ({label('agency', g.agency)})" if g.agency else "")
                       for g in account.grants) or "chưa có vai trò"
    state = "" if account.active else " — ĐÃ KHÓA"
    output.say((account.login, "bold"), f" ({account.display_name}){state}: {grants}")


def login_command(login: str,
                  password: Annotated[str | None, Opt(
                      "--password", help="Mật khẩu (bỏ trống để nhập ẩn).")] = None,
                  as_json: Json = False) -> None:
    """Đăng nhập: nhận mã truy cập của chính mình vào tệp mã (NHANSU_TOKEN_FILE, quyền 600)
    cho các lệnh sau."""
    secret = password if password is not None else getpass.getpass(f"Mật khẩu của {login}: ")

    async def work(ctx: Any) -> Any:
        from application.authentication import log_in_for_cli

        return await log_in_for_cli(ctx, login, secret, "cli", settings().token_file)

    issued = run(lambda: in_context(work), as_json=as_json)
    from application.labels import moment

    if as_json:
        output.emit_json({"login": issued.login, "token_id": issued.token_id,
                          "expires_at": issued.expires_at.isoformat(),
                          "token_file": str(settings().token_file)})
        return
    output.say(f"Đã đăng nhập {issued.login}; mã truy cập lưu trong {settings().token_file} "
               f"(hết hạn {moment(issued.expires_at)}).")


# --- the registry -----------------------------------------------------------------------------
@registry_app.command("import")
def registry_import(file: Annotated[Path, typer.Argument(help="CSV: mã, tên, cấp, mã cấp trên, "
                                                         "hiệu lực từ.")],
                    as_json: Json = False) -> None:
    """Nhập danh mục tổ chức: tất cả hoặc không; nhập lại cùng tệp không thay đổi gì; tên hay
    cấp trên đổi thành sự kiện đổi tên, chuyển cấp trên."""
    async def work(ctx: Any) -> Any:
        from application.registry import import_registry
        from cli.progress import bar

        with bar("Nhập danh mục tổ chức") as update:
            return await import_registry(ctx, operator(), file, progress=update)

    report = run(lambda: in_context(work), as_json=as_json)
    from application.labels import number

    if as_json:
        output.emit_json({"rows": report.rows, "registered": report.registered,
                          "renamed": report.renamed, "reparented": report.reparented,
                          "unchanged": report.unchanged})
        return
    output.say(f"Danh mục: {number(report.rows)} dòng; đăng ký mới {number(report.registered)}, "
               f"đổi tên {number(report.renamed)}, chuyển cấp trên {number(report.reparented)}, "
               f"không đổi {number(report.unchanged)}.")


@registry_app.command("show")
def registry_show(organization: Annotated[str | None, typer.Argument(
        help="Mã tổ chức (bỏ trống: toàn bộ danh mục).")] = None,
        on: Annotated[str | None, Opt("--on", help="Như danh mục vào ngày này (mặc định: hôm "
                                                   "nay), ví dụ 01/01/2020.")] = None,
        as_json: Json = False) -> None:
    """Cây tổ chức như nó đứng vào một ngày; với một mã: lịch sử của tổ chức đó."""
    async def work(ctx: Any) -> Any:
        from application.labels import VIETNAM
        from application.registry import organization_history, subtree_of, tree_as_of

        when = day(on, "--on") or ctx.clock().astimezone(VIETNAM).date()
        if organization is None:
            return list((await tree_as_of(ctx, when)).values()), None
        return list(await subtree_of(ctx, organization, when)), \
            list(await organization_history(ctx, organization))

    tree, history = run(lambda: in_context(work), as_json=as_json)
    if as_json:
        from application.views import as_data

        output.emit_json({"tree": [as_data(v) for v in tree],
                          "history": [as_data(v) for v in history or []]})
        return
    from application.labels import day as show_day
    from application.labels import label

    for v in tree:
        output.say((v.organization_id, "bold"), f" {v.name} ({label('level', str(v.level))})"
                   f" — cấp trên: {v.parent_id or '—'}" + ("" if v.active else " — đã kết thúc"))
    for v in history or []:
        until = show_day(v.valid_to) if v.valid_to else "nay"
        output.say(f"  {show_day(v.valid_from)} – {until}: {v.name}, cấp trên "
                   f"{v.parent_id or '—'}" + (f" ({v.ended})" if v.ended else ""))



# --- backups ----------------------------------------------------------------------------------
backup_app = typer.Typer(help="Sao lưu cơ sở dữ liệu và kiểm tra bằng cách khôi phục thử.",
                         no_args_is_help=True)


@backup_app.command("create")
def backup_create(directory: Annotated[Path, typer.Argument(help="Thư mục trống để ghi bản sao "
                                                            "lưu.")],
                  as_json: Json = False) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu (và cơ sở dữ liệu của Temporal nhúng) kèm bảng kê SHA-256."""
    async def work(ctx: Any) -> Any:
        from application.backups import create_backup

        return await create_backup(ctx, operator(), settings(), directory)

    backup = run(lambda: in_context(work, long_jobs=True, superuser=True), as_json=as_json)
    if as_json:
        output.emit_json({"directory": str(backup.directory),
                          "created_at": backup.created_at.isoformat(),
                          "log_position": backup.log_position,
                          "checkpoint_seq": backup.checkpoint_seq,
                          "files": [{"name": f.name, "size": f.size, "sha256": f.sha256}
                                    for f in backup.files]})
        return
    from application.labels import moment, number

    output.say(f"Đã sao lưu vào «{backup.directory}» lúc {moment(backup.created_at)}: nhật ký "
               f"đến vị trí {number(backup.log_position)}"
               + (f", điểm chốt số {backup.checkpoint_seq}" if backup.checkpoint_seq else "")
               + ("; kèm cơ sở dữ liệu Temporal nhúng." if backup.temporal_included else
                  "; Temporal ngoài: sao lưu cơ sở dữ liệu của nó riêng (deploy/backup.sh)."))
    for f in backup.files:
        output.say(f"  {f.name}: {number(f.size)} byte, SHA-256 {f.sha256}")


@backup_app.command("verify")
def backup_verify(directory: Annotated[Path, typer.Argument(help="Thư mục bản sao lưu.")],
                  as_json: Json = False) -> None:
    """Khôi phục thử vào một cơ sở dữ liệu tạm, kiểm tra mọi chuỗi băm và điểm chốt, rồi xóa."""
    async def work(ctx: Any) -> Any:
        from application.backups import verify_backup

        return await verify_backup(ctx, operator(), directory)

    check = run(lambda: in_context(work, long_jobs=True, superuser=True), as_json=as_json)
    if as_json:
        output.emit_json({"ok": check.ok, "events": check.events, "streams": check.streams,
                          "chains_ok": check.chains_ok, "ledger_ok": check.ledger_ok,
                          "problems": list(check.problems)})
    else:
        from application.labels import number

        output.say(f"Khôi phục thử: {number(check.events)} sự kiện trong "
                   f"{number(check.streams)} luồng; chuỗi băm "
                   + ("nguyên vẹn" if check.chains_ok else "HỎNG") + ".")
        for line in (*check.ledger_lines, *check.problems):
            output.say(line)
        output.say("Bản sao lưu dùng được." if check.ok else "Bản sao lưu KHÔNG dùng được.")
    if not check.ok:
        raise typer.Exit(EXIT_INPUT)


# --- Temporal's authorizer ----------------------------------------------------------------------
def temporal_tokens_command(
        directory: Annotated[Path, typer.Argument(help="Thư mục ghi khóa ký, JWKS và mã của "
                                                       "từng bên gọi.")],
        namespace: Annotated[str, Opt("--namespace", help="Namespace của Temporal.")] = "default",
        days: Annotated[int, Opt("--days", min=1, max=3650,
                                 help="Số ngày mã còn hiệu lực.")] = 365,
        renew: Annotated[bool, Opt("--renew", help="Cấp lại mã bằng khóa ký đã có (trước khi "
                                                   "mã cũ hết hạn).")] = False,
        as_json: Json = False) -> None:
    """Mã JWT cho bộ phân quyền của Temporal (docker-compose.yml): worker và API được chạy quy
    trình trong namespace, một mã chỉ được xem, công cụ quản trị toàn quyền."""
    from datetime import UTC, datetime, timedelta

    from application.operations import issue_temporal_tokens

    try:
        issued = issue_temporal_tokens(directory, namespace=namespace, now=datetime.now(UTC),
                                       valid_for=timedelta(days=days), renew=renew)
    except Exception as exc:
        fail(exc, as_json=as_json)
    if as_json:
        output.emit_json({"directory": str(issued.directory), "jwks": str(issued.jwks),
                          "tokens": {c: str(p) for c, p in issued.tokens.items()},
                          "expires_at": issued.expires_at.isoformat()})
        return
    from application.labels import moment

    output.say(f"Đã cấp mã cho bộ phân quyền của Temporal trong «{issued.directory}», hết hạn "
               f"{moment(issued.expires_at)}:")
    output.say(f"  JWKS (khóa công khai, máy chủ Temporal đọc): {issued.jwks}")
    for caller, path in issued.tokens.items():
        output.say(f"  {caller}: {path}")
    output.say("Giữ temporal-jwt.key ngoài mọi container; cấp lại bằng --renew trước khi hết "
               "hạn.")
