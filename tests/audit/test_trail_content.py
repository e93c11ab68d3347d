"""What a trail says and when: every description in Vietnamese (no code in the words people
read), a send-back with its step and no attempt, and time travel by business date (a
conference's ``held_on``) beside time travel by recorded time."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from audit.trail import trail_report
from audit.trail_formats import trail_html
from domain.commands import PlanCommand
from domain.decide import decide
from domain.events import EVENT_TYPES, DomainEvent, NominationSentBack
from domain.people import CandidateGroup, Role
from domain.plan import PlanPhase, PlanState, expected_versions, fold
from domain.vocabulary import CATALOGUE
from reads.describe import describe, label
from reads.plans import VIETNAM, business_date, load_plan, plan_view
from reads.trail import NominationNotFound, nomination_trail
from tests.audit.log import KEYS
from tests.projections.support import Step, append_all, steps_from_history
from tests.support import plans
from tests.support.databases import Scratch
from tests.support.plans import conference, open_plan, register, votes

pytestmark = pytest.mark.audit


def _histories() -> list[list[DomainEvent]]:
    from tests.unit.test_events import every_history

    return every_history()


# Every code a reader must never see: roles, agencies, groups, outcomes, event types...
CODES = (
    {r.value for r in Role} | set(CATALOGUE["agency"]) | set(CATALOGUE["position_group"])
    | {g.value for g in CandidateGroup} | set(EVENT_TYPES) | set(CATALOGUE["finding"])
    | set(CATALOGUE["appraisal_result"]) | set(CATALOGUE["severity"])
    | set(CATALOGUE["body"]) | {"None", "registration", "submission", "revote", "advanced",
                                "dropped", "below_threshold", "over_list_maximum"})
WORD = re.compile(r"[A-Za-z_]+")
#: A send-back's words: the label catalogue's, for its event type.
SENT_BACK = CATALOGUE["event"]["NominationSentBack"]
USER_TEXT = ("evidence_ref", "decision_ref", "text", "reasons")


@pytest.mark.parametrize("index", range(len(_histories())),
                         ids=["whole-plan", "reviewed-sent-back", "excluded", "rejected"])
async def test_every_description_is_vietnamese_and_a_send_back_has_no_attempt(
        scratch: Scratch, index: int) -> None:
    history = _histories()[index]
    plan_id = history[0].plan_id
    await append_all(scratch.store, steps_from_history(plan_id, history))
    nominations = sorted({getattr(e, "nomination_id") for e in history  # noqa: B009
                          if hasattr(e, "nomination_id")})
    # What people typed (references, findings, reasons) is theirs, whatever it says.
    typed = sorted({value for e in history for name in USER_TEXT
                    if isinstance(value := getattr(e, name, None), str) and value},
                   key=len, reverse=True)
    sent_back = 0
    for nomination_id in nominations:
        trail = await nomination_trail(scratch.store, nomination_id)
        for entry in trail.entries:
            for text in (entry.outcome_vi, entry.reason):
                for value in typed:
                    text = text.replace(value, "")
                leaked = set(WORD.findall(text)) & CODES
                assert not leaked, (entry.event_type, text)
            if entry.event_type == "NominationSentBack":
                sent_back += 1
                assert entry.attempt is None and entry.step is not None
                assert entry.outcome_vi == f"{SENT_BACK} bước {entry.step}"
            elif entry.attempt is not None:  # only a conference's result has one
                assert entry.event_type in ("NominationAdvanced", "NominationDropped",
                                            "NominationRevoteRequired")
        page = trail_html(await trail_report(scratch.engine, scratch.store, nomination_id,
                                             KEYS))
        assert "lần None" not in page and "None" not in re.sub(r"<[^>]+>", "", page)
    assert (sent_back > 0) == (index == 1)


def test_labels_come_from_one_dict_and_a_procedure_names_its_own_groups() -> None:
    [sent] = [e for e in _histories()[1] if isinstance(e, NominationSentBack)][:1]
    about = describe(sent)
    assert (about.step, about.attempt) == (sent.step, None)
    assert about.outcome_vi == f"{SENT_BACK} bước {sent.step}"
    assert SENT_BACK == "Nhân sự được trả lại để xem xét lại"
    assert label("role", "appraisal_agency") == "Cơ quan chuyên môn thẩm định"
    assert label("agency", "something_new") == "something_new"  # unknown: the code itself
    opened = _histories()[0][0]
    registered = next(e for e in _histories()[0] if e.TYPE == "CandidateRegistered")
    procedure = getattr(opened, "procedure")  # noqa: B009 - PlanOpened
    title = procedure.position_group_title(getattr(registered, "position_group"))  # noqa: B009
    assert title in describe(registered, procedure).reason


# --- time travel by business date ------------------------------------------------------------
PLAN = "ngay"


def at(day: int, hour: int = 2, minute: int = 0) -> datetime:
    """A moment in May 2025, in UTC (Vietnam is 7 hours ahead)."""
    return datetime(2025, 5, day, hour, minute, tzinfo=UTC)


def nid(i: int) -> str:
    return plans.nid(i)


def dated_steps(dated: list[tuple[datetime, PlanCommand]]) -> list[Step]:
    """Each command decided at its own moment (its events' occurred_at)."""
    state, steps = PlanState(), []
    for now, command in dated:
        events = decide(state, command, now=now)
        assert events, command
        steps.append(Step(PLAN, tuple(events), expected_versions(state, events)))
        state = fold(events, state)
    return steps


def the_plan() -> list[Step]:
    """Opened 1 May; candidates 1 and 2 registered on 2 May, 3 at 01:30 on 4 May in Vietnam
    (still 3 May in UTC), 4 on 6 May; step 1 held on 5 May but recorded on 7 May (candidate 4
    too was voted on); step 2 held and recorded on 8 May."""
    group = CandidateGroup.INCUMBENT
    everyone = votes([nid(i) for i in range(1, 5)])
    return dated_steps([
        (at(1), replace(open_plan(plan_id=PLAN, seats=3), command_id="open")),
        *[(at(2), register(i, group, nomination_id=nid(i), command_id=f"reg-{i}"))
          for i in (1, 2)],
        (at(3, 18, 30), register(3, group, nomination_id=nid(3), command_id="reg-3")),
        (at(6), register(4, group, nomination_id=nid(4), command_id="reg-4")),
        (at(7), conference(1, group, everyone, held_on=date(2025, 5, 5), command_id="b1")),
        (at(8, 10), conference(2, group, everyone, held_on=date(2025, 5, 8),
                               command_id="b2")),
    ])


async def test_a_conference_counts_from_the_day_it_was_held_not_the_day_it_was_recorded(
        scratch: Scratch) -> None:
    steps = the_plan()
    # The store stamps recorded_at itself: note a moment between candidate 4's registration
    # and step 1's result being recorded.
    await append_all(scratch.store, steps[:5])
    between = datetime.now(VIETNAM)
    await asyncio.sleep(0.01)
    await append_all(scratch.store, steps[5:])

    def registered(state: PlanState) -> set[str]:
        return set(state.nominations)

    by_3 = await load_plan(scratch.store, PLAN, as_of_date=date(2025, 5, 3))
    assert registered(by_3) == {nid(1), nid(2)}  # 3 registered on 4 May, Vietnam time
    by_4 = await load_plan(scratch.store, PLAN, as_of_date=date(2025, 5, 4))
    assert registered(by_4) == {nid(1), nid(2), nid(3)} and by_4.phase is PlanPhase.OPEN

    by_5 = await plan_view(scratch.store, PLAN, as_of_date=date(2025, 5, 5))
    # Step 1 was held on 5 May; candidate 4, entered on 6 May, was voted on that day.
    assert registered(by_5.state) == {nid(i) for i in range(1, 5)}
    assert by_5.state.phase is PlanPhase.IN_PROCEDURE
    assert by_5.state.last_held_on == date(2025, 5, 5)
    assert {n: [(r.step, r.held_on) for r in rs] for n, rs in by_5.results.items()} == {
        nid(i): [(1, date(2025, 5, 5))] for i in range(1, 5)}
    assert (await load_plan(scratch.store, PLAN, as_of_date=date(2025, 5, 7))) == by_5.state

    # By recorded time, before step 1's result was entered nothing of it was known.
    recorded_before = await plan_view(scratch.store, PLAN, as_of=between)
    assert recorded_before.results == {}
    assert registered(recorded_before.state) == registered(by_5.state)

    by_8 = await plan_view(scratch.store, PLAN, as_of_date=date(2025, 5, 8))
    assert [r.step for r in by_8.results[nid(1)]] == [1, 2]
    assert by_8.state == await load_plan(scratch.store, PLAN)


async def test_a_trail_by_business_date(scratch: Scratch) -> None:
    await append_all(scratch.store, the_plan())

    trail = await nomination_trail(scratch.store, nid(1), as_of_date=date(2025, 5, 5))
    assert [e.event_type for e in trail.entries] == [
        "CandidateRegistered", "EligibilityChecked", "NominationAdvanced"]
    assert [e.business_date for e in trail.entries] == [date(2025, 5, 2)] * 2 + [
        date(2025, 5, 5)]
    advanced = trail.entries[-1]
    assert (advanced.step, advanced.attempt) == (1, 1)
    assert advanced.occurred_at.astimezone(VIETNAM).date() == date(2025, 5, 7)
    assert trail.as_of_date == date(2025, 5, 5)

    early = await nomination_trail(scratch.store, nid(1), as_of_date=date(2025, 5, 4))
    assert [e.event_type for e in early.entries] == ["CandidateRegistered",
                                                     "EligibilityChecked"]
    with pytest.raises(NominationNotFound, match="tính đến ngày 2025-05-04"):
        await nomination_trail(scratch.store, nid(4), as_of_date=date(2025, 5, 4))
    late_entry = await nomination_trail(scratch.store, nid(4), as_of_date=date(2025, 5, 5))
    assert [e.business_date for e in late_entry.entries][-1] == date(2025, 5, 5)

    report = await trail_report(scratch.engine, scratch.store, nid(1), KEYS,
                                as_of_date=date(2025, 5, 5))
    assert [e.position for e in report.trail.entries] == [e.position for e in trail.entries]
    full = await nomination_trail(scratch.store, nid(1))
    assert [e.step for e in full.entries if e.step] == [1, 2]


def test_the_business_date_of_an_event_is_its_day_in_vietnam() -> None:
    steps = the_plan()
    third = next(e for s in steps for e in s.events if getattr(e, "nomination_id", "") == nid(3))
    assert third.occurred_at.date() == date(2025, 5, 3)
    assert business_date(third, {}) == date(2025, 5, 4)
    assert VIETNAM.utcoffset(None) == timedelta(hours=7) == timezone(timedelta(hours=7)).utcoffset(
        None)


async def test_recorded_times_must_be_aware(scratch: Scratch) -> None:
    await append_all(scratch.store, the_plan())
    naive = datetime(2025, 5, 6, 12, 0)
    for read in (lambda: load_plan(scratch.store, PLAN, as_of=naive),
                 lambda: plan_view(scratch.store, PLAN, as_of=naive),
                 lambda: nomination_trail(scratch.store, nid(1), as_of=naive),
                 lambda: trail_report(scratch.engine, scratch.store, nid(1), KEYS, as_of=naive)):
        with pytest.raises(ValueError, match="timezone-aware"):
            await read()
