"""A nomination's trail: each decision about it, when, by whom, on what tally, and why.

``as_of`` (recorded time, timezone-aware) and ``as_of_date`` (business date: the day it
happened, see reads/plans.py) travel back in time. A stored event that cannot be read raises
``reads.errors.CorruptRecord``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.events import (
    CandidateRegistered,
    DomainEvent,
    PlanOpened,
    nomination_stream,
    plan_stream,
)
from domain.plan_terms import Tally
from domain.procedure import ProcedureDefinition
from domain.serialization import to_data
from eventstore.model import RecordedEvent, VerificationReport
from eventstore.store import PostgresEventStore
from reads.decoding import corrupt, decode_in_place
from reads.describe import describe
from reads.errors import CorruptRecord
from reads.plans import business_date, check_aware, conference_dates, plan_history


@dataclass(frozen=True, kw_only=True)
class TrailEntry:
    position: int
    version: int
    event_type: str
    outcome_vi: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    role: str
    organization_id: str
    step: int | None  # the step the event is about (a result, a send-back), else None
    attempt: int | None  # which holding of the step, for a conference's result only
    tally: Tally | None
    reason: str
    hash: str
    business_date: date  # the day it happened (the conference's, for a result), in Vietnam


@dataclass(frozen=True, kw_only=True)
class Trail:
    nomination_id: str
    plan_id: str
    full_name: str
    position_group: str
    candidate_group: str
    procedure: str
    procedure_digest: str
    as_of: datetime | None
    entries: list[TrailEntry]
    verification: VerificationReport
    as_of_date: date | None = None


class NominationNotFound(LookupError):
    pass


async def nomination_trail(store: PostgresEventStore, nomination_id: str, *,
                           as_of: datetime | None = None,
                           as_of_date: date | None = None) -> Trail:
    """The nomination's events (recorded by ``as_of``, happened by ``as_of_date``), each
    described in Vietnamese, with the verdict on its stream's hash chain."""
    check_aware(as_of)
    recorded = await store.read_stream(nomination_stream(nomination_id), as_of=as_of)
    return await trail_from(store, nomination_id, recorded, as_of=as_of, as_of_date=as_of_date)


async def trail_from(store: PostgresEventStore, nomination_id: str,
                     recorded: list[RecordedEvent], *, as_of: datetime | None = None,
                     as_of_date: date | None = None) -> Trail:
    """``nomination_trail`` from the nomination's stream already read (as recorded by
    ``as_of``), for a caller that needs the events themselves too."""
    stream = nomination_stream(nomination_id)
    if not recorded:
        raise NominationNotFound(_not_found(nomination_id, as_of, as_of_date))
    first = decode_in_place(recorded[0])
    if not isinstance(first, CandidateRegistered):
        raise corrupt(recorded[0], "sự kiện đầu tiên của hồ sơ nhân sự không phải là đăng ký")
    plan_events = await store.read_stream(plan_stream(first.plan_id), as_of=as_of)
    decoded_plan = [(r, decode_in_place(r)) for r in plan_events]
    if not decoded_plan or not isinstance(decoded_plan[0][1], PlanOpened):
        raise corrupt(plan_events[0] if plan_events else recorded[0],
                      f"đề án {first.plan_id} của hồ sơ không có sự kiện lập đề án")
    opened = decoded_plan[0][1]
    assert isinstance(opened, PlanOpened)
    held = conference_dates(e for _, e in decoded_plan)
    mine = [(r, decode_in_place(r)) for r in recorded]
    if as_of_date is not None:
        happened = {r.position for r, _ in await plan_history(
            store, first.plan_id, as_of=as_of, as_of_date=as_of_date)}
        mine = [(r, e) for r, e in mine if r.position in happened]
        if not mine:
            raise NominationNotFound(_not_found(nomination_id, as_of, as_of_date))
    return Trail(
        nomination_id=nomination_id, plan_id=first.plan_id,
        full_name=first.candidate.full_name, position_group=first.position_group,
        candidate_group=first.candidate_group.value, procedure=opened.procedure.key,
        procedure_digest=opened.procedure_digest, as_of=as_of, as_of_date=as_of_date,
        entries=[_entry(r, e, opened.procedure, held) for r, e in mine],
        verification=await store.verify(stream),
    )


def _not_found(nomination_id: str, as_of: datetime | None, as_of_date: date | None) -> str:
    return (f"Không có hồ sơ nhân sự {nomination_id!r}"
            + (f" được ghi đến {as_of.isoformat()}" if as_of else "")
            + (f" tính đến ngày {as_of_date.isoformat()}" if as_of_date else ""))


def _entry(recorded: RecordedEvent, event: DomainEvent, procedure: ProcedureDefinition,
           held: Mapping[str, date]) -> TrailEntry:
    try:
        about = describe(event, procedure)
        return TrailEntry(
            position=recorded.position, version=recorded.stream_version,
            event_type=recorded.event_type, outcome_vi=about.outcome_vi,
            occurred_at=recorded.occurred_at, recorded_at=recorded.recorded_at,
            actor=event.actor.user_id, role=event.actor.role.value,
            organization_id=event.actor.organization_id, step=about.step,
            attempt=about.attempt, tally=about.tally, reason=about.reason, hash=recorded.hash,
            business_date=business_date(event, held),
        )
    except CorruptRecord:
        raise
    except Exception as error:  # decodable, yet not describable: a value no event can have
        raise corrupt(recorded, f"không mô tả được ({type(error).__name__}: {error})") from error


def trail_as_json(trail: Trail) -> dict[str, Any]:
    report = trail.verification
    data: dict[str, Any] = to_data(trail)
    data["verification"] = {
        "ok": report.ok, "events_checked": report.events_checked,
        "first_broken": to_data(report.first_broken) if report.first_broken else None,
    }
    return data
