"""The appraisal of one nomination in one round (thẩm định): a child of the plan workflow.

The agencies' findings arrive as Updates validated by the domain. Reminders go out at the
procedure's interval while agencies are silent; at the deadline the appraisal closes as
overdue and is escalated. A finding that arrives before the deadline timer fires wins: the
timer branch re-checks under the same lock and finds nothing left to do."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.messages import EventEnvelope
    from domain.appraisal import (
        AppraisalState,
        RecordFinding,
        decide_finding,
        evolve_appraisal,
        expire,
        open_appraisal,
        remind,
    )
    from domain.errors import CommandRejected
    from domain.events import DomainEvent, nomination_stream, stream_of
    from domain.idempotency import command_digest
    from workflows.appending import append
    from workflows.messages import AppraisalInput, AppraisalOutcome
    from workflows.rejections import key_reused, rejection, store_failure


@workflow.defn(name="NominationAppraisal")
class NominationAppraisalWorkflow:
    @workflow.init
    def __init__(self, input: AppraisalInput) -> None:
        self._input = input
        self._state = AppraisalState()
        self._version = input.stream_version
        self._lock = asyncio.Lock()
        self._appended: list[EventEnvelope] = []
        self._positions: list[int] = []
        self._commands: set[str] = set()
        self._digests: dict[str, str] = {}
        self._seen = input.seen_position

    @workflow.run
    async def run(self, input: AppraisalInput) -> AppraisalOutcome:
        deadline = workflow.now() + input.deadline_after
        async with self._lock:
            await self._record(open_appraisal(
                plan_id=input.plan_id, nomination_id=input.nomination_id, round=input.round,
                agencies=input.agencies, deadline=deadline, now=workflow.now(),
                superior_id=input.superior_id))
        while not self._state.completed:
            wait = min(input.reminder_every, deadline - workflow.now())
            if wait > timedelta(0):
                try:
                    await workflow.wait_condition(lambda: self._state.completed, timeout=wait,
                                                  timeout_summary="appraisal reminder/deadline")
                    continue
                except TimeoutError:
                    pass
            async with self._lock:
                now = workflow.now()
                due = expire if now >= deadline else remind
                await self._record(due(self._state, plan_id=input.plan_id,
                                       superior_id=input.superior_id, now=now))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return AppraisalOutcome(nomination_id=input.nomination_id,
                                outcome=self._state.outcome or "", events=self._appended,
                                positions=self._positions)

    @workflow.update
    async def record_finding(self, command: RecordFinding) -> list[str]:
        digest = command_digest(command)
        async with self._lock:
            if self._retried(command, digest):
                return []
            events = self._decide(command)
            try:
                await self._record(events, digest)
            except ActivityError as exc:
                raise store_failure(exc) from None
            self._commands.add(command.command_id)
            self._digests[command.command_id] = digest
            return [e.TYPE for e in events]

    @record_finding.validator
    def _validate_record_finding(self, command: RecordFinding) -> None:
        if not self._retried(command, command_digest(command)):
            self._decide(command)

    def _retried(self, command: RecordFinding, digest: str) -> bool:
        """Seen before: with the same content a retry, answered without deciding again; with
        other content a reused idempotency key, refused."""
        known = self._digests.get(command.command_id)
        if known is not None and known != digest:
            raise key_reused(command.command_id)
        return command.command_id in self._commands

    @workflow.query
    def appraisal(self) -> AppraisalState:
        return self._state

    def _decide(self, command: RecordFinding) -> list[DomainEvent]:
        try:
            return decide_finding(self._state, command, plan_id=self._input.plan_id,
                                  superior_id=self._input.superior_id, now=workflow.now())
        except CommandRejected as exc:
            raise rejection(exc) from None

    async def _record(self, events: list[DomainEvent], digest: str | None = None) -> None:
        stream = nomination_stream(self._input.nomination_id)
        if any(stream_of(e) != stream for e in events):
            raise ApplicationError(f"an appraisal writes only to {stream}", non_retryable=True)
        appended = await append(events, {stream: self._version}, self._seen,
                                command_digest=digest)
        self._seen = max([self._seen, *appended.positions])
        for event in appended.events:  # as stored: an earlier attempt's, if it made them
            self._state = evolve_appraisal(self._state, event)
        self._version += len(appended.envelopes)
        self._appended.extend(appended.envelopes)
        self._positions.extend(appended.positions)
