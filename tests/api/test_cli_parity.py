"""One scenario through the CLI (``python -m cli`` with NHANSU_TOKEN, as a user runs it) and
through the HTTP API, on two plans of two organizations: the event streams must be identical
apart from ids, times, the actors' user ids, and the plan's and organization's own ids and
names. The normalisation is written out below; any other difference fails the test."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.plans import toml_document
from application.context import Context
from domain.events import plan_stream
from domain.people import CandidateGroup
from reads.plans import load_plan
from settings import Settings
from tests.api.conftest import CANDIDATES, World, key, new_commune, settled, upload
from tests.support.databases import REPO_ROOT

pytestmark = [pytest.mark.api, pytest.mark.usefixtures("worker")]

ADDED = {"full_name": "Võ Thị Thêm", "birth_date": "1990-09-09", "gender": "nữ",
         "ethnicity": "Tày", "candidate_group": "lần đầu", "current_post": "Bí thư Đoàn xã",
         "party_card_number": "TD-300001"}
CORRECTED = ("TD-100018", "Ghi sai chức vụ", "Trưởng ban Dân vận Đảng ủy")
WITHDRAWN = ("TD-300001", "Đồng chí xin rút vì chuyển công tác")

Step = Callable[[str, dict[str, Any]], Awaitable[None]]


def minutes_data(state: Any, group: CandidateGroup, step: int, attempt: int, held_on: date,
                 *, short: bool) -> dict[str, Any]:
    """The worked example's minutes for this conference, as the fields of the minutes file."""
    from application.worked_example import _minutes

    m = _minutes(state, group, step, attempt, held_on, short=short)
    return {"plan_id": m.plan_id, "organization_id": m.organization_id,
            "position_group": m.position_group, "candidate_group": m.candidate_group.value,
            "step": m.step, "attempt": m.attempt, "held_on": m.held_on,
            "summoned": m.summoned, "attending": m.attending,
            "ballots_issued": m.ballots_issued, "ballots_valid": m.ballots_valid,
            "votes": dict(m.votes)}


async def scenario(ctx: Context, plan_id: str, organization: str,
                   do: Callable[..., Awaitable[None]]) -> None:
    """Open, import, add one, correct one, withdraw the one added, the five steps of both
    groups (a weak incumbent dropped, a step held again), submit."""
    await do("open", organization=organization)
    await do("import")
    await do("add")
    await do("correct")
    await do("withdraw")
    held_on = date(2025, 4, 21)
    for group in (CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME):
        for step in range(1, 6):
            attempts = 2 if group is CandidateGroup.FIRST_TIME and step == 2 else 1
            for attempt in range(1, attempts + 1):
                state = await load_plan(ctx.store, plan_id)
                await do("conference", minutes=minutes_data(state, group, step, attempt,
                                                            held_on, short=attempts == 2))
                held_on += timedelta(days=3)
    await do("submit")


def plan_toml(plan_id: str, organization: str) -> dict[str, Any]:
    return {"plan_id": plan_id, "term": "2025-2030", "term_start": date(2025, 7, 1),
            "procedure": "directive-45-2025", "organization": {"id": organization},
            "seats": {"committee_member": 15},
            "targets": {"women_min": "3/20", "under_40_min": "1/10", "first_time_min": "1/3",
                        "ethnic_minority_min": "1/20"}}


