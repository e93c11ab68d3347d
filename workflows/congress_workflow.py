"""The congress workflow (đại hội): one per approved plan, the single writer of the stream
``congress-{plan_id}``.

The organization department opens it once the superior committee has approved the plan
(update-with-start, like a plan's opening). Every command is an Update whose validator runs
the domain's ``decide_congress`` on the current state, so bad input is refused before it
reaches history or the store; an accepted command's events are appended by the idempotent
activity and only then folded. The workflow ends when the congress's record is closed (every
result approved by the superior committee), or an hour after a start whose opening was
refused.

Secret ballot: a count arrives as ballot patterns in the canonical order (the domain refuses
any other), so the Update history, like the store, holds nothing of the order ballots were
read in; there is no voter anywhere.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.election import (
        Appoint,
        ApproveElectionResult,
        CloseCongress,
        CongressCommand,
        CongressPhase,
        CongressState,
        CountBallots,
        DecideShortfall,
        GiveDirection,
        NominateAtCongress,
        OpenCongress,
        OpenRound,
        SignCount,
        VoteOnList,
        WithdrawFromList,
        decide_congress,
        evolve_congress,
        expected_versions,
    )
    from domain.errors import CommandRejected
    from domain.event_base import DomainEvent
    from domain.idempotency import command_digest
    from workflows.appending import Appended, append
    from workflows.messages import CommandResult, CongressOutcome, CongressWorkflowInput
    from workflows.rejections import key_reused, rejection, store_failure

# A run started by update-with-start whose opening was refused ends after this long.
OPENING_WINDOW = timedelta(hours=1)


@workflow.defn(name="Congress")
class CongressWorkflow:
    @workflow.init
    def __init__(self, input: CongressWorkflowInput) -> None:
        self._state = CongressState()
        self._lock = asyncio.Lock()
        self._results: dict[str, CommandResult] = {}
        self._digests: dict[str, str] = {}
        self._seen = input.seen_position

    @workflow.run
    async def run(self, input: CongressWorkflowInput) -> CongressOutcome:
        try:
            await workflow.wait_condition(
                lambda: self._state.phase is not CongressPhase.NOT_OPENED,
                timeout=OPENING_WINDOW, timeout_summary="waiting for the opening")
        except TimeoutError:
            await workflow.wait_condition(workflow.all_handlers_finished)
            return self._outcome()
        await workflow.wait_condition(lambda: self._state.phase is CongressPhase.CLOSED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._outcome()

    def _outcome(self) -> CongressOutcome:
        state = self._state
        open_seats: dict[str, int] = {}
        for rnd in state.rounds:
            for _, seats in state.open_seats(rnd.position_group):
                open_seats[rnd.position_group] = seats
        return CongressOutcome(plan_id=state.plan_id, phase=state.phase.value,
                               rounds=len(state.rounds), open_seats=open_seats)

    @workflow.query
    def phase(self) -> str:
        return self._state.phase.value

    # --- commands ---------------------------------------------------------------------------
    @workflow.update
    async def open(self, command: OpenCongress) -> CommandResult:
        return await self._execute(command)

    @open.validator
    def _validate_open(self, command: OpenCongress) -> None:
        self._validate(command)

    @workflow.update
    async def open_round(self, command: OpenRound) -> CommandResult:
        return await self._execute(command)

    @open_round.validator
    def _validate_open_round(self, command: OpenRound) -> None:
        self._validate(command)

    @workflow.update
    async def nominate(self, command: NominateAtCongress) -> CommandResult:
        return await self._execute(command)

    @nominate.validator
    def _validate_nominate(self, command: NominateAtCongress) -> None:
        self._validate(command)

    @workflow.update
    async def withdraw_from_list(self, command: WithdrawFromList) -> CommandResult:
        return await self._execute(command)

    @withdraw_from_list.validator
    def _validate_withdraw_from_list(self, command: WithdrawFromList) -> None:
        self._validate(command)

    @workflow.update
    async def vote_on_list(self, command: VoteOnList) -> CommandResult:
        return await self._execute(command)

    @vote_on_list.validator
    def _validate_vote_on_list(self, command: VoteOnList) -> None:
        self._validate(command)

    @workflow.update
    async def count_ballots(self, command: CountBallots) -> CommandResult:
        return await self._execute(command)

    @count_ballots.validator
    def _validate_count_ballots(self, command: CountBallots) -> None:
        self._validate(command)

    @workflow.update
    async def sign_count(self, command: SignCount) -> CommandResult:
        return await self._execute(command)

    @sign_count.validator
    def _validate_sign_count(self, command: SignCount) -> None:
        self._validate(command)

    @workflow.update
    async def decide_shortfall(self, command: DecideShortfall) -> CommandResult:
        return await self._execute(command)

    @decide_shortfall.validator
    def _validate_decide_shortfall(self, command: DecideShortfall) -> None:
        self._validate(command)

    @workflow.update
    async def give_direction(self, command: GiveDirection) -> CommandResult:
        return await self._execute(command)

    @give_direction.validator
    def _validate_give_direction(self, command: GiveDirection) -> None:
        self._validate(command)

    @workflow.update
    async def approve_result(self, command: ApproveElectionResult) -> CommandResult:
        return await self._execute(command)

    @approve_result.validator
    def _validate_approve_result(self, command: ApproveElectionResult) -> None:
        self._validate(command)

    @workflow.update
    async def appoint(self, command: Appoint) -> CommandResult:
        return await self._execute(command)

    @appoint.validator
    def _validate_appoint(self, command: Appoint) -> None:
        self._validate(command)

    @workflow.update
    async def close(self, command: CloseCongress) -> CommandResult:
        return await self._execute(command)

    @close.validator
    def _validate_close(self, command: CloseCongress) -> None:
        self._validate(command)

    # --- the one path every command takes -----------------------------------------------------
    def _validate(self, command: CongressCommand) -> None:
        if self._retried(command, command_digest(command)) is not None:
            return
        if self._lock.locked():
            # Another command is being recorded: its events may be in PostgreSQL (and its
            # client answered from there) before this run folds them, so judging this one
            # against the state now could refuse it for a state about to change. The handler
            # decides it under the lock, on the folded state, and refuses it there if need be.
            return
        try:
            decide_congress(self._state, command, now=workflow.now())
        except CommandRejected as exc:
            raise rejection(exc) from None

    def _retried(self, command: CongressCommand, digest: str) -> CommandResult | None:
        """The first result of a command id seen before with the same content; a command id
        seen with other content is refused (the idempotency key was reused)."""
        command_id = command.command_id
        known = self._digests.get(command_id)
        if known is not None and known != digest:
            raise key_reused(command_id)
        first = self._results.get(command_id)
        if first is None:
            return None
        return CommandResult(command_id=command_id, event_types=first.event_types,
                             positions=first.positions, phase=first.phase,
                             already_applied=True, command_digest=digest)

    async def _execute(self, command: CongressCommand) -> CommandResult:
        digest = command_digest(command)
        async with self._lock:
            retried = self._retried(command, digest)
            if retried is not None:
                return retried
            try:
                events = decide_congress(self._state, command, now=workflow.now())
            except CommandRejected as exc:
                raise rejection(exc) from None
            try:
                appended = await self._record(events, digest)
            except ActivityError as exc:
                raise store_failure(exc) from None
            result = CommandResult(command_id=command.command_id,
                                   event_types=[e.TYPE for e in appended.events],
                                   positions=appended.positions,
                                   phase=self._state.phase.value, command_digest=digest)
            self._results[command.command_id] = result
            self._digests[command.command_id] = digest
            return result

    async def _record(self, events: list[DomainEvent], digest: str) -> Appended:
        appended = await append(events, expected_versions(self._state, events), self._seen,
                                command_digest=digest)
        self._seen = max([self._seen, *appended.positions])
        for event in appended.events:  # as stored: an earlier attempt's, if it made them
            self._state = evolve_congress(self._state, event)
        return appended
