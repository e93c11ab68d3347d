"""The service layer's one error root, what the CLI and API translate into messages."""

from __future__ import annotations

from domain.errors import Violation


class ServiceError(Exception):
    """Root of every error the service layer raises."""


class Rejected(ServiceError):
    """The command broke a rule; nothing was recorded."""

    def __init__(self, violations: tuple[Violation, ...]) -> None:
        self.violations = violations
        super().__init__("; ".join(str(v) for v in violations))


class PlanNotFound(ServiceError):
    def __init__(self, plan_id: str) -> None:
        super().__init__(f"no plan {plan_id!r} is open")
        self.plan_id = plan_id


class OutcomeUnknown(ServiceError):
    """No worker answered in time. The command may still be applied when one does: retrying
    with the same idempotency key is safe and tells the outcome."""

    def __init__(self, idempotency_key: str, seconds: float) -> None:
        super().__init__(
            f"no worker answered within {seconds:.0f} s; the command may still be applied. "
            f"Start a worker (nhansu worker) and retry with --idempotency-key {idempotency_key}"
        )
        self.idempotency_key = idempotency_key