async def run_cli(env: dict[str, str], tmp: Path, plan_id: str, what: str,
                  **given: Any) -> None:
    async def nhansu(*args: str) -> None:
        done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "cli", *args],
                                       cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                       timeout=120)
        assert done.returncode == 0, f"nhansu {' '.join(args)}:\n{done.stdout}\n{done.stderr}"

    if what == "open":
        path = tmp / "de-an.toml"
        path.write_text(toml_document(plan_toml(plan_id, given["organization"])), "utf-8")
        await nhansu("plan", "open", str(path))
    elif what == "import":
        await nhansu("candidate", "import", plan_id, str(CANDIDATES))
    elif what == "add":
        await nhansu("candidate", "add", plan_id, "--name", ADDED["full_name"], "--born",
                     ADDED["birth_date"], "--gender", ADDED["gender"], "--ethnicity",
                     ADDED["ethnicity"], "--group", ADDED["candidate_group"], "--post",
                     ADDED["current_post"], "--party-card", ADDED["party_card_number"])
    elif what == "correct":
        card, reason, post = CORRECTED
        await nhansu("candidate", "correct", plan_id, card, "--reason", reason, "--post", post)
    elif what == "withdraw":
        await nhansu("candidate", "withdraw", plan_id, WITHDRAWN[0], "--reason", WITHDRAWN[1])
    elif what == "conference":
        path = tmp / f"bien-ban-{uuid.uuid4().hex[:6]}.toml"
        path.write_text(toml_document(given["minutes"]), "utf-8")
        await nhansu("conference", "record", plan_id, str(path))
    elif what == "submit":
        await nhansu("plan", "submit", plan_id)


async def run_api(http: httpx.AsyncClient, headers: dict[str, str], plan_id: str, what: str,
                  **given: Any) -> None:
    base = f"/api/v1/plans/{plan_id}"

    async def send(url: str, **kwargs: Any) -> None:
        answer = await http.post(url, headers={**headers, "Idempotency-Key": key(what)},
                                 **kwargs)
        assert answer.status_code == 201, f"{what}: {answer.text}"

    if what == "open":
        body = plan_toml(plan_id, given["organization"])
        await send("/api/v1/plans", json={**body, "term_start": "2025-07-01"})
    elif what == "import":
        await send(f"{base}/candidates/files", files=upload(CANDIDATES))
    elif what == "add":
        await send(f"{base}/candidates", json=ADDED)
    elif what == "correct":
        card, reason, post = CORRECTED
        await send(f"{base}/candidates/{card}/corrections",
                   json={"reason": reason, "current_post": post})
    elif what == "withdraw":
        await send(f"{base}/candidates/{WITHDRAWN[0]}/withdrawal", json={"reason": WITHDRAWN[1]})
    elif what == "conference":
        minutes = {**given["minutes"], "held_on": given["minutes"]["held_on"].isoformat()}
        await send(f"{base}/conferences", json=minutes)
    elif what == "submit":
        await send(f"{base}/submission")


# --- the normalisation ------------------------------------------------------------------------
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Metadata that differs by nature between two runs: which request, when, where it landed.
VOLATILE_METADATA = {"command_id", "command_digest", "idempotency_key"}


