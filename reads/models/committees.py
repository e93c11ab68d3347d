"""Read model of the elected committees (ban chấp hành được bầu), from the congress's events.

One row per congress in ``rm_committees`` (keyed by the plan it carries out): the executive
committee's seats, who was elected or appointed to it and their marks (women, under 40 on the
day the congress opens, ethnic minority, first time on the committee; the rest are incumbents
re-elected), whether the first ballot filled it, whether the congress elected the secretary
directly, seats left open, appointments (chỉ định) after the congress, the approval of the
result (chuẩn y) and the day the congress's record closed.

"First time" comes from the plan's own group (``CandidateRegistered.candidate_group``) for
names from the approved list; a name added at the congress (ứng cử, đề cử, the presidium) or
appointed afterwards was not among the plan's incumbents standing again, so it counts as first
time. Days are Vietnam days of the events' recorded times, so a rebuild gives the same rows.
"""

from __future__ import annotations

from domain.congress_events import (
    BallotResultDeclared,
    CongressClosed,
    CongressOpened,
    ElectionEntry,
    ElectionResultApproved,
    MemberAppointed,
    NominatedAtCongress,
    RoundConcluded,
    RoundOpened,
)
from domain.election import COMMITTEE, CONGRESS, SECRETARY
from domain.events import CandidateRegistered, DomainEvent, PlanOpened
from domain.people import Candidate, CandidateGroup, Gender
from domain.vocabulary import VIETNAM
from eventstore.model import RecordedEvent
from reads.models.base import Connection

_PLAN = """
INSERT INTO rm_committees (plan_id, organization_id, organization_name, organization_level,
                           term, term_start, women_min, under_40_min, first_time_min,
                           ethnic_minority_min)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""

_ENTRY = """
INSERT INTO rm_committee_entries (plan_id, round, entry_id, female, under_40, ethnic_minority,
                                  first_time)
VALUES ($1, $2, $3, $4, $5, $6,
        COALESCE((SELECT first_time FROM rm_committee_nominations WHERE nomination_id = $7),
                 true))
ON CONFLICT DO NOTHING
"""

_ELECTED = """
INSERT INTO rm_committee_members (plan_id, entry_id, female, under_40, ethnic_minority,
                                  first_time, vote_number, appointed)
SELECT e.plan_id, e.entry_id, e.female, e.under_40, e.ethnic_minority, e.first_time, x.vote_number,
       false
FROM unnest($3::text[], $4::int[]) AS x(entry_id, vote_number)
JOIN rm_committee_entries e ON e.plan_id = $1 AND e.round = $2 AND e.entry_id = x.entry_id
ON CONFLICT DO NOTHING
"""

_APPOINTED = """
INSERT INTO rm_committee_members (plan_id, entry_id, female, under_40, ethnic_minority,
                                  first_time, vote_number, appointed)
VALUES ($1, $2, $3, $4, $5, true, NULL, true)
ON CONFLICT DO NOTHING
"""

_COUNT = """
UPDATE rm_committees c SET elected = m.elected, women = m.women, under_40 = m.under_40,
       ethnic_minority = m.ethnic_minority, first_time = m.first_time,
       incumbents = m.elected - m.first_time, appointed = m.appointed
FROM (SELECT count(*) AS elected, count(*) FILTER (WHERE female) AS women,
             count(*) FILTER (WHERE under_40) AS under_40,
             count(*) FILTER (WHERE ethnic_minority) AS ethnic_minority,
             count(*) FILTER (WHERE first_time) AS first_time,
             count(*) FILTER (WHERE appointed) AS appointed
      FROM rm_committee_members WHERE plan_id = $1) m
