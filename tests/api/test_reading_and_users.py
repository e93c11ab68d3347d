"""What auditors take away (trails in three formats, the export verified with no database, the
verification, the signed checkpoint), plans as they were, the registry, and user
administration through HTTP."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

import httpx
import pytest

from application.context import Context
from application.principal import OPERATOR
from tests.api.conftest import (
    CANDIDATES,
    PROVINCE,
    World,
    key,
    new_commune,
    new_user,
    plan_body,
    upload,
)
from tests.api.test_http import assert_problem

pytestmark = [pytest.mark.api, pytest.mark.usefixtures("worker")]


async def test_trails_exports_and_verification_for_an_auditor(
        http: httpx.AsyncClient, ctx: Context, world: World, tmp_path: Path) -> None:
    from application.audit import public_key, seal, verify_export

    organization, login = await new_commune(ctx, world, "kiemtoan")
    plan_id = f"p-{uuid.uuid4().hex[:8]}"
    head = world.bearer(login)
    for url, kwargs in (("/api/v1/plans", {"json": plan_body(plan_id, organization)}),
                        (f"/api/v1/plans/{plan_id}/candidates/files",
                         {"files": upload(CANDIDATES)})):
        done = await http.post(url, headers={**head, "Idempotency-Key": key()}, **kwargs)
        assert done.status_code == 201, done.text
    await seal(ctx, OPERATOR, wait_seconds=5.0)
    auditor = world.bearer("kiemtoan.trunguong")
    base = f"/api/v1/nominations/TD-100001/trail?plan_id={plan_id}"

    as_json = await http.get(base, headers=auditor)
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    trail = as_json.json()
    assert trail["full_name"] == "Nguyễn Văn Hùng" and trail["verification"]["ok"]
    assert trail["checkpoint_verification"]["ok"]
    as_csv = await http.get(base, headers={**auditor, "Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.startswith("\ufeff".encode()) and "CandidateRegistered" in as_csv.text
    as_html = await http.get(f"{base}&format=html", headers=auditor)
    assert as_html.headers["content-type"].startswith("text/html")
    assert "Nguyễn Văn Hùng" in as_html.text and 'lang="vi"' in as_html.text
    before = await http.get(f"{base}&as_of=2000-01-01T00:00", headers=auditor)
    assert_problem(before, 404)  # nothing was recorded by then

    verified = await http.get("/api/v1/verification", headers=auditor)
    assert verified.status_code == 200 and verified.json()["ok"], verified.text
    assert verified.json()["events"] > 0 and verified.json()["ledger"]
    checkpoint = (await http.get("/api/v1/ledger/checkpoint", headers=auditor)).json()
    assert checkpoint["signed_note"].strip()

    exported = await http.get("/api/v1/exports", headers=auditor)
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as z:
        names = set(z.namelist())
        assert {"export/events.jsonl", "export/checkpoints.jsonl", "export/header.json",
                "VERIFY.txt"} <= names
        z.extractall(tmp_path)
    assert "verify-export export --public-key" in (tmp_path / "VERIFY.txt").read_text()
    ok, lines = verify_export(tmp_path / "export", [public_key(ctx)])
    assert ok, lines
    # The department reads its own trail, and is not an auditor of the installation.
    assert (await http.get(base, headers=head)).status_code == 200
    assert_problem(await http.get("/api/v1/exports", headers=head), 403)


async def test_a_plan_as_it_was_and_the_registry_as_of_a_day(
        http: httpx.AsyncClient, ctx: Context, world: World) -> None:
    organization, login = await new_commune(ctx, world, "quakhu")
    plan_id = f"p-{uuid.uuid4().hex[:8]}"
    head = world.bearer(login)
    opened = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                             headers={**head, "Idempotency-Key": key()})
    first = opened.json()["events"][0]["position"]
    await http.post(f"/api/v1/plans/{plan_id}/candidates/files", files=upload(CANDIDATES),
                    headers={**head, "Idempotency-Key": key()})
    now = (await http.get(f"/api/v1/plans/{plan_id}", headers=head)).json()
    then = (await http.get(f"/api/v1/plans/{plan_id}?at_position={first}", headers=head)).json()
    assert sum(len(g["candidates"]) for g in now["groups"]) == 19
    assert sum(len(g["candidates"]) for g in then["groups"]) == 0

    registry = await http.get(f"/api/v1/organizations?parent_id={PROVINCE}&limit=500",
                              headers=head)
    assert organization in {o["organization_id"] for o in registry.json()["items"]}
    in_2024 = await http.get(f"/api/v1/organizations?on=01/01/2024&parent_id={PROVINCE}",
                             headers=head)
    assert in_2024.json()["total"] == 0  # registered from 01/07/2025
    one = (await http.get(f"/api/v1/organizations/{organization}", headers=head)).json()
    assert one["organization"]["parent_id"] == PROVINCE
    assert one["organization"]["level_label"] and len(one["history"]) == 1
    assert_problem(await http.get("/api/v1/organizations/org-khong-co", headers=head), 404)
    paged = (await http.get("/api/v1/organizations?limit=5&offset=5", headers=head)).json()
    assert len(paged["items"]) == 5 and paged["total"] > 10 and paged["offset"] == 5


async def test_an_administrator_manages_users_within_their_subtree(
        http: httpx.AsyncClient, ctx: Context, world: World) -> None:
    admin = f"quantri.{uuid.uuid4().hex[:6]}"
    await new_user(ctx, world, admin, [("administrator", PROVINCE, None)])
    head = world.bearer(admin)
    login = f"moi.{uuid.uuid4().hex[:6]}"
    created = await http.post("/api/v1/users", json={
        "login": login, "display_name": "Nguyễn Thị Mới", "password": "mot-mat-khau-du-dai"},
        headers={**head, "Idempotency-Key": key()})
    assert created.status_code == 201, created.text
    assert created.json()["password_set"] is True
    granted = await http.post(f"/api/v1/users/{login}/grants",
                              json={"role": "auditor", "organization_id": PROVINCE},
                              headers={**head, "Idempotency-Key": key()})
    assert granted.json()["grants"][0]["role"] == "auditor"
    outside = await http.post(f"/api/v1/users/{login}/grants",
                              json={"role": "auditor", "organization_id": "org-tp-hue"},
                              headers={**head, "Idempotency-Key": key()})
    assert_problem(outside, 403)

    token_key = key("token")
    issued = await http.post(f"/api/v1/users/{login}/tokens", json={"name": "bao-cao"},
                             headers={**head, "Idempotency-Key": token_key})
    assert issued.status_code == 201
    token = issued.json()["token"]
    again = await http.post(f"/api/v1/users/{login}/tokens", json={"name": "bao-cao"},
                            headers={**head, "Idempotency-Key": token_key})
    assert_problem(again, 409, "conflict")  # a secret is shown once only
    me = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["login"] == login

    revoked = await http.delete(f"/api/v1/users/{login}/tokens/{issued.json()['token_id']}",
                                headers={**head, "Idempotency-Key": key()})
    assert revoked.status_code == 204
    assert_problem(await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}),
                   401)
    weak = await http.post(f"/api/v1/users/{login}/password", json={"password": "ngan"},
                           headers={**head, "Idempotency-Key": key()})
    assert assert_problem(weak, 422)["violations"][0]["field"] == "password"
    listed = await http.get("/api/v1/users", headers=head)
    assert login in {u["login"] for u in listed.json()}
    off = await http.post(f"/api/v1/users/{login}/deactivation", json={"reason": "Nghỉ hưu"},
                          headers={**head, "Idempotency-Key": key()})
    assert off.status_code == 200 and off.json()["active"] is False
    assert_problem(await http.get("/api/v1/users", headers=world.bearer("btv.lamdong")), 403)
