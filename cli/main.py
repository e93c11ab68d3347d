"""nhansu: the command line for personnel plans, their five steps, and their audit.

Every command that changes something checks its input first and prints each broken rule
with the field it concerns; it then exits non-zero and nothing is recorded."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

import bootstrap
import procedures
from application.errors import OutcomeUnknown, PlanNotFound, Rejected, ServiceError
from application.plans import PlanService, precheck
from cli import render
from cli.files import (
    InputError,
    nomination_id_for,
    parse_date,
    parse_gender,
    parse_group,
    read_candidates,
    read_conference,
    read_plan,
)
from domain.commands import RegisterCandidate, SubmitPlan
from domain.errors import Violation
from domain.people import Actor, Candidate, Role
from domain.plan import PlanPhase, PlanState
from domain.serialization import to_data
from domain.snapshot import to_snapshot
from eventstore import migrate
from eventstore.checkpoints import Signer
from eventstore.errors import EventStoreError
from eventstore.store import PostgresEventStore
from local_services import services, worker_daemon
from local_services.processes import ProcessError
from local_services.temporal_dev import DevServerError
from logs import bind_context, configure_logging
from reads.plans import load_plan, plan_view
from reads.trail import NominationNotFound
from settings import Settings, get_settings
from workflows.messages import plan_workflow_id

app = typer.Typer(help="nhansu — công tác nhân sự đại hội đảng (quy trình 5 bước).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
plan_app = typer.Typer(help="Đề án nhân sự: open, show, list, submit.", no_args_is_help=True)
candidate_app = typer.Typer(help="Register candidates, one by one or from a CSV.",
                            no_args_is_help=True)
conference_app = typer.Typer(help="Record a step's conference result.", no_args_is_help=True)
audit_app = typer.Typer(help="Audit from PostgreSQL alone: trails and hash chains.",
                        no_args_is_help=True)
services_app = typer.Typer(help="The embedded PostgreSQL and Temporal dev server.",
                           no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
for sub, name in ((plan_app, "plan"), (candidate_app, "candidate"),
                  (conference_app, "conference"), (audit_app, "audit"),
                  (services_app, "services"), (db_app, "db")):
    app.add_typer(sub, name=name)

console = Console()
T = TypeVar("T")

EXIT_INPUT, EXIT_NOT_FOUND, EXIT_UNKNOWN, EXIT_FAILURE = 2, 3, 4, 1


def run(main: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    """Run one command, translating every layer's errors into a message and an exit code."""
    settings = get_settings()
    configure_logging(settings)
    try:
        return asyncio.run(main(settings))
    except (InputError, Rejected) as exc:
        render.violations(console, "Không hợp lệ — nothing was recorded:", exc.violations)
        raise typer.Exit(EXIT_INPUT) from None
    except (PlanNotFound, NominationNotFound) as exc:
        console.print(f"[bold red]Không tìm thấy:[/] {exc}")
        raise typer.Exit(EXIT_NOT_FOUND) from None
    except OutcomeUnknown as exc:
        console.print(f"[bold yellow]Chưa rõ kết quả:[/] {exc}")
        raise typer.Exit(EXIT_UNKNOWN) from None
    except (ServiceError, EventStoreError, procedures.UnknownProcedure, DevServerError,
            ProcessError) as exc:
        console.print(f"[bold red]Lỗi:[/] {exc}")
        raise typer.Exit(EXIT_FAILURE) from None


def actor(settings: Settings, organization_id: str) -> Actor:
    try:
        role = Role(settings.actor_role)
    except ValueError:
        raise InputError([Violation(
            field="NHANSU_ROLE", rule="one_of",
            message=f"{settings.actor_role!r} is not one of {', '.join(r.value for r in Role)}",
        )]) from None
    acting = Actor(user_id=settings.actor_id, role=role,
                   organization_id=settings.actor_organization or organization_id)
    bind_context(actor=acting.user_id, role=acting.role.value,
                 organization_id=acting.organization_id)
    return acting


