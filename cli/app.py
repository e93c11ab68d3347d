"""nhansu: the command line. One module per command group; each imports only typer and the
output layer at the top, and the application layer inside its commands, so that `nhansu
--help` starts at once and a read command pays only for what it reads."""

from __future__ import annotations

import typer

from cli import (
    audit,
    candidates,
    conferences,
    congress,
    operations,
    plans,
    reports,
    review,
    vietnamese,
)

app = typer.Typer(
    help="nhansu — công tác nhân sự đại hội đảng: đề án nhân sự, quy trình 5 bước, thẩm định, "
         "phê duyệt, kiểm tra hồ sơ. Mã thoát: 0 xong; 1 lỗi toàn vẹn hoặc lỗi khác; 2 dữ liệu "
         "không hợp lệ (không ghi gì); 3 không tìm thấy; 4 chưa rõ kết quả (chạy lại với khóa "
         "lặp lại đã in); 5 PostgreSQL hoặc Temporal không sẵn sàng; 6 không có quyền.",
    no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None)

for group, name in ((plans.app, "plan"), (candidates.app, "candidate"),
                    (conferences.app, "conference"), (review.appraisal_app, "appraisal"),
                    (review.approval_app, "approval"), (congress.app, "congress"),
                    (audit.audit_app, "audit"),
                    (audit.ledger_app, "ledger"), (reports.report_app, "report"),
                    (reports.projections_app, "projections"),
                    (operations.services_app, "services"), (operations.db_app, "db"),
                    (operations.users_app, "users"), (operations.registry_app, "registry"),
                    (operations.backup_app, "backup")):
    app.add_typer(group, name=name)
app.command("login")(operations.login_command)
app.command("worker")(operations.worker_command)
app.command("procedures")(operations.procedures_command)
app.command("serve")(operations.serve_command)
app.command("demo")(operations.demo_command)
app.command("temporal-tokens")(operations.temporal_tokens_command)


def main() -> None:
    vietnamese.install()
    app()
