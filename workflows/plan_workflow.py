"""The personnel plan workflow (đề án nhân sự): one per plan, the single writer of its streams.

Commands arrive as Updates. Each validator runs the domain's ``decide`` on the current state,
so bad input is rejected before anything reaches history or the event store. An accepted
command's events are appended by an idempotent activity, and only then folded into the
workflow's state, keeping the state and the stored streams in step.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.event_store import NON_RETRYABLE, EventStoreActivities
    from activities.messages import AppendRequest
    from domain.commands import (
        PlanCommand,
        RecordConferenceResult,
        RegisterCandidate,
        SubmitPlan,
    )
    from domain.decide import decide
    from domain.errors import CommandRejected
    from domain.events import DomainEvent
    from domain.plan import PlanPhase, PlanState, evolve
    from domain.serialization import to_data
    from workflows.envelopes import envelopes
    from workflows.messages import CommandResult, PlanOutcome, PlanWorkflowInput

# An append takes milliseconds; a worker that died mid-append is retried on another soon.
APPEND_TIMEOUT = timedelta(seconds=10)
APPEND_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200),
                           maximum_interval=timedelta(seconds=10),
                           non_retryable_error_types=list(NON_RETRYABLE))


def rejection(exc: CommandRejected) -> ApplicationError:
    """A domain rejection as the error the client sees, violations kept as structured data."""
    return ApplicationError(str(exc), *[to_data(v) for v in exc.violations],
                            type="CommandRejected", non_retryable=True)


@workflow.defn(name="PersonnelPlan")
class PersonnelPlanWorkflow:
    @workflow.init
    def __init__(self, input: PlanWorkflowInput) -> None:
        self._state = PlanState()
        self._lock = asyncio.Lock()
        self._results: dict[str, CommandResult] = {}

    @workflow.run
    async def run(self, input: PlanWorkflowInput) -> PlanOutcome:
        await self._execute(input.open_plan)
        await workflow.wait_condition(lambda: self._state.phase is PlanPhase.SUBMITTED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return PlanOutcome(
            plan_id=self._state.plan_id, phase=self._state.phase.value,
            listed={s.position_group: [n.nomination_id for n in self._state.listed(
                s.position_group)] for s in self._state.seats},
        )

    # --- commands ---------------------------------------------------------------------------
    @workflow.update
    async def register_candidate(self, command: RegisterCandidate) -> CommandResult:
        return await self._execute(command)

    @register_candidate.validator
    def _validate_register_candidate(self, command: RegisterCandidate) -> None:
        self._validate(command)

    @workflow.update
    async def record_conference_result(self, command: RecordConferenceResult) -> CommandResult:
        return await self._execute(command)

    @record_conference_result.validator
    def _validate_record_conference_result(self, command: RecordConferenceResult) -> None:
        self._validate(command)

    @workflow.update
    async def submit(self, command: SubmitPlan) -> CommandResult:
        return await self._execute(command)

    @submit.validator
    def _validate_submit(self, command: SubmitPlan) -> None:
        self._validate(command)

    @workflow.query
    def phase(self) -> str:
        return self._state.phase.value

    # --- the one path every command takes -----------------------------------------------------
    def _validate(self, command: PlanCommand) -> None:
        if command.command_id in self._results:
            return  # a retry: answered from the recorded result
        try:
            decide(self._state, command, now=workflow.now())
        except CommandRejected as exc:
            raise rejection(exc) from None

    async def _execute(self, command: PlanCommand) -> CommandResult:
        async with self._lock:
            if command.command_id in self._results:
                previous = self._results[command.command_id]
                return CommandResult(command_id=previous.command_id,
                                     event_types=previous.event_types,
                                     positions=previous.positions, phase=previous.phase,
                                     already_applied=True)
            try:
                events = decide(self._state, command, now=workflow.now())
            except CommandRejected as exc:
                raise rejection(exc) from None
            positions = await self._append(events)
            for event in events:
                self._state = evolve(self._state, event)
            result = CommandResult(command_id=command.command_id,
                                   event_types=[e.TYPE for e in events], positions=positions,
                                   phase=self._state.phase.value)
            self._results[command.command_id] = result
            return result

    async def _append(self, events: list[DomainEvent]) -> list[int]:
        if not events:
            return []
        info = workflow.info()
        batch = envelopes(events, new_id=lambda: str(workflow.uuid4()),
                          workflow_id=info.workflow_id, run_id=info.run_id)
        expected = {e.stream_id: self._state.version_of(e.stream_id) for e in batch}
        result = await workflow.execute_activity_method(
            EventStoreActivities.append_events,
            AppendRequest(events=batch, expected_versions=expected),
            start_to_close_timeout=APPEND_TIMEOUT, retry_policy=APPEND_RETRY,
        )
        return result.positions
