"""Upcasting: events stored in an older shape are read as the current one.

Every event type has a schema version (``DomainEvent.SCHEMA_VERSION``). Changing an event's
shape bumps its version and registers a pure function from the previous version's data to the
next one's::

    @register("NominationAdvanced", from_version=1)
    def _nomination_advanced_v1(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "attempt": 1}  # v2 added the attempt; every v1 result was a first

``upcast`` chains them on read (v1 -> v2 -> ... -> current); ``events.event_from_data`` calls
it before decoding. Stored bytes are never rewritten, so every stored hash stays valid and an
auditor can still recompute it from what is in PostgreSQL; only the decoded event changes.

Rules for an upcaster: pure (no clock, no ids, no I/O: it runs inside workflows too), total
over every document ever stored at its version (each (type, version) has a golden fixture in
``tests/fixtures/events/``), and frozen once released, like a migration. It gets a copy of the
data, so it may build a new dict or change its argument, and returns the next version's data.
Real upcasters are registered at the bottom of this module, so that importing it (which
``domain.events`` does) registers them all.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]


class UnknownSchemaVersion(ValueError):
    """An event's schema version cannot be brought to the current one: it is newer than this
    code (written by a newer release), or a step of the chain is missing."""


class Upcasters:
    """A registry of upcasters, keyed by (event type, version they read)."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: ``fn`` turns ``event_type`` data of ``from_version`` into
        ``from_version + 1``."""
        if type(from_version) is not int or from_version < 1:
            raise ValueError(f"{event_type}: from_version must be an int >= 1")

        def add(fn: Upcaster) -> Upcaster:
            key = (event_type, from_version)
            if key in self._steps:
                raise ValueError(f"{event_type} v{from_version}: an upcaster is already "
                                 "registered")
            self._steps[key] = fn
            return fn

        return add

    def steps(self) -> Mapping[tuple[str, int], Upcaster]:
        """Every registered step, read-only."""
        return dict(self._steps)

    def upcast(self, event_type: str, version: int, data: Data, *,
               current: int) -> tuple[int, Data]:
        """``data`` of ``event_type`` at ``version`` brought to ``current``; returns
        ``(current, data)``. The argument is never changed; at the current version it is
        returned as it is, without a copy."""
        if version > current:
            raise UnknownSchemaVersion(
                f"{event_type} v{version} is newer than this code, which reads up to "
                f"v{current} (no upcaster goes down): upgrade nhansu to read it")
        if version < 1:
            raise UnknownSchemaVersion(f"{event_type} v{version}: versions start at 1")
        if version == current:
            return version, data
        result = copy.deepcopy(data)
        while version < current:
            step = self._steps.get((event_type, version))
            if step is None:
                raise UnknownSchemaVersion(
                    f"{event_type} v{version}: no upcaster registered from v{version} to "
                    f"v{version + 1} (the current version is v{current})")
            result = step(result)
            if not isinstance(result, dict):
                raise TypeError(f"the upcaster of {event_type} v{version} returned "
                                f"{type(result).__name__}, not a dict")
            version += 1
        return version, result


#: The registry ``events.event_from_data`` reads with.
UPCASTERS = Upcasters()


def register(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register an upcaster in ``UPCASTERS`` (decorator; see the module doc)."""
    return UPCASTERS.register(event_type, from_version)


def upcast(event_type: str, version: int, data: Data, *,
           current: int | None = None) -> tuple[int, Data]:
    """``data`` stored as ``event_type`` v``version``, as the current version:
    ``(current_version, data)``. ``current`` defaults to the event class's SCHEMA_VERSION.
    Raises UnknownSchemaVersion for a version newer than the code, or a missing step."""
    if current is None:
        from domain.events import EVENT_TYPES  # here: domain.events imports this module

        current = EVENT_TYPES[event_type].SCHEMA_VERSION
    return UPCASTERS.upcast(event_type, version, data, current=current)


# --- Upcasters of released versions (frozen once released), oldest first --------------------
@register("PlanApproved", from_version=1)
def _plan_approved_v1(data: Data) -> Data:
    """v2 records the failed eligibility checks the committee acknowledged; v1 approvals
    acknowledged none (the rule did not exist)."""
    return {**data, "acknowledged": []}
