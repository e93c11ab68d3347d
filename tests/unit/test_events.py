"""Events: streams and versions, storage round trip, idempotent commands."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import pytest

from domain.commands import PlanCommand
from domain.errors import CommandRejected
from domain.events import (
    EVENT_TYPES,
    DomainEvent,
    event_from_data,
    event_to_data,
    nomination_stream,
    plan_stream,
    stream_of,
)
from domain.people import CandidateGroup
from domain.plan import PlanState, evolve, fold
from domain.serialization import to_data
from tests.support.plans import (
    DEPARTMENT,
    NOW,
    all_steps,
    conference,
    ids,
    open_plan,
    register,
    registrations,
    submit,
    votes,
)
from tests.unit.gwt import given, recorded, types, when

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
THREE = ids(range(1, 4))


def whole_plan() -> list[DomainEvent]:
    """A plan through everything: a repeat, drops, a tie settled by the head, a cut, submit."""
    return recorded(
        open_plan(seats=3),  # a list of exactly 4
        *registrations(incumbents=range(1, 5), first_time=[5, 6, 7]),
        conference(1, INCUMBENT, votes(ids(range(1, 5)), 2)),  # 0 + 3 waiting < 4: repeat
        conference(1, INCUMBENT, {**votes(THREE), "n04": 2}, command_id="step-1-lan-2"),
        *all_steps(INCUMBENT, votes(THREE), steps=range(2, 6)),
        *all_steps(FIRST_TIME, votes(["n05", "n06", "n07"]), steps=range(1, 5)),
        conference(5, FIRST_TIME, {"n05": 12, "n06": 12, "n07": 10}, tie_break=("n06",)),
        submit(),
    )


def stored(event: DomainEvent) -> DomainEvent:
    """Through JSON and back, as the event store keeps it."""
    text = json.dumps(event_to_data(event), ensure_ascii=False, sort_keys=True)
    return event_from_data(event.TYPE, event.SCHEMA_VERSION, json.loads(text))


def floats_in(data: Any) -> list[Any]:
    if isinstance(data, float):
        return [data]
    if isinstance(data, dict):
        return [f for v in data.values() for f in floats_in(v)]
    if isinstance(data, list):
        return [f for v in data for f in floats_in(v)]
    return []


def test_the_whole_plan_uses_every_event_type() -> None:
    assert set(types(whole_plan())) == set(EVENT_TYPES)


def test_every_event_round_trips_through_json() -> None:
    for event in whole_plan():
        data = event_to_data(event)
        assert floats_in(data) == [], event.TYPE
        assert "TYPE" not in data and "SCHEMA_VERSION" not in data
        assert stored(event) == event


def test_events_read_back_fold_to_the_same_state() -> None:
    events = whole_plan()

    assert fold(stored(e) for e in events) == fold(events)


def test_ratios_are_stored_as_text_not_floats() -> None:
    opened = whole_plan()[0]
    data = event_to_data(opened)

    assert data["procedure"]["quorum"] == "2/3"
    assert data["procedure"]["surplus"]["prepared_min"] == "1/10"
    assert data["targets"]["women_min"] == "3/20"


def test_an_unknown_schema_version_is_refused() -> None:
    event = whole_plan()[0]

    with pytest.raises(ValueError, match="upcaster"):
        event_from_data(event.TYPE, event.SCHEMA_VERSION + 1, event_to_data(event))


def test_unknown_fields_are_refused_on_reading() -> None:
    event = whole_plan()[0]

    with pytest.raises(ValueError, match="unknown fields"):
        event_from_data(event.TYPE, event.SCHEMA_VERSION, {**event_to_data(event), "x": 1})


def test_naive_datetimes_and_floats_are_never_stored() -> None:
    with pytest.raises(ValueError, match="timezone"):
        to_data(datetime(2025, 6, 1, 9, 0))
    with pytest.raises(ValueError, match="floats"):
        to_data({"share": 0.15})


# --- streams and versions -----------------------------------------------------------------
def test_each_event_belongs_to_the_plan_or_to_one_nomination() -> None:
    events = whole_plan()
    streams = {e.TYPE: stream_of(e) for e in events if e.TYPE != "CandidateRegistered"}

    assert streams["PlanOpened"] == "plan-plan-1" == plan_stream("plan-1")
    assert streams["ConferenceResultRecorded"] == "plan-plan-1"
    assert streams["GroupCompletedSteps"] == "plan-plan-1"
    assert streams["PlanSubmitted"] == "plan-plan-1"
    registered = [e for e in events if e.TYPE == "CandidateRegistered"]
    assert stream_of(registered[0]) == "nomination-n01" == nomination_stream("n01")


def test_stream_versions_count_each_streams_events() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 5)),
                  conference(1, INCUMBENT, votes(ids(range(1, 5)))))

    assert state.version_of("plan-plan-1") == 2  # opened, conference
    assert state.version_of("nomination-n01") == 2  # registered, advanced
    assert state.version_of("nomination-n04") == 2
    assert state.version_of("nomination-n99") == 0


def test_stream_versions_over_a_whole_plan() -> None:
    events = whole_plan()
    state = fold(events)

    expected = Counter(stream_of(e) for e in events)
    assert state.versions == dict(expected)
    # n04: registered, repeat, dropped at the second attempt
    assert state.version_of("nomination-n04") == 3
    # n01: registered, repeat, then advanced at steps 1 to 5
    assert state.version_of("nomination-n01") == 7
    # n06: registered, advanced at steps 1 to 5 (kept by the head's decision on the tie)
    assert state.version_of("nomination-n06") == 6
    # opened, 11 conferences (6 incumbent, 5 first-time), 2 groups completed, submitted
    assert state.version_of("plan-plan-1") == 1 + 11 + 2 + 1


def test_evolve_refuses_an_event_it_does_not_know() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Stray(DomainEvent):
        TYPE: ClassVar[str] = "Stray"

    with pytest.raises(TypeError):
        evolve(PlanState(), Stray(plan_id="plan-1", occurred_at=NOW, actor=DEPARTMENT,
                                  command_id="x"))


# --- idempotency ------------------------------------------------------------------------------
READY: tuple[PlanCommand, ...] = (open_plan(seats=3), *registrations(incumbents=range(1, 5)))


@pytest.mark.parametrize(("history", "command"), [
    ((), open_plan()),
    (READY[:1], register(1, INCUMBENT)),
    (READY, conference(1, INCUMBENT, votes(ids(range(1, 5))))),
    ((*READY, *all_steps(INCUMBENT, votes(ids(range(1, 5))))), submit()),
], ids=["open", "register", "conference", "submit"])
def test_the_same_command_twice_decides_nothing_the_second_time(
        history: tuple[PlanCommand, ...], command: PlanCommand) -> None:
    state = given(*history)

    first = when(state, command)
    assert first
    after = given(first, state=state)
    assert command.command_id in after.processed_commands
    assert when(after, command) == []


def test_a_rejected_command_is_not_remembered() -> None:
    state = given(*READY)
    short = conference(1, INCUMBENT, votes(ids(range(1, 5)), 9), attending=9,
                       command_id="bien-ban-1")

    with pytest.raises(CommandRejected):
        when(state, short)
    assert "bien-ban-1" not in state.processed_commands
    corrected = conference(1, INCUMBENT, votes(ids(range(1, 5)), 12), attending=12,
                           command_id="bien-ban-1")
    assert when(state, corrected)
