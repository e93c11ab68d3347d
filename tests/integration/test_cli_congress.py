"""nhansu congress … as its users run it: real processes acting with their API tokens, a real
Temporal dev server and PostgreSQL. Ballots imported from a file and entered one by one from
standard input, the count signed, the round, the committee and the count protocol read back,
in Vietnamese and in JSON."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from application.context import Context
from domain.people import Role
from domain.vocabulary import VIETNAM
from eventstore.store import PostgresEventStore
from tests.support import people
from tests.support.approved import organization_of, store_approved_plan
from tests.support.databases import REPO_ROOT
from tests.support.keys import TEST_ID_KEY_B64, TEST_PAYLOAD_KEYS

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]
NHANSU = [sys.executable, "-m", "cli"]
ENGLISH = re.compile(r"\b(?:Usage|Options|Error|Missing|not found|is not|must)\b")


@pytest.fixture
def cli_env(database_url: str, temporal_client: object, task_queue: str,
            tmp_path: Path) -> dict[str, str]:
    target = temporal_client.service_client.config.target_host  # type: ignore[attr-defined]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHANSU_")}
    return {**env, "DATABASE_URL": database_url, "TEMPORAL_ADDRESS": target,
            "NHANSU_TASK_QUEUE": task_queue, "NHANSU_PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
            "NHANSU_ID_KEY": TEST_ID_KEY_B64,
            "NHANSU_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200",
            "NHANSU_LOG_LEVEL": "WARNING", "HOME": str(tmp_path)}


async def nhansu(env: dict[str, str], token: str, *args: str,
                 stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(subprocess.run, [*NHANSU, *args], cwd=REPO_ROOT,
                                   env={**env, "NHANSU_TOKEN": token}, input=stdin,
                                   capture_output=True, text=True, timeout=120)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


async def test_the_counting_committee_at_the_command_line(
        app: Context, store: PostgresEventStore, cli_env: dict[str, str],
        tmp_path: Path) -> None:
    plan_id = f"dh-cli-{uuid.uuid4().hex[:6]}"
    await store_approved_plan(store, plan_id)
    organization = organization_of(plan_id)
    await people.register_plan_organization(app, organization)
    org = organization.organization_id
    department = await people.department(app, org)
    counters = await people.person(app, [(Role.VOTE_COUNTING_COMMITTEE, org, None)], "kp")
    day = app.clock().astimezone(VIETNAM).date().strftime("%d/%m/%Y")

    ok(await nhansu(cli_env, department.token, "congress", "open", plan_id, "--summoned", "20",
                    "--opens-on", day))
    ok(await nhansu(cli_env, department.token, "congress", "open-round", plan_id, "--group",
                    "committee_member", "--seats", "15", "--summoned", "20", "--present", "20",
                    "--held-on", day))
    # Two names withdraw: 15 remain for 15 seats, a surplus the committee list must have.
    for card in ("TD-000016", "TD-000017"):
        ok(await nhansu(cli_env, department.token, "congress", "withdraw", plan_id, "1", card,
                        "--reason", "Xin rút"))
    refused = await nhansu(cli_env, department.token, "congress", "vote-list", plan_id, "1",
                           "--present", "20", "--in-favour", "20")
    assert refused.returncode == 2 and "list_minimum" in refused.stdout
    assert not ENGLISH.search(refused.stdout + refused.stderr)
    ok(await nhansu(cli_env, department.token, "congress", "nominate", plan_id, "1",
                    "--source", "đề cử", "--party-card", "TD-000016", "--nominated-by",
                    "Đại biểu A", "--consented", "--accepted", "--support", "10"))
    ok(await nhansu(cli_env, department.token, "congress", "vote-list", plan_id, "1",
                    "--present", "20", "--in-favour", "18"))

    # 16 names for 15 seats: each ballot crosses one name out.
    rows = ["STT,Có dấu,Gạch tên"] + [f"{n},có,TD-{(n % 3) + 14:06d}" for n in range(1, 20)]
    rows += ["20,không,"]
    ballots = tmp_path / "phieu.csv"
    ballots.write_text("\n".join(rows) + "\n", encoding="utf-8")
    canonical = tmp_path / "chuan-hoa.csv"
    counted = json.loads(ok(await nhansu(cli_env, counters.token, "congress", "import-ballots",
                                         plan_id, "1", str(ballots), "--issued", "19",
                                         "--canonical-out", str(canonical), "--json")))
    assert counted["count"]["returned"] == 20 and counted["count"]["valid"] == 19
    import hashlib

    assert hashlib.sha256(canonical.read_bytes()).hexdigest() == counted["ballot_file_sha256"]
    assert "STT" not in canonical.read_text("utf-8")
    forbidden = await nhansu(cli_env, department.token, "congress", "sign", plan_id, "1",
                             "--signatory", "A")
    assert forbidden.returncode == 6
    # A recount, entered one ballot at a time from standard input.
    typed = "\n".join(["TD-000014"] * 6 + ["TD-000015"] * 7 + ["TD-000016"] * 6
                      + ["khong-dau", "xoa khong-dau", ". khong-dau", "xong"]) + "\n"
    entered = await nhansu(cli_env, counters.token, "congress", "enter-ballots", plan_id, "1",
                           "--issued", "19", stdin=typed)
    out = ok(entered)
    assert "Tạm tính" in entered.stderr and "trùng khớp" in out
    signed = ok(await nhansu(cli_env, counters.token, "congress", "sign", plan_id, "1",
                             "--signatory", "Lê Văn Kiểm", "--count-digest",
                             counted["count_digest"]))
    assert "Đủ số lượng" in signed

    shown = json.loads(ok(await nhansu(cli_env, department.token, "congress", "round",
                                       plan_id, "1", "--json")))
    assert shown["stage"] == "concluded" and len(shown["elected"]) == 15
    committee = ok(await nhansu(cli_env, department.token, "congress", "committee", plan_id))
    assert "Trúng cử" in committee and not ENGLISH.search(committee)
    as_data = json.loads(ok(await nhansu(cli_env, counters.token, "congress", "committee",
                                         plan_id, "--json")))
    assert len(as_data["members"]) == 15 and as_data["members"][0]["how"] == "elected"
    page = tmp_path / "bien-ban.html"
    ok(await nhansu(cli_env, counters.token, "congress", "protocol", plan_id, "1", "--out",
                    str(page)))
    assert counted["ballot_file_sha256"] in page.read_text("utf-8")
    shown_all = ok(await nhansu(cli_env, department.token, "congress", "show", plan_id))
    assert "Đại hội đại biểu" in shown_all
