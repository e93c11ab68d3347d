"""Counting, signing and results (domain/election.py): more than half of the base elects,
exactly half does not; a tie at the cut-off is re-voted among the tied; a shortfall goes to
another ballot or leaves seats open; a planned secretary or deputy not elected pauses the
election for the superior committee's direction; the superior committee approves the result
and appoints to open seats with the consensus the procedure names."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from domain.ballots import BallotPattern
from domain.congress_events import (
    CONGRESS_EVENT_TYPES,
    BallotOpened,
    BallotResultDeclared,
    BallotsCounted,
    CongressClosed,
    CountSigned,
    DirectionGiven,
    ElectionPaused,
    ElectionResultApproved,
    MemberAppointed,
    RoundConcluded,
    RoundOpened,
    ShortfallDecided,
)
from domain.election import (
    CongressPhase,
    CongressState,
    RoundStage,
    decide_congress,
)
from domain.errors import CommandRejected
from domain.event_base import DomainEvent
from domain.events import event_from_data, event_to_data
from tests.support.congress import (
    BALLOTS,
    COMMITTEE,
    COMMITTEE_ACTOR,
    COUNTERS,
    DEPUTY,
    NOW,
    SECRETARY,
    STANDING,
    appoint,
    approve_result,
    approved_plan,
    close,
    count,
    direction,
    entry_id,
    nominate,
    open_congress,
    open_round,
    pid,
    shortfall,
    sign,
    spread,
    tallies,
    vote_list,
    whole_election,
)
from tests.support.plans import DEPARTMENT
from tests.unit.election_gwt import counted, given, then_rejected, vote, when
from tests.unit.gwt import of_type, one

pytestmark = pytest.mark.unit

def balloting(plan: object = None, **round_options: object) -> CongressState:
    return given(open_congress(plan or approved_plan()),  # type: ignore[arg-type]
                 open_round(**round_options), vote_list(1))  # type: ignore[arg-type]


def elected_ids(events: list[DomainEvent]) -> list[str]:
    return [e.entry_id for r in of_type(events, BallotResultDeclared) for e in r.elected]


# --- counting and signing ---------------------------------------------------------------------
def test_the_count_is_recorded_with_its_digest_and_the_ballot_files_hash() -> None:
    state, events = counted(balloting(), 1, spread(
        balloting().rounds[0].on_list, tallies(), BALLOTS, 9))

    counted_event = one(events, BallotsCounted)
    assert counted_event.count.returned == BALLOTS == counted_event.count.valid
    assert {v.entry_id: v.kept for v in counted_event.count.votes} == tallies()
    assert len(counted_event.count_digest) == 64
    assert len(counted_event.count.ballot_file_sha256) == 64
    assert (counted_event.recount, counted_event.matches_previous) == (0, None)
    assert state.rounds[0].ballot is not None and state.rounds[0].ballot.counts == 1


def test_only_the_counting_committee_counts_and_signs() -> None:
    state = balloting()
    patterns = spread(state.rounds[0].on_list, tallies(), BALLOTS, 9)

    for actor in (DEPARTMENT, COMMITTEE_ACTOR):
        then_rejected(state, count(1, patterns, actor=actor), field="actor.role",
                      rule="role_not_permitted")
    after, events = counted(state, 1, patterns)
    digest = one(events, BallotsCounted).count_digest
    for actor in (DEPARTMENT, COMMITTEE_ACTOR):
        then_rejected(after, sign(1, digest, actor=actor), field="actor.role",
                      rule="role_not_permitted")
    signed = one(when(after, sign(1, digest)), CountSigned)
    assert signed.actor == COUNTERS and signed.count_digest == digest


def test_ballots_in_the_order_read_are_refused_nothing_records_an_order() -> None:
    state = balloting()
    patterns = spread(state.rounds[0].on_list, tallies(), BALLOTS, 9)
    reversed_order = replace(count(1, patterns), ballots=tuple(reversed(patterns)))

    then_rejected(state, reversed_order, field="ballots", rule="canonical_order")


def test_a_count_must_fit_the_ballot_and_the_ballots_issued() -> None:
    state = balloting()
    stray = BallotPattern(issued=True, crossed_out=(entry_id(99, 1),))
    patterns = spread(state.rounds[0].on_list, tallies(), BALLOTS, 9)

    then_rejected(state, count(1, [stray]), field="ballots[0].crossed_out", rule="on_the_ballot")
    then_rejected(state, count(1, patterns, issued=BALLOTS - 1), field="ballots",
                  rule="returned_within_issued")
    then_rejected(state, count(1, patterns, issued=101), field="issued",
                  rule="issued_within_summoned")
    then_rejected(state, count(1, patterns, ballot=2), field="ballot", rule="ballot_order")
    then_rejected(state, count(1, []), field="ballots", rule="required")


def test_a_recount_says_whether_it_is_the_same_count_and_the_signature_is_for_the_last() -> None:
    state = balloting()
    patterns = spread(state.rounds[0].on_list, tallies(), BALLOTS, 9)
    first, events = counted(state, 1, patterns)
    again, recount = counted(first, 1, list(reversed(patterns)))
    different, changed = counted(again, 1, [*patterns, BallotPattern(issued=False,
                                                                     crossed_out=())])

    assert one(recount, BallotsCounted).matches_previous is True
    assert one(recount, BallotsCounted).count == one(events, BallotsCounted).count
    assert one(changed, BallotsCounted).matches_previous is False
    assert one(changed, BallotsCounted).recount == 2
    then_rejected(different, sign(1, one(events, BallotsCounted).count_digest),
                  field="count_digest", rule="count_changed")
    assert when(different, sign(1, one(changed, BallotsCounted).count_digest))


def test_a_signed_count_cannot_be_counted_or_signed_again() -> None:
    state, _ = vote(balloting(), 1, tallies(c9=50), ballots=BALLOTS)  # shortfall: stays open

    patterns = spread(state.rounds[0].ballots[0].entries, tallies(), BALLOTS, 9)
    then_rejected(state, count(1, patterns, command_id="late"), field="round",
                  rule="round_stage")


# --- who is elected ---------------------------------------------------------------------------
def test_more_than_half_of_the_base_then_the_most_votes_are_elected() -> None:
    state, events = vote(balloting(), 1, tallies(), ballots=BALLOTS)

    result = one(events, BallotResultDeclared)
    assert (result.base, result.needed, result.outcome) == (100, 51, "complete")
    assert elected_ids(events) == [pid(i) for i in range(1, 10)]
    concluded = one(events, RoundConcluded)
    assert concluded.open_seats == 0 and len(concluded.elected) == 9
    assert state.rounds[0].stage is RoundStage.CONCLUDED
    assert "Trúng cử" in result.reason and "ít nhất 51 phiếu" in result.reason


def test_exactly_half_of_the_base_is_not_elected() -> None:
    state, events = vote(balloting(), 1, tallies(c9=50), ballots=BALLOTS)

    result = one(events, BallotResultDeclared)
    assert pid(9) not in elected_ids(events)
    assert (result.outcome, result.open_seats) == ("shortfall", 1)
    assert state.rounds[0].stage is RoundStage.SHORTFALL
    _, with_one_more = vote(balloting(), 1, tallies(c9=51), ballots=BALLOTS)
    assert pid(9) in elected_ids(with_one_more)


def test_the_base_less_the_excluded_lowers_the_mark() -> None:
    state = balloting(excluded=10, excluded_reason="Vắng mặt cả buổi có lý do")
    _, events = vote(state, 1, tallies(c9=46), ballots=85)

    result = one(events, BallotResultDeclared)
    assert (result.base, result.needed) == (90, 46)
    assert pid(9) in elected_ids(events)


def test_a_tie_at_the_cut_off_goes_to_a_new_ballot_among_the_tied() -> None:
    tied = tallies(c7=60, c8=60, c9=60, c10=60)  # c1-c6 above; four at 60 for three places
    state, events = vote(balloting(), 1, tied, ballots=BALLOTS)

    result = one(events, BallotResultDeclared)
    assert result.outcome == "tie"
    assert elected_ids(events) == [pid(i) for i in range(1, 7)]
    assert result.tied == (pid(7), pid(8), pid(9), pid(10)) and result.tied_places == 3
    revote = one(events, BallotOpened)
    assert (revote.ballot, revote.kind, revote.seats) == (2, "tie", 3)
    assert revote.entries == result.tied
    assert "bầu lại" in result.reason

    settled, events2 = vote(state, 1, {pid(7): 70, pid(8): 66, pid(9): 60, pid(10): 52},
                            ballots=BALLOTS)
    assert elected_ids(events2) == [pid(7), pid(8), pid(9)]
    assert settled.rounds[0].stage is RoundStage.CONCLUDED
    concluded = one(events2, RoundConcluded)
    assert len(concluded.elected) == 9 and concluded.open_seats == 0
    assert [e.ballot for e in concluded.elected] == [1] * 6 + [2] * 3


def test_a_tie_that_decides_nothing_is_no_tie() -> None:
    level = tallies(c8=60, c9=60)  # two tied for the last two places: both elected
    _, events = vote(balloting(), 1, level, ballots=BALLOTS)

    assert one(events, BallotResultDeclared).outcome == "complete"
    assert {pid(8), pid(9)} <= set(elected_ids(events))


def test_a_shortfall_goes_to_another_ballot_among_those_left() -> None:
    short, _ = vote(balloting(), 1, tallies(c8=45, c9=50), ballots=BALLOTS)

    events = when(short, shortfall(1, "another_ballot"))
    decided = one(events, ShortfallDecided)
    ballot = one(events, BallotOpened)
    assert (decided.open_seats, ballot.kind, ballot.seats) == (2, "shortfall", 2)
    assert ballot.entries == (pid(8), pid(9), pid(10), pid(11))
    state = given(events, state=short)
    done, events2 = vote(state, 1, {pid(8): 70, pid(9): 60, pid(10): 30, pid(11): 20},
                         ballots=BALLOTS)
    assert one(events2, RoundConcluded).open_seats == 0
    assert done.member_identities(COMMITTEE) >= {"TD-000008", "TD-000009"}


def test_after_the_procedures_further_ballots_the_seats_can_only_be_left_open() -> None:
    state, _ = vote(balloting(), 1, tallies(c9=20), ballots=BALLOTS)
    for n in (2, 3):  # further_ballots_max = 2
        state = given(shortfall(1, "another_ballot", command_id=f"more-{n}"), state=state)
        state, _ = vote(state, 1, {pid(9): 30, pid(10): 20, pid(11): 10}, ballots=60)

    then_rejected(state, shortfall(1, "another_ballot", command_id="more-4"),
                  field="decision", rule="ballots_exhausted")
    events = when(state, shortfall(1, "leave_open"))
    concluded = one(events, RoundConcluded)
    assert concluded.open_seats == 1 and len(concluded.elected) == 8


def test_leaving_seats_open_is_a_recorded_decision_with_its_reason() -> None:
    state, _ = vote(balloting(), 1, tallies(c9=20), ballots=BALLOTS)

    then_rejected(state, shortfall(1, "leave_open", reason=""), field="reason",
                  rule="reason_required")
    then_rejected(state, shortfall(1, "bốc thăm"), field="decision", rule="one_of")
    events = when(state, shortfall(1, "leave_open"))
    assert one(events, ShortfallDecided).reason == "Đại hội biểu quyết"
    assert one(events, RoundConcluded).open_seats == 1


# --- low to high: the new committee elects its standing committee, secretary, deputies ---------
def committee_elected(votes: dict[str, int] | None = None) -> CongressState:
    state, _ = vote(balloting(), 1, votes or tallies(), ballots=BALLOTS)
    assert state.rounds[0].stage is RoundStage.CONCLUDED
    return state


def test_the_new_committee_elects_its_standing_committee_from_its_members() -> None:
    state = committee_elected()

    then_rejected(state, open_round(STANDING, summoned=100), field="summoned",
                  rule="electorate")
    opened = one(when(state, open_round(STANDING, summoned=9)), RoundOpened)
    assert (opened.body, opened.base) == ("executive_committee", 9)
    assert [e.entry_id for e in opened.entries] == [pid(i, STANDING) for i in (1, 2, 3, 4)]
    then_rejected(given(opened, state=state), nominate(2, 11), field="candidate",
                  rule="not_in_electing_pool")


def test_a_planned_candidate_not_elected_to_the_committee_cannot_stand_above_it() -> None:
    state = committee_elected(tallies(c4=30, c10=75))  # c4 out, c10 in

    opened = one(when(state, open_round(STANDING, summoned=9)), RoundOpened)
    assert [e.entry_id for e in opened.entries] == [pid(i, STANDING) for i in (1, 2, 3)]
    assert [n.nomination_id for n in opened.not_standing] == [pid(4, STANDING)]
    assert "không trúng cử" in opened.not_standing[0].reason


def standing_elected() -> CongressState:
    state = given(open_round(STANDING, summoned=9), vote_list(2, present=9),
                  state=committee_elected())
    state, _ = vote(state, 2, {pid(i, STANDING): v for i, v in ((1, 9), (2, 8), (3, 7),
                                                                (4, 3))}, ballots=9)
    assert state.rounds[1].stage is RoundStage.CONCLUDED
    return state


def test_the_secretary_then_the_deputies_from_the_standing_committee() -> None:
    state = standing_elected()

    then_rejected(state, open_round(DEPUTY, summoned=9), field="position_group",
                  rule="group_order")
    state = given(open_round(SECRETARY, summoned=9), vote_list(3, present=9), state=state)
    state, events = vote(state, 3, {pid(1, SECRETARY): 9}, ballots=9)
    assert elected_ids(events) == [pid(1, SECRETARY)]
    assert not of_type(events, ElectionPaused)
    state = given(open_round(DEPUTY, summoned=9), vote_list(4, present=9), state=state)
    state, events = vote(state, 4, {pid(2, DEPUTY): 8}, ballots=9)
    assert elected_ids(events) == [pid(2, DEPUTY)]
    assert state.member_identities(SECRETARY) == {"TD-000001"}


def test_a_single_name_list_is_voted_for_or_against() -> None:
    state = given(open_round(SECRETARY, summoned=9), vote_list(3, present=9),
                  state=standing_elected())
    against = BallotPattern(issued=True, crossed_out=(pid(1, SECRETARY),), count=5)

    _, events = vote(state, 3, {pid(1, SECRETARY): 4}, ballots=4, extra=[against])
    result = one(events, BallotResultDeclared)
    counted_event = one(events, BallotsCounted)
    assert counted_event.count.valid == 9 and counted_event.count.invalid == 0
    assert (result.outcome, result.needed) == ("shortfall", 5)


def test_the_congress_elects_the_secretary_directly_where_the_procedure_allows() -> None:
    state = committee_elected()

    opened = one(when(state, open_round(SECRETARY, body="congress", summoned=100)),
                 RoundOpened)
    assert [e.entry_id for e in opened.entries] == [pid(1, SECRETARY)]


# --- the planned secretary not elected ----------------------------------------------------------
def test_the_planned_secretary_not_elected_pauses_the_election_and_asks_for_direction() -> None:
    state, events = vote(balloting(), 1, tallies(c1=40, c10=75), ballots=BALLOTS)

    paused = one(events, ElectionPaused)
    assert paused.position_groups == (SECRETARY,)
    assert paused.direction_from == "org-huyen-thuan-an"
    assert "TD-000001" in paused.planned[0] and "xin ý kiến chỉ đạo" in paused.reason
    assert state.phase is CongressPhase.PAUSED
    then_rejected(state, open_round(STANDING, summoned=9), field="plan_id",
                  rule="election_paused")
    then_rejected(state, approve_result(), field="plan_id", rule="election_paused")
    then_rejected(state, direction(actor=DEPARTMENT), field="actor.role",
                  rule="role_not_permitted")

    given_direction = when(state, direction())
    assert one(given_direction, DirectionGiven).position_groups == (SECRETARY,)
    resumed = given(given_direction, state=state)
    assert resumed.phase is CongressPhase.OPEN
    assert when(resumed, open_round(STANDING, summoned=9))


def test_a_planned_deputy_not_elected_to_the_standing_committee_pauses_too() -> None:
    state = given(open_round(STANDING, summoned=9), vote_list(2, present=9),
                  state=committee_elected())
    _, events = vote(state, 2, {pid(i, STANDING): v for i, v in ((1, 9), (2, 3), (3, 7),
                                                                 (4, 8))}, ballots=9)

    assert one(events, ElectionPaused).position_groups == (DEPUTY,)


def test_no_pause_while_enough_planned_persons_remain() -> None:
    plan = approved_plan(lists={COMMITTEE: (9, tuple(range(1, 12))), SECRETARY: (1, (1, 3))})
    _, events = vote(balloting(plan), 1, tallies(c1=40, c10=75), ballots=BALLOTS)

    assert not of_type(events, ElectionPaused)


def test_direction_is_given_only_to_a_paused_election() -> None:
    then_rejected(committee_elected(), direction(), field="plan_id", rule="not_paused")


# --- approval and appointment -------------------------------------------------------------------
def left_open() -> CongressState:
    state, _ = vote(balloting(), 1, tallies(c9=20), ballots=BALLOTS)
    return given(shortfall(1, "leave_open"), state=state)


def test_only_the_superior_standing_committee_approves_the_result() -> None:
    state = left_open()

    for actor in (DEPARTMENT, COUNTERS):
        then_rejected(state, approve_result(actor=actor), field="actor.role",
                      rule="role_not_permitted")
    approved = one(when(state, approve_result()), ElectionResultApproved)
    assert approved.rounds == (1,) and approved.decision_ref == "QĐ-88/BTV"
    then_rejected(given(approved, state=state), approve_result(command_id="again"),
                  field="plan_id", rule="nothing_to_approve")


def test_no_approval_while_a_round_is_under_way() -> None:
    then_rejected(balloting(), approve_result(), field="plan_id", rule="round_in_progress")


def test_the_superior_committee_appoints_to_an_open_seat_after_approving_with_consensus() -> None:
    state = left_open()

    then_rejected(state, appoint(COMMITTEE, 12), field="position_group",
                  rule="result_not_approved")
    approved = given(approve_result(), state=state)
    for actor in (DEPARTMENT, COUNTERS):
        then_rejected(approved, appoint(COMMITTEE, 12, actor=actor), field="actor.role",
                      rule="role_not_permitted")
    # directive-45-2025@v2: more than 2/3 of the members; 6 of 9 is exactly 2/3.
    then_rejected(approved, appoint(COMMITTEE, 12, agreeing=6), field="agreeing",
                  rule="consensus")
    then_rejected(approved, appoint(COMMITTEE, 3), field="candidate", rule="already_member")
    appointed = one(when(approved, appoint(COMMITTEE, 12, agreeing=7)), MemberAppointed)
    assert (appointed.members, appointed.agreeing, appointed.threshold) == (9, 7, "2/3")
    after = given(appointed, state=approved)
    assert "TD-000012" in after.member_identities(COMMITTEE)
    then_rejected(after, appoint(COMMITTEE, 13), field="position_group", rule="no_open_seat")
    # The new committee has its 9 members again: the standing committee is elected by 9.
    assert when(after, open_round(STANDING, summoned=9))


def test_there_is_nothing_to_appoint_where_the_seats_are_filled() -> None:
    state = given(approve_result(), state=committee_elected())

    then_rejected(state, appoint(COMMITTEE, 12), field="position_group", rule="no_open_seat")


def test_the_congress_closes_once_every_result_is_approved() -> None:
    state = left_open()

    then_rejected(state, close(), field="plan_id", rule="result_not_approved")
    events = when(given(approve_result(), state=state), close())
    assert one(events, CongressClosed).open_seats[0].seats == 1
    closed = given(events, state=given(approve_result(), state=state))
    assert closed.phase is CongressPhase.CLOSED
    then_rejected(closed, appoint(COMMITTEE, 12), field="plan_id", rule="congress_closed")


# --- the record ---------------------------------------------------------------------------------
def test_a_whole_election_uses_every_congress_event_and_reads_back_the_same() -> None:
    events = whole_election()

    assert {e.TYPE for e in events} == set(CONGRESS_EVENT_TYPES)
    for event in events:
        assert event_from_data(event.TYPE, event.SCHEMA_VERSION, event_to_data(event)) == event
    assert given(events) == given([event_from_data(e.TYPE, 1, event_to_data(e))
                                   for e in events])


ENGLISH = re.compile(r"\b(is|not|must|the|be|may|only|cannot|has|have|are|of|for|with|"
                     r"and|already|needs?|given|passed|failed|votes?|ballots?)\b",
                     re.IGNORECASE)


def test_every_text_the_domain_writes_or_refuses_with_is_vietnamese() -> None:
    events = whole_election()
    texts = [e.reason for e in events if isinstance(e, BallotResultDeclared | ElectionPaused)]
    texts += [n.reason for e in of_type(events, RoundOpened) for n in e.not_standing]
    refusals: list[str] = []
    commands = (appoint(COMMITTEE, 12), open_round(STANDING, summoned=100), count(1, []),
                sign(1, "0" * 64), shortfall(1, "another_ballot"), direction(),
                nominate(1, 12), close(), approve_result(actor=COUNTERS),
                vote_list(1, present=100, in_favour=101))
    for state in (left_open(), balloting(), given(open_congress(), open_round())):
        for command in commands:
            try:
                decide_congress(state, command, now=NOW)
            except CommandRejected as rejected:
                refusals.extend(v.message for v in rejected.violations)

    assert len(texts) >= 3 and len(set(refusals)) >= 15
    assert [t for t in [*texts, *refusals] if ENGLISH.search(t)] == []
