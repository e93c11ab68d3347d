"""Idempotency through HTTP: the Idempotency-Key is the command id and the Temporal update id.
The same key with the same body applies once and repeats the first answer; the same key with
another body is a 409 and writes nothing; a write sent while no worker runs is a 503 naming
the key, and the retry with that key once a worker is back applies once."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from temporalio.client import Client

import bootstrap
from api.app import create_app
from application.context import Context
from settings import Settings
from tests.api.conftest import World, key, new_commune, plan_body, position
from tests.api.test_http import assert_problem

pytestmark = pytest.mark.api

CANDIDATE = {"full_name": "Phạm Thị Lặp", "birth_date": "12/05/1982", "gender": "nữ",
             "ethnicity": "Kinh", "candidate_group": "lần đầu",
             "current_post": "Phó Chủ tịch Hội Liên hiệp Phụ nữ xã",
             "party_card_number": "TD-900001", "in_cadre_plan": "có"}


async def written_by(ctx: Context, plan_id: str, command_id: str) -> list[Any]:
    from reads.plans import plan_events

    return [e for e in await plan_events(ctx.store, plan_id)
            if e.metadata.get("command_id") == command_id]


@pytest.mark.usefixtures("worker")
async def test_the_same_key_applies_once_and_another_body_under_it_is_a_conflict(
        http: httpx.AsyncClient, ctx: Context, world: World) -> None:
    organization, login = await new_commune(ctx, world, "lap")
    plan_id = f"p-{uuid.uuid4().hex[:8]}"
    opening = key("open")
    headers = {**world.bearer(login), "Idempotency-Key": opening}
    first = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                            headers=headers)
    assert first.status_code == 201 and first.json()["already_applied"] is False
    again = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                            headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["already_applied"] is True
    assert again.json()["events"] == first.json()["events"]
    before = await position(ctx)
    twice = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                            headers={**world.bearer(login), "Idempotency-Key": key("open")})
    assert assert_problem(twice, 409, "conflict")["violations"][0]["rule"] == "already_opened"
    assert await position(ctx) == before

    register = key("register")
    headers = {**world.bearer(login), "Idempotency-Key": register}
    url = f"/api/v1/plans/{plan_id}/candidates"
    answers = [await http.post(url, json=CANDIDATE, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert {str(a.json()["events"]) for a in answers} == {str(answers[0].json()["events"])}
    events = await written_by(ctx, plan_id, register)
    assert [e.event_type for e in events] == ["CandidateRegistered", "EligibilityChecked"]
    assert [e.position for e in events] == [e["position"] for e in answers[0].json()["events"]]

    before = await position(ctx)
    other = await http.post(url, json={**CANDIDATE, "full_name": "Phạm Thị Khác",
                                       "party_card_number": "TD-900002"}, headers=headers)
    body = assert_problem(other, 409, "conflict")
    assert body["violations"][0]["rule"] == "key_reused"
    assert body["violations"][0]["field"] == "idempotency_key"
    assert await position(ctx) == before
    assert await written_by(ctx, plan_id, register) == events


async def test_a_write_with_no_worker_is_a_503_with_its_key_and_its_retry_applies_once(
        api_settings: Settings, temporal_client: Client, ctx: Context, world: World) -> None:
    organization, login = await new_commune(ctx, world, "ngung")
    queue = f"api-alone-{uuid.uuid4().hex[:8]}"
    settings = api_settings.replace(temporal_task_queue=queue, update_timeout_seconds=3.0)
    async with bootstrap.context(settings) as alone:
        app = create_app(settings, context=alone)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            plan_id = f"p-{uuid.uuid4().hex[:8]}"
            async with bootstrap.worker(temporal_client, alone.store, queue,
                                        digest_key=alone.id_key):
                opened = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                                         headers={**world.bearer(login),
                                                  "Idempotency-Key": key()})
                assert opened.status_code == 201, opened.text

            register = key("no-worker")
            headers = {**world.bearer(login), "Idempotency-Key": register}
            url = f"/api/v1/plans/{plan_id}/candidates"
            unknown = await http.post(url, json=CANDIDATE, headers=headers)
            body = assert_problem(unknown, 503, "outcome_unknown")
            assert body["idempotency_key"] == register
            assert "Idempotency-Key" in body["detail"] and "--idempotency-key" not in body["detail"]
            assert int(unknown.headers["retry-after"]) > 0

            async with bootstrap.worker(temporal_client, alone.store, queue,
                                        digest_key=alone.id_key):
                for _ in range(20):  # as a client honouring Retry-After would
                    retried = await http.post(url, json=CANDIDATE, headers=headers)
                    if retried.status_code != 503:
                        break
                assert retried.status_code in (200, 201), retried.text
                events = await written_by(alone, plan_id, register)
                assert [e.event_type for e in events] == ["CandidateRegistered",
                                                          "EligibilityChecked"]
                once_more = await http.post(url, json=CANDIDATE, headers=headers)
                assert once_more.status_code == 200
                assert once_more.json()["already_applied"] is True
                assert await written_by(alone, plan_id, register) == events
