"""Given / when / then for the congress (domain/election.py), as ``gwt`` is for the plan.

    state = given(open_congress(), open_round(), vote_list(1))
    events = when(state, count(1, spread(entries, {...}, 100, 9)))
    then_rejected(state, sign(1, "x" * 64), field="count_digest", rule="count_changed")
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import pytest

from domain.ballots import BallotPattern
from domain.election import CongressCommand, CongressState, decide_congress, fold_congress
from domain.errors import CommandRejected
from domain.event_base import DomainEvent
from tests.support.congress import NOW, count, count_and_sign


def given(*history: CongressCommand | DomainEvent | Iterable[DomainEvent],
          now: datetime = NOW, state: CongressState | None = None) -> CongressState:
    """Fold a history into a state; a command in it must be accepted."""
    current = state or CongressState()
    for item in history:
        if isinstance(item, DomainEvent):
            current = fold_congress([item], current)
        elif isinstance(item, Iterable):
            current = fold_congress(list(item), current)
        else:
            current = fold_congress(decide_congress(current, item, now=now), current)
    return current


def recorded(*commands: CongressCommand, state: CongressState | None = None,
             now: datetime = NOW) -> list[DomainEvent]:
    current = state or CongressState()
    events: list[DomainEvent] = []
    for command in commands:
        new = decide_congress(current, command, now=now)
        current = fold_congress(new, current)
        events.extend(new)
    return events


def when(state: CongressState, command: CongressCommand, *,
         now: datetime = NOW) -> list[DomainEvent]:
    return decide_congress(state, command, now=now)


def then_rejected(state: CongressState, command: CongressCommand, *, field: str, rule: str,
                  now: datetime = NOW) -> CommandRejected:
    with pytest.raises(CommandRejected) as caught:
        decide_congress(state, command, now=now)
    found = [(v.field, v.rule) for v in caught.value.violations]
    assert (field, rule) in found, f"expected ({field}, {rule}) among {found}"
    for violation in caught.value.violations:
        assert violation.message.strip(), violation
    return caught.value


def counted(state: CongressState, round_: int, patterns: Iterable[BallotPattern], *,
            issued: int | None = None) -> tuple[CongressState, list[DomainEvent]]:
    """Count the current ballot of ``round_`` (not signed)."""
    rnd = state.rounds[round_ - 1]
    assert rnd.ballot is not None
    command = count(round_, patterns, ballot=rnd.ballot.number, issued=issued,
                    command_id=f"count-{round_}-{rnd.ballot.number}-{rnd.ballot.counts}")
    events = when(state, command)
    return given(events, state=state), events


#: Count a ballot with chosen tallies and sign it (tests/support/congress.py).
vote = count_and_sign
