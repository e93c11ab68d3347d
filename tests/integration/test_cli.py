"""The CLI end to end, as a user runs it: real processes, real PostgreSQL, real Temporal.
The audit commands are run with Temporal out of reach, to show they need PostgreSQL alone."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from application.plans import PlanService
from domain.events import plan_stream
from domain.plan import PlanPhase
from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from reads.plans import load_plan
from tests.support import scenario
from tests.support.databases import REPO_ROOT
from tests.support.keys import TEST_PAYLOAD_KEYS
from tests.support.review import AGENCIES, finding
from tests.support.waiting import appraisals_opened, phase_reached

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]
EXAMPLES = REPO_ROOT / "examples"
NHANSU = [sys.executable, "-m", "cli"]


@pytest.fixture
def cli_env(database_url: str, temporal_client: object, task_queue: str,
            tmp_path: Path) -> dict[str, str]:
    target = temporal_client.service_client.config.target_host  # type: ignore[attr-defined]
    return {**os.environ, "DATABASE_URL": database_url, "TEMPORAL_ADDRESS": target,
            "NHANSU_TASK_QUEUE": task_queue, "NHANSU_PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
            "NHANSU_DATA_DIR": str(tmp_path / "data"), "NHANSU_ACTOR": "ban-to-chuc.test",
            "COLUMNS": "200", "NHANSU_LOG_LEVEL": "WARNING"}


async def nhansu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # In a thread: the test's worker shares this event loop and must keep answering.
    return await asyncio.to_thread(subprocess.run, [*NHANSU, *args], cwd=REPO_ROOT, env=env,
                                   capture_output=True, text=True, timeout=120)


def plan_file(tmp_path: Path, plan_id: str) -> Path:
    source = (EXAMPLES / "plan-xa-an-binh.toml").read_text("utf-8")
    path = tmp_path / "plan.toml"
    path.write_text(source.replace('plan_id = "xa-an-binh-2025-2030"',
                                   f'plan_id = "{plan_id}"'), "utf-8")
    return path


async def test_a_user_prepares_a_plan_and_audits_it_from_the_command_line(
        cli_env: dict[str, str], store: PostgresEventStore, tmp_path: Path,
        plan_id: str) -> None:
    opened = await nhansu(cli_env, "plan", "open", str(plan_file(tmp_path, plan_id)))
    assert opened.returncode == 0, opened.stdout + opened.stderr
    imported = await nhansu(cli_env, "candidate", "import", plan_id,
                      str(EXAMPLES / "candidates-xa-an-binh.csv"))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    state = await load_plan(store, plan_id)
    names = {n.candidate.full_name for n in state.nominations.values()}
    assert len(names) == 19 and "Lâm Quốc Việt" in names and "Huỳnh Thị Ngọc Ánh" in names

    # Minutes short of quorum: refused with the field and the rule, nothing recorded.
    before = await store.read_correlated(plan_stream(plan_id))
    minutes = (EXAMPLES / "conference-step1-incumbent.toml").read_text("utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(minutes.replace("attending = 5", "attending = 3"), "utf-8")
    refused = await nhansu(cli_env, "conference", "record", plan_id, str(bad))
    assert refused.returncode == 2
    assert "attending" in refused.stdout and "quorum" in refused.stdout
    assert await store.read_correlated(plan_stream(plan_id)) == before

    recorded = await nhansu(cli_env, "conference", "record", plan_id,
                      str(EXAMPLES / "conference-step1-incumbent.toml"))
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    shown = await nhansu(cli_env, "plan", "show", plan_id, "--json")
    assert json.loads(shown.stdout)["state"]["phase"] == "in_procedure"

    # The audit reads PostgreSQL alone: Temporal is pointed at a port nobody listens on.
    offline = {**cli_env, "TEMPORAL_ADDRESS": "127.0.0.1:9"}
    nomination = next(n.nomination_id for n in (await load_plan(store, plan_id))
                      .nominations.values() if n.candidate.party_card_number == "TD-100001")
    trail = await nhansu(offline, "audit", "trail", nomination, "--json")
    assert trail.returncode == 0, trail.stdout + trail.stderr
    data = json.loads(trail.stdout)
    assert data["full_name"] == "Nguyễn Văn Hùng"
    assert [e["event_type"] for e in data["entries"]] == [
        "CandidateRegistered", "EligibilityChecked", "NominationAdvanced"]
    assert data["entries"][2]["tally"]["yes"] == 5 and data["verification"]["ok"]
    first_only = await nhansu(offline, "audit", "trail", nomination, "--json", "--as-of",
                        data["entries"][0]["recorded_at"])
    # Registration and its eligibility check are recorded in one append, at one instant.
    assert len(json.loads(first_only.stdout)["entries"]) == 2
    verified = await nhansu(offline, "audit", "verify", "--stream",
                            f"nomination-{nomination}")
    assert verified.returncode == 0 and "toàn vẹn" in verified.stdout


async def test_verify_names_the_event_altered_behind_the_applications_back(
        cli_env: dict[str, str], store: PostgresEventStore, database_url: str,
        tmp_path: Path, plan_id: str) -> None:
    opened = await nhansu(cli_env, "plan", "open", str(plan_file(tmp_path, plan_id)))
    assert opened.returncode == 0
    stream = plan_stream(plan_id)
    [first_event] = await store.read_stream(stream)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE events DISABLE TRIGGER ALL"))
        await conn.execute(text("UPDATE events SET data = jsonb_set(data, '{term}', "
                                "'\"2025-2035\"') WHERE position = :p"),
                           {"p": first_event.position})
        await conn.execute(text("ALTER TABLE events ENABLE TRIGGER ALL"))
    try:
        broken = await nhansu({**cli_env, "TEMPORAL_ADDRESS": "127.0.0.1:9"}, "audit",
                              "verify", "--stream", stream)
        assert broken.returncode == 1
        assert str(first_event.position) in broken.stdout and stream in broken.stdout
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE events DISABLE TRIGGER ALL"))
            await conn.execute(text("UPDATE events SET data = CAST(:d AS jsonb) "
                                    "WHERE position = :p"),
                               {"d": json.dumps(first_event.data), "p": first_event.position})
            await conn.execute(text("ALTER TABLE events ENABLE TRIGGER ALL"))
    await engine.dispose()
    assert (await store.verify(stream)).ok


async def test_the_superior_level_appraises_and_decides_from_the_command_line(
        cli_env: dict[str, str], service: PlanService, store: PostgresEventStore,
        plan_id: str) -> None:
    await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
    for command in scenario.all_commands(plan_id):
        await scenario.send(service, plan_id, command)
    state = await phase_reached(store, plan_id, PlanPhase.SUBMITTED)
    listed = [n.nomination_id for n in state.all_listed()]
    await appraisals_opened(store, plan_id, listed, round=1)
    agency_env = {**cli_env, "NHANSU_ROLE": "appraisal_agency",
                  "NHANSU_ORGANIZATION": state.superior_id, "NHANSU_ACTOR": "can-bo.ubkt"}

    no_reason = await nhansu(agency_env, "appraisal", "record", listed[0], "--agency",
                             "inspection_committee", "--outcome", "disqualifying",
                             "--evidence", "BC-1")
    assert no_reason.returncode == 2 and "reason_required" in no_reason.stdout
    for agency in AGENCIES:  # one nomination from the command line, the rest directly
        done = await nhansu(agency_env, "appraisal", "record", listed[0], "--agency", agency,
                            "--outcome", "cleared", "--evidence", f"HS-{agency}")
        assert done.returncode == 0, done.stdout + done.stderr
    assert (await load_plan(store, plan_id)).appraisals[listed[0]].outcome == "cleared"
    for n in listed[1:]:
        for agency in AGENCIES:
            await service.record_finding(finding(n, agency), f"{n}-{agency}")
    await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)
    shown = await nhansu(agency_env, "appraisal", "show", plan_id)
    assert shown.returncode == 0 and "Đạt" in shown.stdout

    appraiser_deciding = await nhansu(
        {**agency_env, "NHANSU_ROLE": "superior_standing_committee"}, "approval", "decide",
        plan_id, "--decision", "approve", "--ref", "QĐ-1")
    assert appraiser_deciding.returncode == 2
    assert "separation_of_duties" in appraiser_deciding.stdout
    committee_env = {**agency_env, "NHANSU_ROLE": "superior_standing_committee",
                     "NHANSU_ACTOR": "btv.cap-tren"}
    approved = await nhansu(committee_env, "approval", "decide", plan_id, "--decision",
                            "approve", "--ref", "QĐ-2")
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert (await phase_reached(store, plan_id, PlanPhase.APPROVED)).phase is PlanPhase.APPROVED


async def test_the_worked_example_runs_end_to_end(cli_env: dict[str, str]) -> None:
    """What `make demo` runs, on the test's PostgreSQL and Temporal server."""
    demo = await nhansu(cli_env, "demo")
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "Đã phê duyệt (vòng 2)" in demo.stdout
    assert "chữ ký Ed25519 hợp" in demo.stdout and "Chuỗi băm toàn vẹn" in demo.stdout