WHERE c.plan_id = $1
"""


def _marks(candidate: Candidate, on: object) -> tuple[bool, bool, bool]:
    from datetime import date

    assert isinstance(on, date)
    return (candidate.gender is Gender.FEMALE, candidate.age_on(on) < 40,
            candidate.is_ethnic_minority)


class CommitteesProjection:
    name = "committees"
    tables = ("rm_committees", "rm_committee_nominations", "rm_committee_entries",
              "rm_committee_members")

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        day = recorded.recorded_at.astimezone(VIETNAM).date()
        if isinstance(event, PlanOpened):
            org, t = event.organization, event.targets
            await conn.execute(_PLAN, event.plan_id, org.organization_id, org.name, org.level,
                               event.term, event.term_start, t.women_min, t.under_40_min,
                               t.first_time_min, t.ethnic_minority_min)
        elif isinstance(event, CandidateRegistered):
            await conn.execute(
                "INSERT INTO rm_committee_nominations (nomination_id, plan_id, first_time) "
                "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", event.nomination_id,
                event.plan_id, event.candidate_group is CandidateGroup.FIRST_TIME)
        elif isinstance(event, CongressOpened):
            await self._known(conn, event.plan_id)
            await conn.execute("UPDATE rm_committees SET opens_on = $2 WHERE plan_id = $1",
                               event.plan_id, event.opens_on)
        elif isinstance(event, RoundOpened):
            await self._round_opened(conn, event)
        elif isinstance(event, NominatedAtCongress):
            committee_round = await conn.fetchval(
                "SELECT committee_round FROM rm_committees WHERE plan_id = $1", event.plan_id)
            if committee_round == event.round:
                await self._entry(conn, event.plan_id, event.round, event.entry)
        elif isinstance(event, BallotResultDeclared) and event.ballot == 1:
            await conn.execute(
                "UPDATE rm_committees SET first_vote_complete = $3 "
                "WHERE plan_id = $1 AND committee_round = $2", event.plan_id, event.round,
                event.outcome == "complete")
        elif isinstance(event, RoundConcluded):
            await self._round_concluded(conn, event)
        elif isinstance(event, MemberAppointed) and event.position_group == COMMITTEE:
            row = await conn.fetchrow(
                "SELECT opens_on, term_start FROM rm_committees WHERE plan_id = $1",
                event.plan_id)
            if row is None:
                raise LookupError(f"appointment in plan {event.plan_id}, never opened")
            female, under_40, minority = _marks(event.candidate, row[0] or row[1])
            await conn.execute(_APPOINTED, event.plan_id, event.entry_id, female, under_40,
                               minority)
            await conn.execute(
                "UPDATE rm_committees SET open_seats = greatest(open_seats - 1, 0) "
                "WHERE plan_id = $1", event.plan_id)
            await conn.execute(_COUNT, event.plan_id)
        elif isinstance(event, ElectionResultApproved):
            await conn.execute(
                "UPDATE rm_committees SET result_approved = true, "
                "approved_on = coalesce(approved_on, $2) WHERE plan_id = $1",
                event.plan_id, day)
        elif isinstance(event, CongressClosed):
            await conn.execute("UPDATE rm_committees SET closed_on = $2 WHERE plan_id = $1",
                               event.plan_id, day)

    async def _known(self, conn: Connection, plan_id: str) -> None:
        if await conn.fetchval("SELECT true FROM rm_committees WHERE plan_id = $1",
                               plan_id) is None:
            raise LookupError(f"congress of plan {plan_id}, which was never opened")

    async def _entry(self, conn: Connection, plan_id: str, round_: int,
                     entry: ElectionEntry) -> None:
        row = await conn.fetchrow(
            "SELECT opens_on, term_start FROM rm_committees WHERE plan_id = $1", plan_id)
        female, under_40, minority = _marks(entry.candidate, row[0] or row[1])
        nomination = entry.nomination_id if entry.source == "plan" else None
        await conn.execute(_ENTRY, plan_id, round_, entry.entry_id, female, under_40,
                           minority, nomination)

    async def _round_opened(self, conn: Connection, event: RoundOpened) -> None:
        if event.body != CONGRESS:
            return  # the new committee electing its own officers: not the committee's make-up
        await self._known(conn, event.plan_id)
        if event.position_group == COMMITTEE:
            await conn.execute(
                "UPDATE rm_committees SET committee_round = $2, seats = $3, open_seats = 0 "
                "WHERE plan_id = $1", event.plan_id, event.round, event.seats)
            for entry in event.entries:
                await self._entry(conn, event.plan_id, event.round, entry)
        elif event.position_group == SECRETARY:
            await conn.execute("UPDATE rm_committees SET secretary_round = $2 "
                               "WHERE plan_id = $1", event.plan_id, event.round)

    async def _round_concluded(self, conn: Connection, event: RoundConcluded) -> None:
        row = await conn.fetchrow(
            "SELECT committee_round, secretary_round FROM rm_committees WHERE plan_id = $1",
            event.plan_id)
        if row is None:
            return
        if row[0] == event.round:
            await conn.execute(_ELECTED, event.plan_id, event.round,
                               [e.entry_id for e in event.elected],
                               [e.ballot for e in event.elected])
            await conn.execute("UPDATE rm_committees SET open_seats = $2 WHERE plan_id = $1",
                               event.plan_id, event.open_seats)
            await conn.execute(_COUNT, event.plan_id)
        elif row[1] == event.round and event.elected:
            await conn.execute("UPDATE rm_committees SET secretary_direct = true "
                               "WHERE plan_id = $1", event.plan_id)

    async def reset(self, conn: Connection) -> None:
        for table in self.tables:
            await conn.execute(f"DELETE FROM {table}")
