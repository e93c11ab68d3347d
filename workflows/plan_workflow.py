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
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError
from temporalio.workflow import ChildWorkflowHandle

with workflow.unsafe.imports_passed_through():
    from domain.approval import (
        RecordApprovalDecision,
        approval_overdue,
        approval_reminder,
        conclude_appraisals,
    )
    from domain.commands import (
        CancelPlan,
        CorrectRegistration,
        OpenPlan,
        PlanCommand,
        RecordConferenceResult,
        RegisterCandidate,
        RegisterCandidates,
        SubmitPlan,
        WithdrawCandidate,
    )
    from domain.decide import decide
    from domain.errors import CommandRejected
    from domain.events import DomainEvent, event_from_data
    from domain.idempotency import command_digest
    from domain.plan import Nomination, PlanPhase, PlanState, evolve, expected_versions
    from domain.procedure import duration
    from domain.snapshot import from_snapshot, to_snapshot
    from workflows.appending import Appended, append
    from workflows.appraisal_workflow import NominationAppraisalWorkflow
    from workflows.messages import (
        AppraisalInput,
        AppraisalOutcome,
        CommandResult,
        PlanOutcome,
        PlanWorkflowInput,
        appraisal_workflow_id,
    )
    from workflows.rejections import key_reused, rejection, store_failure

# Histories recorded before appraisal and approval existed end at submission.
REVIEW_PATCH = "appraisal-and-approval"
DECIDED = (PlanPhase.APPROVED, PlanPhase.REJECTED)
# Runs from before this patch decide as they did then (nomination ids that are not UUIDs,
# approvals without acknowledgements, no term claims): their histories must replay.
DOOR_CHECKS_PATCH = "door-checks-term-claims"
# A run started by update-with-start whose opening was refused (a bad file, a concurrent
# opening of the same organization's term) ends after this long instead of waiting forever.
OPENING_WINDOW = timedelta(hours=1)
# Before this patch the appraisals of a submitted plan were started one after another, a
# workflow task each (17 nominations: 17 round trips, seconds under load, while the person who
# submitted waits for them all to open); since, in one task. Old histories replay as they ran.
APPRAISALS_TOGETHER_PATCH = "appraisals-started-together"


