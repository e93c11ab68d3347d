"""Every failure below the application layer as one of its own errors, for the edges to show
as one line (CLI) or a problem-details body (HTTP): a stopped or unreachable PostgreSQL or
Temporal, corrupt data, a procedure file that was altered, a bad file handed in."""

from __future__ import annotations

from typing import Any

from application import errors
from domain.errors import Violation
from domain.vocabulary import label


def translate(exc: BaseException, *, idempotency_key: str | None = None,
              ) -> errors.ServiceError | None:
    """``exc`` as the application's error, or None when it is a defect to let through."""
    import procedures
    from application.file_input import FileInputError
    from eventstore.errors import StoreUnavailable, is_unavailable
    from local_services.processes import ProcessError
    from local_services.services import ServiceDown
    from local_services.temporal_dev import DevServerError
    from reads.errors import ReadError
    from settings import SettingsError

    if isinstance(exc, errors.ServiceError):
        return exc
    if isinstance(exc, FileInputError):
        return errors.Rejected(exc.violations)
    if isinstance(exc, SettingsError):
        return errors.Rejected((Violation(field=exc.variable, rule=exc.rule,
                                          message=str(exc)),))
    if isinstance(exc, ServiceDown):
        return errors.ServiceUnavailable(exc.service, str(exc))
    if isinstance(exc, DevServerError):
        return errors.ServiceUnavailable("Temporal", str(exc))
    if isinstance(exc, ProcessError):
        return errors.ServiceUnavailable("worker", str(exc))
    if isinstance(exc, procedures.ProcedureError):
        return errors.Rejected((Violation(field="procedure", rule="procedure", message=str(exc)),))
    if isinstance(exc, ReadError):
        return errors.CorruptData(str(exc))
    if isinstance(exc, StoreUnavailable):
        return errors.ServiceUnavailable("PostgreSQL", str(exc), idempotency_key=idempotency_key)
    if is_unavailable(exc):
        return errors.ServiceUnavailable("PostgreSQL", str(StoreUnavailable.from_error(exc)),
                                         idempotency_key=idempotency_key)
    if isinstance(exc, TimeoutError):
        return errors.ServiceUnavailable("PostgreSQL", "không trả lời kịp thời",
                                         idempotency_key=idempotency_key)
    if isinstance(exc, PermissionError | FileNotFoundError | IsADirectoryError
                  | NotADirectoryError):
        return errors.Rejected((Violation(
            field=str(getattr(exc, "filename", "") or "tệp"), rule="file_access",
            message=f"Không dùng được đường dẫn này: {exc.strerror or exc}"),))
    return None


def problem(error: errors.ServiceError) -> dict[str, Any]:
    """The error as data: a stable code, a Vietnamese title and detail, the violations."""
    code = {errors.Conflict: "conflict", errors.Rejected: "invalid",
            errors.NotFound: "not_found", errors.OutcomeUnknown: "outcome_unknown",
            errors.ServiceUnavailable: "service_unavailable", errors.Forbidden: "forbidden",
            errors.LoginLocked: "login_locked",
            errors.Unauthenticated: "unauthenticated", errors.CorruptData: "corrupt_data",
            errors.WorkflowGone: "workflow_gone"}
    kind = next((c for t, c in code.items() if isinstance(error, t)), "error")
    body: dict[str, Any] = {"code": kind, "detail": str(error)}
    if isinstance(error, errors.Rejected):
        body["title"] = ("Xung đột, không có gì được ghi" if kind == "conflict"
                         else "Dữ liệu không hợp lệ, không có gì được ghi")
        body["violations"] = [{"field": v.field, "rule": v.rule,
                               "rule_label": label("rule", v.rule), "message": v.message}
                              for v in error.violations]
    key = getattr(error, "idempotency_key", None)
    if key:
        body["idempotency_key"] = key
    return body
