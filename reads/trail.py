"""A nomination's trail: each decision about it, when, by whom, on what tally, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.events import (
    CandidateRegistered,
    PlanOpened,
    nomination_stream,
    plan_stream,
)
from domain.plan_terms import Tally
from domain.serialization import to_data
from eventstore.model import RecordedEvent, VerificationReport
from eventstore.store import PostgresEventStore
from reads.describe import describe
from reads.plans import to_domain


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
    step: int | None
    attempt: int | None
    tally: Tally | None
    reason: str
    hash: str


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


class NominationNotFound(LookupError):
    pass


async def nomination_trail(store: PostgresEventStore, nomination_id: str, *,
                           as_of: datetime | None = None) -> Trail:
    stream = nomination_stream(nomination_id)
    recorded = await store.read_stream(stream, as_of=as_of)
    if not recorded:
        raise NominationNotFound(f"no nomination {nomination_id!r}"
                                 + (f" recorded by {as_of.isoformat()}" if as_of else ""))
    first = to_domain(recorded[0])
    assert isinstance(first, CandidateRegistered)
    opened = to_domain((await store.read_stream(plan_stream(first.plan_id), to_version=1))[0])
    assert isinstance(opened, PlanOpened)
    return Trail(
        nomination_id=nomination_id, plan_id=first.plan_id,
        full_name=first.candidate.full_name, position_group=first.position_group,
        candidate_group=first.candidate_group.value, procedure=opened.procedure.key,
        procedure_digest=opened.procedure_digest, as_of=as_of,
        entries=[_entry(r) for r in recorded], verification=await store.verify(stream),
    )


def _entry(recorded: RecordedEvent) -> TrailEntry:
    event = to_domain(recorded)
    about = describe(event)
    return TrailEntry(
        position=recorded.position, version=recorded.stream_version,
        event_type=recorded.event_type, outcome_vi=about.outcome_vi,
        occurred_at=recorded.occurred_at, recorded_at=recorded.recorded_at,
        actor=event.actor.user_id, role=event.actor.role.value,
        organization_id=event.actor.organization_id, step=about.step, attempt=about.attempt,
        tally=about.tally, reason=about.reason, hash=recorded.hash,
    )


def trail_as_json(trail: Trail) -> dict[str, Any]:
    report = trail.verification
    data: dict[str, Any] = to_data(trail)
    data["verification"] = {
        "ok": report.ok, "events_checked": report.events_checked,
        "first_broken": to_data(report.first_broken) if report.first_broken else None,
    }
    return data