@asynccontextmanager
async def plan_service(settings: Settings) -> AsyncIterator[tuple[PlanService, PostgresEventStore]]:
    async with bootstrap.database(settings) as db:
        client = await bootstrap.temporal_client(settings)
        yield (PlanService(client, db.store, settings.temporal_task_queue,
                           timedelta(seconds=settings.update_timeout_seconds)), db.store)


async def existing_plan(store: PostgresEventStore, plan_id: str) -> PlanState:
    bind_context(plan_id=plan_id, workflow_id=plan_workflow_id(plan_id))
    state = await load_plan(store, plan_id)
    if state.phase is PlanPhase.NOT_OPENED:
        raise PlanNotFound(plan_id)
    return state


def key_or_new(key: str | None) -> str:
    return key or str(uuid.uuid4())


IdempotencyKey = Annotated[str | None, typer.Option(
    "--idempotency-key", help="Retry a command safely: the same key is never applied twice.")]


# --- plans ----------------------------------------------------------------------------------
@plan_app.command("open")
def plan_open(file: Annotated[Path, typer.Argument(help="Plan file (TOML), see examples/")],
              idempotency_key: IdempotencyKey = None) -> None:
    """Open a personnel plan (lập đề án nhân sự) from a TOML file."""
    async def main(settings: Settings) -> None:
        probe = read_plan(file, actor(settings, ""), "probe")
        command = read_plan(file, actor(settings, probe.organization.organization_id),
                            key_or_new(idempotency_key))
        async with plan_service(settings) as (service, _):
            await service.open_plan(command, now=datetime.now(UTC))
        console.print(f"Đã lập đề án [bold]{command.plan_id}[/] theo "
                      f"{command.procedure.key}.")
    run(main)


@plan_app.command("show")
def plan_show(plan_id: str, as_json: Annotated[bool, typer.Option("--json")] = False,
              as_of: Annotated[str | None, typer.Option("--as-of")] = None) -> None:
    """A plan's state and who passed each step (from PostgreSQL alone)."""
    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            view = await plan_view(db.store, plan_id, as_of=_moment(as_of))
        if view.state.phase is PlanPhase.NOT_OPENED:
            raise PlanNotFound(plan_id)
        if as_json:
            print(json.dumps({"state": _state_json(view.state),
                              "results": to_data(view.results)}, ensure_ascii=False, indent=2))
        else:
            render.plan(console, view)
    run(main)


@plan_app.command("list")
def plan_list(status: StatusOption = None) -> None:
    """Every plan (from the plans read model): id, term, status, organization."""
    from reads.models import reading

    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            rows = await reading.plans(db.engine, status=_plan_status(status))
            await _warn_if_behind(db, ["plans"])
        for r in rows:  # tab-separated, for scripts (rich would expand the tabs)
            print(f"{r.plan_id}\t{r.term}\t{r.status}\t{r.organization_name}")
    run(main)


@plan_app.command("submit")
def plan_submit(plan_id: str, idempotency_key: IdempotencyKey = None) -> None:
    """Submit the plan to the superior committee (trình cấp trên)."""
    async def main(settings: Settings) -> None:
        async with plan_service(settings) as (service, store):
            state = await existing_plan(store, plan_id)
            assert state.organization is not None
            key = key_or_new(idempotency_key)
            command = SubmitPlan(command_id=key,
                                 actor=actor(settings, state.organization.organization_id))
            await service.submit(plan_id, command, key)
        console.print(f"Đã trình đề án [bold]{plan_id}[/].")
    run(main)


# --- read models and reports ----------------------------------------------------------------
projections_app = typer.Typer(help="Read models fed from the event log: run, catch up, "
                              "rebuild, status.", no_args_is_help=True)
report_app = typer.Typer(help="Reports across plans, from the read models.",
                         no_args_is_help=True)
app.add_typer(projections_app, name="projections")
app.add_typer(report_app, name="report")