@workflow.defn(name="PersonnelPlan")
class PersonnelPlanWorkflow:
    @workflow.init
    def __init__(self, input: PlanWorkflowInput) -> None:
        self._state = from_snapshot(input.resume) if input.resume else PlanState()
        self._lock = asyncio.Lock()
        self._results: dict[str, CommandResult] = {}
        self._digests: dict[str, str] = dict(input.digests)
        self._seen = input.seen_position
        # Decided once per run, here: a validator may not record a patch marker.
        self._legacy = not workflow.patched(DOOR_CHECKS_PATCH)

    @workflow.run
    async def run(self, input: PlanWorkflowInput) -> PlanOutcome:
        if input.resume is None and input.open_plan is not None:
            await self._execute(input.open_plan)
        elif input.resume is None:
            try:
                await workflow.wait_condition(
                    lambda: self._state.phase is not PlanPhase.NOT_OPENED,
                    timeout=OPENING_WINDOW, timeout_summary="waiting for the opening")
            except TimeoutError:
                await workflow.wait_condition(workflow.all_handlers_finished)
                return PlanOutcome(plan_id="", phase=PlanPhase.NOT_OPENED.value, listed={})
        # A run resumed from the record (domain.resumption) may start awaiting approval;
        # a run of old never sees that phase before submission, so its replay is unchanged.
        await workflow.wait_condition(lambda: self._state.phase in (
            PlanPhase.SUBMITTED, PlanPhase.CANCELLED, PlanPhase.AWAITING_APPROVAL))
        if self._state.phase is PlanPhase.CANCELLED:  # hủy đề án: nothing more to do
            await workflow.wait_condition(workflow.all_handlers_finished)
            return self._outcome()
        if workflow.patched(REVIEW_PATCH):
            if self._state.phase is PlanPhase.SUBMITTED:
                await self._appraise()
            await self._await_decision()
            if self._state.phase not in DECIDED:  # sent back: a new round, a new run
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(PlanWorkflowInput(
                    open_plan=input.open_plan, resume=to_snapshot(self._state),
                    seen_position=self._seen, digests=self._digests))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._outcome()

    def _outcome(self) -> PlanOutcome:
        return PlanOutcome(
            plan_id=self._state.plan_id, phase=self._state.phase.value,
            listed={s.position_group: [n.nomination_id for n in self._state.in_position_group(
                s.position_group) if n.status.value in ("listed", "approved")]
                for s in self._state.seats},
        )

    # --- commands ---------------------------------------------------------------------------
    @workflow.update
    async def open(self, command: OpenPlan) -> CommandResult:
        """Lập đề án: sent with the start of the run (update-with-start), so the answer comes
        once the plan's first events are stored *and* folded: it takes commands at once."""
        return await self._execute(command)

    @open.validator
    def _validate_open(self, command: OpenPlan) -> None:
        self._validate(command)

    @workflow.update
    async def register_candidate(self, command: RegisterCandidate) -> CommandResult:
        return await self._execute(command)

    @register_candidate.validator
    def _validate_register_candidate(self, command: RegisterCandidate) -> None:
        self._validate(command)

    @workflow.update
    async def register_candidates(self, command: RegisterCandidates) -> CommandResult:
        """A whole list at once (an import): one decision, one append, all or none."""
        return await self._execute(command)

    @register_candidates.validator
    def _validate_register_candidates(self, command: RegisterCandidates) -> None:
        self._validate(command)

    @workflow.update
    async def withdraw_candidate(self, command: WithdrawCandidate) -> CommandResult:
        return await self._execute(command)

    @withdraw_candidate.validator
    def _validate_withdraw_candidate(self, command: WithdrawCandidate) -> None:
        self._validate(command)

    @workflow.update
    async def correct_registration(self, command: CorrectRegistration) -> CommandResult:
        return await self._execute(command)

    @correct_registration.validator
    def _validate_correct_registration(self, command: CorrectRegistration) -> None:
        self._validate(command)

    @workflow.update
    async def cancel(self, command: CancelPlan) -> CommandResult:
        return await self._execute(command)

    @cancel.validator
    def _validate_cancel(self, command: CancelPlan) -> None:
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

        def start(n: Nomination) -> Awaitable[ChildWorkflowHandle[Any, AppraisalOutcome]]:
            return workflow.start_child_workflow(
                NominationAppraisalWorkflow.run,
                AppraisalInput(plan_id=state.plan_id, nomination_id=n.nomination_id,
                               round=state.round, superior_id=state.superior_id,
                               agencies=rule.agency_codes(),
                               deadline_after=duration(rule.deadline),
                               reminder_every=duration(rule.reminder_every),
                               stream_version=state.version_of(f"nomination-{n.nomination_id}"),
                               seen_position=self._seen),
                id=appraisal_workflow_id(n.nomination_id))

        if workflow.patched(APPRAISALS_TOGETHER_PATCH):
            children = list(await asyncio.gather(*(start(n) for n in state.to_appraise())))
        else:
            children = [await start(n) for n in state.to_appraise()]
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
        if self._retried(command, command_digest(command)) is not None:
            return
        if self._lock.locked():
            # Another command is being recorded: its events may be in PostgreSQL (and its
            # client answered from there) before this run folds them, so judging this one
            # against the state now could refuse it for a state about to change. The handler
            # decides it under the lock, on the folded state, and refuses it there if need be.
            return  # a retry: answered from the recorded result
        try:
            decide(self._state, command, now=workflow.now(), legacy=self._legacy)
        except CommandRejected as exc:
            raise rejection(exc) from None

    def _retried(self, command: PlanCommand | RecordApprovalDecision,
                 digest: str) -> CommandResult | None:
        """The first result of a command id seen before with the same content; a command id
        seen with other content is refused (the idempotency key was reused)."""
        command_id = command.command_id
        known = self._digests.get(command_id)
        if known is not None and known != digest:
            raise key_reused(command_id)
        if command_id in self._results:
            first = self._results[command_id]
            return CommandResult(command_id=command_id, event_types=first.event_types,
                                 positions=first.positions, phase=first.phase,
                                 already_applied=True, command_digest=digest)
        if command_id in self._state.processed_commands:
            # Applied in an earlier run (before a send-back): the store has its events.
            return CommandResult(command_id=command_id, event_types=[], positions=[],
                                 phase=self._state.phase.value, already_applied=True,
                                 command_digest=known or "")
        return None

    async def _execute(self, command: PlanCommand | RecordApprovalDecision) -> CommandResult:
        digest = command_digest(command)
        async with self._lock:
            retried = self._retried(command, digest)
            if retried is not None:
                return retried
            try:
                events = decide(self._state, command, now=workflow.now(), legacy=self._legacy)
            except CommandRejected as exc:
                raise rejection(exc) from None
            try:
                appended = await self._record(events, digest)
            except ActivityError as exc:
                # Refused by the store for good (a value it cannot hold, a stream another
                # writer moved): the command fails, the state is as it was, the plan goes on.
                raise store_failure(exc) from None
            result = CommandResult(command_id=command.command_id,
                                   event_types=[e.TYPE for e in appended.events],
                                   positions=appended.positions,
                                   phase=self._state.phase.value, command_digest=digest)
            self._results[command.command_id] = result
            self._digests[command.command_id] = digest
            return result

    async def _record(self, events: list[DomainEvent], digest: str | None = None) -> Appended:
        appended = await append(events, expected_versions(self._state, events), self._seen,
                                command_digest=digest)
        self._seen = max([self._seen, *appended.positions])
        for event in appended.events:  # as stored: an earlier attempt's, if it made them
            self._state = evolve(self._state, event)
        return appended
