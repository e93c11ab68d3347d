"""Inputs and results of the plan workflow: one dataclass each, so fields can be added."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from activities.messages import EventEnvelope
from domain.commands import OpenPlan


@dataclass(frozen=True, kw_only=True)
class PlanWorkflowInput:
    # Runs started before opening became an Update carry the opening here; a run started by
    # update-with-start has none and waits for the ``open`` Update instead.
    open_plan: OpenPlan | None = None
    # Set when a run continues as new after a send-back: the state to carry on from
    # (domain.snapshot). Absent in the first run.
    resume: dict[str, Any] | None = None
    seen_position: int = 0  # the last global position the previous run had folded
    # Digest of every command applied so far (command id -> digest), so a key reused with
    # other content is refused in later runs too.
    digests: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CommandResult:
    command_id: str
    event_types: list[str]
    positions: list[int]
    phase: str
    already_applied: bool = False
    command_digest: str = ""  # what was applied under this id: a retry must match it


@dataclass(frozen=True, kw_only=True)
class PlanOutcome:
    plan_id: str
    phase: str
    listed: dict[str, list[str]]  # position group -> nomination ids


def plan_workflow_id(plan_id: str) -> str:
    """The workflow id is the plan's stream id: business identity, never a name."""
    return f"plan-{plan_id}"


@dataclass(frozen=True, kw_only=True)
class AppraisalInput:
    plan_id: str
    nomination_id: str
    round: int
    superior_id: str
    agencies: tuple[str, ...]
    deadline_after: timedelta
    reminder_every: timedelta
    stream_version: int  # the nomination stream's version when the appraisal opens
    seen_position: int = 0  # the last global position the plan had folded


@dataclass(frozen=True, kw_only=True)
class AppraisalOutcome:
    """Everything the appraisal appended, for the plan to fold into its own state."""

    nomination_id: str
    outcome: str
    events: list[EventEnvelope]
    positions: list[int]


def appraisal_workflow_id(nomination_id: str) -> str:
    """One appraisal workflow id per nomination; each round is a new run under it."""
    return f"appraisal-{nomination_id}"


@dataclass(frozen=True, kw_only=True)
class CongressWorkflowInput:
    """A congress's workflow starts empty and waits for its ``open`` Update (sent with the
    start: update-with-start)."""

    seen_position: int = 0


@dataclass(frozen=True, kw_only=True)
class CongressOutcome:
    plan_id: str
    phase: str
    rounds: int
    open_seats: dict[str, int]  # position group -> seats still open at the close


def congress_workflow_id(plan_id: str) -> str:
    """One congress per plan: its workflow id is its stream id."""
    return f"congress-{plan_id}"