StatusOption = Annotated[str | None, typer.Option(
    "--status", help="Only plans in this status: open, in_procedure, submitted, "
    "awaiting_approval, approved, rejected")]


def _plan_status(status: str | None) -> str | None:
    if status is None:
        return None
    known = [p.value for p in PlanPhase if p is not PlanPhase.NOT_OPENED]
    if status not in known:
        raise InputError([Violation(field="--status", rule="one_of",
                                    message=f"{status!r} is not one of {', '.join(known)}")])
    return status


async def _warn_if_behind(db: bootstrap.Database, names: list[str]) -> None:
    """Read models are as fresh as their runner (the worker, or `nhansu projections run`)."""
    from reads.models import reading

    behind = [f.name for f in await reading.freshness(db.engine, db.store, names) if f.behind]
    if behind:
        Console(stderr=True).print(
            f"[yellow]Read models behind the event log ({', '.join(behind)}): start the "
            "worker or run `nhansu projections catch-up`.[/]")


@projections_app.command("run")
def projections_run() -> None:
    """Keep the read models up to date in the foreground (LISTEN, and a poll every
    NHANSU_PROJECTION_POLL_SECONDS); the worker runs the same in the background."""
    import signal

    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db, bootstrap.projector(settings, db) as task:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            console.print(f"Projections running (poll {settings.projection_poll_seconds:g} s); "
                          "Ctrl-C stops.")
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait([task, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if task.done():
                task.result()
    run(main)


@projections_app.command("catch-up")
def projections_catch_up(batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, help="Events per transaction")] = 500) -> None:
    """Apply every event the read models have not seen yet, then exit; prints the rate."""
    import time

    from reads.models import runner
    from reads.models.sets import read_models

    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            started = time.perf_counter()
            events = await runner.catch_up(db.engine, db.store, read_models(),
                                           batch_size=batch_size)
            seconds = time.perf_counter() - started
        rate = f", {events / seconds:,.0f} events/s" if events else ""
        console.print(f"Caught up: {events} events in {seconds:.2f} s{rate}.")
    run(main)


@projections_app.command("rebuild")
def projections_rebuild(name: Annotated[str, typer.Argument(
        help="plans | nominations | structure")], batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, help="Events per transaction")] = 500) -> None:
    """Rebuild one read model from the start of the log into fresh tables, then swap them in
    (readers see the old rows until then); says whether the live rows were the same."""
    from reads.models import runner
    from reads.models.sets import by_name

    async def main(settings: Settings) -> bool:
        try:
            projection = by_name(name)
        except LookupError as exc:
            raise InputError([Violation(field="NAME", rule="one_of", message=str(exc))]) from None
        async with bootstrap.database(settings) as db:
            try:
                report = await runner.rebuild(db.engine, db.store, projection,
                                              batch_size=batch_size)
            except runner.RebuildRunning as exc:
                console.print(f"[bold red]Lỗi:[/] {exc}")
                return False
        verdict = {None: "the live rows stood elsewhere in the log, not compared",
                   True: "identical to the live rows",
                   False: "[bold yellow]different from the live rows, which it replaced[/]"}
        console.print(f"Rebuilt {report.name}: {report.events} events, {report.rows} rows, at "
                      f"position {report.position}; {verdict[report.matched_live]}.")
        return True
    if not run(main):
        raise typer.Exit(EXIT_FAILURE)


@projections_app.command("status")
def projections_status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Where each read model stands in the log, and whether it is behind."""
    from cli import reports
    from reads.models import reading

    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            rows = await reading.freshness(db.engine, db.store)
        if as_json:
            print(json.dumps([to_data(r) for r in rows], ensure_ascii=False, indent=2))
        else:
            reports.freshness_table(console, rows)
    run(main)


@report_app.command("plans")
def report_plans(status: StatusOption = None,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Plans by status, e.g. `--status submitted`: the plans awaiting the superior level."""
    from cli import reports
    from reads.models import reading

    async def main(settings: Settings) -> None:
        chosen = _plan_status(status)
        async with bootstrap.database(settings) as db:
            rows = await reading.plans(db.engine, status=chosen)
            await _warn_if_behind(db, ["plans"])
        if as_json:
            print(json.dumps([reports.plan_json(r) for r in rows], ensure_ascii=False, indent=2))
        else:
            reports.plans_table(console, rows, f"{len(rows)} đề án"
                                + (f" ({chosen})" if chosen else ""))
    run(main)


