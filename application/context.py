"""What every use case runs with: the database, the path to the workflows, the clock and the
ledger's keys. Built once per process by ``bootstrap.context``; the edges (CLI, HTTP API, web
UI) hold one and pass it, with the principal, to the use cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from domain.vocabulary import business_day

if TYPE_CHECKING:
    from application.plans import PlanService


@dataclass(kw_only=True)
class Context:
    db: Any  # bootstrap.Database: the one database handle (engine, event store, url)
    # Commands to the plan and appraisal workflows: a PlanService, or a function that makes
    # one when the first command is sent (a command that only reads never loads temporalio).
    plans_source: PlanService | Callable[[], PlanService]
    ledger_public_keys: Callable[[], dict[str, bytes]]
    ledger_signer: Callable[[], Any]  # eventstore.checkpoints.Signer
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # The installation's secret for ids derived from personal data (nomination ids): a keyed
    # hash, so an id cannot be reversed by enumerating party card numbers.
    id_key: bytes = b"nhansu-test-id-key"
    task_queue: str = "nhansu-plans"
    update_timeout_seconds: float = 30.0

    @property
    def plans(self) -> PlanService:
        if callable(self.plans_source):
            self.plans_source = self.plans_source()
        return self.plans_source

    @property
    def store(self) -> Any:
        return self.db.store

    @property
    def engine(self) -> Any:
        return self.db.engine


class Clocked(Protocol):
    """Anything with the clock of a context: the whole ``Context``, or the narrower ones a
    report or a test builds with only what its use case takes."""

    def clock(self) -> datetime: ...


def today(ctx: Clocked) -> date:
    """The day it is in Vietnam by the context's clock: the day every rule and every view of
    the organization tree is taken on (domain.vocabulary.business_day)."""
    return business_day(ctx.clock())