async def normalised(ctx: Context, plan_id: str, organization: str, user: str) -> list[Any]:
    """The plan's events in order, each as (type, schema version, data, metadata), with:
    the plan id, the organization's id and name, and the acting user's login replaced by
    placeholders; each nomination id by the party card of its candidate; the command ids (the
    idempotency keys) by <command> wherever they appear; every moment (an ISO time of day) by
    <time>; every other uuid (event ids, workflow run ids) by <id>; the global log position
    a decision was taken on (metadata decided_on.position) by <position>. Nothing else is
    touched."""
    state = await load_plan(ctx.store, plan_id)
    assert state.organization is not None
    names = {plan_id: "<plan>", organization: "<org>", state.organization.name: "<org-name>",
             user: "<user>"}
    names.update({n.nomination_id: f"<nomination {n.candidate.party_card_number}>"
                  for n in state.nominations.values()})
    recorded = await ctx.store.read_correlated(plan_stream(plan_id))
    names.update({str(e.metadata["command_id"]): "<command>" for e in recorded
                  if e.metadata.get("command_id")})
    out = []
    for e in recorded:
        text = json.dumps({"stream": e.stream_id, "stream_version": e.stream_version,
                           "type": e.event_type, "version": e.schema_version, "data": e.data,
                           "metadata": {k: v for k, v in e.metadata.items()
                                        if k not in VOLATILE_METADATA}},
                          ensure_ascii=False, sort_keys=True)
        for value, placeholder in sorted(names.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(value, placeholder)
        text = UUID.sub("<id>", ISO_MOMENT.sub("<time>", text))
        event = json.loads(text)
        decided_on = event["metadata"].get("decided_on")
        if isinstance(decided_on, dict) and "position" in decided_on:
            decided_on["position"] = "<position>"  # where in the global log: an id too
        out.append(event)
    return out


def streams(events: list[Any]) -> dict[str, list[Any]]:
    by_stream: dict[str, list[Any]] = {}
    for e in events:
        by_stream.setdefault(e["stream"], []).append(e)
    return by_stream


def ordered(events: list[Any]) -> list[tuple[str, str, int]]:
    return [(e["stream"], e["type"], e["stream_version"]) for e in events
            if not str(e["metadata"].get("workflow_id", "")).startswith("appraisal-")]


async def test_the_cli_and_the_api_record_the_same_events_for_the_same_work(
        http: httpx.AsyncClient, ctx: Context, world: World, api_settings: Settings,
        tmp_path: Path) -> None:
    cli_org, cli_user = await new_commune(ctx, world, "dongle")
    api_org, api_user = await new_commune(ctx, world, "hoatiep")
    env = {**os.environ, "DATABASE_URL": str(api_settings.database_url),
           "TEMPORAL_ADDRESS": str(api_settings.temporal_address),
           "NHANSU_TASK_QUEUE": api_settings.temporal_task_queue,
           "NHANSU_PAYLOAD_KEYS": str(api_settings.payload_keys),
           "NHANSU_ID_KEY": base64.b64encode(ctx.id_key).decode(),
           "NHANSU_DATA_DIR": str(tmp_path / "data"), "NHANSU_TOKEN": world.tokens[cli_user],
           "NHANSU_LOG_LEVEL": "WARNING", "COLUMNS": "200"}
    cli_plan, api_plan = f"cli-{uuid.uuid4().hex[:8]}", f"api-{uuid.uuid4().hex[:8]}"

    async def by_cli(what: str, **given: Any) -> None:
        await run_cli(env, tmp_path, cli_plan, what, **given)

    async def by_api(what: str, **given: Any) -> None:
        await run_api(http, world.bearer(api_user), api_plan, what, **given)

    await scenario(ctx, cli_plan, cli_org, by_cli)
    await scenario(ctx, api_plan, api_org, by_api)
    await settled(ctx)

    through_cli = await normalised(ctx, cli_plan, cli_org, cli_user)
    through_api = await normalised(ctx, api_plan, api_org, api_user)
    assert len(through_cli) > 100
    # Stream by stream, event by event.
    cli_streams, api_streams = streams(through_cli), streams(through_api)
    assert sorted(cli_streams) == sorted(api_streams)
    for stream, events in cli_streams.items():
        for a, b in zip(events, api_streams[stream], strict=True):
            assert a == b, f"{stream} v{a['stream_version']} ({a['type']}) differs:\n" \
                           f"CLI: {a}\nAPI: {b}"
    # And in the same global order, except where child workflows append side by side (each
    # nomination's appraisal opens in a workflow of its own, in no set order).
    assert ordered(through_cli) == ordered(through_api)
    assert {"PlanSubmitted", "CandidateWithdrawn", "RegistrationCorrected",
            "NominationDropped"} <= {e["type"] for e in through_cli}
    # What was typed and decided is compared as it is, never normalised away.
    text = json.dumps(through_api, ensure_ascii=False)
    assert "Nguyễn Văn Hùng" in text and "Trưởng ban Dân vận Đảng ủy" in text
    assert "org-tinh-lam-dong" in text and '"yes": ' in text
