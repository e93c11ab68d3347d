"""Sending commands to plans and appraisals: the one path every write takes.

Each write is checked here first with the same domain rules the workflow runs, on the plan as
PostgreSQL has it, so bad input is refused even when no worker runs, and nothing is sent. A
command carries the client's idempotency key as its id and as the Temporal Update id:

- the same key with the same content is applied once and answered with its first result, from
  the workflow while it runs and from the event store (each event records its command's id and
  digest) once it has ended;
- the same key with other content is refused (``Conflict``), never answered from the first
  result;
- no answer within the timeout (no worker, a frozen server) is ``OutcomeUnknown``: the command
  may still be applied, and a retry with the key tells.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from application.errors import (
    Conflict,
    CongressNotFound,
    NominationNotFound,
    OutcomeUnknown,
    PlanNotFound,
    Rejected,
    ServiceUnavailable,
    WorkflowGone,
)
from application.metrics import timed_command
from application.results import EventRef, Recorded
from domain.appraisal import RecordFinding, decide_finding
from domain.approval import RecordApprovalDecision
from domain.commands import (
    OpenPlan,
    PlanCommand,
    RecordConferenceResult,
    RegisterCandidate,
    SubmitPlan,
)
from domain.decide import decide
from domain.election import (
    CongressCommand,
    CongressPhase,
    CongressState,
    OpenCongress,
    decide_congress,
)
from domain.errors import CommandRejected, Violation
from domain.events import plan_stream, term_stream
from domain.idempotency import (
    DIGEST_METADATA_KEY,
    KEYED_PREFIX,
    UnknownDigestKey,
    command_digest,
    keyed_digest,
    same_content,
)
from domain.plan import PlanPhase, PlanState, evolve, expected_versions, fold, term_claims
from domain.resumption import ResumePlan
from domain.serialization import from_data
from eventstore.model import RecordedEvent
from eventstore.store import PostgresEventStore
from reads.congress import congress_state
from reads.plans import plan_events, to_domain
from workflows import rejections
from workflows.appraisal_workflow import NominationAppraisalWorkflow
from workflows.congress_workflow import CongressWorkflow
from workflows.messages import (
    CommandResult,
    CongressWorkflowInput,
    PlanWorkflowInput,
    appraisal_workflow_id,
    congress_workflow_id,
    plan_workflow_id,
)
from workflows.plan_workflow import PersonnelPlanWorkflow

CONNECT_TIMEOUT_SECONDS = 5.0
CLOSED = {PlanPhase.APPROVED: "đã được phê duyệt", PlanPhase.REJECTED: "không được phê duyệt"}


ClientSource = Client | Callable[[], Awaitable[Client]]


class PlanService:
    def __init__(self, client: ClientSource, store: PostgresEventStore, task_queue: str,
                 update_timeout: timedelta, *,
                 digest_key: bytes,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """``digest_key``: the installation's secret the worker keys command digests under
        (domain/idempotency.py), to compare a retry with what the store recorded: the
        worker's own (``NHANSU_ID_KEY``)."""
        self._digest_key = digest_key
        self._client_source = client
        self._client: Client | None = client if isinstance(client, Client) else None
        self._store = store
        self._task_queue = task_queue
        self._timeout = update_timeout
        self._clock = clock

    # --- the commands -----------------------------------------------------------------------
    async def open_plan(self, command: OpenPlan, *, now: datetime | None = None) -> Recorded:
        """Lập đề án: returns once the plan's first events are stored and its workflow takes
        commands (update-with-start), so the next command can follow at once."""
        digest = command_digest(command)
        # The term stream is read before the plan's: both are written in one transaction, so
        # read in this order a retry whose first attempt commits between the reads finds its
        # own events in the plan's stream, never the term claimed by itself with the plan's
        # stream still empty (which would refuse the retry as a second plan for the term).
        claims = term_claims(to_domain(e) for e in await self._store.read_stream(
            term_stream(command.organization.organization_id, command.term)))
        events = await self._store.read_correlated(plan_stream(command.plan_id))
        if events:
            prior = _of_command(events, command.command_id)
            if prior:
                return self._from_store(prior, command.command_id, digest, fold_phase(events))
            raise Conflict((Violation(
                field="plan_id", rule="already_opened",
                message=f"Đề án «{command.plan_id}» đã được lập trước đó (bằng một lệnh khác); "
                        f"mỗi đề án chỉ lập một lần."),))
        # One plan per organization and term: the term stream says who holds it. A plan
        # opened meanwhile by someone else fails the append on that stream (Conflict).
        command = replace(command, term_claims=claims)
        _precheck(PlanState(), command, now or self._clock())
        operation = WithStartWorkflowOperation(
            PersonnelPlanWorkflow.run, PlanWorkflowInput(),
            id=plan_workflow_id(command.plan_id), task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A run whose opening was refused and that ended may be started again.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        client = await self.client()

        async def call() -> CommandResult:
            result: CommandResult = await client.execute_update_with_start_workflow(
                PersonnelPlanWorkflow.open, command, start_workflow_operation=operation,
                id=command.command_id, rpc_timeout=self._timeout)
            return result

        return await self._complete(command.plan_id, command.command_id, digest, call,
                                    kind=type(command).__name__,
                                    not_found=lambda: PlanNotFound(command.plan_id))

    async def register_candidate(self, plan_id: str, command: RegisterCandidate,
                                 idempotency_key: str | None = None) -> Recorded:
        return await self.send(plan_id, PersonnelPlanWorkflow.register_candidate, command)

    async def record_conference_result(self, plan_id: str, command: RecordConferenceResult,
                                       idempotency_key: str | None = None) -> Recorded:
        return await self.send(plan_id, PersonnelPlanWorkflow.record_conference_result,
                               command)

    async def submit(self, plan_id: str, command: SubmitPlan,
                     idempotency_key: str | None = None) -> Recorded:
        return await self.send(plan_id, PersonnelPlanWorkflow.submit, command)

    async def decide_on_plan(self, plan_id: str, command: RecordApprovalDecision,
                             idempotency_key: str | None = None) -> Recorded:
        """The superior standing committee's decision (phê duyệt, loại, trả lại, bác)."""
        return await self.send(plan_id, PersonnelPlanWorkflow.decide_on_plan, command)

    async def send(self, plan_id: str, update: Any,
                   command: PlanCommand | RecordApprovalDecision) -> Recorded:
        """Any command of a plan's workflow: ``update`` is the Update's method or its name
        (``"register_candidates"``)."""
        if isinstance(update, str):
            update = getattr(PersonnelPlanWorkflow, update)
        digest = command_digest(command)
        events = await self._plan_events(plan_id)
        prior = _of_command(events, command.command_id)
        if prior:
            return self._from_store(prior, command.command_id, digest, fold_phase(events))
        state = fold(to_domain(e) for e in events)
        _precheck(state, command, self._clock())
        client = await self.client()
        handle = client.get_workflow_handle(plan_workflow_id(plan_id))

        async def call() -> CommandResult:
            result: CommandResult = await handle.execute_update(
                update, command, id=command.command_id, rpc_timeout=self._timeout)
            return result

        return await self._complete(plan_id, command.command_id, digest, call,
                                    kind=type(command).__name__,
                                    not_found=lambda: _closed_or_gone(plan_id, state))

    async def record_finding(self, command: RecordFinding,
                             idempotency_key: str | None = None) -> Recorded:
        """An appraisal agency's finding on one nomination (kết luận thẩm định)."""
        plan_id = await self.plan_of(command.nomination_id)
        digest = command_digest(command)
        events = await self._plan_events(plan_id)
        prior = _of_command(events, command.command_id)
        if prior:
            return self._from_store(prior, command.command_id, digest, fold_phase(events))
        state = fold(to_domain(e) for e in events)
        appraisal = state.appraisals.get(command.nomination_id)
        if appraisal is None or appraisal.completed:
            raise Rejected((Violation(
                field="nomination_id", rule="not_under_appraisal",
                message="Nhân sự này không trong thời gian thẩm định (chưa trình, hoặc thẩm "
                        "định đã kết thúc)."),))
        try:
            decide_finding(appraisal, command, plan_id=plan_id, superior_id=state.superior_id,
                           now=self._clock())
        except CommandRejected as exc:
            raise Rejected(exc.violations) from None
        client = await self.client()
        handle = client.get_workflow_handle(appraisal_workflow_id(command.nomination_id))

        async def call() -> CommandResult:
            await handle.execute_update(NominationAppraisalWorkflow.record_finding, command,
                                        id=command.command_id, rpc_timeout=self._timeout)
            return CommandResult(command_id=command.command_id, event_types=[], positions=[],
                                 phase="", command_digest=digest)

        return await self._complete(plan_id, command.command_id, digest, call,
                                    kind=type(command).__name__,
                                    not_found=lambda: Rejected((Violation(
                                        field="nomination_id", rule="not_under_appraisal",
                                        message="Thẩm định của nhân sự này đã kết thúc."),)))

    # --- the congress -------------------------------------------------------------------------
    async def open_congress(self, command: OpenCongress) -> Recorded:
        """Khai mạc đại hội: starts the congress's workflow with its opening (update-with-
        start); answers once the opening is stored, so the first round can follow at once."""
        plan_id = command.approved_plan.plan_id
        digest = command_digest(command)
        events = await self._plan_events(plan_id)
        prior = _of_command(events, command.command_id)
        if prior:
            return self._from_store(prior, command.command_id, digest,
                                      congress_state(events, plan_id).phase.value)
        _precheck_congress(congress_state(events, plan_id), command, self._clock())
        operation = WithStartWorkflowOperation(
            CongressWorkflow.run, CongressWorkflowInput(), id=congress_workflow_id(plan_id),
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        client = await self.client()

        async def call() -> CommandResult:
            result: CommandResult = await client.execute_update_with_start_workflow(
                CongressWorkflow.open, command, start_workflow_operation=operation,
                id=command.command_id, rpc_timeout=self._timeout)
            return result

        return await self._complete(plan_id, command.command_id, digest, call,
                                    kind=type(command).__name__,
                                    not_found=lambda: PlanNotFound(plan_id))

    async def send_congress(self, plan_id: str, update: Any,
                            command: CongressCommand) -> Recorded:
        """Any command of a congress's workflow: ``update`` is the Update's method or its
        name (``"count_ballots"``)."""
        if isinstance(update, str):
            update = getattr(CongressWorkflow, update)
        digest = command_digest(command)
        events = await self._plan_events(plan_id)
        prior = _of_command(events, command.command_id)
        state = congress_state(events, plan_id)
        if prior:
            return self._from_store(prior, command.command_id, digest, state.phase.value)
        if state.phase is CongressPhase.NOT_OPENED:
            raise CongressNotFound(plan_id)
        _precheck_congress(state, command, self._clock())
        client = await self.client()
        handle = client.get_workflow_handle(congress_workflow_id(plan_id))

        async def call() -> CommandResult:
            result: CommandResult = await handle.execute_update(
                update, command, id=command.command_id, rpc_timeout=self._timeout)
            return result

        return await self._complete(plan_id, command.command_id, digest, call,
                                    kind=type(command).__name__,
                                    not_found=lambda: _congress_gone(plan_id, state))

    # --- resuming a plan whose workflow is gone --------------------------------------------
    async def resume(self, command: ResumePlan) -> Recorded:
        """Khôi phục quy trình: start the plan's workflow again from its events in PostgreSQL
        (the record of truth) when Temporal no longer runs it (terminated, or its history
        lost), and record who did it and why (``PlanResumed``). Idempotent on ``command_id``:
        a retry after the event was recorded only makes sure the workflow runs."""
        from activities.event_store import new_event
        from domain.resumption import resume as decide_resume
        from eventstore.errors import WrongExpectedVersion
        from workflows.envelopes import envelope

        plan_id, command_id = command.plan_id, command.command_id
        events = await self._plan_events(plan_id)
        digest = command_digest(command)
        prior = _of_command(events, command_id)
        status = await self._workflow_status(plan_id)
        if prior:
            answer = self._from_store(prior, command_id, digest, fold_phase(events))
            if status != "running":
                await self._start_resumed(plan_id, events)
            return answer
        state = fold(to_domain(e) for e in events)
        try:
            decided = decide_resume(state, command, workflow_status=status,
                                    now=self._clock())
        except CommandRejected as exc:
            raise Rejected(exc.violations) from None
        new = [envelope(e, event_id=str(uuid.uuid4()), workflow_id=plan_workflow_id(plan_id),
                        run_id="", command_digest=self._kept(digest)) for e in decided]
        try:
            # Expecting the plan's stream where the fold has it: a workflow that still wrote
            # meanwhile (it was not gone after all) makes this fail, and nothing is recorded.
            await self._store.append(
                [new_event(n) for n in new],
                expected_versions(state, decided))
        except WrongExpectedVersion:
            raise Conflict((Violation(
                field="plan_id", rule="concurrent_change",
                message=f"Đề án «{plan_id}» vừa có thay đổi khác trong lúc khôi phục; không có "
                        f"gì được ghi. Hãy xem lại trạng thái rồi thử lại."),)) from None
        events = await self._plan_events(plan_id)
        await self._start_resumed(plan_id, events)
        written = _of_command(events, command_id)
        return Recorded(command_id=command_id, already_applied=False,
                        phase=fold_phase(events), events=tuple(_ref(e) for e in written))

    def _from_store(self, prior: list[RecordedEvent], command_id: str, digest: str,
                    phase: str) -> Recorded:
        return _answer_from_store(self._digest_key, prior, command_id, digest, phase)

    def _kept(self, digest: str) -> str:
        """A digest as the store keeps it (keyed, as the worker's activity keys it)."""
        return keyed_digest(self._digest_key, digest)

    async def _workflow_status(self, plan_id: str) -> str:
        """What Temporal says of the plan's workflow: "running", a closed run's status in
        lower case, or "not_found"."""
        client = await self.client()
        try:
            description = await client.get_workflow_handle(plan_workflow_id(plan_id)).describe()
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                return "not_found"
            raise ServiceUnavailable("Temporal", _short(exc)) from None
        status = description.status
        return "running" if status is None else status.name.lower()

    async def _start_resumed(self, plan_id: str, events: Sequence[RecordedEvent]) -> None:
        """A new run of the plan's workflow carrying the plan's state as its events fold, the
        last position folded and every command's digest (so a key reused with other content
        is still refused). A run already started (a concurrent resumption) is left alone."""
        from temporalio.exceptions import WorkflowAlreadyStartedError

        from domain.snapshot import to_snapshot

        state = fold(to_domain(e) for e in events)
        # Plain digests only: the workflow holds no secret to compare a keyed one with. A
        # retry of a command recorded under a keyed digest is answered from the store, where
        # every command checks first, before it reaches the workflow.
        digests = {str(e.metadata["command_id"]): str(e.metadata[DIGEST_METADATA_KEY])
                   for e in events
                   if e.metadata.get("command_id") and e.metadata.get(DIGEST_METADATA_KEY)
                   and not str(e.metadata[DIGEST_METADATA_KEY]).startswith(KEYED_PREFIX)}
        client = await self.client()
        try:
            await client.start_workflow(
                PersonnelPlanWorkflow.run,
                PlanWorkflowInput(resume=to_snapshot(state),
                                  seen_position=max(e.position for e in events),
                                  digests=digests),
                id=plan_workflow_id(plan_id), task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
        except WorkflowAlreadyStartedError:
            pass
        except RPCError as exc:
            raise ServiceUnavailable("Temporal", _short(exc)) from None

    # --- what every write shares ------------------------------------------------------------
    async def client(self) -> Client:
        if self._client is None:
            source = self._client_source
            assert not isinstance(source, Client)
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
                    self._client = await source()
            except (TimeoutError, RuntimeError, OSError) as exc:
                raise ServiceUnavailable("Temporal", _short(exc)) from None
        return self._client

    async def plan_of(self, nomination_id: str) -> str:
        from domain.events import CandidateRegistered, nomination_stream

        first = await self._store.read_stream(nomination_stream(nomination_id), to_version=1)
        if not first:
            raise NominationNotFound(nomination_id)
        registered = to_domain(first[0])
        assert isinstance(registered, CandidateRegistered)
        return registered.plan_id

    async def _plan_events(self, plan_id: str) -> list[RecordedEvent]:
        events = await plan_events(self._store, plan_id)
        if not events:
            raise PlanNotFound(plan_id)
        return events

    async def _complete(self, plan_id: str, command_id: str, digest: str,
                        call: Callable[[], Awaitable[CommandResult]],
                        not_found: Callable[[], Exception], *, kind: str) -> Recorded:
        """Wait for the workflow's answer within the timeout, whatever the server does (its
        long-poll for an update's result may outlast any RPC deadline), then read what the
        command wrote from the store. Timed for the operators' metrics, by command ``kind``."""
        with timed_command(kind) as outcome:
            recorded = await self._await(plan_id, command_id, digest, call, not_found)
            outcome["outcome"] = "already_applied" if recorded.already_applied else "recorded"
            return recorded

    async def _await(self, plan_id: str, command_id: str, digest: str,
                     call: Callable[[], Awaitable[CommandResult]],
                     not_found: Callable[[], Exception]) -> Recorded:
        seconds = self._timeout.total_seconds()
        try:
            async with asyncio.timeout(seconds):
                result = await call()
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            written = await self._written(plan_id, command_id)
            if written:
                return self._from_store(written, command_id, digest, "")
            raise OutcomeUnknown(command_id, seconds,
                                 temporal_answers=await self._temporal_answers()) from None
        except WorkflowUpdateFailedError as exc:
            raise _translate_failure(exc, command_id) from None
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND or "already completed" in str(exc):
                written = await self._written(plan_id, command_id)
                if written:
                    return self._from_store(written, command_id, digest, "")
                raise not_found() from None
            raise ServiceUnavailable("Temporal", _short(exc),
                                     idempotency_key=command_id) from None
        if result.command_digest and result.command_digest != digest:
            raise _key_reused(command_id)
        written = await self._written(plan_id, command_id)
        if not written and not result.already_applied:
            raise OutcomeUnknown(command_id, seconds, temporal_answers=True)
        return Recorded(command_id=command_id, already_applied=result.already_applied,
                        phase=result.phase or fold_phase(await self._plan_events(plan_id)),
                        events=tuple(_ref(e) for e in written))

    async def _written(self, plan_id: str, command_id: str) -> list[RecordedEvent]:
        return _of_command(await plan_events(self._store, plan_id), command_id)

    async def _temporal_answers(self) -> bool:
        if self._client is None:
            return False
        try:
            async with asyncio.timeout(3):
                await self._client.workflow_service.get_system_info(
                    _system_info_request(), timeout=timedelta(seconds=3))
            return True
        except Exception:
            return False


def _system_info_request() -> Any:
    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

    return GetSystemInfoRequest()


def fold_phase(events: Sequence[RecordedEvent]) -> str:
    return fold(to_domain(e) for e in events).phase.value


def _of_command(events: Sequence[RecordedEvent], command_id: str) -> list[RecordedEvent]:
    return [e for e in events if e.metadata.get("command_id") == command_id]


def _ref(e: RecordedEvent) -> EventRef:
    return EventRef(event_id=e.event_id, event_type=e.event_type, stream_id=e.stream_id,
                    stream_version=e.stream_version, position=e.position)


def _answer_from_store(key: bytes, prior: list[RecordedEvent], command_id: str,
                       digest: str, phase: str) -> Recorded:
    recorded_digest = prior[0].metadata.get(DIGEST_METADATA_KEY)
    try:
        same = recorded_digest is None or same_content(str(recorded_digest), digest, key)
    except UnknownDigestKey:
        raise ServiceUnavailable("Khóa cài đặt (NHANSU_ID_KEY)", (
            "lệnh này đã được ghi với khóa của một máy khác (máy chạy worker và máy nhận lệnh "
            "phải dùng cùng một NHANSU_ID_KEY), nên không so được nội dung lần gửi lại"),
            idempotency_key=command_id) from None
    if not same:
        raise _key_reused(command_id)
    return Recorded(command_id=command_id, already_applied=True, phase=phase,
                    events=tuple(_ref(e) for e in prior))


def _key_reused(command_id: str) -> Conflict:
    return Conflict((Violation(
        field="idempotency_key", rule="key_reused",
        message=f"Khóa lặp lại «{command_id}» đã được dùng cho một lệnh có nội dung khác; "
                f"không có gì được ghi. Gửi nội dung mới với một khóa mới (bỏ "
                f"--idempotency-key để hệ thống tự tạo)."),))


def _precheck(state: PlanState, command: PlanCommand | RecordApprovalDecision,
              now: datetime) -> None:
    try:
        decide(state, command, now=now)
    except CommandRejected as exc:
        raise Rejected(exc.violations) from None


def _precheck_congress(state: CongressState, command: CongressCommand, now: datetime) -> None:
    try:
        decide_congress(state, command, now=now)
    except CommandRejected as exc:
        raise Rejected(exc.violations) from None


def _congress_gone(plan_id: str, state: CongressState) -> Exception:
    if state.phase is CongressPhase.CLOSED:
        return Rejected((Violation(
            field="plan_id", rule="congress_closed",
            message=f"Hồ sơ đại hội của đề án «{plan_id}» đã kết thúc: không nhận thêm "
                    f"lệnh."),))
    return WorkflowGone(
        f"Đại hội của đề án «{plan_id}» đã được ghi nhưng quy trình của nó không còn chạy trên "
        "Temporal; báo quản trị viên khôi phục.")


def _closed_or_gone(plan_id: str, state: PlanState) -> Exception:
    if state.phase in CLOSED:
        return Rejected((Violation(
            field="plan_id", rule="plan_closed",
            message=f"Đề án «{plan_id}» {CLOSED[state.phase]}: không nhận thêm lệnh."),))
    return WorkflowGone(
        f"Đề án «{plan_id}» đã được ghi nhưng quy trình của nó không còn chạy trên Temporal; "
        f"báo quản trị viên khôi phục (nhansu plan resume {plan_id} --reason ...).")


def _translate_failure(exc: WorkflowUpdateFailedError, command_id: str) -> Exception:
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        if cause.type == rejections.REJECTED:
            return Rejected(tuple(from_data(Violation, v) for v in cause.details))
        if cause.type == rejections.KEY_REUSED:
            return _key_reused(command_id)
        if cause.type == rejections.CONCURRENT_CHANGE:
            return Conflict((Violation(
                field="plan_id", rule="concurrent_change",
                message="Một lệnh khác vừa thay đổi cùng dữ liệu (ví dụ một đề án khác vừa "
                        "được lập cho cùng tổ chức và nhiệm kỳ); không có gì được ghi. Hãy xem "
                        "lại rồi gửi lại."),))
        if cause.type == rejections.STORE_REFUSED:
            return Rejected((Violation(
                field="command", rule="store_refused_value",
                message="Cơ sở dữ liệu từ chối một giá trị của lệnh; không có gì được ghi. "
                        "Kiểm tra lại dữ liệu nhập (ký tự lạ, số quá lớn)."),))
    return exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


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
