"""Recorded histories of shipped workflow code replay against the current code: a change
that would break running plans fails here, before it is deployed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from bootstrap import workflows
from encryption.converter import data_converter
from tests.support.histories import HISTORIES
from tests.support.keys import TEST_PAYLOAD_KEYS
from workflows.congress_workflow import CongressWorkflow
from workflows.messages import (
    CongressOutcome,
    CongressWorkflowInput,
    PlanOutcome,
    PlanWorkflowInput,
)
from workflows.plan_workflow import PersonnelPlanWorkflow
from workflows.sandbox import workflow_runner

pytestmark = pytest.mark.replay

RECORDED = sorted(HISTORIES.glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, json.loads(path.read_text("utf-8")))


def test_there_are_recorded_histories() -> None:
    assert RECORDED, "no recorded history under tests/histories/"


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
async def test_recorded_history_replays(path: Path) -> None:
    history = load(path)
    replayer = Replayer(workflows=workflows(), data_converter=data_converter(TEST_PAYLOAD_KEYS),
                        workflow_runner=workflow_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


@workflow.defn(name="PersonnelPlan")
class ChangedWithoutPatch(PersonnelPlanWorkflow):
    """The shipped workflow with a timer inserted before its first command, unpatched."""

    @workflow.run
    async def run(self, input: PlanWorkflowInput) -> PlanOutcome:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(input)


async def test_an_unpatched_change_is_caught_by_replay() -> None:
    path = HISTORIES / "personnel_plan_v1_full_plan.json"
    history = load(path)
    # Unsandboxed: the sandbox cannot re-import a workflow class defined in a test module
    # on Python 3.11 (sdk-python#585); determinism checking is the same either way.
    replayer = Replayer(workflows=[ChangedWithoutPatch],
                        data_converter=data_converter(TEST_PAYLOAD_KEYS),
                        workflow_runner=UnsandboxedWorkflowRunner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None


@workflow.defn(name="Congress")
class CongressChangedWithoutPatch(CongressWorkflow):
    """The shipped congress workflow with a timer inserted before its opening, unpatched."""

    @workflow.run
    async def run(self, input: CongressWorkflowInput) -> CongressOutcome:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(input)


async def test_an_unpatched_change_to_the_congress_workflow_is_caught_by_replay() -> None:
    history = load(HISTORIES / "congress_v1_full.json")
    replayer = Replayer(workflows=[CongressChangedWithoutPatch],
                        data_converter=data_converter(TEST_PAYLOAD_KEYS),
                        workflow_runner=UnsandboxedWorkflowRunner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
