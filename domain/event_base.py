"""What every domain event is: frozen, keyword-only, named in the past tense, with a type name
and a schema version, saying who acted (actor, role, organization), when, about which plan,
and which command caused it.

The plan's events (``domain.events``) and the congress's (``domain.congress_events``) both
derive from ``DomainEvent``; ``domain.events`` re-exports these names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, TypedDict

from domain.people import Actor


class EventCommon(TypedDict):
    """The fields every event has; ``**common(...)`` fills them."""

    plan_id: str
    occurred_at: datetime
    actor: Actor
    command_id: str


def common(*, plan_id: str, now: datetime, actor: Actor, command_id: str) -> EventCommon:
    return {"plan_id": plan_id, "occurred_at": now, "actor": actor, "command_id": command_id}


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1
    #: Fields about a person (thông tin cá nhân) that the store keeps as salted commitments,
    #: so that a trail exported for a reader outside the plan's scope leaves them out and
    #: still verifies. Changing this list changes only events stored afterwards.
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ()

    plan_id: str
    occurred_at: datetime
    actor: Actor
    command_id: str
