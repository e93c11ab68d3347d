"""Builders for the review of a submitted plan: the superior level's agencies appraise each
listed nomination (thẩm định), then its standing committee decides (phê duyệt).

    state = awaiting_approval(small_plan())
    events = when(state, decision(Decision.REJECT))

Appraisal is not a ``decide`` command: the workflow opens it (``open_appraisal``), feeds
findings to ``decide_finding`` on the nomination's ``AppraisalState``, and closes the review
with ``conclude_appraisals``. These helpers do the same on the folded plan state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from domain.appraisal import (
    AppraisalState,
    FindingOutcome,
    RecordFinding,
    decide_finding,
    expire,
    open_appraisal,
    remind,
)
from domain.approval import Decision, RecordApprovalDecision, SendBack, conclude_appraisals
from domain.commands import PlanCommand
from domain.errors import CommandRejected
from domain.events import Acknowledgement, DomainEvent, Exclusion
from domain.people import Actor, CandidateGroup, Role
from domain.plan import PlanPhase, PlanState, fold
from domain.procedure import duration
from tests.support.plans import (
    COMMITTEE,
    DEPARTMENT,
    NOW,
    ORG,
    all_steps,
    ids,
    open_plan,
    registrations,
    submit,
    votes,
)
from tests.support.review import AGENCIES as AGENCIES
from tests.support.review import SUPERIOR as SUPERIOR
from tests.unit.gwt import AnyCommand, given, recorded

INCUMBENT, FIRST_TIME = CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME
CLEARED = FindingOutcome.CLEARED
CONCERN = FindingOutcome.CONCERN
DISQUALIFYING = FindingOutcome.DISQUALIFYING



def appraisers(prefix: str = "tham-dinh") -> dict[str, Actor]:
    """One officer of each agency of the superior level."""
    return {agency: Actor(user_id=f"{prefix}.{agency}", role=Role.APPRAISAL_AGENCY,
                          organization_id=SUPERIOR)
            for agency in AGENCIES}


APPRAISERS = appraisers()
APPROVER = Actor(user_id="tran.van.thuong-vu", role=Role.SUPERIOR_STANDING_COMMITTEE,
                 organization_id=SUPERIOR)


# --- plans ready for review ---------------------------------------------------------------
def small_plan_commands() -> list[PlanCommand]:
    """3 seats, a list of exactly 4: incumbents n01-n03 and first-time n04, submitted."""
    return [open_plan(seats=3), *registrations(incumbents=[1, 2, 3], first_time=[4]),
            *all_steps(INCUMBENT, votes(ids([1, 2, 3]))),
            *all_steps(FIRST_TIME, votes(ids([4]))), submit()]


def large_plan_commands() -> list[PlanCommand]:
    """15 seats, a list of 17 (11 incumbents n01-n11, 6 first-time n12-n17), submitted: one
    or two names can be excluded and the list still be longer than the seats."""
    return [open_plan(seats=15),
            *registrations(incumbents=range(1, 12), first_time=range(12, 18)),
            *all_steps(INCUMBENT, votes(ids(range(1, 12)))),
            *all_steps(FIRST_TIME, votes(ids(range(12, 18)))), submit()]


def small_plan() -> PlanState:
    return given(*small_plan_commands())


def large_plan() -> PlanState:
    return given(*large_plan_commands())


# --- appraisal ----------------------------------------------------------------------------
def opened_appraisals(state: PlanState, *, now: datetime = NOW) -> list[DomainEvent]:
    """AppraisalOpened for every listed nomination still to appraise, with the procedure's
    agencies and deadline, as the workflow opens them."""
    assert state.procedure is not None
    rule = state.procedure.appraisal
    return [event for n in state.to_appraise()
            for event in open_appraisal(
                plan_id=state.plan_id, nomination_id=n.nomination_id, round=state.round,
                agencies=rule.agency_codes(), deadline=now + duration(rule.deadline), now=now,
                superior_id=state.superior_id)]


def finding(nomination_id: str, agency: str = AGENCIES[0],
            outcome: FindingOutcome = CLEARED, *, text: str | None = None,
            evidence_ref: str | None = None, actor: Actor | None = None,
            command_id: str | None = None) -> RecordFinding:
    """An agency's finding; a concern or a disqualifying finding says why unless told."""
    return RecordFinding(
        command_id=command_id or f"finding-{nomination_id}-{agency}-{outcome.value}",
        actor=actor or APPRAISERS[agency], nomination_id=nomination_id, agency=agency,
        outcome=outcome,
        text=(("" if outcome is CLEARED else f"{outcome.value}: hồ sơ {nomination_id}")
              if text is None else text),
        evidence_ref=f"BC-{agency}-{nomination_id}" if evidence_ref is None else evidence_ref,
    )


def record_finding(state: PlanState, command: RecordFinding, *,
                   now: datetime = NOW) -> list[DomainEvent]:
    """decide_finding on the nomination's appraisal, for the plan's superior level."""
    appraisal = state.appraisals.get(command.nomination_id, AppraisalState())
    return decide_finding(appraisal, command, plan_id=state.plan_id,
                          superior_id=state.superior_id, now=now)


