"""Given / when / then for the pure domain.

    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 5)))
    events = when(state, conference(1, INCUMBENT, votes(ids(range(1, 5)))))
    then_rejected(state, command, field="attending", rule="quorum")

``given`` takes commands (decided, then folded) and events (folded as they are), in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

import pytest

from domain.approval import RecordApprovalDecision
from domain.commands import PlanCommand
from domain.decide import decide
from domain.errors import CommandRejected
from domain.events import DomainEvent
from domain.plan import PlanState, evolve, fold
from tests.support.plans import NOW

E = TypeVar("E", bound=DomainEvent)
# Everything ``decide`` takes: the preparation commands and the superior committee's decision.
AnyCommand = PlanCommand | RecordApprovalDecision


def given(*history: AnyCommand | DomainEvent | Iterable[DomainEvent],
          now: datetime = NOW, state: PlanState | None = None) -> PlanState:
    """Fold a history into a state; a command in it must be accepted."""
    current = state or PlanState()
    for item in history:
        if isinstance(item, DomainEvent):
            current = evolve(current, item)
        elif isinstance(item, Iterable):
            current = fold(item, current)
        else:
            current = fold(decide(current, item, now=now), current)
    return current


def recorded(*commands: AnyCommand, state: PlanState | None = None,
             now: datetime = NOW) -> list[DomainEvent]:
    """Every event the commands record, each decided on the state the ones before left."""
    current = state or PlanState()
    events: list[DomainEvent] = []
    for command in commands:
        new = decide(current, command, now=now)
        current = fold(new, current)
        events.extend(new)
    return events


def when(state: PlanState, command: AnyCommand, *, now: datetime = NOW) -> list[DomainEvent]:
    return decide(state, command, now=now)


def then_rejected(state: PlanState, command: AnyCommand, *, field: str, rule: str,
                  now: datetime = NOW) -> CommandRejected:
    """The command is rejected and one of its violations names ``field`` and ``rule``."""
    with pytest.raises(CommandRejected) as caught:
        decide(state, command, now=now)
    found = [(v.field, v.rule) for v in caught.value.violations]
    assert (field, rule) in found, f"expected ({field}, {rule}) among {found}"
    for violation in caught.value.violations:
        assert violation.message.strip(), violation
    return caught.value


def rules_of(rejection: CommandRejected) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in rejection.violations}


def types(events: Iterable[DomainEvent]) -> list[str]:
    return [e.TYPE for e in events]


def of_type(events: Iterable[DomainEvent], cls: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, cls)]


def one(events: Iterable[DomainEvent], cls: type[E]) -> E:
    found = of_type(events, cls)
    assert len(found) == 1, f"expected one {cls.__name__}, got {types(found)}"
    return found[0]


def by_nomination(events: Iterable[DomainEvent]) -> dict[str, str]:
    """nomination id -> the type of the event about it."""
    return {getattr(e, "nomination_id"): e.TYPE for e in events  # noqa: B009
            if hasattr(e, "nomination_id")}
