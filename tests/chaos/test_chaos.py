"""Chaos through the API: plans driven concurrently by HTTP clients while the worker is
SIGKILLed at random moments, PostgreSQL is restarted, the Temporal dev server is restarted (its
SQLite file kept) and the API process is killed and started again. Clients retry with their
idempotency keys. Afterwards every plan is where an undisturbed plan ends, every stream holds
exactly the events of an undisturbed plan (0 lost, 0 doubled), every hash chain and the ledger
with its checkpoints verify, and the read models equal a rebuild from the log.

The default run takes the short tier (CI: about a minute and a half); ``make chaos``
(``NHANSU_CHAOS=long``) drives more plans through more kills and restarts."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import pytest

import bootstrap
from application.context import Context
from application.operations import migrate
from application.principal import OPERATOR
from domain.events import plan_stream
from reads.models import runner
from reads.models.sets import read_models
from tests.chaos.clients import Refused, Sent, drive, lifecycle
from tests.chaos.stack import Stack

pytestmark = pytest.mark.chaos

LONG = os.environ.get("NHANSU_CHAOS") == "long"
PLANS = 24 if LONG else 4
# Plans start this many seconds apart, so that requests are in flight through the whole run of
# disruptions (about a minute and a half in the long tier), not only in its first seconds.
STAGGER_SECONDS = 3.0 if LONG else 0.0
# The disruptions, in the order they strike; each at a random moment while clients work.
DISRUPTIONS = (["worker", "api", "postgres", "worker", "temporal", "worker", "api",
                "postgres", "worker", "temporal", "worker"] if LONG else
               ["worker", "postgres", "api", "temporal", "worker"])
GIVE_UP_AFTER = 180.0  # a request unanswered this long fails the test


@dataclass
class Outage:
    what: str
    down_at: float
    up_at: float = 0.0
    waits: list[float] = field(default_factory=list)  # requests in flight while it lasted
    retried: int = 0  # of which had to be sent again


async def users(ctx: Context, plans: int) -> list[tuple[str, str, str]]:
    """(plan id, organization, token): a commune of its own per plan, with its department."""
    from application.registry import import_registry, register_organization
    from application.users import create_user, grant_role, issue_token

    await import_registry(ctx, OPERATOR, Path(__file__).parents[2] / "examples" / "to-chuc.csv")
    out = []
    for i in range(plans):
        suffix = uuid.uuid4().hex[:6]
        organization = f"org-xa-chaos-{i}-{suffix}"
        await register_organization(ctx, OPERATOR, organization_id=organization,
                                    name=f"Đảng bộ xã Thử Chaos {i} {suffix}", level="xã",
                                    parent_id="org-tinh-lam-dong", valid_from=date(2025, 7, 1))
        login = f"bantochuc.chaos.{i}.{suffix}"
        await create_user(ctx, OPERATOR, login=login, display_name=f"Người thử {login}")
        await grant_role(ctx, OPERATOR, login=login, role="organization_department",
                         organization_id=organization)
        token = (await issue_token(ctx, OPERATOR, login=login, name="chaos")).secret
        out.append((f"chaos-{i}-{suffix}", organization, token))
    return out


async def settled(ctx: Context, seconds: float = 3.0) -> None:
    """Wait until the log stops growing for ``seconds`` (appraisals open after submission)."""
    last, still = await ctx.store.max_position(), 0.0
    while still < seconds:
        await asyncio.sleep(0.5)
        now = await ctx.store.max_position()
        still, last = (still + 0.5 if now == last else 0.0), now


async def converged(ctx: Context, plan_ids: list[str],
                    expected: tuple[Counter[str], Counter[str]], seconds: float = 180.0) -> None:
    """Wait, up to ``seconds``, until every plan's streams hold what the reference's hold. An
    activity of a killed worker is retried only when its timeout has passed, so the log can
    stand still for a while before an appraisal's first events arrive; the assertions after
    this say what is still missing if it never comes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all([await fingerprint(ctx, p) == expected for p in plan_ids]):
            return
        await asyncio.sleep(1.0)


