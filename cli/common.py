"""What every command shares: one run wrapper that turns every failure into one clear line and
a documented exit code, the principal, idempotency keys, Vietnam time, and how a write's
result is shown.

Exit codes (the README lists them): 0 done; 1 integrity failure or anything else; 2 bad input
(nothing recorded); 3 no such plan, nomination or file; 4 no answer in time (the command may
still be applied: retry with the printed key); 5 PostgreSQL or Temporal unavailable; 6 not
permitted."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from cli import output

T = TypeVar("T")

EXIT_FAILURE, EXIT_INPUT, EXIT_NOT_FOUND, EXIT_UNKNOWN, EXIT_UNAVAILABLE, EXIT_FORBIDDEN = (
    1, 2, 3, 4, 5, 6)

IdempotencyKey = Annotated[str | None, typer.Option(
    "--idempotency-key", help="Khóa lặp lại: chạy lại một lệnh với cùng khóa thì lệnh chỉ được "
    "ghi một lần (mặc định: một khóa mới, in ra trước khi gửi).")]
Json = Annotated[bool, typer.Option("--json", help="Kết quả dạng JSON (cho chương trình khác).")]
AsOf = Annotated[str | None, typer.Option(
    "--as-of", help="Thời điểm ghi nhận: như dữ liệu đã được ghi đến lúc đó, ví dụ "
    "2025-05-07T17:00 (giờ Việt Nam nếu không ghi múi giờ) hoặc 2025-05-07T10:00+00:00.")]
AsOfDate = Annotated[str | None, typer.Option(
    "--as-of-date", help="Ngày nghiệp vụ: như tình hình vào ngày đó (ngày họp, ngày quyết "
    "định), ví dụ 05/05/2025 hoặc 2025-05-05.")]


def settings() -> Any:
    from settings import SettingsError, get_settings

    try:
        return get_settings()
    except SettingsError as exc:
        output.say(("Cấu hình không hợp lệ: ", "bold red"), str(exc), stderr=True)
        raise typer.Exit(EXIT_INPUT) from None


def run(main: Callable[[], Coroutine[Any, Any, T]], *, as_json: bool = False,
        key: str | None = None) -> T:
    """Run one command; every failure becomes one line (or a JSON error) and an exit code.
    ``key`` is the idempotency key of a write, repeated where a write may have happened."""
    from logs import configure_logging

    configure_logging(settings())

    async def quietly() -> T:
        # A write that gave up waiting cancels the client's RPC; the client library leaves a
        # future holding that cancellation, which asyncio would report as a traceback.
        loop = asyncio.get_running_loop()

        def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if not isinstance(context.get("exception"), asyncio.CancelledError):
                loop.default_exception_handler(context)

        loop.set_exception_handler(handler)
        return await main()

    try:
        return asyncio.run(quietly())
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        if key:
            output.note(f"Đã ngắt. Lệnh có thể đã được ghi: chạy lại với --idempotency-key "
                        f"{key} để biết kết quả.")
        raise typer.Exit(130) from None
    except BaseException as exc:
        fail(exc, as_json=as_json, key=key)


def fail(exc: BaseException, *, as_json: bool = False, key: str | None = None) -> NoReturn:
    from application import errors
    from application.failures import translate

    error = translate(exc, idempotency_key=key)
    if error is None:
        raise exc
    if isinstance(error, errors.Rejected):
        code = EXIT_INPUT
    elif isinstance(error, errors.NotFound):
        code = EXIT_NOT_FOUND
    elif isinstance(error, errors.OutcomeUnknown):
        code = EXIT_UNKNOWN
    elif isinstance(error, errors.ServiceUnavailable):
        code = EXIT_UNAVAILABLE
    elif isinstance(error, (errors.Forbidden, errors.Unauthenticated)):
        code = EXIT_FORBIDDEN
    else:
        code = EXIT_FAILURE
    if as_json:
        from application.failures import problem

        output.emit_json({"error": problem(error)})
    elif isinstance(error, errors.Rejected):
        title = ("Xung đột — không có gì được ghi:" if isinstance(error, errors.Conflict)
                 else "Không hợp lệ — không có gì được ghi:")
        output.say((title, "bold red"))
        for v in error.violations:
            output.say("  • ", (v.field, "bold"), ": ", v.message, (f" ({v.rule})", "dim"))
    else:
        heading = {EXIT_NOT_FOUND: "Không tìm thấy: ", EXIT_UNKNOWN: "Chưa rõ kết quả: ",
                   EXIT_UNAVAILABLE: "Dịch vụ không sẵn sàng: ",
                   EXIT_FORBIDDEN: "Không có quyền: "}.get(code, "Lỗi: ")
        message = str(error)
        if message.startswith("Chưa rõ kết quả: "):
            message = message.removeprefix("Chưa rõ kết quả: ")
        output.say((heading, "bold red" if code != EXIT_UNKNOWN else "bold yellow"), message,
                   stderr=code in (EXIT_UNAVAILABLE, EXIT_FAILURE))
    raise typer.Exit(code) from None


async def in_context(work: Callable[[Any], Coroutine[Any, Any, T]], *,
                     long_jobs: bool = False, superuser: bool = False) -> T:
    """Run ``work(ctx)`` with the application context (services found, never started). On
    the embedded server the CLI connects as its own least-privileged role; ``superuser`` (the
    operator's backups, which read every table and create a scratch database) as the server's
    superuser. Under DATABASE_URL the URL says who connects."""
    import bootstrap

    role = None if superuser else "nhansu_cli"
    async with bootstrap.context(settings(), long_jobs=long_jobs, role=role) as ctx:
        return await work(ctx)


def new_key(given: str | None) -> str:
    return given or str(uuid.uuid4())


def announce_key(key: str) -> None:
    """Before a write is sent: a command killed or timed out can be retried, or checked, with
    this key."""
    output.note(("Khóa lặp lại: ", "dim"), (key, "dim"),
                (" (nếu lệnh bị ngắt hay quá thời gian, chạy lại với --idempotency-key "
                 "khóa này)", "dim"))


async def user(ctx: Any) -> Any:
    """The user a command acts as: the API token of NHANSU_TOKEN, or of the token file
    `nhansu login` wrote. A token authenticates; the roles are the user's grants."""
    from application.authentication import authenticate_token, token_source
    from application.errors import Unauthenticated

    token = token_source(settings())
    if token is None:
        raise Unauthenticated("Chưa đăng nhập: chạy «nhansu login TÊN_ĐĂNG_NHẬP» hoặc đặt "
                              "NHANSU_TOKEN bằng mã truy cập quản trị viên cấp cho bạn.")
    return await authenticate_token(ctx, token)


async def user_or_operator(ctx: Any) -> Any:
    """For integrity checks: the user of the token if there is one, else the operator (who
    may verify, never read a plan's content)."""
    from application.authentication import token_source

    return await user(ctx) if token_source(settings()) else operator()


def operator() -> Any:
    """Operator commands (services, migrations, users, registry, ledger, read models) run on
    the installation's own machine, with its database credentials: the operator."""
    from application.principal import OPERATOR

    return OPERATOR


def moment(text: str | None, option: str = "--as-of") -> datetime | None:
    """A time typed by a person: without a zone it is Vietnam time."""
    if text is None:
        return None
    from application.inputs import parse_moment

    return parse_moment(text, option)


def day(text: str | None, option: str = "--as-of-date") -> date | None:
    if text is None:
        return None
    from application.inputs import parse_day

    return parse_day(text, option)


def show_written(written: Any, *, as_json: bool) -> None:
    """A write's result: what it recorded (or had recorded, for a retry) and every
    eligibility warning about the candidates it touched."""
    recorded = written.recorded
    if as_json:
        from application.views import as_data

        output.emit_json({
            "command_id": recorded.command_id, "already_applied": recorded.already_applied,
            "phase": recorded.phase, "summary": written.summary,
            "events": [as_data(e) for e in recorded.events],
            "warnings": [as_data(w) for w in written.warnings],
            "skipped": list(written.skipped)})
        return
    output.say(written.summary)
    if recorded.already_applied and recorded.events:
        output.say(("Lệnh này đã được ghi từ lần gửi trước (cùng khóa, cùng nội dung): không "
                    "ghi lại.", "yellow"))
    if written.skipped:
        output.say(f"Đã có từ trước (không đăng ký lại): {', '.join(written.skipped)}.")
    show_warnings(written.warnings)


def show_warnings(warnings: Any, title: str = "Cảnh báo tiêu chuẩn, điều kiện") -> None:
    if not warnings:
        return
    output.say((f"⚠ {title} ({len(warnings)}):", "bold yellow"))
    for w in warnings:
        from application.labels import label

        output.say("  • ", (w.who, "bold"), f" — {w.check_label}: ", w.detail,
                   (f" ({label('severity', w.severity)})" if w.severity else "", "dim"))
