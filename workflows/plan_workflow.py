"""The personnel plan workflow (đề án nhân sự): one per plan, the single writer of its streams.

Commands arrive as Updates. Each validator runs the domain's ``decide`` on the current state,
so bad input is rejected before anything reaches history or the event store. An accepted
command's events are appended by an idempotent activity, and only then folded into the
workflow's state, keeping the state and the stored streams in step.

After submission (from the REVIEW patch on): one appraisal child workflow per listed
nomination, then the superior committee's decision with reminders and escalation. A
send-back continues the workflow as new, carrying the plan's state, so a plan with many
rounds keeps a small history while its event trail shows every round.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.approval import (
        RecordApprovalDecision,
        approval_overdue,
        approval_reminder,
        conclude_appraisals,
    )
    from domain.commands import (
        PlanCommand,
        RecordConferenceResult,
        RegisterCandidate,
        SubmitPlan,
    )
    from domain.decide import decide
    from domain.errors import CommandRejected
    from domain.events import DomainEvent, event_from_data
    from domain.plan import PlanPhase, PlanState, evolve
    from domain.procedure import duration
    from domain.snapshot import from_snapshot, to_snapshot
    from workflows.appending import append
    from workflows.appraisal_workflow import NominationAppraisalWorkflow
    from workflows.messages import (
        AppraisalInput,
        AppraisalOutcome,
        CommandResult,
        PlanOutcome,
        PlanWorkflowInput,
        appraisal_workflow_id,
    )
    from workflows.rejections import rejection

# Histories recorded before appraisal and approval existed end at submission.
REVIEW_PATCH = "appraisal-and-approval"
DECIDED = (PlanPhase.APPROVED, PlanPhase.REJECTED)


@workflow.defn(name="PersonnelPlan")
class PersonnelPlanWorkflow:
    @workflow.init
    def __init__(self, input: PlanWorkflowInput) -> None:
        self._state = from_snapshot(input.resume) if input.resume else PlanState()
        self._lock = asyncio.Lock()
        self._results: dict[str, CommandResult] = {}
        self._seen = input.seen_position

    @workflow.run
    async def run(self, input: PlanWorkflowInput) -> PlanOutcome:
        if input.resume is None:
            await self._execute(input.open_plan)
        await workflow.wait_condition(lambda: self._state.phase is PlanPhase.SUBMITTED)
        if workflow.patched(REVIEW_PATCH):
            await self._appraise()
            await self._await_decision()
            if self._state.phase not in DECIDED:  # sent back: a new round, a new run
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(PlanWorkflowInput(
                    open_plan=input.open_plan, resume=to_snapshot(self._state),
                    seen_position=self._seen))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return PlanOutcome(
            plan_id=self._state.plan_id, phase=self._state.phase.value,
            listed={s.position_group: [n.nomination_id for n in self._state.in_position_group(
                s.position_group) if n.status.value in ("listed", "approved")]
                for s in self._state.seats},
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

    @workflow.update
    async def decide_on_plan(self, command: RecordApprovalDecision) -> CommandResult:
        return await self._execute(command)

    @decide_on_plan.validator
    def _validate_decide_on_plan(self, command: RecordApprovalDecision) -> None:
        self._validate(command)

    @workflow.query
    def phase(self) -> str:
        return self._state.phase.value

    # --- appraisal and approval ---------------------------------------------------------------
    async def _appraise(self) -> None:
        state = self._state
        assert state.procedure is not None
        rule = state.procedure.appraisal
        children = []
        for n in state.to_appraise():
            child = await workflow.start_child_workflow(
                NominationAppraisalWorkflow.run,
                AppraisalInput(plan_id=state.plan_id, nomination_id=n.nomination_id,
                               round=state.round, superior_id=state.superior_id,
                               agencies=rule.agency_codes(),
                               deadline_after=duration(rule.deadline),
                               reminder_every=duration(rule.reminder_every),
                               stream_version=state.version_of(f"nomination-{n.nomination_id}"),
                               seen_position=self._seen),
                id=appraisal_workflow_id(n.nomination_id))
            children.append(child)
        outcomes: list[AppraisalOutcome] = list(await asyncio.gather(*children))
        async with self._lock:
            for outcome in outcomes:
                self._seen = max([self._seen, *outcome.positions])
                for e in outcome.events:
                    self._state = evolve(self._state, event_from_data(
                        e.event_type, e.schema_version, e.data))
            await self._record(conclude_appraisals(self._state, now=workflow.now()))

    async def _await_decision(self) -> None:
        """Remind the superior committee at the procedure's interval; past the deadline, tell
        the level above once, and keep waiting: the decision stays theirs."""
        assert self._state.procedure is not None
        rule = self._state.procedure.approval
        every, deadline = duration(rule.reminder_every), workflow.now() + duration(rule.deadline)

        def awaiting() -> bool:
            return self._state.phase is PlanPhase.AWAITING_APPROVAL

        while awaiting():
            wait = every
            if not self._state.approval_escalated:
                wait = min(every, deadline - workflow.now())
            if wait > timedelta(0):
                try:
                    await workflow.wait_condition(lambda: not awaiting(), timeout=wait,
                                                  timeout_summary="approval reminder/deadline")
                    continue
                except TimeoutError:
                    pass
            async with self._lock:
                if not awaiting():
                    break
                now = workflow.now()
                if now >= deadline and not self._state.approval_escalated:
                    await self._record(approval_overdue(self._state, now=now))
                else:
                    await self._record(approval_reminder(self._state, now=now))

    # --- the one path every command takes -----------------------------------------------------
    def _validate(self, command: PlanCommand | RecordApprovalDecision) -> None:
        if command.command_id in self._results:
            return  # a retry: answered from the recorded result
        try:
            decide(self._state, command, now=workflow.now())
        except CommandRejected as exc:
            raise rejection(exc) from None

    async def _execute(self, command: PlanCommand | RecordApprovalDecision) -> CommandResult:
        async with self._lock:
            if command.command_id in self._results:
                previous = self._results[command.command_id]
                return CommandResult(command_id=previous.command_id,
                                     event_types=previous.event_types,
                                     positions=previous.positions, phase=previous.phase,
                                     already_applied=True)
            if command.command_id in self._state.processed_commands:
                return CommandResult(command_id=command.command_id, event_types=[],
                                     positions=[], phase=self._state.phase.value,
                                     already_applied=True)
            try:
                events = decide(self._state, command, now=workflow.now())
            except CommandRejected as exc:
                raise rejection(exc) from None
            positions = await self._record(events)
            result = CommandResult(command_id=command.command_id,
                                   event_types=[e.TYPE for e in events], positions=positions,
                                   phase=self._state.phase.value)
            self._results[command.command_id] = result
            return result

    async def _record(self, events: list[DomainEvent]) -> list[int]:
        _, positions = await append(events, self._state.version_of, self._seen)
        self._seen = max([self._seen, *positions])
        for event in events:
            self._state = evolve(self._state, event)
        return positions
