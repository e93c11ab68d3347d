"""The read-model commands as a user runs them (real processes, real PostgreSQL, Temporal out
of reach): `db upgrade` migrates both histories, `projections catch-up / status / rebuild`,
`plan list`, `report plans --status submitted` and `report structure`, whose figures are
those the domain computes from the folded plans."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.plan import NominationStatus
from domain.structure import structure_figures
from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from reads.models import migrate as read_models_migrate
from tests.projections.support import Step, append_all, final_state, full_plan, organization
from tests.projections.support import small_plan as small
from tests.support.databases import REPO_ROOT, fresh_database
from tests.support.keys import TEST_ID_KEY

pytestmark = pytest.mark.projection


async def nhansu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "cli", *args],
                                   cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                   timeout=120)


def plans() -> dict[str, list[Step]]:
    return {
        "an-binh": full_plan("an-binh"),  # 17 listed, 7 first-time, 6 women
        "binh-minh": small("binh-minh", organization("binh-minh"), incumbents=[2, 3, 15],
                           first_time=[16]),  # 4 listed: 1 first-time, 1 woman
        "dong-tien": small("dong-tien", organization("dong-tien"), incumbents=[2, 3, 5],
                           first_time=[6], submitted=False),  # no woman
        "moi-lap": small("moi-lap", organization("moi-lap"), incumbents=[1, 2, 3],
                         first_time=[4])[:3],  # opened, two registered: no list yet
    }


async def auditor_of(url: str, every: dict[str, list[Step]]) -> str:
    """An auditor of the centre, over the plans' organizations placed in the registry under
    it: the reader of the reports (a report shows only what its reader may read)."""
    from datetime import timedelta

    import bootstrap
    from application.plans import PlanService
    from tests.support import people

    async def no_temporal() -> object:
        raise AssertionError("no Temporal here")

    engine = create_engine(url)
    try:
        store = PostgresEventStore(engine)
        ctx = people.context(bootstrap.Database(url=url, engine=engine, store=store),
                             PlanService(no_temporal, store, "unused",  # type: ignore[arg-type]
                                         timedelta(seconds=1), digest_key=TEST_ID_KEY))
        await people.seed_registry(ctx)
        for steps in every.values():
            opened = final_state(steps).organization
            assert opened is not None
            await people.register_plan_organization(ctx, opened)
        return (await people.auditor(ctx)).token
    finally:
        await engine.dispose()


async def test_read_model_commands_end_to_end(pg_server: str, tmp_path: Path) -> None:
    async with fresh_database(pg_server, "cli", migrate=False) as url:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("NHANSU_")},
               "DATABASE_URL": url, "TEMPORAL_ADDRESS": "127.0.0.1:9",
               "NHANSU_DATA_DIR": str(tmp_path / "data"), "NHANSU_LOG_LEVEL": "WARNING",
               "NHANSU_TOKEN_FILE": str(tmp_path / "no-token"), "COLUMNS": "250"}
        upgraded = await nhansu(env, "db", "upgrade", "--json")
        assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
        assert read_models_migrate.head_revision() in json.loads(upgraded.stdout)["revisions"]

        every = plans()
        engine = create_engine(url)
        try:
            await append_all(PostgresEventStore(engine),
                             [s for steps in every.values() for s in steps])
        finally:
            await engine.dispose()
        env["NHANSU_TOKEN"] = await auditor_of(url, every)

        stale = await nhansu(env, "plan", "list", "--json")
        assert stale.returncode == 0 and json.loads(stale.stdout) == []
        assert "chậm hơn sổ sự kiện (plans)" in stale.stderr

        caught = await nhansu(env, "projections", "catch-up", "--batch-size", "50", "--json")
        assert caught.returncode == 0, caught.stdout + caught.stderr
        total = sum(len(s.events) for steps in every.values() for s in steps)
        assert json.loads(caught.stdout)["events"] >= total  # and the registry's, users'

        listed = await nhansu(env, "plan", "list", "--json")
        assert listed.returncode == 0 and listed.stderr == ""
        assert [(p["plan_id"], p["term"], p["status"], p["organization_name"])
                for p in json.loads(listed.stdout)] == [
            ("an-binh", "2025-2030", "submitted", "Đảng bộ xã An Bình"),
            ("binh-minh", "2025-2030", "submitted", "Đảng bộ binh-minh"),
            ("dong-tien", "2025-2030", "in_procedure", "Đảng bộ dong-tien"),
            ("moi-lap", "2025-2030", "open", "Đảng bộ moi-lap")]
        table = await nhansu(env, "plan", "list")
        assert "Đang thực hiện" in table.stdout and "binh-minh" in table.stdout

        submitted = await nhansu(env, "report", "plans", "--status", "submitted", "--json")
        assert submitted.returncode == 0, submitted.stderr
        assert [(p["plan_id"], p["candidates"]) for p in json.loads(submitted.stdout)] == [
            ("an-binh", 19), ("binh-minh", 4)]
        table = await nhansu(env, "report", "plans", "--status", "submitted")
        assert "2 đề án" in table.stdout and "binh-minh" in table.stdout

        report = await nhansu(env, "report", "structure", "--json")
        assert report.returncode == 0, report.stderr
        data = json.loads(report.stdout)
        expected = {}
        for plan_id, steps in every.items():
            state = final_state(steps)
            on_list = [n for n in state.nominations.values()
                       if n.status is NominationStatus.LISTED]
            if on_list:
                assert state.targets is not None and state.term_start is not None
                expected[plan_id] = {
                    f.measure: f.count
                    for f in structure_figures(on_list, state.targets, state.term_start)
                } | {"total": len(on_list)}
        assert {s["plan_id"]: dict(s["counts"]) | {"total": s["total"]}
                for s in data["lists"]} == expected
        first_time = [p for p, e in expected.items()
                      if Fraction(e["first_time"], e["total"]) > Fraction(1, 3)]
        women = [p for p, e in expected.items()
                 if Fraction(e["women"], e["total"]) > Fraction(15, 100)]
        assert first_time == ["an-binh"] and sorted(women) == ["an-binh", "binh-minh"]
        above = {a["measure"]: a for a in data["above"]}
        assert above["first_time"]["plans"] == first_time
        assert sorted(above["women"]["plans"]) == women

        text = await nhansu(env, "report", "structure")
        assert text.returncode == 0, text.stderr
        assert ("Có 01 danh sách có tỷ lệ người tham gia lần đầu trên 1/3: "
                "Đảng bộ xã An Bình (7/17, 41,2%).") in text.stdout
        assert ("Có 02 danh sách có tỷ lệ nữ trên 15%: Đảng bộ xã An Bình "
                "(6/17, 35,3%), Đảng bộ binh-minh (1/4, 25,0%).") in text.stdout
        stricter = await nhansu(env, "report", "structure", "--json", "--women-above", "30%",
                                "--status", "submitted")
        women_above = [a for a in json.loads(stricter.stdout)["above"]
                       if a["measure"] == "women"]
        assert len(women_above[0]["plans"]) == 1

        status = await nhansu(env, "projections", "status", "--json")
        assert {r["name"]: r["behind"] for r in json.loads(status.stdout)} == {
            "nominations": False, "plans": False, "structure": False, "committees": False}
        rebuilt = await nhansu(env, "projections", "rebuild", "structure")
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        assert "giống hệt bảng đang dùng" in rebuilt.stdout

        unknown = await nhansu(env, "projections", "rebuild", "nonsense")
        assert unknown.returncode == 2 and "nonsense" in unknown.stdout
        bad = await nhansu(env, "report", "plans", "--status", "duyet")
        assert bad.returncode == 2 and "--status" in bad.stdout


async def test_projections_run_follows_the_log_in_the_foreground_until_interrupted(
        pg_server: str, tmp_path: Path) -> None:
    async with fresh_database(pg_server, "cli_run") as url:
        await read_models_migrate.upgrade(url)
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("NHANSU_")},
               "DATABASE_URL": url, "TEMPORAL_ADDRESS": "127.0.0.1:9",
               "NHANSU_DATA_DIR": str(tmp_path / "data"), "NHANSU_LOG_LEVEL": "WARNING",
               "NHANSU_PROJECTION_POLL_SECONDS": "0.2"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "projections", "run", cwd=REPO_ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        engine = create_engine(url)
        try:
            assert process.stdout is not None
            started = await asyncio.wait_for(process.stdout.readline(), 60)
            assert "Bảng đọc đang chạy (kiểm tra mỗi 0.2 giây)" in started.decode()
            store = PostgresEventStore(engine)
            await append_all(store, full_plan("chay")[:4])
            async with asyncio.timeout(30):
                while True:
                    async with engine.connect() as conn:
                        found = (await conn.execute(text(
                            "SELECT candidates FROM rm_plans WHERE plan_id = 'chay'"))).scalar()
                    if found == 3:
                        break
                    await asyncio.sleep(0.05)
            process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(process.wait(), 30) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            await engine.dispose()
