"""The worked example behind `make demo`: a commune party committee of 15 seats prepares its
list of 19 candidates through the five steps, on the embedded services.

It shows what the system is for: a conference result rejected for bad input with the
reason (and nothing recorded), a weak incumbent dropped at step 2, a step repeated because
too few first-time candidates passed to keep the surplus, the plan submitted, appraised,
sent back, appraised again and approved with an exclusion (cli/demo_review.py), and then,
with the worker stopped, nominations' trails and every hash chain checked from PostgreSQL
alone."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta

from rich.console import Console
from rich.rule import Rule

import bootstrap
from application.errors import Rejected
from application.plans import PlanService, precheck
from audit.database import verify_ledger
from audit.describe import ledger_lines
from cli import render
from cli.demo_review import AMENDED, DISQUALIFIED, SENT_BACK, review
from cli.files import read_candidates, read_plan
from domain.commands import RecordConferenceResult, SubmitPlan
from domain.people import Actor, CandidateGroup, Role
from domain.plan import PlanState
from domain.plan_terms import Vote
from eventstore import migrate
from eventstore.ledger import seal
from eventstore.store import PostgresEventStore
from reads.models import migrate as read_models_migrate
from reads.plans import load_plan, plan_view
from reads.trail import nomination_trail
from settings import PROJECT_ROOT, Settings

EXAMPLES = PROJECT_ROOT / "examples"
# Who sits in each body of a commune committee with 15 seats and a standing committee of 5.
SUMMONED = {"standing_committee": 5, "key_cadres_conference": 45, "executive_committee": 15}
WEAK_INCUMBENT = "TD-100007"  # re-nominated with little support: dropped at step 2
SHORT_AT_STEP_2 = ("TD-100016", "TD-100019")  # first attempt leaves the list one short
console = Console()


async def demo(settings: Settings) -> None:
    console.print(Rule("nhansu — ví dụ: Đảng bộ xã An Bình, nhiệm kỳ 2025-2030"))
    async with bootstrap.database(settings, start=True) as db:
        await migrate.upgrade(db.url)
        await read_models_migrate.upgrade(db.url)
        client = await bootstrap.temporal_client(settings, start=True)
        console.print(f"PostgreSQL: {'embedded' if settings.uses_embedded_postgres else 'external'}"
                      f"; Temporal: {client.service_client.config.target_host}")
        task_queue = f"nhansu-demo-{uuid.uuid4().hex[:8]}"
        service = PlanService(client, db.store, task_queue,
                              timedelta(seconds=settings.update_timeout_seconds))
        async with bootstrap.worker(client, db.store, task_queue):
            plan_id = await _prepare(service, db.store)
        console.print(Rule("Worker stopped: what follows reads PostgreSQL only"))
        view = await plan_view(db.store, plan_id)
        render.plan(console, view)
        state = view.state
        revoted = _by_card(state, SHORT_AT_STEP_2[1])
        render.trail(console, await nomination_trail(db.store, revoted))
        for card in (DISQUALIFIED, AMENDED, SENT_BACK[0]):
            render.trail(console, await nomination_trail(db.store, _by_card(state, card)))
        report = await db.store.verify()
        render.verification(console, report)
        # Seal what was recorded into the global ledger and sign a checkpoint over it (the
        # worker process does this on its own cadence), then check both as an auditor would.
        sealed = await seal(db.engine, db.store, bootstrap.ledger_signer(settings),
                            wait_seconds=5.0)
        ledger = await verify_ledger(db.engine, bootstrap.ledger_public_keys(settings))
        console.print(f"Sổ cái: {sealed.ledger_size} sự kiện đã đánh số liên tục.")
        for line in ledger_lines(ledger):
            console.print(line, markup=False)
        if not (report.ok and ledger.ok):
            raise SystemExit(1)
        console.print(f"\nTry: [bold]nhansu audit trail {revoted} --format html --out "
                      f"trail.html[/], [bold]nhansu plan show {plan_id}[/], "
                      f"[bold]nhansu audit export --out export/[/]")


async def _prepare(service: PlanService, store: PostgresEventStore) -> str:
    template = read_plan(EXAMPLES / "plan-xa-an-binh.toml", _department("org-xa-an-binh"), "x")
    department = _department(template.organization.organization_id)
    plan_id = f"{template.plan_id}-demo-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    opened = dataclasses.replace(template, plan_id=plan_id, command_id=f"open-{plan_id}",
                                 actor=department)
    await service.open_plan(opened, now=now)
    console.print(f"1. Lập đề án [bold]{plan_id}[/] ({opened.procedure.key}): "
                  f"{opened.seats[0].seats} chỉ tiêu ủy viên Ban chấp hành.")

    rows = read_candidates(EXAMPLES / "candidates-xa-an-binh.csv", plan_id, department)
    state = await load_plan(store, plan_id)
    precheck(state, [(f"row {r.row}", r.command) for r in rows], now=now)
    for row in rows:
        await service.register_candidate(plan_id, row.command, row.command.command_id)
    console.print(f"2. Đăng ký {len(rows)} nhân sự từ CSV (tái cử trước, lần đầu sau).")

    held_on = date(2025, 4, 21)
    for group in (CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME):
        for step in range(1, 6):
            state = await load_plan(store, plan_id)
            assert state.procedure is not None
            rule = state.procedure.step(step)
            if group is CandidateGroup.FIRST_TIME and step == 1:
                await _show_rejection(service, plan_id, state, department, held_on)
            attempts = 2 if group is CandidateGroup.FIRST_TIME and step == 2 else 1
            for attempt in range(1, attempts + 1):
                state = await load_plan(store, plan_id)
                command = _conference(state, department, group, step, rule.body, held_on,
                                      attempt, short=attempts == 2)
                result = await service.record_conference_result(plan_id, command,
                                                                command.command_id)
                dropped = result.event_types.count("NominationDropped")
                revote = "NominationRevoteRequired" in result.event_types
                console.print(
                    f"   bước {step} ({rule.title_vi}), nhóm {group.value}, lần {attempt}: "
                    + ("[yellow]thiếu số dư, phải làm lại bước này[/]" if revote
                       else f"{dropped} người dừng" if dropped else "tất cả đạt"))
                held_on += timedelta(days=3)
    await service.submit(plan_id, SubmitPlan(command_id=f"submit-{plan_id}", actor=department),
                         f"submit-{plan_id}")
    console.print("3. Đã trình đề án lên cấp ủy cấp trên.")
    await review(service, store, plan_id, department, console)
    return plan_id


async def _show_rejection(service: PlanService, plan_id: str, state: PlanState,
                          department: Actor, held_on: date) -> None:
    """Minutes with too few present and a tally above the ballots: refused, nothing kept."""
    bad = _conference(state, department, CandidateGroup.FIRST_TIME, 1, "standing_committee",
                      held_on, 1, short=False)
    first = bad.votes[0]
    bad = dataclasses.replace(
        bad, command_id=f"bad-{plan_id}", attending=3, ballots_issued=3, ballots_valid=3,
        votes=(Vote(nomination_id=first.nomination_id, yes=6),
               *(dataclasses.replace(v, yes=min(v.yes, 3)) for v in bad.votes[1:])))
    try:
        await service.record_conference_result(plan_id, bad, bad.command_id)
    except Rejected as exc:
        render.violations(console, "   Biên bản bị từ chối — không có gì được ghi:",
                          exc.violations)
    else:
        raise AssertionError("the demo's bad conference result was accepted")


def _conference(state: PlanState, department: Actor, group: CandidateGroup, step: int,
                body: str, held_on: date, attempt: int, *, short: bool) -> RecordConferenceResult:
    summoned = SUMMONED[body]
    attending = summoned if summoned < 10 else summoned - 2
    needed = summoned // 2 + 1
    votes = []
    for n in state.nominations.values():
        if n.candidate_group is not group or not n.in_play:
            continue
        card = n.candidate.party_card_number or ""
        # A little spread in the support, the same on every run.
        yes = attending - (int(card[-1]) % 3 if attending > 5 else 0)
        if card == WEAK_INCUMBENT and step == 2:
            yes = needed - 3
        if short and card in SHORT_AT_STEP_2 and (attempt == 1 or card == SHORT_AT_STEP_2[0]):
            yes = needed - 2
        votes.append(Vote(nomination_id=n.nomination_id, yes=max(yes, 0)))
    return RecordConferenceResult(
        command_id=f"conf-{state.plan_id}-{group.value}-{step}-{attempt}", actor=department,
        position_group="committee_member", candidate_group=group, step=step, held_on=held_on,
        summoned=summoned, attending=attending, ballots_issued=attending,
        ballots_valid=attending, votes=tuple(votes))


def _by_card(state: PlanState, card: str) -> str:
    return next(n.nomination_id for n in state.nominations.values()
                if n.candidate.party_card_number == card)


def _department(organization_id: str) -> Actor:
    return Actor(user_id="ban-to-chuc.xa-an-binh", role=Role.ORGANIZATION_DEPARTMENT,
                 organization_id=organization_id)

