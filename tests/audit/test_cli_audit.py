"""The ledger and audit commands as a user runs them (real processes, real PostgreSQL, no
Temporal), the embedded signing key, and the worker's background sealer."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bootstrap
from audit.offline import EVENTS
from audit.spec import parse_note
from eventstore.checkpoints import Signer
from eventstore.database import create_engine
from eventstore.ledger_reads import read_checkpoints
from eventstore.store import PostgresEventStore
from settings import Settings
from tests.audit.log import KEY_A, KEYS
from tests.audit.plans import dropped, record_plan
from tests.contract.builders import driver, fetch
from tests.contract.ledger_support import tamper_all
from tests.support.databases import REPO_ROOT, Scratch, backend_names, fresh_database, server_url
from tests.support.keys import TEST_ID_KEY
from worker import seal_periodically

pytestmark = pytest.mark.audit
NHANSU = [sys.executable, "-m", "cli"]


@pytest.fixture
async def cli_db() -> AsyncIterator[Scratch]:
    """The commands do not depend on the server: they run once, on the last backend."""
    async with fresh_database(server_url(backend_names()[-1]), "audit_cli") as url:
        engine = create_engine(url)
        try:
            yield Scratch(url, engine, PostgresEventStore(engine))
        finally:
            await engine.dispose()


def _env(scratch: Scratch, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NHANSU_")}
    return {**env, "DATABASE_URL": scratch.url, "NHANSU_DATA_DIR": str(data_dir),
            "TEMPORAL_ADDRESS": "127.0.0.1:9", "NHANSU_LOG_LEVEL": "WARNING",
            "NHANSU_TOKEN_FILE": str(data_dir / "no-token"), "COLUMNS": "250", **extra}


async def auditor(scratch: Scratch, *plan_ids: str) -> str:
    """An auditor of the centre (a token), over plans whose organizations the registry
    places under it: what reading a trail or exporting needs."""
    from application.plans import PlanService
    from tests.support import people
    from tests.support.scenario import organization

    async def no_temporal() -> Any:
        raise AssertionError("no Temporal here")

    ctx = people.context(bootstrap.Database(url=scratch.url, engine=scratch.engine,
                                            store=scratch.store),
                         PlanService(no_temporal, scratch.store, "unused",
                                     timedelta(seconds=1), digest_key=TEST_ID_KEY))
    await people.seed_registry(ctx)
    for plan_id in plan_ids:
        await people.register_plan_organization(ctx, organization(plan_id))
    return (await people.auditor(ctx)).token


async def nhansu(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(subprocess.run, [*NHANSU, *args], cwd=REPO_ROOT, env=env,
                                   capture_output=True, text=True, timeout=120)


async def test_seal_export_verify_and_catch_tampering_from_the_command_line(
    cli_db: Scratch, tmp_path: Path,
) -> None:
    await record_plan(cli_db.store, "cli-1")
    env = _env(cli_db, tmp_path / "data", NHANSU_TOKEN=await auditor(cli_db, "cli-1"))
    sealed = await nhansu(env, "ledger", "seal")
    assert sealed.returncode == 0, sealed.stdout + sealed.stderr
    assert "Đã ký điểm chốt số 1" in sealed.stdout and "nhansu.ledger/v1" in sealed.stdout
    key_file = tmp_path / "data" / "ledger.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = (await nhansu(env, "ledger", "public-key")).stdout.strip()
    assert public == Signer.from_spec(key_file.read_text()).public_spec()

    note_file = tmp_path / "checkpoint-1.note"
    kept = await nhansu(env, "ledger", "checkpoint", "--out", str(note_file))
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert parse_note(note_file.read_text()).checkpoint_seq == 1

    verified = await nhansu(env, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "toàn vẹn" in verified.stdout and "Sổ cái toàn vẹn" in verified.stdout
    assert "chữ ký Ed25519 hợp lệ" in verified.stdout
    stream = f"nomination-{dropped('cli-1')}"
    one = await nhansu(env, "audit", "verify", "--stream", stream)
    assert one.returncode == 0 and "được điểm chốt số 1" in one.stdout

    out = tmp_path / "export"
    exported = await nhansu(env, "audit", "export", "--out", str(out))
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert f"--public-key {public}" in exported.stdout
    ok = await nhansu(env, "audit", "verify-export", str(out), "--public-key", public,
                      "--trusted-checkpoint", str(note_file))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Sổ cái toàn vẹn" in ok.stdout and "sự kiện/giây" in ok.stdout

    wrong_key = await nhansu(env, "audit", "verify-export", str(out), "--public-key",
                             KEY_A.public_spec())
    assert wrong_key.returncode == 1 and "not a trusted key" in wrong_key.stdout
    malformed = await nhansu(env, "audit", "verify-export", str(out), "--public-key", "x")
    assert malformed.returncode == 2

    lines = (out / EVENTS).read_text(encoding="utf-8").splitlines(keepends=True)
    record = json.loads(lines[6])
    record["metadata"]["actor"] = "someone-else"
    lines[6] = json.dumps(record, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False) + "\n"
    (out / EVENTS).write_text("".join(lines), encoding="utf-8")
    caught = await nhansu(env, "audit", "verify-export", str(out), "--public-key", public)
    assert caught.returncode == 1
    assert f"events.jsonl line 7 (ledger seq 7, position {record['position']}" in caught.stdout
    assert "hash mismatch" in caught.stdout


async def test_nightly_verification_from_the_latest_checkpoint_and_a_split_full_one(
    cli_db: Scratch, tmp_path: Path,
) -> None:
    await record_plan(cli_db.store, "cli-n")
    env = _env(cli_db, tmp_path / "data")
    assert (await nhansu(env, "ledger", "seal")).returncode == 0
    nightly = await nhansu(env, "audit", "verify", "--since-checkpoint")
    assert nightly.returncode == 0, nightly.stdout + nightly.stderr
    assert "Kiểm tra gia tăng từ điểm chốt có chữ ký số 1" in nightly.stdout
    assert "Sau điểm chốt: 0 sự kiện" in nightly.stdout
    split = await nhansu(env, "audit", "verify", "--workers", "2")
    assert split.returncode == 0 and "Sổ cái toàn vẹn" in split.stdout, split.stdout
    refused = await nhansu(env, "audit", "verify", "--workers", "0")
    assert refused.returncode != 0 and "--workers" in refused.stdout + refused.stderr

    stream = f"nomination-{dropped('cli-n')}"
    await tamper_all(cli_db.engine, "UPDATE events SET metadata = convert_to(jsonb_set("
                     "convert_from(metadata, 'UTF8')::jsonb, '{actor}', '\"x\"')::text, "
                     f"'UTF8') WHERE stream_id = '{stream}' AND stream_version = 2")
    still = await nhansu(env, "audit", "verify", "--since-checkpoint")
    assert still.returncode == 0  # before the checkpoint: the nightly run trusts its signature
    full = await nhansu(env, "audit", "verify", "--workers", "2")
    assert full.returncode == 1 and "Chuỗi băm bị phá vỡ" in full.stdout, full.stdout


async def test_a_rolled_back_database_fails_against_a_kept_checkpoint(
    cli_db: Scratch, tmp_path: Path,
) -> None:
    await record_plan(cli_db.store, "cli-2")
    env = _env(cli_db, tmp_path / "data")
    assert (await nhansu(env, "ledger", "seal")).returncode == 0
    await record_plan(cli_db.store, "cli-3")
    assert (await nhansu(env, "ledger", "seal")).returncode == 0
    note = tmp_path / "latest.note"
    assert (await nhansu(env, "ledger", "checkpoint", "--out", str(note))).returncode == 0
    holding = await nhansu(env, "audit", "verify", "--trusted-checkpoint", str(note))
    assert holding.returncode == 0, holding.stdout + holding.stderr

    await tamper_all(cli_db.engine, "DELETE FROM checkpoints WHERE checkpoint_seq = 2")
    rolled = await nhansu(env, "audit", "verify", "--trusted-checkpoint", str(note))
    assert rolled.returncode == 1 and "rolled back" in rolled.stdout
    assert "checkpoint 2" in rolled.stdout
    at_least = await nhansu(env, "audit", "verify", "--min-size", "100000")
    assert at_least.returncode == 1 and "--min-size" in at_least.stdout


async def test_trail_formats_from_the_command_line(cli_db: Scratch, tmp_path: Path) -> None:
    await record_plan(cli_db.store, "cli-4")
    env = _env(cli_db, tmp_path / "data", NHANSU_TOKEN=await auditor(cli_db, "cli-4"))
    nomination_id = dropped("cli-4")
    before = await nhansu(env, "audit", "trail", nomination_id, "--json")
    assert before.returncode == 0, before.stdout + before.stderr
    assert json.loads(before.stdout)["checkpoint_verification"]["status"] == "not_sealed"
    assert (await nhansu(env, "ledger", "seal")).returncode == 0

    text = await nhansu(env, "audit", "trail", nomination_id)
    assert text.returncode == 0 and "được điểm chốt số 1" in text.stdout
    for fmt in ("json", "csv", "html"):
        target = tmp_path / f"trail.{fmt}"
        done = await nhansu(env, "audit", "trail", nomination_id, "--format", fmt,
                            "--out", str(target))
        assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads((tmp_path / "trail.json").read_text("utf-8"))[
        "checkpoint_verification"]["status"] == "covered"
    raw_csv = (tmp_path / "trail.csv").read_bytes()
    assert raw_csv.startswith(b"\xef\xbb\xbf")  # spreadsheets then read it as UTF-8
    rows = list(csv.reader(io.StringIO(raw_csv.decode("utf-8-sig"))))
    assert "Không đạt, dừng" in {r[3] for r in rows if len(r) > 3}
    assert "Hồ sơ quá trình nhân sự" in (tmp_path / "trail.html").read_text("utf-8")
    bad = await nhansu(env, "audit", "trail", nomination_id, "--format", "pdf")
    assert bad.returncode == 2 and "--format" in bad.stdout

    public = (await nhansu(env, "ledger", "public-key")).stdout.strip()
    proven = await nhansu(env, "audit", "verify-trail", str(tmp_path / "trail.json"),
                          "--public-key", public)
    assert proven.returncode == 0 and "Bằng chứng bao hàm hợp lệ" in proven.stdout, \
        proven.stdout + proven.stderr
    wrong = await nhansu(env, "audit", "verify-trail", str(tmp_path / "trail.json"),
                         "--public-key", KEY_A.public_spec())
    assert wrong.returncode == 1 and "KHÔNG hợp lệ" in wrong.stdout


async def test_the_embedded_signing_key_is_made_once_and_verifying_never_makes_one(
    tmp_path: Path,
) -> None:
    settings = Settings.from_environment({"NHANSU_DATA_DIR": tmp_path / "data"})
    assert bootstrap.ledger_public_keys(settings) == {}
    assert not (tmp_path / "data" / "ledger.key").exists()
    keys = await asyncio.gather(*(asyncio.to_thread(bootstrap.ledger_signing_key, settings)
                                  for _ in range(8)))
    assert len(set(keys)) == 1  # racing processes agree on one key
    signer = bootstrap.ledger_signer(settings)
    assert bootstrap.ledger_public_keys(settings) == {signer.key_id: signer.public_key}
    assert list((tmp_path / "data").iterdir()) == [tmp_path / "data" / "ledger.key"]

    short = Settings.from_environment({
        "NHANSU_DATA_DIR": tmp_path / "other",
        "NHANSU_LEDGER_SIGNING_KEY": f"short:{base64.b64encode(bytes(31)).decode()}"})
    with pytest.raises(ValueError, match="32 bytes, not 31"):
        bootstrap.ledger_signer(short)
    zeros = base64.b64encode(bytes(32)).decode()
    rotated = Settings.from_environment({
        "NHANSU_DATA_DIR": tmp_path / "other",
        "NHANSU_LEDGER_SIGNING_KEY": f"rotated-2026:{zeros}",
        "NHANSU_LEDGER_PUBLIC_KEYS": KEY_A.public_spec()})
    assert set(bootstrap.ledger_public_keys(rotated)) == {"rotated-2026", KEY_A.key_id}
    assert not (tmp_path / "other").exists()  # configured keys: nothing written
    clash = Settings.from_environment({
        "NHANSU_LEDGER_SIGNING_KEY": f"{KEY_A.key_id}:{zeros}",
        "NHANSU_LEDGER_PUBLIC_KEYS": KEY_A.public_spec()})
    with pytest.raises(ValueError, match="is not the signing key's"):
        bootstrap.ledger_public_keys(clash)


async def test_the_worker_seals_and_checkpoints_in_the_background(scratch: Scratch) -> None:
    await record_plan(scratch.store, "bg-1")
    task = asyncio.create_task(seal_periodically(
        scratch.engine, scratch.store, KEY_A, KEYS, every_events=10, interval_seconds=0.1))
    try:
        async with asyncio.timeout(60):
            while True:
                [row] = await fetch(scratch.engine, "SELECT (SELECT count(*) FROM events) = "
                                    "(SELECT coalesce(max(ledger_size), 0) FROM checkpoints)")
                if row[0]:
                    break
                await asyncio.sleep(0.05)
        await record_plan(scratch.store, "bg-2")  # more while it runs
        async with asyncio.timeout(60):
            while True:
                [row] = await fetch(scratch.engine, "SELECT (SELECT count(*) FROM events) = "
                                    "(SELECT coalesce(max(ledger_size), 0) FROM checkpoints)")
                if row[0]:
                    break
                await asyncio.sleep(0.05)
        assert not task.done()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    async with driver(scratch.engine) as conn:
        checkpoints = await read_checkpoints(conn)
        assert not await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = "
                                       "'advisory' AND database = (SELECT oid FROM pg_database "
                                       "WHERE datname = current_database())")
    assert len(checkpoints) >= 2 and {c.key_id for c in checkpoints} == {KEY_A.key_id}


async def test_the_witness_from_the_command_line(cli_db: Scratch, tmp_path: Path) -> None:
    """The operator hands over checkpoint and proof; the auditor's office co-signs growth and
    refuses a rollback, with the field and the rule; verify names the unsealed tail."""
    await record_plan(cli_db.store, "cli-w1")
    env = _env(cli_db, tmp_path / "data")
    assert (await nhansu(env, "ledger", "seal")).returncode == 0
    public = (await nhansu(env, "ledger", "public-key")).stdout.strip()
    office = tmp_path / "office"
    office.mkdir()
    key, state, handoff = office / "witness.key", office / "witness.note", tmp_path / "h.json"
    made = await nhansu(env, "audit", "witness-key", "--key-id", "kiem-toan", "--out", str(key))
    assert made.returncode == 0 and "kiem-toan:" in made.stdout, made.stdout + made.stderr
    witness = ["audit", "witness", "--proof", str(handoff), "--state", str(state),
               "--witness-key", str(key), "--public-key", public]

    assert (await nhansu(env, "ledger", "consistency", "--from-size", "0", "--out",
                         str(handoff))).returncode == 0
    first = await nhansu(env, *witness, "--init")
    assert first.returncode == 0, first.stdout + first.stderr
    size = parse_note(state.read_text()).ledger_size

    await record_plan(cli_db.store, "cli-w2")
    pending = await nhansu(env, "audit", "verify")
    assert pending.returncode == 0 and "Đuôi chưa niêm phong:" in pending.stdout
    assert "giờ Việt Nam" in pending.stdout, pending.stdout
    assert (await nhansu(env, "ledger", "seal")).returncode == 0
    assert "mọi sự kiện đã vào sổ cái" in (await nhansu(env, "audit", "verify")).stdout
    assert (await nhansu(env, "ledger", "consistency", "--from-size", str(size), "--out",
                         str(handoff))).returncode == 0
    grown = await nhansu(env, *witness, "--json")
    assert grown.returncode == 0, grown.stdout + grown.stderr
    assert json.loads(grown.stdout)["previous_size"] == size
    kept = state.read_text()
    assert len(parse_note(kept).signatures) == 2
    audited = await nhansu(env, "audit", "verify", "--trusted-checkpoint", str(state))
    assert audited.returncode == 0, audited.stdout

    await tamper_all(cli_db.engine, "DELETE FROM checkpoints WHERE checkpoint_seq > 1",
                     f"DELETE FROM ledger WHERE ledger_seq > {size}")
    assert (await nhansu(env, "ledger", "seal", "--no-checkpoint")).returncode == 0
    refused_proof = await nhansu(env, "ledger", "consistency", "--from-size", "100000")
    assert refused_proof.returncode == 2 and "--from-size" in refused_proof.stdout + \
        refused_proof.stderr
    assert (await nhansu(env, "ledger", "consistency", "--from-size", "0", "--out",
                         str(handoff))).returncode == 0
    refused = await nhansu(env, *witness)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Từ chối ký chứng thực" in refused.stdout + refused.stderr
    assert "--proof" in refused.stdout + refused.stderr
    assert state.read_text() == kept
    caught = await nhansu(env, "audit", "verify", "--trusted-checkpoint", str(state))
    assert caught.returncode == 1 and "rolled back" in caught.stdout
