"""Acting on plans through their workflows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from application.errors import OutcomeUnknown, PlanNotFound, Rejected
from domain.appraisal import RecordFinding
from domain.approval import RecordApprovalDecision
from domain.commands import (
    OpenPlan,
    PlanCommand,
    RecordConferenceResult,
    RegisterCandidate,
    SubmitPlan,
)
from domain.decide import decide
from domain.errors import CommandRejected, Violation
from domain.events import plan_stream
from domain.plan import PlanState, evolve
from domain.serialization import from_data
from eventstore.store import PostgresEventStore
from workflows.appraisal_workflow import NominationAppraisalWorkflow
from workflows.messages import (
    CommandResult,
    PlanWorkflowInput,
    appraisal_workflow_id,
    plan_workflow_id,
)
from workflows.plan_workflow import PersonnelPlanWorkflow


class PlanService:
    def __init__(self, client: Client, store: PostgresEventStore, task_queue: str,
                 update_timeout: timedelta) -> None:
        self._client = client
        self._store = store
        self._task_queue = task_queue
        self._timeout = update_timeout

    async def open_plan(self, command: OpenPlan, *, now: datetime) -> int:
        """Start the plan's workflow and wait until its first event is stored.

        The command is checked here first, with the same domain rules the workflow runs,
        so a bad plan file never starts a workflow."""
        try:
            decide(PlanState(), command, now=now)
        except CommandRejected as exc:
            raise Rejected(exc.violations) from None
        stream = plan_stream(command.plan_id)
        if await self._store.stream_version(stream) > 0:
            raise _already_opened(command.plan_id)
        try:
            await self._client.start_workflow(
                PersonnelPlanWorkflow.run, PlanWorkflowInput(open_plan=command),
                id=plan_workflow_id(command.plan_id), task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            raise _already_opened(command.plan_id) from None
        deadline = asyncio.get_running_loop().time() + self._timeout.total_seconds()
        while asyncio.get_running_loop().time() < deadline:
            version = await self._store.stream_version(stream)
            if version > 0:
                return version
            await asyncio.sleep(0.2)
        raise OutcomeUnknown(command.command_id, self._timeout.total_seconds())

    async def register_candidate(self, plan_id: str, command: RegisterCandidate,
                                 idempotency_key: str) -> CommandResult:
        return await self._update(plan_id, PersonnelPlanWorkflow.register_candidate, command,
                                  idempotency_key)

    async def record_conference_result(self, plan_id: str, command: RecordConferenceResult,
                                       idempotency_key: str) -> CommandResult:
        return await self._update(plan_id, PersonnelPlanWorkflow.record_conference_result,
                                  command, idempotency_key)

    async def submit(self, plan_id: str, command: SubmitPlan,
                     idempotency_key: str) -> CommandResult:
        return await self._update(plan_id, PersonnelPlanWorkflow.submit, command,
                                  idempotency_key)

    async def decide_on_plan(self, plan_id: str, command: RecordApprovalDecision,
                             idempotency_key: str) -> CommandResult:
        """The superior standing committee's decision (phê duyệt, loại, trả lại, bác)."""
        return await self._update(plan_id, PersonnelPlanWorkflow.decide_on_plan, command,
                                  idempotency_key)

    async def record_finding(self, command: RecordFinding, idempotency_key: str) -> list[str]:
        """An appraisal agency's finding on one nomination (kết luận thẩm định)."""
        workflow_id = appraisal_workflow_id(command.nomination_id)
        result: list[str] = await self._update_workflow(
            workflow_id, NominationAppraisalWorkflow.record_finding, command, idempotency_key,
            not_found=lambda: Rejected((Violation(
                field="nomination_id", rule="not_under_appraisal",
                message=f"nomination {command.nomination_id} is not under appraisal"),)))
        return result

    async def _update(self, plan_id: str, update: Any, command: Any,
                      idempotency_key: str) -> CommandResult:
        result: CommandResult = await self._update_workflow(
            plan_workflow_id(plan_id), update, command, idempotency_key,
            not_found=lambda: PlanNotFound(plan_id))
        return result

    async def _update_workflow(self, workflow_id: str, update: Any, command: Any,
                               idempotency_key: str,
                               not_found: Callable[[], Exception]) -> Any:
        handle = self._client.get_workflow_handle(workflow_id)
        try:
            return await handle.execute_update(update, command, id=idempotency_key,
                                               rpc_timeout=self._timeout)
        except WorkflowUpdateFailedError as exc:
            raise _translate_failure(exc) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise OutcomeUnknown(idempotency_key, self._timeout.total_seconds()) from None
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise not_found() from None
            if "already completed" in str(exc):
                raise Rejected((Violation(
                    field="workflow", rule="already_closed",
                    message=f"{workflow_id} has finished: a decision or an appraisal that is "
                            f"over takes no more commands"),)) from None
            raise


def _already_opened(plan_id: str) -> Rejected:
    return Rejected((Violation(field="plan_id", rule="already_opened",
                               message=f"plan {plan_id} is already opened"),))


def _translate_failure(exc: WorkflowUpdateFailedError) -> Exception:
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type == "CommandRejected":
        violations = tuple(from_data(Violation, v) for v in cause.details)
        return Rejected(violations)
    return exc


def precheck(state: PlanState, labelled: Sequence[tuple[str, PlanCommand]], *,
             now: datetime) -> None:
    """Apply a batch of commands to a copy of the state with the domain's rules, so a file
    is accepted whole or not at all: every violation is reported, labelled, before anything
    is sent."""
    problems: list[Violation] = []
    for label, command in labelled:
        try:
            for event in decide(state, command, now=now):
                state = evolve(state, event)
        except CommandRejected as exc:
            problems.extend(Violation(field=f"{label}, {v.field}", rule=v.rule,
                                      message=v.message) for v in exc.violations)
    if problems:
        raise Rejected(tuple(problems))
