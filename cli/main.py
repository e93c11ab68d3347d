"""nhansu: the command line for personnel plans, their five steps, and their audit.

Every command that changes something checks its input first and prints each broken rule
with the field it concerns; it then exits non-zero and nothing is recorded."""

from __future__ import annotations

import asyncio
import json
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
from eventstore import migrate
from eventstore.errors import EventStoreError
from eventstore.store import PostgresEventStore
from logs import configure_logging
from queries.plans import load_plan, plan_ids, plan_view
from queries.trail import NominationNotFound, nomination_trail, trail_as_json
from runtime import services, worker_daemon
from service.errors import OutcomeUnknown, PlanNotFound, Rejected, ServiceError
from service.plans import PlanService, precheck
from settings import Settings, get_settings

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
    except (ServiceError, EventStoreError, procedures.UnknownProcedure) as exc:
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
    return Actor(user_id=settings.actor_id, role=role,
                 organization_id=settings.actor_organization or organization_id)


@asynccontextmanager
async def plan_service(settings: Settings) -> AsyncIterator[tuple[PlanService, PostgresEventStore]]:
    async with bootstrap.database(settings) as db:
        client = await bootstrap.temporal_client(settings)
        yield (PlanService(client, db.store, settings.temporal_task_queue,
                           timedelta(seconds=settings.update_timeout_seconds)), db.store)


async def existing_plan(store: PostgresEventStore, plan_id: str) -> PlanState:
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
def plan_list() -> None:
    """Every plan in the event store."""
    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            for plan_id in await plan_ids(db.store):
                state = await load_plan(db.store, plan_id)
                org = state.organization.name if state.organization else ""
                console.print(f"{plan_id}\t{state.term}\t{state.phase.value}\t{org}")
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
@audit_app.command("trail")
def audit_trail(nomination_id: str,
                as_of: Annotated[str | None, typer.Option(
                    "--as-of", help="ISO time: the trail as it stood then")] = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """A nomination's complete history, from PostgreSQL alone."""
    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            trail = await nomination_trail(db.store, nomination_id, as_of=_moment(as_of))
        if as_json:
            print(json.dumps(trail_as_json(trail), ensure_ascii=False, indent=2))
        else:
            render.trail(console, trail)
        if not trail.verification.ok:
            raise typer.Exit(EXIT_FAILURE)
    run(main)


@audit_app.command("verify")
def audit_verify(stream: Annotated[str | None, typer.Option(
        "--stream", help="One stream; default: every stream")] = None) -> None:
    """Recompute every hash chain and name the first broken link."""
    async def main(settings: Settings) -> bool:
        async with bootstrap.database(settings) as db:
            report = await db.store.verify(stream)
        render.verification(console, report)
        return report.ok
    if not run(main):
        raise typer.Exit(EXIT_FAILURE)


# --- operations -----------------------------------------------------------------------------
@services_app.command("start")
def services_start() -> None:
    """Start PostgreSQL and Temporal (embedded unless configured), migrate, start a worker."""
    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            await migrate.upgrade(db.url)
        address = await services.temporal_address(settings)
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
        async with bootstrap.database(settings) as db:
            await migrate.upgrade(db.url)
            revision = await migrate.current_revision(db.url)
        console.print(f"Database at revision {revision}.")
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
    data: dict[str, Any] = to_data(state)
    data["progress"] = [{"position_group": pg, "candidate_group": cg.value, **to_data(p)}
                        for (pg, cg), p in state.progress.items()]
    data.pop("procedure", None)
    data["processed_commands"] = len(state.processed_commands)
    return data
