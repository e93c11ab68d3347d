"""A whole personnel plan recorded straight into the event store: the domain decides each
command of tests/support/scenario.py and the events are appended as the workflow's activity
would append them (same envelopes, same private fields committed to), without Temporal."""

from __future__ import annotations

import dataclasses
import uuid

from activities.event_store import new_event
from domain.commands import PlanCommand, RegisterCandidate
from domain.decide import decide
from domain.idempotency import command_digest
from domain.plan import PlanState, expected_versions, fold
from eventstore.store import PostgresEventStore
from tests.support.plans import NOW
from tests.support.scenario import all_commands, nomination, opening
from workflows.envelopes import envelope

SCRIPT_NAME = '<script>alert("x")</script> Nguyễn Văn <b>An</b> & "Bình"'


def commands(plan_id: str) -> list[PlanCommand]:
    """The scenario, with the first incumbent's name carrying markup an HTML page must not
    run."""
    items: list[PlanCommand] = [opening(plan_id), *all_commands(plan_id)]
    first = items[1]
    assert isinstance(first, RegisterCandidate)
    items[1] = dataclasses.replace(first, candidate=dataclasses.replace(
        first.candidate, full_name=SCRIPT_NAME))
    return items


async def record_plan(store: PostgresEventStore, plan_id: str, *, committed: bool = True,
                      plain_digests: bool = False) -> PlanState:
    """``committed=False``: as stored before private fields were committed to (in clear);
    ``plain_digests``: with each command's digest in the metadata as stored before digests
    were keyed."""
    state = PlanState()
    for command in commands(plan_id):
        events = decide(state, command, now=NOW)
        state_before, state = state, fold(events, state)
        batch = []
        for e in events:
            env = envelope(e, event_id=str(uuid.uuid4()), workflow_id=f"plan-{plan_id}",
                           run_id="test",
                           command_digest=command_digest(command) if plain_digests else None)
            new = new_event(env)
            batch.append(new if committed else dataclasses.replace(new, private_fields=()))
        await store.append(batch, expected_versions(state_before, events))
    return state


def incumbent(plan_id: str) -> str:
    """Passes all five steps; registered under SCRIPT_NAME."""
    return nomination(plan_id, 0)


def dropped(plan_id: str) -> str:
    """The weak incumbent, dropped at step 2."""
    return nomination(plan_id, 6)


async def record_congress(store: PostgresEventStore, *, committed: bool = True) -> list[str]:
    """A whole congress (tests/support/congress.py ``whole_election``) appended as the congress
    workflow's activity would append it; returns what must not appear in a redacted export of
    it: the names, ISO birth dates and party cards of its candidates, and a withdrawal's
    reason."""
    from tests.support.congress import person, whole_election

    for version, e in enumerate(whole_election()):
        env = envelope(e, event_id=str(uuid.uuid4()), workflow_id=f"congress-{e.plan_id}",
                       run_id="test")
        new = new_event(env)
        await store.append([new if committed else dataclasses.replace(new, private_fields=())],
                           {env.stream_id: version})
    people = [person(i) for i in range(1, 14)]
    return [*(p.full_name for p in people), *(p.birth_date.isoformat() for p in people),
            *(p.party_card_number for p in people if p.party_card_number),
            "Xin rút vì lý do sức khỏe", "Lê Văn Kiểm", "Ngô Thị Phiếu"]
