"""Read model of cơ cấu: per plan and position group, how many on the list are women, under
40 (on the term's first day), of an ethnic minority, and taking part for the first time,
beside the plan's targets.

"The list" is what ``domain.plan`` counts as listed (through every step), together with
those the superior committee then approved; excluded, dropped and sent-back nominations are
off it. Tables: ``rm_structure_plans`` (organization, term, status, targets),
``rm_structure_members`` (each nomination's four marks and whether it is on the list; the
marks use the domain's own rules: ``Candidate.age_on``, ``is_ethnic_minority``) and
``rm_structure`` (the counts, recomputed for a list whenever someone joins or leaves it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.events import (
    CandidateRegistered,
    DomainEvent,
    NominationAdvanced,
    NominationApproved,
    NominationDropped,
    NominationExcluded,
    NominationSentBack,
    PlanOpened,
)
from domain.people import CandidateGroup, Gender
from eventstore.model import RecordedEvent
from reads.models.base import Connection
from reads.models.batching import Rows
from reads.models.plans import status_after

_PLAN = """
INSERT INTO rm_structure_plans (plan_id, organization_id, organization_name,
                                parent_organization_id, organization_level, term, term_start,
                                status, women_min, under_40_min, first_time_min,
                                ethnic_minority_min)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
"""

_LIST = """
INSERT INTO rm_structure (plan_id, position_group, seats, updated_at, last_position)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (plan_id, position_group) DO UPDATE SET seats = rm_structure.seats + excluded.seats
"""

_MEMBER = """
INSERT INTO rm_structure_members (nomination_id, plan_id, position_group, female, under_40,
                                  ethnic_minority, first_time)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""

_ON_LIST = """
UPDATE rm_structure_members SET on_list = $2
WHERE nomination_id = $1 AND on_list <> $2
RETURNING plan_id, position_group
"""

_COUNT = """
INSERT INTO rm_structure AS s (plan_id, position_group, total, women, under_40,
                               ethnic_minority, first_time, updated_at, last_position)
SELECT $1, $2, count(*), count(*) FILTER (WHERE female), count(*) FILTER (WHERE under_40),
       count(*) FILTER (WHERE ethnic_minority), count(*) FILTER (WHERE first_time), $3, $4
FROM rm_structure_members WHERE plan_id = $1 AND position_group = $2 AND on_list
ON CONFLICT (plan_id, position_group) DO UPDATE
SET total = excluded.total, women = excluded.women, under_40 = excluded.under_40,
    ethnic_minority = excluded.ethnic_minority, first_time = excluded.first_time,
    updated_at = excluded.updated_at, last_position = excluded.last_position
"""


# The decisions that can put a nomination on the list or take it off.
_LIST_DECISIONS = (NominationAdvanced, NominationApproved, NominationDropped, NominationExcluded,
                   NominationSentBack)
_OFF_LIST = (NominationDropped, NominationExcluded, NominationSentBack)


_PLAN_COLUMNS = {
    "plan_id": "text", "organization_id": "text", "organization_name": "text",
    "parent_organization_id": "text", "organization_level": "text", "term": "text",
    "term_start": "date", "status": "text", "women_min": "text", "under_40_min": "text",
    "first_time_min": "text", "ethnic_minority_min": "text",
}
_PLAN_REQUIRED = frozenset(("plan_id", "organization_id", "organization_name",
                            "organization_level", "term", "term_start", "status"))
_MEMBER_COLUMNS = {
    "nomination_id": "text", "plan_id": "text", "position_group": "text", "female": "bool",
    "under_40": "bool", "ethnic_minority": "bool", "first_time": "bool", "on_list": "bool",
}
_LIST_COLUMNS = {
    "plan_id": "text", "position_group": "text", "seats": "int", "total": "int",
    "women": "int", "under_40": "int", "ethnic_minority": "int", "first_time": "int",
    "updated_at": "timestamptz", "last_position": "bigint",
}

# _COUNT for many lists at once: each list's figures from its members on the list.
_COUNT_MANY = """
INSERT INTO rm_structure AS s (plan_id, position_group, total, women, under_40,
                               ethnic_minority, first_time, updated_at, last_position)
SELECT u.plan_id, u.position_group, c.total, c.women, c.under_40, c.ethnic_minority,
       c.first_time, u.at, u.position
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[])
     AS u(plan_id, position_group, at, position)
CROSS JOIN LATERAL (
    SELECT count(*) AS total, count(*) FILTER (WHERE female) AS women,
           count(*) FILTER (WHERE under_40) AS under_40,
           count(*) FILTER (WHERE ethnic_minority) AS ethnic_minority,
           count(*) FILTER (WHERE first_time) AS first_time
    FROM rm_structure_members AS m
    WHERE m.plan_id = u.plan_id AND m.position_group = u.position_group AND m.on_list) AS c
ON CONFLICT (plan_id, position_group) DO UPDATE
SET total = excluded.total, women = excluded.women, under_40 = excluded.under_40,
    ethnic_minority = excluded.ethnic_minority, first_time = excluded.first_time,
    updated_at = excluded.updated_at, last_position = excluded.last_position
"""


