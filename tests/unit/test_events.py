"""Events: streams and versions, storage round trip, idempotent commands."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, ClassVar

import pytest

from domain.approval import (
    Decision,
    approval_overdue,
    approval_reminder,
    conclude_appraisals,
)
from domain.commands import PlanCommand
from domain.errors import CommandRejected
from domain.events import (
    PLAN_EVENT_TYPES,
    ApprovalOverdue,
    DomainEvent,
    EligibilityChecked,
    NominationAdvanced,
    NominationDropped,
    NominationRevoteRequired,
    StructureAssessed,
    event_from_data,
    event_to_data,
    nomination_stream,
    plan_stream,
    stream_of,
)
from domain.people import Actor, CandidateGroup, Role
from domain.plan import PlanState, evolve, fold
from domain.resumption import ResumePlan, resume
from domain.serialization import to_data
from tests.support.plans import (
    DEPARTMENT,
    N01,
    N02,
    N03,
    N04,
    N05,
    N06,
    N07,
    N99,
    NOW,
    all_steps,
    batch,
    cancel,
    candidate,
    conference,
    correct,
    ids,
    open_plan,
    register,
    registrations,
    submit,
    votes,
    withdraw,
)
from tests.unit.gwt import given, recorded, types, when
from tests.unit.review import (
    AGENCIES,
    CLEARED,
    CONCERN,
    DISQUALIFYING,
    History,
    deadline_passed,
    decision,
    exclusion,
    finding,
    large_plan_commands,
    opened_appraisals,
    reminder,
    sending_back,
    small_plan_commands,
)

pytestmark = pytest.mark.unit

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
THREE = ids(range(1, 4))


def whole_plan() -> list[DomainEvent]:
    """A plan through everything: a repeat, drops, a tie settled by the head, a cut, submit."""
    return recorded(
        open_plan(seats=3),  # a list of exactly 4
        *registrations(incumbents=range(1, 5), first_time=[5, 6, 7]),
        conference(1, INCUMBENT, votes(ids(range(1, 5)), 2)),  # 0 + 3 waiting < 4: repeat
        conference(1, INCUMBENT, {**votes(THREE), N04: 2}, command_id="step-1-lan-2"),
        *all_steps(INCUMBENT, votes(THREE), steps=range(2, 6)),
        *all_steps(FIRST_TIME, votes([N05, N06, N07]), steps=range(1, 5)),
        conference(5, FIRST_TIME, {N05: 12, N06: 12, N07: 10}, tie_break=(N06,)),
        submit(),
    )


PREPARATION_TYPES = {
    "PlanOpened", "PlanTermClaimed", "CandidateRegistered", "EligibilityChecked",
    "ConferenceResultRecorded",
    "NominationAdvanced", "NominationDropped", "NominationRevoteRequired",
    "GroupCompletedSteps", "PlanSubmitted", "StructureAssessed",
}


def reviewed_plan() -> list[DomainEvent]:
    """The whole plan through its review: one agency is reminded, one amends its finding, one
    appraisal runs out its deadline; the superior committee is reminded, is overdue, and sends
    the first-time candidate back to step 4; the second round is submitted and approved."""
    life = History()
    life.add(whole_plan())
    life.add(opened_appraisals(life.state))  # n01, n02, n03, n06
    life.add(reminder(life.state, N01))
    for agency in AGENCIES:
        life.find(finding(N01, agency))
    life.find(finding(N02, AGENCIES[0], CONCERN))
    life.find(finding(N02, AGENCIES[0], CLEARED))  # amends the concern
    for agency in AGENCIES[1:]:
        life.find(finding(N02, agency))
    life.find(finding(N03, AGENCIES[0]))
    life.add(deadline_passed(life.state, N03))
    life.find(finding(N06, AGENCIES[0]))
    life.find(finding(N06, AGENCIES[1], CONCERN))
    life.find(finding(N06, AGENCIES[2]))
    life.add(conclude_appraisals(life.state, now=NOW))
    life.add(approval_reminder(life.state, now=NOW))
    life.add(approval_overdue(life.state, now=NOW))
    life.decide(sending_back(4, FIRST_TIME, N06))
    life.decide(conference(4, FIRST_TIME, {N06: 12}, held_on=date(2025, 5, 20)),
                conference(5, FIRST_TIME, {N06: 12}, held_on=date(2025, 5, 21)),
                submit("submit-2"))
    life.appraise()  # n06 again, in round 2
    life.add(conclude_appraisals(life.state, now=NOW))
    life.decide(decision(command_id="quyet-dinh-2"))
    return life.events


def other_endings() -> list[list[DomainEvent]]:
    """Approval with a disqualified candidate excluded (a list long enough to lose one), and
    a rejection: the decisions the reviewed plan does not take."""
    excluded, rejected = History(), History()
    excluded.decide(*large_plan_commands())
    excluded.appraise({N05: {AGENCIES[1]: DISQUALIFYING}})
    excluded.add(conclude_appraisals(excluded.state, now=NOW))
    excluded.decide(decision(Decision.APPROVE_WITH_EXCLUSIONS, excluded=(exclusion(N05),)))
    rejected.decide(*small_plan_commands())
    rejected.appraise()
    rejected.add(conclude_appraisals(rejected.state, now=NOW))
    rejected.decide(decision(Decision.REJECT))
    return [excluded.events, rejected.events]


def amended_and_cancelled() -> list[DomainEvent]:
    """A plan whose list is imported at once, one candidate's particulars corrected, another
    withdrawn, and which is then cancelled: its term is released."""
    born_again = replace(candidate(2), birth_date=date(1975, 3, 3))
    before = recorded(open_plan(seats=3), batch(incumbents=range(1, 5), first_time=[5]),
                      correct(2, born_again), withdraw(3))
    # Its workflow was terminated meanwhile and an operator resumed it from the record.
    resumed = resume(fold(before), ResumePlan(
        command_id="resume-1", actor=Actor(user_id="operator", role=Role.ADMINISTRATOR,
                                           organization_id="*"),
        plan_id=before[0].plan_id, reason="Quy trình bị dừng ngang"),
        workflow_status="terminated", now=NOW)
    return [*before, *resumed, *recorded(cancel(), state=fold([*before, *resumed]))]


def every_history() -> list[list[DomainEvent]]:
    """The histories of a plan through review and decision (tests/projections reads them)."""
    return [whole_plan(), reviewed_plan(), *other_endings()]


def all_histories() -> list[list[DomainEvent]]:
    """Every history, with the amended and cancelled plan: every event type between them."""
    return [*every_history(), amended_and_cancelled()]


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


def test_the_whole_plan_uses_every_preparation_event_type() -> None:
    assert set(types(whole_plan())) == PREPARATION_TYPES


def test_the_review_uses_every_other_event_type() -> None:
    review = set(types(reviewed_plan()))
    endings = [set(types(events)) for events in other_endings()]

    amended = set(types(amended_and_cancelled()))
    changes = {"CandidateWithdrawn", "RegistrationCorrected", "PlanCancelled", "PlanResumed"}

    assert review == set(PLAN_EVENT_TYPES) - {"NominationExcluded", "PlanRejected",
                                         "PlanTermReleased"} - changes
    assert "NominationExcluded" in endings[0] and "PlanRejected" in endings[1]
    assert "PlanRejected" not in endings[0] and "PlanApproved" not in endings[1]
    assert "PlanTermReleased" in endings[1] and "PlanTermReleased" in amended
    assert amended >= changes
    assert set().union(review, *endings, amended) == set(PLAN_EVENT_TYPES)


def test_every_event_round_trips_through_json() -> None:
    seen = set()
    for events in all_histories():
        for event in events:
            data = event_to_data(event)
            assert floats_in(data) == [], event.TYPE
            assert "TYPE" not in data and "SCHEMA_VERSION" not in data
            assert stored(event) == event
            seen.add(event.TYPE)
    assert seen == set(PLAN_EVENT_TYPES)


@pytest.mark.parametrize("history", range(5), ids=["prepared", "reviewed", "excluded",
                                                    "rejected", "amended"])
def test_events_read_back_fold_to_the_same_state(history: int) -> None:
    events = all_histories()[history]

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
    assert stream_of(registered[0]) == f"nomination-{N01}" == nomination_stream(N01)


def test_stream_versions_count_each_streams_events() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 5)),
                  conference(1, INCUMBENT, votes(ids(range(1, 5)))))

    assert state.version_of("plan-plan-1") == 2  # opened, conference
    assert state.version_of(f"nomination-{N01}") == 3  # registered, eligibility checked, advanced
    assert state.version_of(f"nomination-{N04}") == 3
    assert state.version_of(f"nomination-{N99}") == 0


def test_stream_versions_over_a_whole_plan() -> None:
    events = whole_plan()
    state = fold(events)

    expected = Counter(stream_of(e) for e in events)
    assert state.versions == dict(expected)
    # Each nomination's eligibility is checked when it is registered; only those on the
    # submitted list are checked again at submission.
    # n04: registered, checked, repeat, dropped at the second attempt
    assert state.version_of(f"nomination-{N04}") == 4
    # n01: registered, checked, repeat, advanced at steps 1 to 5, checked at submission
    assert state.version_of(f"nomination-{N01}") == 9
    # n06: registered, checked, advanced at steps 1 to 5 (kept by the head's decision on the
    # tie), checked at submission
    assert state.version_of(f"nomination-{N06}") == 8
    # n05 (lost the tie) and n07: registered, checked, advanced at steps 1 to 4, cut at step 5
    assert state.version_of(f"nomination-{N05}") == state.version_of(f"nomination-{N07}") == 7
    # opened, 11 conferences (6 incumbent, 5 first-time), 2 groups completed, submitted,
    # structure assessed
    assert state.version_of("plan-plan-1") == 1 + 11 + 2 + 1 + 1


def test_the_review_of_a_nomination_is_on_its_own_stream() -> None:
    events = reviewed_plan()
    state = fold(events)

    assert state.versions == dict(Counter(stream_of(e) for e in events))
    n06 = [e.TYPE for e in events if stream_of(e) == f"nomination-{N06}"]
    assert n06 == [
        "CandidateRegistered", "EligibilityChecked", *["NominationAdvanced"] * 5,
        "EligibilityChecked",
        "AppraisalOpened", "FindingRecorded", "FindingRecorded", "FindingRecorded",
        "AppraisalCompleted",
        "NominationSentBack", "NominationAdvanced", "NominationAdvanced", "EligibilityChecked",
        "AppraisalOpened", "FindingRecorded", "FindingRecorded", "FindingRecorded",
        "AppraisalCompleted",
        "NominationApproved",
    ]
    plan = [e.TYPE for e in events[len(whole_plan()):] if stream_of(e) == "plan-plan-1"]
    assert plan == [
        "AppraisalsCompleted", "ApprovalReminderSent", "ApprovalOverdue", "PlanSentBack",
        "ConferenceResultRecorded", "ConferenceResultRecorded", "GroupCompletedSteps",
        "PlanSubmitted", "StructureAssessed", "AppraisalsCompleted", "PlanApproved",
    ]


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


# --- what the domain writes in events is Vietnamese ---------------------------------------------
ENGLISH = re.compile(r"\b(is|not|must|the|be|may|only|cannot|has|have|are|of|for|with|"
                     r"and|already|needs?|given|passed|failed|step|votes?)\b", re.IGNORECASE)
DATE_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def texts_written_by_the_domain(events: list[DomainEvent]) -> list[tuple[str, str]]:
    """(event type, text) of every reason, detail and escalation the domain composes (the
    reasons people give in commands are theirs, not the domain's)."""
    found: list[tuple[str, str]] = []
    for e in events:
        if isinstance(e, NominationAdvanced | NominationDropped | NominationRevoteRequired):
            found.append((e.TYPE, e.reason))
        if isinstance(e, EligibilityChecked):
            found.extend((e.TYPE, c.detail) for c in e.checks)
        if isinstance(e, StructureAssessed):
            found.extend((e.TYPE, s.detail) for a in e.lists for s in a.shortfalls)
        if isinstance(e, ApprovalOverdue):
            found.append((e.TYPE, e.escalated_to))
    return found


def test_every_reason_and_detail_the_domain_writes_is_vietnamese() -> None:
    texts = [t for events in all_histories() for t in texts_written_by_the_domain(events)]

    assert {kind for kind, _ in texts} >= {"NominationAdvanced", "NominationDropped",
                                           "NominationRevoteRequired", "EligibilityChecked",
                                           "ApprovalOverdue"}
    assert [t for t in texts if ENGLISH.search(t[1])] == []
    assert [t for t in texts if DATE_ISO.search(t[1])] == []  # days are written 05/05/2025
