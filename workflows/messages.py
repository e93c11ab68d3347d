"""Inputs and results of the plan workflow: one dataclass each, so fields can be added."""

from __future__ import annotations

from dataclasses import dataclass

from domain.commands import OpenPlan


@dataclass(frozen=True, kw_only=True)
class PlanWorkflowInput:
    open_plan: OpenPlan


@dataclass(frozen=True, kw_only=True)
class CommandResult:
    command_id: str
    event_types: list[str]
    positions: list[int]
    phase: str
    already_applied: bool = False


@dataclass(frozen=True, kw_only=True)
class PlanOutcome:
    plan_id: str
    phase: str
    listed: dict[str, list[str]]  # position group -> nomination ids


def plan_workflow_id(plan_id: str) -> str:
    """The workflow id is the plan's stream id: business identity, never a name."""
    return f"plan-{plan_id}"
