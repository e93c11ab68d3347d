"""No personal data in the clear where an operator of Temporal or a reader of logs can see it:
a plan is prepared, submitted and appraised by the real worker (``python worker.py``, JSON
logs at DEBUG) on a real dev server; then the raw history of every workflow it ran (the bytes
Temporal stores, not decoded) and every log line are searched for each candidate's name,
birth date and party card number."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from application.errors import Conflict
from application.plans import PlanService
from domain.commands import RegisterCandidate
from domain.idempotency import DIGEST_METADATA_KEY, KEYED_PREFIX, command_digest
from domain.people import Candidate
from domain.plan import PlanPhase
from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.integration.test_review import appraise
from tests.support import scenario
from tests.support.databases import REPO_ROOT, backend_names, fresh_database, server_url
from tests.support.keys import TEST_PAYLOAD_KEYS
from tests.support.waiting import appraisals_opened, phase_reached
from workflows.messages import appraisal_workflow_id, plan_workflow_id

pytestmark = pytest.mark.integration

ID_KEY = b"privacy-test-installation-key-32"


@pytest.fixture
async def own_database() -> AsyncIterator[str]:
    # Its own: the real worker seals the ledger with a key of its own data dir.
    async with fresh_database(server_url(backend_names()[-1]), "privacy") as url:
        yield url


def people(plan_id: str) -> list[Candidate]:
    return [c.candidate for c in scenario.registrations(plan_id)]


def needles(candidates: list[Candidate]) -> dict[str, str]:
    """What must not appear: each name (as typed, and as JSON escapes it), birth date (ISO,
    and as Vietnamese write it) and party card number."""
    found: dict[str, str] = {}
    for c in candidates:
        found[c.full_name] = "name"
        found[json.dumps(c.full_name)[1:-1]] = "name (JSON-escaped)"
        found[c.birth_date.isoformat()] = "birth date"
        found[f"{c.birth_date:%d/%m/%Y}"] = "birth date"
        if c.party_card_number:
            found[c.party_card_number] = "party card"
    return found


def leaks(blob: bytes, what: dict[str, str]) -> list[str]:
    return [f"{kind}: {text}" for text, kind in what.items() if text.encode() in blob]


def start_worker(env: dict[str, str], log_file: Path) -> subprocess.Popen[bytes]:
    """The service's own worker, as `nhansu worker` runs it, its output in ``log_file``."""
    with log_file.open("wb") as log:
        return subprocess.Popen([sys.executable, str(REPO_ROOT / "worker.py")], cwd=REPO_ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)


async def test_no_name_birth_date_or_party_card_in_raw_history_or_json_logs(
        temporal_env: WorkflowEnvironment, temporal_client: Client, own_database: str,
        plan_id: str) -> None:
    task_queue = f"privacy-{uuid.uuid4().hex[:12]}"
    data_dir = Path(tempfile.mkdtemp(prefix="nhansu-privacy-"))
    log_file = data_dir / "worker-json.log"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": own_database,
           "TEMPORAL_ADDRESS": temporal_client.service_client.config.target_host,
           "NHANSU_TASK_QUEUE": task_queue, "NHANSU_PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
           "NHANSU_DATA_DIR": str(data_dir), "NHANSU_LOG_FORMAT": "json",
           "NHANSU_LOG_LEVEL": "DEBUG", "NHANSU_LEDGER_CHECKPOINT_SECONDS": "1",
           "NHANSU_ID_KEY": base64.b64encode(ID_KEY).decode()}
    worker = start_worker(env, log_file)
    engine = create_engine(own_database)
    try:
        store = PostgresEventStore(engine)
        service = PlanService(temporal_client, store, task_queue, timedelta(seconds=60),
                              digest_key=ID_KEY)
        await service.open_plan(scenario.opening(plan_id), now=datetime.now(UTC))
        commands = scenario.all_commands(plan_id)
        for command in commands:
            await scenario.send(service, plan_id, command)
        # A retry is still a retry, and a key reused for other content still refused, with
        # the digests the store keeps keyed.
        first = commands[0]
        assert isinstance(first, RegisterCandidate)
        again = await scenario.send_result(service, plan_id, first)
        assert again.already_applied
        with pytest.raises(Conflict) as reused:
            await scenario.send_result(service, plan_id, replace(
                first, candidate=replace(first.candidate, current_post="Chức vụ khác")))
        assert reused.value.violations[0].rule == "key_reused"
        state = await phase_reached(store, plan_id, PlanPhase.SUBMITTED)
        listed = [n.nomination_id for n in state.all_listed()]
        await appraisals_opened(store, plan_id, listed, round=1)
        await appraise(service, listed, special={})
        await phase_reached(store, plan_id, PlanPhase.AWAITING_APPROVAL)
        await asyncio.sleep(2)  # a sealing tick and the projector's log lines
    finally:
        worker.terminate()
        worker.wait(30)
        await engine.dispose()

    what = needles(people(plan_id))
    assert len(what) >= 4 * len(people(plan_id))
    # The data is there to find: the store holds it (in the clear, by design).
    stored = json.dumps([e.data for e in await PostgresEventStore(
        create_engine(own_database)).read_correlated(f"plan-{plan_id}")], ensure_ascii=False)
    assert leaks(stored.encode(), what), "the scenario's people are not in the store?"

    # The digest of a command is of its content, the person's data included: kept keyed
    # under the installation's secret, not as a hash anyone could recompute from a guess.
    recorded = await PostgresEventStore(create_engine(own_database)).read_correlated(
        f"plan-{plan_id}")
    digests = [e.metadata.get(DIGEST_METADATA_KEY) for e in recorded]
    kept = {d for d in digests if d is not None}
    assert kept and all(d.startswith(KEYED_PREFIX) for d in kept), sorted(kept)[:3]
    plain = {command_digest(c) for c in [scenario.opening(plan_id), *commands]}
    assert len(kept) >= len(commands)
    # No command's plain digest anywhere in what the store keeps beside the events.
    stored_metadata = json.dumps([e.metadata for e in recorded])
    assert [d for d in plain if d in stored_metadata] == []

    histories = 0
    for workflow_id in [plan_workflow_id(plan_id), *map(appraisal_workflow_id, listed)]:
        history = await temporal_client.get_workflow_handle(workflow_id).fetch_history()
        raw = history.to_json().encode() + b"".join(
            e.SerializeToString() for e in history.events)
        assert len(history.events) > 3
        assert leaks(raw, what) == [], workflow_id
        histories += 1
        if workflow_id == plan_workflow_id(plan_id):
            # The control: decoded with the key, the same history names the candidates.
            updates = [e.workflow_execution_update_accepted_event_attributes
                       for e in history.events
                       if e.HasField("workflow_execution_update_accepted_event_attributes")]
            payloads = [p for u in updates for p in u.accepted_request.input.args.payloads]
            decoded = await temporal_client.data_converter.payload_codec.decode(payloads) \
                if temporal_client.data_converter.payload_codec else payloads
            assert leaks(b"".join(p.data for p in decoded), what)
    assert histories >= 1 + len(listed)

    lines = log_file.read_bytes().splitlines()
    assert len(lines) > 10, lines
    records = [json.loads(line) for line in lines if line.startswith(b"{")]
    assert any(r.get("event") == "worker started" for r in records), lines[:20]
    assert leaks(log_file.read_bytes(), what) == []
