"""Realistic event payloads, made cheaply: copies of a nomination's step result as the plan
workflow records it (``NominationAdvanced`` data and its envelope metadata, about 900 bytes of
JSON with Vietnamese text), with the fields that differ from event to event filled in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from eventstore.model import NewEvent

EVENT_TYPE = "NominationAdvanced"
PLAN_ID = "xa-an-binh-2025-2030"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

_ACTOR = {"user_id": "nguyen.van.to-chuc", "role": "organization_department",
          "organization_id": "org-xa-an-binh"}


def data(stream_id: str, version: int) -> dict[str, Any]:
    step = 1 + (version - 1) % 5
    yes = 8 + version % 8
    return {
        "plan_id": PLAN_ID,
        "occurred_at": (T0 + timedelta(minutes=version)).isoformat(),
        "actor": _ACTOR,
        "command_id": f"{PLAN_ID}-lan_dau-{step}-{version}",
        "nomination_id": stream_id.removeprefix("nomination-"),
        "step": step,
        "attempt": 1,
        "tally": {"held_on": "2025-03-01", "body": "standing_committee", "summoned": 15,
                  "attending": 15, "ballots_valid": 15, "yes": yes, "pass_base": "summoned",
                  "base_count": 15, "threshold": "1/2", "needed": 8},
        "next_step": step + 1 if step < 5 else None,
        "reason": f"{yes}/15 phiếu (số được triệu tập), quá 1/2 (cần 8): chuyển sang bước "
                  f"{step + 1}",
    }


def metadata(version: int, run_id: str) -> dict[str, Any]:
    return {"actor": _ACTOR["user_id"], "role": _ACTOR["role"],
            "organization_id": _ACTOR["organization_id"],
            "command_id": f"{PLAN_ID}-lan_dau-{1 + (version - 1) % 5}-{version}",
            "workflow_id": f"plan-{PLAN_ID}", "workflow_run_id": run_id,
            "step": 1 + (version - 1) % 5}


def occurred_at(version: int) -> datetime:
    return T0 + timedelta(minutes=version)


RUN_ID = "0198c8a4-7f7e-7b5e-9c1e-5a0c1d2e3f40"


def new_event(stream_id: str, version: int) -> NewEvent:
    """The ``version``-th event of ``stream_id``, with a fresh event id."""
    return NewEvent(
        event_id=str(uuid.uuid4()), stream_id=stream_id, event_type=EVENT_TYPE,
        schema_version=1, data=data(stream_id, version), metadata=metadata(version, RUN_ID),
        occurred_at=occurred_at(version), correlation_id=f"plan-{PLAN_ID}",
    )
