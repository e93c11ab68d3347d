"""Commands of the review: appraisal findings and the superior committee's decision.

Registered on the main app by cli.main; kept apart because they belong to other actors
(the superior level's agencies and standing committee) than the preparation commands."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.files import InputError, parse_group
from cli.main import (
    IdempotencyKey,
    actor,
    app,
    console,
    existing_plan,
    key_or_new,
    plan_service,
    run,
)
from domain.appraisal import OUTCOME_VI, FindingOutcome, RecordFinding
from domain.approval import Decision, RecordApprovalDecision, SendBack
from domain.errors import Violation
from domain.events import CandidateRegistered, Exclusion, nomination_stream
from domain.plan import PlanState
from eventstore.store import PostgresEventStore
from reads.describe import APPRAISAL_RESULT_VI
from reads.plans import to_domain
from reads.trail import NominationNotFound
from settings import Settings

appraisal_app = typer.Typer(help="Thẩm định: the agencies' findings on each nomination.",
                            no_args_is_help=True)
approval_app = typer.Typer(help="Phê duyệt: the superior standing committee's decision.",
                           no_args_is_help=True)
app.add_typer(appraisal_app, name="appraisal")
app.add_typer(approval_app, name="approval")


def _input_error(field: str, rule: str, message: str) -> Exception:
    return InputError([Violation(field=field, rule=rule, message=message)])


async def _plan_of(store: PostgresEventStore, nomination_id: str) -> PlanState:
    first = await store.read_stream(nomination_stream(nomination_id), to_version=1)
    if not first:
        raise NominationNotFound(f"no nomination {nomination_id!r}")
    registered = to_domain(first[0])
    assert isinstance(registered, CandidateRegistered)
    return await existing_plan(store, registered.plan_id)


@appraisal_app.command("record")
def appraisal_record(
    nomination_id: str,
    agency: Annotated[str, typer.Option("--agency", help="e.g. inspection_committee")],
    outcome: Annotated[FindingOutcome, typer.Option("--outcome")],
    evidence: Annotated[str, typer.Option("--evidence", help="document the finding rests on")],
    text: Annotated[str, typer.Option("--text", help="the concern or the reason")] = "",
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Record (or amend) an agency's finding on a nomination under appraisal."""
    async def main(settings: Settings) -> None:
        async with plan_service(settings) as (service, store):
            state = await _plan_of(store, nomination_id)
            key = key_or_new(idempotency_key)
            command = RecordFinding(command_id=key, actor=actor(settings, state.superior_id),
                                    nomination_id=nomination_id, agency=agency,
                                    outcome=outcome, text=text, evidence_ref=evidence)
            recorded = await service.record_finding(command, key)
        done = "AppraisalCompleted" in recorded.event_types
        console.print(f"Đã ghi kết luận của {agency}: {OUTCOME_VI[outcome.value]}"
                      + (" — thẩm định hoàn tất." if done else "."))
    run(main)


@appraisal_app.command("show")
def appraisal_show(plan_id: str) -> None:
    """Each listed nomination's appraisal: findings by agency, automatic checks failed."""
    async def main(settings: Settings) -> None:
        async with plan_service(settings) as (_, store):
            state = await existing_plan(store, plan_id)
        assert state.procedure is not None
        agencies = state.procedure.appraisal.agency_codes()
        table = Table(title=f"Thẩm định đề án {plan_id} (vòng {state.round})")
        for column in ("Họ và tên", "Kiểm tra tự động", *agencies, "Kết quả"):
            table.add_column(column)
        for n in state.nominations.values():
            appraisal = state.appraisals.get(n.nomination_id)
            if appraisal is None and n.status.value not in ("listed", "approved", "excluded"):
                continue
            failed = [c.code for c in n.eligibility if not c.passed]
            cells = []
            for code in agencies:
                finding = appraisal.findings.get(code) if appraisal else None
                cells.append(OUTCOME_VI[finding.outcome.value] if finding else "—")
            result = (APPRAISAL_RESULT_VI.get(appraisal.outcome or "", "đang thẩm định")
                      if appraisal else "chưa thẩm định")
            table.add_row(n.candidate.full_name, ", ".join(failed) or "đạt", *cells, result)
        console.print(table)
    run(main)


@approval_app.command("decide")
def approval_decide(
    plan_id: str,
    decision: Annotated[Decision, typer.Option("--decision")],
    ref: Annotated[str, typer.Option("--ref", help="số văn bản / quyết định")],
    reasons: Annotated[str, typer.Option("--reasons")] = "",
    exclude: Annotated[list[str] | None, typer.Option(
        "--exclude", help="NOMINATION_ID=reason, once per excluded nomination")] = None,
    back_step: Annotated[int | None, typer.Option("--back-step")] = None,
    back_group: Annotated[str | None, typer.Option("--back-group", help="tái cử | lần đầu")] = None,
    back_position_group: Annotated[str, typer.Option("--back-position-group")] = (
        "committee_member"),
    back: Annotated[list[str] | None, typer.Option(
        "--back", help="a nomination sent back, once per nomination")] = None,
    idempotency_key: IdempotencyKey = None,
) -> None:
    """The superior standing committee approves, excludes, sends back or rejects."""
    async def main(settings: Settings) -> None:
        exclusions = []
        for i, item in enumerate(exclude or []):
            nomination, sep, reason = item.partition("=")
            if not sep:
                raise _input_error(f"--exclude[{i}]", "format", "write NOMINATION_ID=reason")
            exclusions.append(Exclusion(nomination_id=nomination.strip(), reason=reason.strip()))
        send_back = None
        if back_step is not None or back_group is not None or back:
            if back_step is None or back_group is None:
                raise _input_error("--back-step", "required",
                                   "a send-back names --back-step and --back-group")
            send_back = SendBack(position_group=back_position_group,
                                 candidate_group=parse_group(back_group, "--back-group"),
                                 step=back_step, nominations=tuple(back or ()))
        async with plan_service(settings) as (service, store):
            state = await existing_plan(store, plan_id)
            key = key_or_new(idempotency_key)
            command = RecordApprovalDecision(
                command_id=key, actor=actor(settings, state.superior_id), decision=decision,
                decision_ref=ref, reasons=reasons, excluded=tuple(exclusions),
                send_back=send_back)
            result = await service.decide_on_plan(plan_id, command, key)
        console.print(f"Đã ghi quyết định {decision.value} ({ref}) cho đề án {plan_id}: "
                      f"{result.phase}.")
    run(main)
