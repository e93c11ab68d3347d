"""Golden fixtures of stored events: for every (event type, schema version) ever emitted, one
JSON document as the store keeps it, in ``tests/fixtures/events/<Type>.v<N>.json``.

They are records, not expectations of today's code: once committed a fixture is never
regenerated or edited (like a released migration). When an event type gets a new version,
``python -m tests.support.golden`` adds the fixture of the new version (and of any new type)
from the worked scenario and leaves every existing file alone; ``tests/unit/test_upcasting.py``
then demands that every old version upcasts to the current one.

Sources, each a history decided by the domain from the test builders: the worked plan
(tests/support/scenario.py), then the review of a submitted plan (tests/unit/review.py) in
three branches, since a round gets one decision: approved with an exclusion, sent back,
rejected; then a plan whose imported list is corrected and thinned, then cancelled; a plan
whose workflow was terminated, resumed from its events; last a
congress through every kind of its events (tests/support/congress.py ``whole_election``).
A fixture says which history it comes from and where (``history``, ``sequence``).
The worked plan's fixtures are chosen so that, folded in ``sequence`` order, they make a valid
plan: the first-time candidate n15 registered, advanced at step 1, held for a new vote and then
dropped at step 2, with the plan's own events around it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from domain.commands import PlanCommand
from domain.decide import decide
from domain.events import EVENT_TYPES, Acknowledgement, DomainEvent
from domain.plan import PlanState, fold
from tests.support.plans import NOW

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
PLAN_ID = "xa-an-binh-2025-2030"
# The nominee as the worked plan's first fixtures recorded it, before nomination ids were
# UUIDs (scenario.nomination(PLAN_ID, scenario.SHORT[0]) today).
NOMINEE = f"{PLAN_ID}-n15"


def path_of(event_type: str, version: int) -> Path:
    return FIXTURES / f"{event_type}.v{version}.json"


WORKED_PLAN = "worked-plan"
AMENDED = "amended-and-cancelled"
CONGRESS = "congress"
RESUMED = "resumed"


def scenario_events() -> list[DomainEvent]:
    """Every event of the worked scenario, in decision order."""
    # Imported here: reading the fixtures (the unit tests) needs none of the service layer.
    from tests.support import scenario

    state, events = PlanState(), []
    for command in [scenario.opening(PLAN_ID), *scenario.all_commands(PLAN_ID)]:
        decided = decide(state, command, now=NOW)
        state = fold(decided, state)
        events.extend(decided)
    return events


def _about_nominee(event: DomainEvent) -> bool:
    from tests.support import scenario

    nomination = getattr(event, "nomination_id", None)
    return nomination is None or nomination in (
        NOMINEE, scenario.nomination(PLAN_ID, scenario.SHORT[0]))


def review_histories() -> dict[str, list[DomainEvent]]:
    """The review of a submitted plan, through every kind of event: appraisals opened, a
    concern, a reminder and an overdue appraisal, the appraisals concluded, the committee
    reminded and overdue, then each decision in a history of its own."""
    # Imported here: only writing fixtures needs the review builders.
    from domain.approval import (
        Decision,
        approval_overdue,
        approval_reminder,
        conclude_appraisals,
    )
    from domain.people import CandidateGroup
    from tests.unit import review

    def appraised() -> tuple[Any, str]:
        history = review.History()
        history.decide(*(_unknown_cadre_plan(c, UNSURE) for c in review.large_plan_commands()))
        opened = [e.nomination_id for e in history.add(review.opened_appraisals(history.state))
                  if hasattr(e, "nomination_id")]
        last = opened[-1]
        for n in opened[:-1]:
            for agency in review.AGENCIES:
                concern = n == opened[0] and agency == review.AGENCIES[1]
                history.find(review.finding(n, agency, review.CONCERN if concern
                                            else review.CLEARED,
                                            command_id=f"finding-{n}-{agency}"))
        history.add(review.reminder(history.state, last))
        history.add(review.deadline_passed(history.state, last))
        history.add(conclude_appraisals(history.state, now=NOW))
        history.add(approval_reminder(history.state, now=NOW))
        history.add(approval_overdue(history.state, now=NOW))
        return history, last

    approve, last = appraised()
    approval = review.decision(Decision.APPROVE_WITH_EXCLUSIONS,
                               excluded=(review.exclusion(last),))
    approve.decide(replace(approval, acknowledged=(Acknowledgement(
        nomination_id=UNSURE, check_code="cadre_plan",
        reason="Đã có nghị quyết bổ sung quy hoạch, chờ văn bản của cấp trên"),)))
    send_back, last = appraised()
    send_back.decide(review.sending_back(5, CandidateGroup.FIRST_TIME, last))
    reject, _ = appraised()
    reject.decide(review.decision(Decision.REJECT))
    return {"review-approve": approve.events, "review-send-back": send_back.events,
            "review-reject": reject.events}


# A first-time candidate of the review whose place in the cadre plan is not stated: a failed
# check the approval acknowledges.
UNSURE = "00000000-0000-4000-8000-000000000012"


def _unknown_cadre_plan(command: Any, nomination_id: str) -> Any:
    from domain.commands import RegisterCandidate

    if isinstance(command, RegisterCandidate) and command.nomination_id == nomination_id:
        return replace(command, candidate=replace(command.candidate, in_cadre_plan=None))
    return command


def amended_history() -> list[DomainEvent]:
    """A plan whose list is imported at once; one candidate's birth date is corrected, another
    withdraws, and the plan is cancelled before any conference: its term is released."""
    from datetime import date

    from tests.support import plans

    state, events = PlanState(), []
    born_again = replace(plans.candidate(2), birth_date=date(1975, 3, 3))
    commands: list[PlanCommand] = [
        plans.open_plan(plan_id=PLAN_ID, command_id="amended-open"),
        plans.batch(incumbents=range(1, 5), first_time=[5]), plans.correct(2, born_again),
        plans.withdraw(3), plans.cancel()]
    for command in commands:
        decided = decide(state, command, now=NOW)
        state = fold(decided, state)
        events.extend(decided)
    return events


def resumed_history() -> list[DomainEvent]:
    """A plan with its list registered whose workflow was terminated, resumed by an
    administrator from its events."""
    from domain.people import Actor, Role
    from domain.resumption import ResumePlan, resume
    from tests.support import plans

    state, events = PlanState(), []
    commands: list[PlanCommand] = [plans.open_plan(plan_id=PLAN_ID, command_id="resumed-open"),
                                   plans.batch(incumbents=range(1, 5), first_time=[5])]
    for command in commands:
        decided = decide(state, command, now=NOW)
        state = fold(decided, state)
        events.extend(decided)
    operator = Actor(user_id="quan.tri", role=Role.ADMINISTRATOR, organization_id="*")
    events.extend(resume(state, ResumePlan(
        command_id="resumed-resume", actor=operator, plan_id=PLAN_ID,
        reason="Quy trình bị dừng ngang; khôi phục từ sổ sự kiện"),
        workflow_status="terminated", now=NOW))
    return events


def chosen() -> dict[str, tuple[str, int, DomainEvent]]:
    """One event per type, (history, index, event): from the worked plan the first about the
    nominee (or about the plan); other types from the review histories, in order."""
    picked: dict[str, tuple[str, int, DomainEvent]] = {}
    for index, event in enumerate(scenario_events()):
        if event.TYPE not in picked and _about_nominee(event):
            picked[event.TYPE] = (WORKED_PLAN, index, event)
    if set(EVENT_TYPES) - set(picked):
        for name, events in review_histories().items():
            for index, event in enumerate(events):
                picked.setdefault(event.TYPE, (name, index, event))
    if set(EVENT_TYPES) - set(picked):
        for index, event in enumerate(amended_history()):
            picked.setdefault(event.TYPE, (AMENDED, index, event))
    if set(EVENT_TYPES) - set(picked):
        for index, event in enumerate(resumed_history()):
            picked.setdefault(event.TYPE, (RESUMED, index, event))
    if set(EVENT_TYPES) - set(picked):
        from tests.support.congress import whole_election

        for index, event in enumerate(whole_election()):
            picked.setdefault(event.TYPE, (CONGRESS, index, event))
    return picked


def document(history: str, index: int, event: DomainEvent) -> dict[str, Any]:
    from workflows.envelopes import envelope

    workflow = "congress" if history == CONGRESS else "plan"
    stored = envelope(event, event_id=f"00000000-0000-4000-8000-{index:012d}",
                      workflow_id=f"{workflow}-{event.plan_id}", run_id="golden-fixture")
    return {
        "event_type": stored.event_type,
        "schema_version": stored.schema_version,
        "history": history,
        "sequence": index,
        "event_id": stored.event_id,
        "stream_id": stored.stream_id,
        "correlation_id": stored.correlation_id,
        "occurred_at": stored.occurred_at.isoformat(),
        "metadata": stored.metadata,
        "data": stored.data,
    }


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def write_missing() -> list[Path]:
    """Write the fixtures of current versions that do not exist yet; never overwrite."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, (history, index, event) in chosen().items():
        path = path_of(event_type, type(event).SCHEMA_VERSION)
        if path.exists():
            continue
        text = json.dumps(document(history, index, event), ensure_ascii=False, indent=2,
                          sort_keys=True)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written


def missing_types() -> list[str]:
    """Types no history emits: their fixtures must be written another way."""
    return sorted(set(EVENT_TYPES) - set(chosen()))


if __name__ == "__main__":
    for path in write_missing():
        print(f"wrote {path}")
    if gaps := missing_types():
        print(f"no history emits {', '.join(gaps)}: add a history that decides them",
              file=sys.stderr)
