"""The README's "Using it" walkthrough, run literally: every line of its shell block from the
first `nhansu` to the last, in a fresh database, with a real Temporal server and a worker.
Only the lines that start and stop the embedded services are left out (the test's own servers
stand in for them). If the README changes, this runs what it says."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client

import bootstrap
from domain.plan import PlanPhase
from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from reads.plans import load_plan
from tests.support.databases import REPO_ROOT, backend_names, fresh_database, server_url
from tests.support.keys import TEST_ID_KEY, TEST_ID_KEY_B64, TEST_PAYLOAD_KEYS

pytestmark = [pytest.mark.integration]
SKIPPED = ("make services-up", ". .venv/bin/activate", "make services-down")


def walkthrough() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using it", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "the README's walkthrough is a ```bash block under ## Using it"
    lines = [line for line in block[1].splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    kept = [line for line in lines if not line.startswith(SKIPPED)]
    assert len(lines) - len(kept) == len(SKIPPED)
    return kept


@pytest.fixture
async def readme_database() -> AsyncIterator[str]:
    async with fresh_database(server_url(backend_names()[-1]), "readme") as url:
        yield url


# Some 60 CLI processes, each paying its start-up: minutes on a loaded two-core machine.
@pytest.mark.timeout(1200)
async def test_the_readme_walkthrough_runs_as_written_from_opening_to_approval(
        temporal_client: Client, readme_database: str, tmp_path: Path) -> None:
    commands = walkthrough()
    assert commands[0].startswith("nhansu registry import")
    (tmp_path / "examples").symlink_to(REPO_ROOT / "examples")
    queue = "readme-walkthrough"
    target = temporal_client.service_client.config.target_host
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHANSU_")}
    env.update({"DATABASE_URL": readme_database, "TEMPORAL_ADDRESS": target,
                "NHANSU_TASK_QUEUE": queue, "NHANSU_PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
                "NHANSU_ID_KEY": TEST_ID_KEY_B64,
                "NHANSU_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path),
                "NHANSU_LOG_LEVEL": "WARNING", "COLUMNS": "160",
                "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}"})
    script = "set -euo pipefail\n" + "\n".join(commands) + "\n"
    engine = create_engine(readme_database)
    store = PostgresEventStore(engine)
    try:
        async with bootstrap.worker(temporal_client, store, queue, digest_key=TEST_ID_KEY):
            done = await asyncio.to_thread(
                subprocess.run, ["bash", "-c", script], cwd=tmp_path, env=env,
                capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
        state = await load_plan(store, "xa-doi-may-2025-2030")
        assert state.phase is PlanPhase.APPROVED
        excluded = [n for n in state.nominations.values() if n.status.value == "excluded"]
        assert [n.candidate.party_card_number for n in excluded] == ["TD-100010"]
        assert (tmp_path / "trail.html").is_file() and (tmp_path / "next-minutes.toml").is_file()
        assert "Sổ cái toàn vẹn" in done.stdout
        assert "Traceback" not in done.stderr
    finally:
        await engine.dispose()