async def fingerprint(ctx: Context, plan_id: str) -> tuple[Counter[str], Counter[str]]:
    """How many events of each type the plan's streams hold, and the lengths of its streams
    by kind (every nomination stream has its own id in each plan)."""
    events = await ctx.store.read_correlated(plan_stream(plan_id))
    types = Counter(e.event_type for e in events)
    lengths = Counter(e.stream_id.replace(plan_id, "PLAN") for e in events)
    shapes = Counter(f"{s.partition('-')[0] if 'PLAN' not in s else s}:{n}"
                     for s, n in lengths.items())
    return types, shapes


async def phase(stack: Stack, token: str, plan_id: str) -> str:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        answer = await client.get(f"/api/v1/plans/{plan_id}",
                                  headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        value: str = answer.json()["phase"]
        return value


async def strike(stack: Stack, what: str, rng: random.Random) -> Outage:
    """One disruption: the component goes down and comes back after a moment."""
    outage = Outage(what, time.monotonic())
    actions: dict[str, tuple[Callable[[], None], Callable[[], Awaitable[None]]]] = {
        "worker": (stack.kill_worker, _started(stack.start_worker)),
        "api": (stack.stop_api, stack.start_api),
        "postgres": (stack.stop_postgres, stack.start_postgres),
        "temporal": (stack.stop_temporal, stack.start_temporal),
    }
    down, up = actions[what]
    await asyncio.to_thread(down)
    await asyncio.sleep(rng.uniform(0.5, 3.0))
    await up()
    outage.up_at = time.monotonic()
    return outage


def _home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="nhansu-chaos-"))
    home.chmod(0o755)
    return home