@report_app.command("structure")
def report_structure(
    position_group: Annotated[str, typer.Option(
        "--position-group", help="Which lists: committee_member (cấp ủy), ...")] =
        "committee_member",
    status: StatusOption = None,
    first_time_above: Annotated[str, typer.Option(
        "--first-time-above", help="Name the lists with more first-time members than this")] =
        "1/3",
    women_above: Annotated[str, typer.Option(
        "--women-above", help="Name the lists with more women than this")] = "15%",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Cơ cấu across organizations: each list's women, under-40, ethnic-minority and
    first-time shares against its plan's targets, and which lists exceed the given shares."""
    from cli import reports
    from reads.models import reading

    async def main(settings: Settings) -> None:
        thresholds = {}
        for field, value, measure in (("--first-time-above", first_time_above, "first_time"),
                                      ("--women-above", women_above, "women")):
            try:
                thresholds[measure] = reports.parse_share(value)
            except ValueError as exc:
                raise InputError([Violation(field=field, rule="share",
                                            message=str(exc))]) from None
        async with bootstrap.database(settings) as db:
            lists = await reading.structure(db.engine, position_group=position_group,
                                            status=_plan_status(status))
            await _warn_if_behind(db, ["structure"])
        if as_json:
            print(json.dumps(reports.structure_json(lists, position_group, thresholds),
                             ensure_ascii=False, indent=2))
        else:
            reports.structure_report(console, lists, position_group, thresholds)
    run(main)


# --- candidates -----------------------------------------------------------------------------
@candidate_app.command("add")
def candidate_add(
    plan_id: str,
    name: Annotated[str, typer.Option("--name", help="Họ và tên")],
    born: Annotated[str, typer.Option("--born", help="YYYY-MM-DD")],
    gender: Annotated[str, typer.Option("--gender", help="nam | nữ")],
    group: Annotated[str, typer.Option("--group", help="tái cử | lần đầu")],
    post: Annotated[str, typer.Option("--post", help="Chức vụ hiện tại")],
    ethnicity: Annotated[str, typer.Option("--ethnicity")] = "Kinh",
    party_card: Annotated[str | None, typer.Option("--party-card")] = None,
    position_group: Annotated[str, typer.Option("--position-group")] = "committee_member",
    idempotency_key: IdempotencyKey = None,
) -> None:
    """Register one candidate."""
    async def main(settings: Settings) -> None:
        async with plan_service(settings) as (service, store):
            state = await existing_plan(store, plan_id)
            assert state.organization is not None
            candidate = Candidate(full_name=name.strip(), birth_date=parse_date(born, "born"),
                                  gender=parse_gender(gender), ethnicity=ethnicity.strip(),
                                  current_post=post.strip(), party_card_number=party_card)
            nomination_id = nomination_id_for(plan_id, candidate, position_group)
            key = idempotency_key or f"register-{nomination_id}"
            command = RegisterCandidate(
                command_id=key, actor=actor(settings, state.organization.organization_id),
                nomination_id=nomination_id, candidate=candidate,
                position_group=position_group, candidate_group=parse_group(group, "group"))
            await service.register_candidate(plan_id, command, key)
        console.print(f"Đã đăng ký {candidate.full_name}: nomination {nomination_id}")
    run(main)


@candidate_app.command("import")
def candidate_import(plan_id: str, file: Annotated[Path, typer.Argument(help="UTF-8 CSV")]) -> None:
    """Register every candidate of a CSV, all or none: every row is checked first."""
    async def main(settings: Settings) -> None:
        async with plan_service(settings) as (service, store):
            state = await existing_plan(store, plan_id)
            assert state.organization is not None
            rows = read_candidates(file, plan_id, actor(settings,
                                                        state.organization.organization_id))
            precheck(state, [(f"row {r.row}", r.command) for r in rows],
                     now=datetime.now(UTC))
            added = 0
            for row in rows:
                if row.command.command_id in state.processed_commands:
                    console.print(f"  dòng {row.row}: {row.command.candidate.full_name} (đã có)")
                    continue
                await service.register_candidate(plan_id, row.command, row.command.command_id)
                added += 1
                console.print(f"  dòng {row.row}: {row.command.candidate.full_name}")
        console.print(f"Đã đăng ký {added} nhân sự mới vào đề án {plan_id} "
                      f"({len(rows) - added} đã có).")
    run(main)


# --- conferences ----------------------------------------------------------------------------
@conference_app.command("record")
def conference_record(plan_id: str,
                      file: Annotated[Path, typer.Argument(help="Conference minutes (TOML)")],
                      idempotency_key: IdempotencyKey = None) -> None:
    """Record one step's conference result (biên bản kiểm phiếu) for one group."""
    async def main(settings: Settings) -> None:
        async with plan_service(settings) as (service, store):
            state = await existing_plan(store, plan_id)
            assert state.organization is not None
            key = key_or_new(idempotency_key)
            command = read_conference(file, state,
                                      actor(settings, state.organization.organization_id), key)
            result = await service.record_conference_result(plan_id, command, key)
            view = await plan_view(store, plan_id)
        console.print(f"Đã ghi kết quả bước {command.step}: "
                      f"{', '.join(sorted(set(result.event_types)))}")
        render.plan(console, view)
    run(main)


# --- audit ----------------------------------------------------------------------------------
TRAIL_FORMATS = ("text", "json", "csv", "html")


def _ledger_keys(settings: Settings) -> dict[str, bytes]:
    try:
        return bootstrap.ledger_public_keys(settings)
    except ValueError as exc:
        raise InputError([Violation(field="NHANSU_LEDGER_PUBLIC_KEYS", rule="key_spec",
                                    message=str(exc))]) from None


def _ledger_signer(settings: Settings) -> Signer:
    try:
        return bootstrap.ledger_signer(settings)
    except ValueError as exc:
        raise InputError([Violation(field="NHANSU_LEDGER_SIGNING_KEY", rule="key_spec",
                                    message=str(exc))]) from None


@audit_app.command("trail")
def audit_trail(nomination_id: str,
                as_of: Annotated[str | None, typer.Option(
                    "--as-of", help="ISO time: the trail as it stood then")] = None,
                as_json: Annotated[bool, typer.Option(
                    "--json", help="Same as --format json")] = False,
                fmt: Annotated[str | None, typer.Option(
                    "--format", help="text (default) | json | csv | html")] = None,
                out: Annotated[Path | None, typer.Option(
                    "--out", help="Write to this file instead of the terminal")] = None) -> None:
    """A nomination's complete history, from PostgreSQL alone, with the verification of its
    hash chain and of the signed checkpoint that covers its latest event."""
    from audit.trail import coverage_statement, trail_report
    from audit.trail_formats import trail_csv, trail_html, trail_json_text

    chosen = fmt or ("json" if as_json else "text")

    async def main(settings: Settings) -> bool:
        if chosen not in TRAIL_FORMATS or (out is not None and chosen == "text"):
            raise InputError([Violation(field="--format", rule="one_of", message=(
                f"{chosen!r}: choose one of {', '.join(TRAIL_FORMATS)}; --out needs json, csv"
                " or html"))])
        keys = _ledger_keys(settings)
        async with bootstrap.database(settings) as db:
            report = await trail_report(db.engine, db.store, nomination_id, keys,
                                        as_of=_moment(as_of))
        if chosen == "text":
            render.trail(console, report.trail)
            style = "green" if report.coverage.ok else "red" if report.coverage.failed \
                else "yellow"
            console.print(f"[{style}]{coverage_statement(report.coverage)}[/]")
            return report.ok
        text = {"json": trail_json_text, "csv": trail_csv, "html": trail_html}[chosen](report)
        if out is None:
            sys.stdout.write(text)
        else:
            # Spreadsheet programs detect UTF-8 in a CSV file by its byte order mark.
            await asyncio.to_thread(out.write_text, text,
                                    encoding="utf-8-sig" if chosen == "csv" else "utf-8")
            console.print(f"Đã ghi {out} ({chosen}).")
        return report.ok
    if not run(main):
        raise typer.Exit(EXIT_FAILURE)


@audit_app.command("verify")
def audit_verify(
    stream: Annotated[str | None, typer.Option(
        "--stream", help="One stream; default: every stream")] = None,
    trusted_checkpoint: Annotated[Path | None, typer.Option(
        "--trusted-checkpoint", help="A signed checkpoint note you hold (see ledger "
        "checkpoint): the database must still have it")] = None,
    min_size: Annotated[int | None, typer.Option(
        "--min-size", help="The ledger must have at least this many signed entries")] = None,
) -> None:
    """Recompute every hash chain and name the first broken link; then the ledger: its
    numbering, its chain and every signed checkpoint (for one --stream: the checkpoint that
    covers the stream's latest event)."""
    from audit.coverage import coverage_on
    from audit.database import verify_ledger
    from audit.describe import ledger_lines
    from audit.spec import parse_note
    from audit.trail import coverage_statement

    async def main(settings: Settings) -> bool:
        keys = _ledger_keys(settings)
        try:
            note = None if trusted_checkpoint is None else parse_note(
                await asyncio.to_thread(trusted_checkpoint.read_text, encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError([Violation(field="--trusted-checkpoint", rule="signed_note",
                                        message=str(exc))]) from None
        async with bootstrap.database(settings) as db:
            report = await db.store.verify(stream)
            render.verification(console, report)
            if stream is not None:
                recorded = await db.store.read_stream(stream)
                if not recorded:
                    return report.ok
                async with db.engine.connect() as connection:
                    raw = await connection.get_raw_connection()
                    coverage = await coverage_on(raw.driver_connection, recorded[-1].position,
                                                 recorded[-1].hash, keys)
                style = "green" if coverage.ok else "red" if coverage.failed else "yellow"
                console.print(f"[{style}]{coverage_statement(coverage)}[/]")
                return report.ok and not coverage.failed
            ledger = await verify_ledger(db.engine, keys, trusted=note, min_size=min_size)
        style = "green" if ledger.ok else "bold red"
        for n, line in enumerate(ledger_lines(ledger)):
            console.print(line, style=style if n == 0 else None, markup=False)
        return report.ok and ledger.ok
    if not run(main):
        raise typer.Exit(EXIT_FAILURE)


@audit_app.command("export")
def audit_export(out: Annotated[Path, typer.Option(
        "--out", help="Directory for header.json, checkpoints.jsonl, events.jsonl")]) -> None:
    """Export every event with its ledger seq, and every signed checkpoint, as JSON Lines
    that `nhansu audit verify-export` checks with no database."""
    from audit.export import export

    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            summary = await export(db.engine, out)
        console.print(f"Đã xuất {summary.events} sự kiện ({summary.sealed} trong sổ cái) và "
                      f"{summary.checkpoints} điểm chốt có chữ ký vào {out} "
                      f"({summary.seconds:.2f} s).")
        keys = _ledger_keys(settings)
        if keys:
            specs = " ".join(f"--public-key {k}:{base64.b64encode(v).decode()}"
                             for k, v in keys.items())
            console.print(f"Kiểm tra: nhansu audit verify-export {out} {specs}", markup=False)
    run(main)


@audit_app.command("verify-export")
def audit_verify_export(
    directory: Annotated[Path, typer.Argument(help="A directory written by audit export")],
    public_key: Annotated[list[str], typer.Option(
        "--public-key", help="Trusted signer, key_id:base64 (repeat for several)")],
    trusted_checkpoint: Annotated[Path | None, typer.Option(
        "--trusted-checkpoint", help="A signed checkpoint note you already hold: an export "
        "without it (or with another one of that number) was rolled back or forked")] = None,
    min_size: Annotated[int | None, typer.Option(
        "--min-size", help="The ledger must have at least this many signed entries")] = None,
) -> None:
    """Verify an export with no database: signatures, the checkpoint chain, every stream's
    hash chain, the ledger's chain and numbering, every checkpoint's hash, and that nothing
    was rolled back. Exit 1 names each failure's line, ledger seq, position or checkpoint."""
    from audit.describe import ledger_lines
    from audit.offline import verify_export
    from audit.spec import parse_note, parse_public_keys

    try:
        keys = parse_public_keys(public_key)
        note = None if trusted_checkpoint is None else parse_note(
            trusted_checkpoint.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        console.print(f"[bold red]Không hợp lệ:[/] {exc}")
        raise typer.Exit(EXIT_INPUT) from None
    report = verify_export(directory, keys, trusted=note, min_size=min_size)
    for n, line in enumerate(ledger_lines(report)):
        console.print(line, style=("green" if report.ok else "bold red") if n == 0 else None,
                      markup=False)
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


# --- ledger ---------------------------------------------------------------------------------
ledger_app = typer.Typer(help="Sổ cái: seal committed events, sign checkpoints, show keys.",
                         no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("seal")
def ledger_seal(
    no_checkpoint: Annotated[bool, typer.Option(
        "--no-checkpoint", help="Extend the ledger only; sign nothing")] = False,
    wait: Annotated[float, typer.Option(
        "--wait", help="Seconds to wait for another sealer (the worker) to finish")] = 30.0,
) -> None:
    """Add every committed event to the ledger and sign a checkpoint over it (the worker also
    does this every NHANSU_LEDGER_CHECKPOINT_SECONDS)."""
    from eventstore.ledger import seal

    async def main(settings: Settings) -> bool:
        signer = _ledger_signer(settings)
        keys = _ledger_keys(settings)
        async with bootstrap.database(settings) as db:
            result = await seal(db.engine, db.store, None if no_checkpoint else signer,
                                trusted_keys=keys, wait_seconds=wait)
        if result.busy:
            console.print("[yellow]Another process is sealing the ledger; try again.[/]")
            return False
        console.print(f"Sổ cái: thêm {result.sealed} mục, tổng {result.ledger_size} mục.")
        made, latest = result.checkpoint, result.latest_checkpoint
        if made is not None:
            console.print(f"Đã ký điểm chốt số {made.checkpoint_seq} (đến mục "
                          f"{made.ledger_size}, khóa {made.key_id}):")
            console.print(made.signed_note(signer.public_key), markup=False, end="")
        elif latest is not None:
            console.print(f"Điểm chốt mới nhất: số {latest.checkpoint_seq} (đến mục "
                          f"{latest.ledger_size}).")
        return True
    if not run(main):
        raise typer.Exit(EXIT_UNKNOWN)


@ledger_app.command("public-key")
def ledger_public_key() -> None:
    """The public key that verifies this installation's checkpoints (key_id:base64): give it
    to auditors, who pin it with --public-key."""
    async def main(settings: Settings) -> None:
        console.print(_ledger_signer(settings).public_spec(), markup=False)
    run(main)


@ledger_app.command("checkpoint")
def ledger_checkpoint(out: Annotated[Path | None, typer.Option(
        "--out", help="Write the note to this file (for --trusted-checkpoint later)")] = None,
) -> None:
    """The latest signed checkpoint as a C2SP signed note."""
    from eventstore.ledger_reads import latest_checkpoint

    async def main(settings: Settings) -> None:
        keys = _ledger_keys(settings)
        async with bootstrap.database(settings) as db, db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            checkpoint = await latest_checkpoint(raw.driver_connection)
        if checkpoint is None:
            raise NominationNotFound("no checkpoint yet: run nhansu ledger seal")
        if checkpoint.key_id not in keys:
            raise InputError([Violation(field="NHANSU_LEDGER_PUBLIC_KEYS", rule="known_key",
                                        message=f"no public key for {checkpoint.key_id!r}")])
        note = checkpoint.signed_note(keys[checkpoint.key_id])
        if out is None:
            sys.stdout.write(note)
        else:
            await asyncio.to_thread(out.write_text, note, encoding="utf-8")
            console.print(f"Đã ghi điểm chốt số {checkpoint.checkpoint_seq} vào {out}.")
    run(main)


# --- operations -----------------------------------------------------------------------------
@services_app.command("start")
def services_start() -> None:
    """Start PostgreSQL and Temporal (embedded unless configured), migrate, start a worker."""
    async def main(settings: Settings) -> None:
        from reads.models import migrate as read_models_migrate

        async with bootstrap.database(settings, start=True) as db:
            await migrate.upgrade(db.url)
            await read_models_migrate.upgrade(db.url)
        address = await services.temporal_address(settings, start=True)
        pid, running = await asyncio.to_thread(worker_daemon.start, settings)
        console.print(f"PostgreSQL ready; Temporal at {address} "
                      f"(UI http://127.0.0.1:{settings.temporal_dev_ui_port} when embedded); "
                      f"worker pid {pid}{' (already running)' if running else ''}.")
    run(main)


@services_app.command("stop")
def services_stop() -> None:
    """Stop the background worker and the embedded servers; data stays in the data dir."""
    settings = get_settings()
    stopped = {"worker": worker_daemon.stop(settings), **services.stop_all(settings)}
    for name, was_running in stopped.items():
        console.print(f"{name}: {'stopped' if was_running else 'was not running'}")


@services_app.command("status")
def services_status() -> None:
    """Where each service is and whether it runs."""
    settings = get_settings()
    report = {**services.status(settings), "worker": worker_daemon.status(settings).as_dict()}
    print(json.dumps(report, ensure_ascii=False, indent=2))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to the latest."""
    async def main(settings: Settings) -> None:
        from reads.models import migrate as read_models_migrate

        async with bootstrap.database(settings) as db:
            await migrate.upgrade(db.url)
            await read_models_migrate.upgrade(db.url)
            revision = await migrate.current_revision(db.url)
            read_models = await read_models_migrate.current_revision(db.url)
        console.print(f"Database at revision {revision}; read models at {read_models}.")
    run(main)


@app.command("worker")
def worker_command() -> None:
    """Run the Temporal worker in the foreground."""
    import worker

    worker.main()


@app.command("procedures")
def procedures_list() -> None:
    """The procedure definitions available to new plans."""
    for procedure_id in procedures.available():
        definition = procedures.load(procedure_id)
        console.print(f"{definition.key}\t{definition.effective_from}\t{definition.title_vi}")


@app.command("demo")
def demo_command() -> None:
    """Run the worked example end to end on the embedded services."""
    from cli.demo import demo

    run(demo)


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError([Violation(field="--as-of", rule="iso_time",
                                    message=f"{text!r} is not an ISO time")]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _state_json(state: PlanState) -> dict[str, Any]:
    """The plan's state as JSON: the same shape a plan workflow carries across runs, less the
    procedure (see PlanOpened) and the command ids (only their count is of interest)."""
    data = to_snapshot(state)
    data.pop("procedure", None)
    data["processed_commands"] = len(state.processed_commands)
    return data


# The review's and the time-travel commands live in their own modules and register
# themselves on the apps above.
from cli import review, timetravel  # noqa: E402, F401
