"""Backups an operator can trust (sao lưu): the service's database dumped whole, the embedded
Temporal server's database copied, a manifest with every file's SHA-256 and where the log and
the ledger stood; and a restore check that restores the dump into a scratch database on the
same server and verifies every hash chain and every signed checkpoint there.

A backup of the record of truth is only as good as its last restore: ``verify_backup`` is what
a nightly job runs after ``create_backup`` (deploy/backup.sh does the same for the compose
deployment, where Temporal's database is a PostgreSQL database of its own)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from application.access import operator_only
from application.context import Context
from application.errors import Rejected, ServiceUnavailable
from application.principal import Principal
from domain.errors import Violation
from settings import Settings

MANIFEST = "manifest.json"
DATABASE_DUMP = "nhansu.dump"
TEMPORAL_COPY = "temporal.db"
FORMAT = "nhansu.backup/v1"


@dataclass(frozen=True, kw_only=True)
class BackupFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True, kw_only=True)
class Backup:
    directory: Path
    created_at: datetime
    log_position: int
    checkpoint_seq: int | None
    checkpoint_ledger_size: int | None
    files: tuple[BackupFile, ...]
    temporal_included: bool


@dataclass(frozen=True, kw_only=True)
class RestoreCheck:
    """What the restored copy showed: ``ok`` when every chain and checkpoint verified and the
    log and the newest checkpoint stand where the manifest says."""

    ok: bool
    backup: Backup
    events: int
    streams: int
    chains_ok: bool
    ledger_ok: bool
    ledger_lines: tuple[str, ...]
    problems: tuple[str, ...]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _described(directory: Path, names: list[str]) -> tuple[BackupFile, ...]:
    return tuple(BackupFile(name=n, size=(directory / n).stat().st_size,
                            sha256=_sha256(directory / n)) for n in names)


def _refuse(field: str, rule: str, message: str) -> Rejected:
    return Rejected((Violation(field=field, rule=rule, message=message),))


async def create_backup(ctx: Context, principal: Principal, settings: Settings,
                        directory: Path) -> Backup:
    """Dump into ``directory`` (created; it must be empty, so no older backup is mixed in)."""
    from eventstore.database import driver
    from eventstore.ledger_reads import latest_checkpoint
    from local_services import backups, temporal_dev
    from local_services.backups import BackupToolError

    operator_only(principal, "Sao lưu dữ liệu")
    await asyncio.to_thread(_empty_directory, directory)
    # Where the record stood before the dump: the dump holds at least this much.
    async with driver(ctx.engine) as conn:
        position = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
        checkpoint = await latest_checkpoint(conn)
    created_at = datetime.now(UTC)
    try:
        await asyncio.to_thread(backups.dump, ctx.db.url, directory / DATABASE_DUMP)
        names = [DATABASE_DUMP]
        temporal = settings.uses_embedded_temporal and temporal_dev.db_path(settings).exists()
        if temporal:
            await asyncio.to_thread(backups.copy_sqlite, temporal_dev.db_path(settings),
                                    directory / TEMPORAL_COPY)
            names.append(TEMPORAL_COPY)
    except BackupToolError as exc:
        raise ServiceUnavailable("PostgreSQL", str(exc)) from None
    files = await asyncio.to_thread(_described, directory, names)
    backup = Backup(directory=directory, created_at=created_at, log_position=position,
                    checkpoint_seq=checkpoint.checkpoint_seq if checkpoint else None,
                    checkpoint_ledger_size=checkpoint.ledger_size if checkpoint else None,
                    files=files, temporal_included=temporal)
    manifest = {"format": FORMAT, "created_at": created_at.isoformat(),
                "log_position": position, "checkpoint_seq": backup.checkpoint_seq,
                "checkpoint_ledger_size": backup.checkpoint_ledger_size,
                "temporal_included": temporal,
                "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files]}
    await asyncio.to_thread(_write_manifest, directory, manifest)
    return backup


def _empty_directory(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()):
        raise _refuse("DIRECTORY", "empty_directory",
                      f"Thư mục «{directory}» đã có tệp; hãy chọn một thư mục trống cho bản "
                      f"sao lưu.")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)


def _write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    for path in directory.iterdir():
        path.chmod(0o600)  # personal data: the operator's eyes only


def read_backup(directory: Path) -> Backup:
    """The manifest, and every file checked against it."""
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(manifest.get("format"))
        files = tuple(BackupFile(name=str(f["name"]), size=int(f["size"]),
                                 sha256=str(f["sha256"])) for f in manifest["files"])
        backup = Backup(directory=directory,
                        created_at=datetime.fromisoformat(manifest["created_at"]),
                        log_position=int(manifest["log_position"]),
                        checkpoint_seq=manifest["checkpoint_seq"],
                        checkpoint_ledger_size=manifest["checkpoint_ledger_size"],
                        files=files, temporal_included=bool(manifest["temporal_included"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise _refuse("DIRECTORY", "backup_manifest",
                      f"«{directory}» không phải bản sao lưu của nhansu (thiếu hoặc hỏng "
                      f"{MANIFEST}).") from None
    for f in files:
        if "/" in f.name or f.name.startswith("."):
            raise _refuse("DIRECTORY", "backup_manifest",
                          f"{MANIFEST} nêu tệp «{f.name}» ngoài thư mục sao lưu.")
        found = directory / f.name
        if not found.is_file() or _sha256(found) != f.sha256:
            raise _refuse("DIRECTORY", "backup_file_hash",
                          f"Tệp «{f.name}» của bản sao lưu bị thiếu hoặc đã thay đổi (SHA-256 "
                          f"không khớp với {MANIFEST}); không dùng bản sao lưu này.")
    return backup


async def verify_backup(ctx: Context, principal: Principal, directory: Path) -> RestoreCheck:
    """Restore into a scratch database beside the service's, verify everything there, drop
    it. Nothing of the service's own database is touched."""
    from audit.database import verify_ledger
    from audit.describe import ledger_lines
    from eventstore.database import create_engine, drop_database, ensure_database, with_database
    from eventstore.store import PostgresEventStore
    from local_services import backups
    from local_services.backups import BackupToolError

    operator_only(principal, "Kiểm tra bản sao lưu")
    backup = await asyncio.to_thread(read_backup, directory)
    server = with_database(ctx.db.url, "postgres")
    scratch = f"nhansu_restore_check_{uuid.uuid4().hex[:10]}"
    url = await ensure_database(server, scratch)
    engine: Any = None
    try:
        try:
            await asyncio.to_thread(backups.restore, url, directory / DATABASE_DUMP)
        except BackupToolError as exc:
            raise _refuse("DIRECTORY", "restorable",
                          f"Không khôi phục được bản sao lưu: {exc}") from None
        engine = create_engine(url, command_timeout=None)
        store = PostgresEventStore(engine)
        chains = await store.verify()
        ledger = await verify_ledger(engine, ctx.ledger_public_keys())
        position = await store.max_position()
        async with engine.connect() as conn:
            from sqlalchemy import text

            latest = (await conn.execute(text(
                "SELECT checkpoint_seq, ledger_size FROM checkpoints "
                "ORDER BY checkpoint_seq DESC LIMIT 1"))).first()
    finally:
        if engine is not None:
            await engine.dispose()
        await drop_database(server, scratch)
    problems = []
    if chains.first_broken is not None:
        broken = chains.first_broken
        problems.append(f"Chuỗi băm của luồng «{broken.stream_id}» hỏng ở phiên bản "
                        f"{broken.stream_version} (vị trí {broken.position}): {broken.reason}")
    if position < backup.log_position:
        problems.append(f"Nhật ký khôi phục dừng ở vị trí {position}, trước vị trí "
                        f"{backup.log_position} mà bản sao lưu ghi nhận.")
    if backup.checkpoint_seq is not None and (latest is None
                                              or latest[0] < backup.checkpoint_seq):
        problems.append(f"Thiếu điểm chốt số {backup.checkpoint_seq} mà bản sao lưu ghi nhận.")
    return RestoreCheck(ok=chains.ok and ledger.ok and not problems, backup=backup,
                        events=chains.events_checked, streams=chains.streams_checked,
                        chains_ok=chains.ok, ledger_ok=ledger.ok,
                        ledger_lines=tuple(ledger_lines(ledger)), problems=tuple(problems))
