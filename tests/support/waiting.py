"""Waiting for what a workflow does on its own (children starting, phases changing)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from domain.plan import PlanPhase, PlanState
from eventstore.store import PostgresEventStore
from reads.plans import load_plan


async def eventually(check: Callable[[], Awaitable[bool]], *, seconds: float = 30.0,
                     what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds:.0f} s")


async def phase_reached(store: PostgresEventStore, plan_id: str, phase: PlanPhase,
                        seconds: float = 30.0) -> PlanState:
    async def reached() -> bool:
        return (await load_plan(store, plan_id)).phase is phase

    await eventually(reached, seconds=seconds, what=f"plan {plan_id} reaching {phase.value}")
    return await load_plan(store, plan_id)


async def appraisals_opened(store: PostgresEventStore, plan_id: str, nominations: list[str],
                            round: int, seconds: float = 30.0) -> None:
    async def opened() -> bool:
        state = await load_plan(store, plan_id)
        return all((a := state.appraisals.get(n)) is not None and a.round == round
                   for n in nominations)

    await eventually(opened, seconds=seconds, what=f"appraisals of round {round} opening")
