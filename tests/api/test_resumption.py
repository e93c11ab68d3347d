"""Resuming a plan whose workflow was terminated, over HTTP: only an administrator over the
plan's organization may; the department that owns the plan may not; the resumption is
recorded with who and why; the plan then takes commands again."""

from __future__ import annotations

import httpx
import pytest
from temporalio.client import Client

from application.context import Context
from tests.api.conftest import (
    CANDIDATES,
    PROVINCE,
    World,
    key,
    new_commune,
    new_user,
    plan_body,
    position,
    upload,
)
from tests.api.test_http import assert_problem
from workflows.messages import plan_workflow_id

pytestmark = [pytest.mark.api, pytest.mark.usefixtures("worker")]


async def test_an_administrator_resumes_a_terminated_plan_and_it_takes_commands_again(
        http: httpx.AsyncClient, ctx: Context, world: World, temporal_client: Client) -> None:
    organization, login = await new_commune(ctx, world, "khoiphuc")
    admin = f"quantri.{key()}"
    await new_user(ctx, world, admin, [("administrator", PROVINCE, None)])
    department = world.bearer(login)
    plan_id = f"p-{key()}"
    opened = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                             headers={**department, "Idempotency-Key": key()})
    assert opened.status_code == 201, opened.text
    await temporal_client.get_workflow_handle(plan_workflow_id(plan_id)).terminate(
        reason="dừng ngang ngoài dịch vụ")

    gone = await http.post(f"/api/v1/plans/{plan_id}/candidates/files",
                           files=upload(CANDIDATES),
                           headers={**department, "Idempotency-Key": key()})
    assert "khôi phục" in assert_problem(gone, 409, "workflow_gone")["detail"]

    reason = {"reason": "Quy trình bị dừng ngang trên Temporal; khôi phục theo sổ sự kiện"}
    before = await position(ctx)
    refused = await http.post(f"/api/v1/plans/{plan_id}/resumption", json=reason,
                              headers={**department, "Idempotency-Key": key()})
    assert_problem(refused, 403, "forbidden")
    blank = await http.post(f"/api/v1/plans/{plan_id}/resumption", json={"reason": " "},
                            headers={**world.bearer(admin), "Idempotency-Key": key()})
    assert "reason" in {v["field"] for v in assert_problem(blank, 422)["violations"]}
    assert await position(ctx) == before

    resumed = await http.post(f"/api/v1/plans/{plan_id}/resumption", json=reason,
                              headers={**world.bearer(admin), "Idempotency-Key": key()})
    assert resumed.status_code == 201, resumed.text
    assert [e["event_type"] for e in resumed.json()["events"]] == ["PlanResumed"]
    trail = [e for e in await ctx.store.read_stream(f"plan-{plan_id}")
             if e.event_type == "PlanResumed"]
    assert [(e.metadata["actor"], e.metadata["role"], e.data["reason"]) for e in trail] == [
        (admin, "administrator", reason["reason"])]

    imported = await http.post(f"/api/v1/plans/{plan_id}/candidates/files",
                               files=upload(CANDIDATES),
                               headers={**department, "Idempotency-Key": key()})
    assert imported.status_code == 201, imported.text
