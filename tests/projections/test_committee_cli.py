"""`nhansu report committees` as a user runs it (a real process, real PostgreSQL): a congress's
events caught up into the read model, the report as JSON, as a table, as CSV, XLSX and PNG
files; a threshold out of range refused in Vietnamese with exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.projections.support import append_all
from tests.projections.test_cli import auditor_of, nhansu
from tests.projections.test_committees import plan_and_congress
from tests.support.congress import PLAN_ID
from tests.support.databases import fresh_database

pytestmark = pytest.mark.projection


async def test_report_committees_end_to_end(pg_server: str, tmp_path: Path) -> None:
    async with fresh_database(pg_server, "cli_committees") as url:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("NHANSU_")},
               "DATABASE_URL": url, "TEMPORAL_ADDRESS": "127.0.0.1:9",
               "NHANSU_DATA_DIR": str(tmp_path / "data"), "NHANSU_LOG_LEVEL": "WARNING",
               "NHANSU_TOKEN_FILE": str(tmp_path / "no-token"), "COLUMNS": "250"}
        steps = plan_and_congress()
        engine = create_engine(url)
        try:
            await append_all(PostgresEventStore(engine), steps)
        finally:
            await engine.dispose()
        env["NHANSU_TOKEN"] = await auditor_of(url, {PLAN_ID: steps[:1]})
        caught = await nhansu(env, "projections", "catch-up", "--json")
        assert caught.returncode == 0, caught.stdout + caught.stderr

        files = {k: tmp_path / f"bao-cao.{k}" for k in ("csv", "xlsx", "png")}
        shown = await nhansu(env, "report", "committees", "--organization", "org-trung-uong",
                             "--json", "--csv", str(files["csv"]), "--xlsx",
                             str(files["xlsx"]), "--png", str(files["png"]))
        assert shown.returncode == 0, shown.stdout + shown.stderr
        data = json.loads(shown.stdout)
        [committee] = data["committees"]
        assert (committee["plan_id"], committee["elected"], committee["counts"]["women"],
                committee["counts"]["first_time"]) == (PLAN_ID, 9, 3, 3)
        # 3 first time of 9 is exactly 1/3: not above; 3 women of 9 (33,3 %) is above 15 %.
        assert [a["plans"] for a in data["above"]] == [[], [PLAN_ID]]
        assert files["csv"].read_bytes().decode("utf-8-sig").count("\r\n") == 2
        assert files["xlsx"].read_bytes()[:2] == b"PK"
        assert files["png"].read_bytes()[:4] == b"\x89PNG"

        table = await nhansu(env, "report", "committees", "--organization", "org-trung-uong")
        assert table.returncode == 0, table.stderr
        assert "Đảng bộ xã An Bình" in table.stdout and "Tỷ lệ đổi mới" in table.stdout
        assert "Có 01/01 cấp ủy có tỷ lệ cấp ủy viên nữ trên 15%" in table.stdout

        refused = await nhansu(env, "report", "committees", "--organization", "org-trung-uong",
                               "--women-above", "2")
        said = refused.stdout + refused.stderr
        assert refused.returncode == 2 and "--women-above" in said
        assert "không phải một tỷ lệ từ 0 đến 1" in said
        unknown = await nhansu(env, "report", "committees", "--organization", "khong-co")
        said = unknown.stdout + unknown.stderr
        assert unknown.returncode == 2 and "--organization: «khong-co» không phải tổ chức" in said
