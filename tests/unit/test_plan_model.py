"""The plan's domain (``decide``/``evolve``) against a small model of the rules written apart
from it, driven by Hypothesis through random sequences of conferences and submissions
(a ``RuleBasedStateMachine``): quorum, the pass mark, the order of the groups and steps, the
repeat of a step when too few pass (giới thiệu lại), the cut to the list's maximum at the last
step, and when a plan may be submitted. Every accepted command must move the model and the
domain alike; every refusal must be the model's refusal, naming its rule.

The model reads only the numbers of the procedure (quorum, threshold, the list's bounds);
its arithmetic is its own (cross-multiplied fractions, no ``domain.conference``). Thousands of
examples in CI: ``NHANSU_MODEL_EXAMPLES`` raises or lowers the count."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import procedures
from domain.commands import RecordConferenceResult
from domain.decide import decide
from domain.errors import CommandRejected
from domain.events import DomainEvent
from domain.people import CandidateGroup
from domain.plan import PlanPhase, PlanState, fold
from domain.plan_terms import Vote
from tests.support.plans import (
    COMMITTEE,
    DEPARTMENT,
    NOW,
    ids,
    open_plan,
    registrations,
    submit,
)

pytestmark = pytest.mark.unit

PROCEDURE = procedures.load("directive-35-2019")
QUORUM = Fraction(PROCEDURE.quorum)
THRESHOLD = Fraction(PROCEDURE.pass_threshold)
STEPS = 5
GROUPS = (CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME)  # tái cử before lần đầu
EXAMPLES = int(os.environ.get("NHANSU_MODEL_EXAMPLES", "300"))
STEPS_PER_EXAMPLE = 30  # 300 examples x up to 30 commands: thousands of commands decided


@dataclass
class Group:
    members: list[str]
    in_play: set[str] = field(default_factory=set)
    step: int = 1
    attempt: int = 1
    done: bool = False


@dataclass
class Model:
    """The rules as a person reads them: each group in order, five steps, more than half of
    those summoned to pass, at least two thirds present, a step done again when the list would
    fall short, the best-voted kept when it would run long."""

    seats: int
    groups: dict[CandidateGroup, Group]
    listed: list[str] = field(default_factory=list)
    started: bool = False
    submitted: bool = False

    @property
    def bounds(self) -> tuple[int, int]:
        return PROCEDURE.surplus.list_bounds(self.seats)  # numbers of the procedure

    def current(self) -> CandidateGroup | None:
        for g in GROUPS:
            if not self.groups[g].done:
                return g
        return None

    def conference(self, group: CandidateGroup, step: int, attempt: int, summoned: int,
                   attending: int, valid: int, yes: dict[str, int]) -> set[str]:
        """Apply, or return the rules the minutes break (a subset of the domain's)."""
        if self.submitted:
            return {"plan_closed", "not_open", "already_submitted", "phase"}
        now = self.current()
        if now is None:
            return {"nothing_to_vote"}
        if group is not now:
            return {"group_order"}
        g = self.groups[group]
        if step != g.step:
            return {"step_order"}
        broken = set()
        if attempt != g.attempt:
            broken.add("minutes_mismatch")
        low, high = self.bounds
        if not self.started and sum(len(x.in_play) for x in self.groups.values()) < low:
            broken.add("list_minimum")
        if attending * QUORUM.denominator < summoned * QUORUM.numerator:
            broken.add("quorum")
        if any(v > valid for v in yes.values()):
            broken.add("within_valid_ballots")
        if broken:
            return broken
        passers = [n for n in g.in_play if yes[n] * THRESHOLD.denominator
                   > summoned * THRESHOLD.numerator]
        later = sum(len(self.groups[x].in_play) for x in GROUPS[GROUPS.index(group) + 1:])
        if len(self.listed) + len(passers) + later < low:  # too few: the step again
            self.started = True
            g.attempt += 1
            return set()
        kept = passers
        if step == STEPS and len(self.listed) + len(passers) > high:
            room = max(high - len(self.listed), 0)
            ranked = sorted(passers, key=lambda n: -yes[n])
            if 0 < room < len(ranked) and yes[ranked[room - 1]] == yes[ranked[room]]:
                return {"head_decides_tie"}  # a tie at the cut: the head must choose
            kept = ranked[:room]
        self.started = True
        g.in_play = set(kept)
        if step == STEPS:
            self.listed += sorted(kept)
            g.done = True
        elif not kept:
            g.done = True
        else:
            g.step, g.attempt = step + 1, 1
        return set()

    def submit(self) -> set[str]:
        if self.submitted:
            return {"already_submitted", "not_open", "phase", "plan_closed"}
        if self.current() is not None or not self.started:
            return {"steps_unfinished"}
        low, high = self.bounds
        if len(self.listed) < low:
            return {"list_minimum"}
        if len(self.listed) > high:
            return {"list_maximum"}
        self.submitted = True
        return set()


class PlanMachine(RuleBasedStateMachine):
    state: PlanState
    model: Model

    @initialize(seats=st.sampled_from([3, 4, 6]), extra=st.integers(-1, 3),
                first_time=st.integers(0, 4))
    def open_and_register(self, seats: int, extra: int, first_time: int) -> None:
        self.model = Model(seats, {})
        people = self.model.bounds[0] + extra
        incumbents = max(people - first_time, 1)
        inc, ft = range(1, incumbents + 1), range(incumbents + 1, incumbents + first_time + 1)
        self.state = fold_all(PlanState(), [open_plan(seats=seats), *registrations(inc, ft)])
        self.model.groups = {CandidateGroup.INCUMBENT: Group(ids(inc), set(ids(inc))),
                             CandidateGroup.FIRST_TIME: Group(ids(ft), set(ids(ft)),
                                                              done=not ft)}
        self.count = 0

    def _try(self, command: object, expected: set[str]) -> None:
        self.count += 1
        try:
            events = decide(self.state, command, now=NOW)  # type: ignore[arg-type]
        except CommandRejected as refused:
            rules = {v.rule for v in refused.violations}
            assert expected, f"the model accepts what the domain refuses: {rules}"
            assert rules & expected, f"domain refused with {rules}, the model with {expected}"
            return
        assert not expected, f"the domain accepts what the model refuses ({expected})"
        self.state = fold(events, self.state)

    @rule(data=st.data(), group_shift=st.sampled_from([0] * 9 + [1]),
          step_shift=st.sampled_from([0] * 12 + [1, -1]),
          attempt_shift=st.sampled_from([0] * 12 + [1]),
          summoned=st.integers(1, 20))
    def record_conference(self, data: st.DataObject, group_shift: int, step_shift: int,
                          attempt_shift: int, summoned: int) -> None:
        current = self.model.current() or CandidateGroup.FIRST_TIME
        group = GROUPS[(GROUPS.index(current) + group_shift) % 2]
        g = self.model.groups[group]
        step = min(max(g.step + step_shift, 1), STEPS)
        attempt = g.attempt + attempt_shift
        # Mostly well-formed minutes where most pass, so that plans reach the last step and
        # its cut; now and then a short quorum, a weak candidate, an impossible count.
        attending = data.draw(st.one_of(st.just(summoned), st.just(summoned),
                                        st.integers(0, summoned)))
        valid = data.draw(st.one_of(st.just(attending), st.integers(0, attending)))
        strong = st.integers(max(valid - 3, 0), valid)
        ballot = data.draw(st.sampled_from([strong, strong, st.integers(0, valid),
                                            st.integers(0, valid + 1)]))
        yes = {n: data.draw(ballot) for n in sorted(g.in_play)}
        expected = self.model.conference(group, step, attempt, summoned, attending, valid,
                                         dict(yes))
        command = RecordConferenceResult(
            command_id=f"conf-{self.count}", actor=DEPARTMENT, position_group=COMMITTEE,
            candidate_group=group, step=step, attempt=attempt, held_on=date(2025, 5, 1),
            summoned=summoned, attending=attending, ballots_issued=attending,
            ballots_valid=valid, votes=tuple(Vote(nomination_id=k, yes=v)
                                             for k, v in yes.items()))
        self._try(command, expected)

    @precondition(lambda self: self.model.current() is None or self.count % 7 == 6)
    @rule()
    def submit_plan(self) -> None:
        self._try(submit(f"submit-{self.count}"), self.model.submit())

    @invariant()
    def the_domain_stands_where_the_model_does(self) -> None:
        if not hasattr(self, "model"):
            return
        assert sorted(n.nomination_id for n in self.state.listed(COMMITTEE)) == sorted(
            self.model.listed)
        for group in GROUPS:
            g = self.model.groups[group]
            in_play = {n.nomination_id for n in self.state.members((COMMITTEE, group))
                       if n.in_play}
            if not g.done:
                assert in_play == g.in_play, group
                progress = self.state.progress.get((COMMITTEE, group))
                if progress is not None:
                    assert (progress.step, progress.attempt) == (g.step, g.attempt), group
        assert (self.state.phase is PlanPhase.SUBMITTED) == self.model.submitted


def fold_all(state: PlanState, commands: list[object]) -> PlanState:
    for command in commands:
        events: list[DomainEvent] = decide(state, command, now=NOW)  # type: ignore[arg-type]
        state = fold(events, state)
    return state


PlanMachine.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS_PER_EXAMPLE, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_the_plan_follows_the_model_of_the_rules = PlanMachine.TestCase