class StructureProjection:
    name = "structure"
    tables = ("rm_structure", "rm_structure_members", "rm_structure_plans")

    async def handle(self, conn: Connection, recorded: RecordedEvent,
                     event: DomainEvent) -> None:
        at, position = recorded.recorded_at, recorded.position
        if isinstance(event, PlanOpened):
            org, targets = event.organization, event.targets
            status = status_after(event)
            assert status is not None
            await conn.execute(
                _PLAN, event.plan_id, org.organization_id, org.name, org.parent_id, org.level,
                event.term, event.term_start, status.value, targets.women_min,
                targets.under_40_min, targets.first_time_min, targets.ethnic_minority_min)
            for seat in event.seats:
                await conn.execute(_LIST, event.plan_id, seat.position_group, seat.seats, at,
                                   position)
        elif isinstance(event, CandidateRegistered):
            term_start = await conn.fetchval(
                "SELECT term_start FROM rm_structure_plans WHERE plan_id = $1", event.plan_id)
            if term_start is None:
                raise LookupError(f"{event.nomination_id} registered for plan "
                                  f"{event.plan_id}, which was never opened")
            c = event.candidate
            await conn.execute(
                _MEMBER, event.nomination_id, event.plan_id, event.position_group,
                c.gender is Gender.FEMALE, c.age_on(term_start) < 40, c.is_ethnic_minority,
                event.candidate_group is CandidateGroup.FIRST_TIME)
        elif isinstance(event, _LIST_DECISIONS):
            if isinstance(event, NominationAdvanced) and event.next_step is not None:
                return  # still in the steps: it was not on the list and is not now
            changed = await conn.fetchrow(_ON_LIST, event.nomination_id,
                                          not isinstance(event, _OFF_LIST))
            if changed is not None:
                await conn.execute(_COUNT, changed[0], changed[1], at, position)
        elif (status := status_after(event)) is not None:
            await conn.execute("UPDATE rm_structure_plans SET status = $2 WHERE plan_id = $1",
                               event.plan_id, status.value)

    async def handle_batch(self, conn: Connection,
                           items: Sequence[tuple[RecordedEvent, DomainEvent]]) -> None:
        """``handle`` of each event in turn, set-based (reads/models/batching.py). A list's
        figures depend only on which of its members are on it, so they are counted once, at
        the end, for the lists whose membership changed, stamped with the last change."""
        plans = Rows("rm_structure_plans", ("plan_id",), _PLAN_COLUMNS,
                     required=_PLAN_REQUIRED)
        members = Rows("rm_structure_members", ("nomination_id",), _MEMBER_COLUMNS,
                       required=frozenset(_MEMBER_COLUMNS))
        lists = Rows("rm_structure", ("plan_id", "position_group"), _LIST_COLUMNS,
                     required=frozenset(_LIST_COLUMNS))
        plan_ids = [getattr(e, "plan_id", None) for _, e in items]
        await plans.load(conn, "plan_id", plan_ids)
        await lists.load(conn, "plan_id", plan_ids)
        await members.load(conn, "nomination_id",
                           (getattr(e, "nomination_id", None) for _, e in items))
        recount: dict[tuple[str, str], tuple[datetime, int]] = {}
        for recorded, event in items:
            at, position = recorded.recorded_at, recorded.position
            if isinstance(event, PlanOpened):
                org, targets = event.organization, event.targets
                status = status_after(event)
                assert status is not None
                plans.insert({
                    "plan_id": event.plan_id, "organization_id": org.organization_id,
                    "organization_name": org.name, "parent_organization_id": org.parent_id,
                    "organization_level": org.level, "term": event.term,
                    "term_start": event.term_start, "status": status.value,
                    "women_min": targets.women_min, "under_40_min": targets.under_40_min,
                    "first_time_min": targets.first_time_min,
                    "ethnic_minority_min": targets.ethnic_minority_min})
                for seat in event.seats:
                    row = lists.get(event.plan_id, seat.position_group)
                    if row is None:
                        lists.insert({"plan_id": event.plan_id,
                                      "position_group": seat.position_group,
                                      "seats": seat.seats, "total": 0, "women": 0,
                                      "under_40": 0, "ethnic_minority": 0, "first_time": 0,
                                      "updated_at": at, "last_position": position})
                    else:
                        row["seats"] += seat.seats
                        lists.changed(row)
            elif isinstance(event, CandidateRegistered):
                plan = plans.get(event.plan_id)
                if plan is None:
                    raise LookupError(f"{event.nomination_id} registered for plan "
                                      f"{event.plan_id}, which was never opened")
                c = event.candidate
                members.insert({
                    "nomination_id": event.nomination_id, "plan_id": event.plan_id,
                    "position_group": event.position_group,
                    "female": c.gender is Gender.FEMALE,
                    "under_40": c.age_on(plan["term_start"]) < 40,
                    "ethnic_minority": c.is_ethnic_minority,
                    "first_time": event.candidate_group is CandidateGroup.FIRST_TIME,
                    "on_list": False})
            elif isinstance(event, _LIST_DECISIONS):
                if isinstance(event, NominationAdvanced) and event.next_step is not None:
                    continue
                member = members.get(event.nomination_id)
                on_list = not isinstance(event, _OFF_LIST)
                if member is not None and member["on_list"] != on_list:
                    member["on_list"] = on_list
                    members.changed(member)
                    pair = (member["plan_id"], member["position_group"])
                    recount.pop(pair, None)  # keeps the pairs in the order of their last change
                    recount[pair] = (at, position)
            elif ((status := status_after(event)) is not None
                  and (plan := plans.get(getattr(event, "plan_id", None))) is not None):
                plan["status"] = status.value
                plans.changed(plan)
        await plans.write(conn)
        await lists.write(conn)
        await members.write(conn)
        if recount:
            await conn.execute(_COUNT_MANY, [p for p, _ in recount], [g for _, g in recount],
                               [a for a, _ in recount.values()],
                               [n for _, n in recount.values()])

    async def reset(self, conn: Connection) -> None:
        for table in self.tables:
            await conn.execute(f"DELETE FROM {table}")