def finding_rejected(state: PlanState, command: RecordFinding, *, field: str,
                     rule: str) -> CommandRejected:
    with pytest.raises(CommandRejected) as caught:
        record_finding(state, command)
    found = [(v.field, v.rule) for v in caught.value.violations]
    assert (field, rule) in found, f"expected ({field}, {rule}) among {found}"
    return caught.value


def reminder(state: PlanState, nomination_id: str, *,
             now: datetime = NOW) -> list[DomainEvent]:
    """The appraisal's reminder timer fired."""
    return remind(state.appraisals[nomination_id], plan_id=state.plan_id,
                  superior_id=state.superior_id, now=now)


def deadline_passed(state: PlanState, nomination_id: str, *,
                    now: datetime = NOW) -> list[DomainEvent]:
    """The appraisal's deadline timer fired."""
    return expire(state.appraisals[nomination_id], plan_id=state.plan_id,
                  superior_id=state.superior_id, now=now)


def appraised(state: PlanState,
              outcomes: Mapping[str, Mapping[str, FindingOutcome]] | None = None, *,
              by: Mapping[str, Actor] = APPRAISERS, now: datetime = NOW) -> PlanState:
    """Every nomination still to appraise is opened and answered by every agency (cleared
    unless ``outcomes`` says otherwise, by nomination and agency)."""
    life = History(state=state)
    life.appraise(outcomes, by=by, now=now)
    return life.state


def awaiting_approval(state: PlanState,
                      outcomes: Mapping[str, Mapping[str, FindingOutcome]] | None = None, *,
                      by: Mapping[str, Actor] = APPRAISERS, now: datetime = NOW) -> PlanState:
    """Appraised, then concluded: the plan is before the superior committee."""
    state = appraised(state, outcomes, by=by, now=now)
    state = given(conclude_appraisals(state, now=now), state=state)
    assert state.phase is PlanPhase.AWAITING_APPROVAL
    return state


# --- the superior committee's decision ----------------------------------------------------
def decision(kind: Decision = Decision.APPROVE, *, command_id: str = "quyet-dinh-1",
             decision_ref: str = "125-QĐ/HU", reasons: str | None = None,
             excluded: tuple[Exclusion, ...] = (), send_back: SendBack | None = None,
             acknowledged: tuple[Acknowledgement, ...] = (),
             actor: Actor = APPROVER) -> RecordApprovalDecision:
    """Reasons are given for every decision but a plain approval, unless told."""
    if reasons is None:
        reasons = "" if kind is Decision.APPROVE else f"Lý do ({kind.value})"
    return RecordApprovalDecision(command_id=command_id, actor=actor, decision=kind,
                                  decision_ref=decision_ref, reasons=reasons,
                                  excluded=excluded, send_back=send_back,
                                  acknowledged=acknowledged)


def acknowledgement(nomination_id: str, check_code: str = "cadre_plan",
                    reason: str = "Đã có nghị quyết bổ sung quy hoạch") -> Acknowledgement:
    return Acknowledgement(nomination_id=nomination_id, check_code=check_code, reason=reason)


def exclusion(nomination_id: str, reason: str = "Không đủ tiêu chuẩn") -> Exclusion:
    return Exclusion(nomination_id=nomination_id, reason=reason)


def back_to(step: int, group: CandidateGroup, *nominations: str,
            position_group: str = COMMITTEE) -> SendBack:
    return SendBack(position_group=position_group, candidate_group=group, step=step,
                    nominations=nominations)


def sending_back(step: int, group: CandidateGroup, *nominations: str,
                 command_id: str = "quyet-dinh-1") -> RecordApprovalDecision:
    return decision(Decision.SEND_BACK, command_id=command_id,
                    send_back=back_to(step, group, *nominations))


@dataclass
class History:
    """A plan's events as they are recorded, and the state they fold to."""

    events: list[DomainEvent] = field(default_factory=list)
    state: PlanState = field(default_factory=PlanState)

    def add(self, new: Iterable[DomainEvent]) -> list[DomainEvent]:
        added = list(new)
        self.events.extend(added)
        self.state = fold(added, self.state)
        return added

    def decide(self, *commands: AnyCommand, now: datetime = NOW) -> list[DomainEvent]:
        return self.add(recorded(*commands, state=self.state, now=now))

    def find(self, command: RecordFinding, *, now: datetime = NOW) -> list[DomainEvent]:
        return self.add(record_finding(self.state, command, now=now))

    def appraise(self, outcomes: Mapping[str, Mapping[str, FindingOutcome]] | None = None, *,
                 by: Mapping[str, Actor] = APPRAISERS, now: datetime = NOW) -> None:
        """Open an appraisal for every nomination still to appraise; every agency answers."""
        outcomes = outcomes or {}
        waiting = [n.nomination_id for n in self.state.to_appraise()]
        self.add(opened_appraisals(self.state, now=now))
        for nomination_id in waiting:
            for agency in AGENCIES:
                outcome = outcomes.get(nomination_id, {}).get(agency, CLEARED)
                self.find(finding(nomination_id, agency, outcome, actor=by[agency],
                                  command_id=f"finding-r{self.state.round}-{nomination_id}-"
                                             f"{agency}"), now=now)


assert ORG.parent_id == SUPERIOR
assert DEPARTMENT.organization_id == ORG.organization_id
