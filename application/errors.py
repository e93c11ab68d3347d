"""The application layer's one error root, which every edge translates: the CLI into a message
and an exit code, the HTTP API into a problem-details body and a status.

Every message here is Vietnamese: it is what a person reads."""

from __future__ import annotations

from domain.errors import Violation


class ServiceError(Exception):
    """Root of every error the application layer raises."""


class Rejected(ServiceError):
    """The input broke a rule; nothing was recorded (exit 2, HTTP 422)."""

    def __init__(self, violations: tuple[Violation, ...] | list[Violation]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(str(v) for v in self.violations))


class Conflict(Rejected):
    """The request clashes with what is recorded: an idempotency key reused with other content,
    a plan opened twice, a concurrent change (exit 2, HTTP 409). Nothing was recorded."""


class NotFound(ServiceError):
    """No such plan, nomination, user or organization (exit 3, HTTP 404)."""

    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"Không tìm thấy {what} «{identifier}».")
        self.what = what
        self.identifier = identifier


class PlanNotFound(NotFound):
    def __init__(self, plan_id: str) -> None:
        super().__init__("đề án", plan_id)
        self.plan_id = plan_id


class CongressNotFound(NotFound):
    """The plan has no congress yet (khai mạc đại hội first)."""

    def __init__(self, plan_id: str) -> None:
        super().__init__("đại hội của đề án", plan_id)
        self.plan_id = plan_id


class NominationNotFound(NotFound):
    def __init__(self, nomination: str) -> None:
        super().__init__("nhân sự (hồ sơ đề cử)", nomination)


class Forbidden(ServiceError):
    """The principal may not do this, or not here (exit 6, HTTP 403). Nothing was recorded."""


class Unauthenticated(ServiceError):
    """No valid credentials (exit 6, HTTP 401)."""


class LoginLocked(Unauthenticated):
    """Too many failed log-ins for this login or source: refused without trying until
    ``until`` (exit 6, HTTP 429 with ``Retry-After``)."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class OutcomeUnknown(ServiceError):
    """The command was sent but no answer came in time: it may still be applied. Retrying with
    the same idempotency key is safe and tells the outcome (exit 4, HTTP 503)."""

    def __init__(self, idempotency_key: str, seconds: float, *, temporal_answers: bool) -> None:
        why = ("không có worker nào trả lời" if temporal_answers
               else "Temporal không phản hồi")
        todo = ("khởi động worker (nhansu services start hoặc nhansu worker)" if temporal_answers
                else "kiểm tra máy chủ Temporal")
        super().__init__(
            f"Chưa rõ kết quả: {why} trong {seconds:.0f} giây; lệnh có thể vẫn được ghi sau. "
            f"Hãy {todo} rồi chạy lại đúng lệnh này với --idempotency-key {idempotency_key} "
            f"(cùng khóa không bao giờ được ghi hai lần).")
        self.idempotency_key = idempotency_key
        self.temporal_answers = temporal_answers


class ServiceUnavailable(ServiceError):
    """PostgreSQL or Temporal cannot be reached (exit 5, HTTP 503). ``idempotency_key`` is set
    when a write may have happened before the service went away."""

    def __init__(self, service: str, detail: str, *, idempotency_key: str | None = None) -> None:
        hint = {"PostgreSQL": "kiểm tra PostgreSQL (nhansu services status; DATABASE_URL)",
                "Temporal": "kiểm tra Temporal (nhansu services status; TEMPORAL_ADDRESS)"}
        message = f"{service} không sẵn sàng: {detail}. Hãy {hint.get(service, 'kiểm tra')}."
        if idempotency_key is not None:
            message += (f" Lệnh có thể đã được ghi: chạy lại với --idempotency-key "
                        f"{idempotency_key} để biết kết quả.")
        super().__init__(message)
        self.service = service
        self.idempotency_key = idempotency_key


class CorruptData(ServiceError):
    """What is stored no longer reads as it was written (exit 1, HTTP 500)."""


class WorkflowGone(ServiceError):
    """The plan is recorded but its workflow no longer runs (terminated outside the service)."""


def invalid(*problems: tuple[str, str, str]) -> Rejected:
    """Bad input as (field, rule, message) triples, for the edges' own parsing."""
    return Rejected(tuple(Violation(field=f, rule=r, message=m) for f, r, m in problems))