def _started(start: Callable[[], None]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        start()
    return run


@pytest.mark.timeout(900 if LONG else 300)
async def test_plans_driven_through_the_api_survive_kills_and_restarts() -> None:
    rng = random.Random()
    # Not under pytest's tmp_path: as root the embedded PostgreSQL runs as its own user, and
    # another pytest run may close pytest's base directory (0700) while this one runs.
    home = _home()
    stack = Stack(home)
    try:
        await stack.start_services()
        await migrate(stack.database_url)
        async with bootstrap.context(stack.settings) as ctx:
            people = await users(ctx, PLANS + 1)
            stack.start_worker()
            await stack.start_api()

            # The reference: one plan, undisturbed.
            ref_id, ref_org, ref_token = people[0]
            reference = await drive(stack.base_url, ref_token, lifecycle(ref_id, ref_org),
                                    give_up_after=GIVE_UP_AFTER)
            await settled(ctx)
            expected = await fingerprint(ctx, ref_id)
            expected_phase = await phase(stack, ref_token, ref_id)

            # The same lifecycle for every other plan at once, under fire.
            started = time.monotonic()
            async def client(i: int, p: str, o: str, token: str) -> list[Sent]:
                await asyncio.sleep(i * STAGGER_SECONDS)
                return await drive(stack.base_url, token, lifecycle(p, o),
                                   give_up_after=GIVE_UP_AFTER)

            clients = [asyncio.create_task(client(i, p, o, token))
                       for i, (p, o, token) in enumerate(people[1:])]
            outages: list[Outage] = []
            for what in DISRUPTIONS:
                await asyncio.sleep(rng.uniform(1.0, 6.0))
                outages.append(await strike(stack, what, rng))
            try:
                results: list[list[Sent]] = await asyncio.gather(*clients)
            except Refused:
                for task in clients:
                    task.cancel()
                raise
            busy = time.monotonic() - started
            await settled(ctx)
            await converged(ctx, [p for p, _, _ in people[1:]], expected)

            # Where every plan ended, and what its streams hold.
            lost = doubled = events = 0
            for plan_id, _, token in people[1:]:
                assert await phase(stack, token, plan_id) == expected_phase, plan_id
                types, shapes = await fingerprint(ctx, plan_id)
                events += sum(types.values())
                lost += sum((expected[0] - types).values())
                doubled += sum((types - expected[0]).values())
                assert shapes == expected[1], plan_id
            # Chains, ledger and checkpoints: seal what the worker has not sealed yet.
            from application.audit import seal, verify

            await seal(ctx, OPERATOR, wait_seconds=30)
            verification = await verify(ctx, OPERATOR)
            # The read models, caught up, equal a build from the log's first event.
            stack.kill_worker()  # its projector must not move the rows while they are compared
            await runner.catch_up(ctx.engine, ctx.store, read_models())
            for projection in read_models():
                fresh = f"fresh_{projection.name}"
                await runner.build_fresh(ctx.engine, ctx.store, projection, fresh)
                built = await runner.digest(ctx.engine, projection, fresh)
                live = await runner.digest(ctx.engine, projection)
                await runner.discard_fresh(ctx.engine, projection, fresh)
                assert built == live, projection.name

        requests = [s for plan in results for s in plan]
        calm = sorted(s.waited for s in reference)
        for outage in outages:
            hit = [s for s in requests if s.attempts[0].started <= outage.up_at
                   and s.attempts[-1].ended >= outage.down_at]
            outage.waits = [s.waited for s in hit]
            outage.retried = sum(s.retried for s in hit)
        print(f"\nchaos ({'long' if LONG else 'short'} tier): {PLANS} plans, "
              f"{len(requests)} requests in {busy:.0f} s; "
              f"kills {sum(o.what == 'worker' for o in outages)} (worker, SIGKILL), restarts "
              + ", ".join(f"{w} {sum(o.what == w for o in outages)}"
                          for w in ("postgres", "temporal", "api"))
              + f"; events {events} (+{sum(expected[0].values())} reference), lost {lost}, "
              f"doubled {doubled}; chains and ledger verified: {verification.ok}")
        print(f"  undisturbed (the reference plan alone): a request answered in median "
              f"{statistics.median(calm):.2f} s, longest {calm[-1]:.2f} s")
        for o in outages:
            waits = sorted(o.waits)
            print(f"  {o.what:<8} down {o.up_at - o.down_at:4.1f} s: {len(waits)} requests in "
                  f"flight or sent meanwhile ({o.retried} sent again)"
                  + (f", users waited median {statistics.median(waits):.1f} s, "
                     f"longest {waits[-1]:.1f} s" if waits else ""))
        slowest = max(requests, key=lambda s: s.waited)
        print(f"  longest wait for any answer: {slowest.waited:.1f} s "
              f"({slowest.request.name}, {len(slowest.attempts)} attempts)")
        defects = [(s.request.name, s.request.key) for s in requests for a in s.attempts
                   if a.status == 500]
        print(f"  answers 500 (a defect, retried as its body asks): {len(defects)} {defects}")
        struck = sum(1 for o in outages if o.waits)
        print(f"  disruptions that struck requests in flight: {struck} of {len(outages)}")
        assert lost == 0 and doubled == 0
        if LONG:  # the long tier exists to break requests, not an idle service
            assert struck >= len(outages) * 3 // 4, "most disruptions found nothing to break"
        assert verification.ok, verification.chains.first_broken
        assert not defects, "the API answered 500 during an outage: see its log"
    except BaseException:
        kept = Path(tempfile.gettempdir()) / f"nhansu-chaos-logs-{int(time.time())}"
        shutil.copytree(home, kept, ignore=shutil.ignore_patterns("pgdata", "temporal.db*"))
        print(f"\nthe processes' logs are kept in {kept}")
        raise
    finally:
        stack.close()
        shutil.rmtree(home, ignore_errors=True)
