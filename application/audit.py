"""Use cases of auditors and inspectors (kiểm tra, thanh tra, kiểm toán), and of the ledger:
a nomination's trail with its verdicts, verification of every hash chain and of the ledger,
exports an auditor verifies with no database, time travel, sealing and checkpoints. All read
PostgreSQL alone: they work with the worker and Temporal stopped."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from application.access import acting, operator_only
from application.context import Context
from application.errors import Forbidden, NotFound, Rejected
from application.principal import Principal
from domain.access import Operation
from domain.errors import Violation
from eventstore.database import driver
from eventstore.incremental import IncrementalReport

Progress = Callable[[int, int | None], None]
TRAIL_FORMATS = ("text", "json", "csv", "html")


def _refuse(field: str, rule: str, message: str) -> Rejected:
    return Rejected((Violation(field=field, rule=rule, message=message),))


async def trail(ctx: Context, principal: Principal, ref: str, *, plan_id: str | None = None,
                as_of: datetime | None = None, as_of_date: date | None = None,
                redacted: bool = False) -> Any:
    """A nomination's complete history with both verdicts: its hash chain, and the signed
    checkpoint that covers its latest event (audit.trail.TrailReport). A reader outside the
    plan's scope who may read histories without personal data (an auditor of another branch,
    a standing committee above the plan's direct superior) gets it redacted, as does anyone
    who asks for ``redacted``: it still verifies, with the person's data left out. ``ref``
    is the nomination's id, or, with ``plan_id``, a party card number (số thẻ đảng) in that
    plan; only a reader who may see the person looks one up by card."""
    from audit.trail import trail_report
    from reads.trail import NominationNotFound

    if plan_id is None:
        nomination_id = ref
        owner = await _organization_of_nomination(ctx, nomination_id)
        if owner is None:
            raise NotFound("hồ sơ nhân sự", ref)
        redacted = await _trail_access(ctx, principal, owner) or redacted
    else:
        from application.preparation import load, resolve
        from domain.text import nfc

        state = await load(ctx, plan_id)
        owner = state.organization.organization_id if state.organization else ""
        outside = await _trail_access(ctx, principal, owner)
        # Before any look-up: whether a card is in the plan is itself the person's data.
        if outside and nfc(ref) not in state.nominations:
            raise _refuse("candidate", "nomination_id_required", (
                "Người chỉ được xem hồ sơ đã ẩn thông tin cá nhân phải ghi mã hồ sơ nhân sự, "
                "không tra theo số thẻ đảng."))
        nomination_id = resolve(state, ref).nomination_id
        redacted = outside or redacted
    try:
        return await trail_report(ctx.engine, ctx.store, nomination_id,
                                  ctx.ledger_public_keys(), as_of=as_of, as_of_date=as_of_date,
                                  redacted=redacted)
    except NominationNotFound:
        raise NotFound("hồ sơ nhân sự", ref) from None


async def _trail_access(ctx: Context, principal: Principal, owner: str) -> bool:
    """Whether the principal reads the trails of ``owner``'s plans only without personal data
    (True) or in full (False); Forbidden if neither."""
    try:
        await acting(ctx, principal, Operation.READ_TRAIL, owner)
    except Forbidden as refused:
        try:
            await acting(ctx, principal, Operation.READ_REDACTED_TRAIL, owner)
        except Forbidden:
            raise refused from None
        return True
    return False


async def _organization_of_nomination(ctx: Context, nomination_id: str) -> str | None:
    from reads.plans import load_plan

    try:
        plan_id = await ctx.plans.plan_of(nomination_id)
    except NotFound:
        return None
    state = await load_plan(ctx.store, plan_id)
    return state.organization.organization_id if state.organization else None


def trail_document(report: Any, fmt: str) -> str:
    """The trail as a file: json, csv (spreadsheet-safe) or html (printable)."""
    from audit.trail_formats import trail_csv, trail_html, trail_json_text

    if fmt not in ("json", "csv", "html"):
        raise _refuse("--format", "one_of", f"«{fmt}»: chọn json, csv hoặc html")
    return {"json": trail_json_text, "csv": trail_csv, "html": trail_html}[fmt](report)


def trail_statements(report: Any) -> tuple[str, str]:
    """The chain verdict and the checkpoint verdict, as sentences."""
    from audit.statements import chain_statement, coverage_statement

    return chain_statement(report.trail.verification), coverage_statement(report.coverage)


def read_trusted_note(path: Path | None) -> Any:
    if path is None:
        return None
    from audit.spec import parse_note

    try:
        return parse_note(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise _refuse("--trusted-checkpoint", "signed_note",
                      f"không đọc được điểm chốt trong {path}: {exc}") from None


@dataclass(frozen=True, kw_only=True)
class Verification:
    ok: bool
    chains: Any  # eventstore.model.VerificationReport
    ledger_lines: tuple[str, ...]  # the ledger's verdict, line by line ("" if one stream)
    coverage: str | None  # for one stream: the checkpoint that covers its latest event
    ledger: Any = None  # audit.verifier.Report when the whole ledger was verified


def _incremental_lines(report: IncrementalReport, seconds: float) -> list[str]:
    """What the incremental verification found, for a reader (as audit/describe.py says the
    full one's)."""
    def _n(value: float) -> str:
        return f"{round(value):,}".replace(",", ".")

    rate = report.events_checked / seconds if seconds > 0 else 0.0
    lines = [f"Kiểm tra gia tăng từ điểm chốt có chữ ký số {report.checkpoint_seq}: "
             f"{_n(report.covered)} mục sổ cái đầu được chữ ký của điểm chốt bảo đảm, không "
             "tính lại (lần kiểm tra toàn bộ tính lại chúng)."]
    if report.problem is not None:
        lines.append(f"Phát hiện lỗi toàn vẹn (tamper evidence): {report.problem}")
    elif report.first_broken is None:
        lines.append(f"Sau điểm chốt: {_n(report.events_checked)} sự kiện của "
                     f"{_n(report.streams_checked)} luồng và {_n(report.sealed_checked)} mục "
                     "sổ cái được tính lại, không có thay đổi.")
    text = f"{seconds:.2f}".replace(".", ",")
    lines.append(f"Thời gian kiểm tra: {text} giây ({_n(rate)} sự kiện/giây).")
    return lines


async def verify(ctx: Context, principal: Principal, *, stream: str | None = None,
                 trusted_checkpoint: Path | None = None, min_size: int | None = None,
                 progress: Progress | None = None, since_checkpoint: bool = False,
                 workers: int = 1) -> Verification:
    """Recompute every hash chain (or one stream's) and name the first broken link; then the
    ledger: its numbering, its chain and every signed checkpoint. ``since_checkpoint``: only
    what the latest signed checkpoint does not cover (a nightly run; falls back to the whole
    store when no checkpoint was signed yet). ``workers``: processes sharing the whole
    store's check."""
    from audit.coverage import coverage_on
    from audit.database import verify_ledger
    from audit.describe import ledger_lines
    from audit.statements import coverage_statement

    if workers < 1:
        raise _refuse("--workers", "at_least_one", "số tiến trình phải từ 1 trở lên")
    if since_checkpoint and stream is not None:
        raise _refuse("--since-checkpoint", "not_with_stream",
                      "kiểm tra gia tăng áp dụng cho toàn bộ kho, không dùng cùng --stream")
    await acting(ctx, principal, Operation.VERIFY, None)
    note = read_trusted_note(trusted_checkpoint)
    keys = ctx.ledger_public_keys()
    if since_checkpoint:
        started = time.perf_counter()
        incremental = await ctx.store.verify_since_checkpoint(keys, progress=progress)
        if incremental is not None:
            from eventstore.model import VerificationReport

            chains = VerificationReport(streams_checked=incremental.streams_checked,
                                        events_checked=incremental.events_checked,
                                        first_broken=incremental.first_broken)
            return Verification(ok=incremental.ok, chains=chains,
                                ledger_lines=tuple(_incremental_lines(
                                    incremental, time.perf_counter() - started)),
                                coverage=None)
    chains = await ctx.store.verify(stream, progress=progress, workers=workers)
    if stream is not None:
        recorded = await ctx.store.read_stream(stream)
        if not recorded:
            raise NotFound("luồng sự kiện", stream)
        async with driver(ctx.engine) as conn:
            coverage = await coverage_on(conn, recorded[-1].position, recorded[-1].hash, keys)
        return Verification(ok=chains.ok and not coverage.failed, chains=chains,
                            ledger_lines=(), coverage=coverage_statement(coverage))
    ledger = await verify_ledger(ctx.engine, keys, trusted=note, min_size=min_size)
    async with driver(ctx.engine) as conn:
        tail = await _tail_lines(conn)
    return Verification(ok=chains.ok and ledger.ok, chains=chains,
                        ledger_lines=(*ledger_lines(ledger), *tail), coverage=None,
                        ledger=ledger)


_UNSEALED_TAIL = """
SELECT count(*), min(e.recorded_at), clock_timestamp() FROM events AS e
WHERE NOT EXISTS (SELECT FROM ledger AS l WHERE l.event_position = e.position)
"""

_UNCOVERED_TAIL = """
SELECT count(*), min(e.recorded_at) FROM ledger AS l
JOIN events AS e ON e.position = l.event_position
WHERE l.ledger_seq > coalesce((SELECT max(ledger_size) FROM checkpoints), 0)
"""


async def _tail_lines(conn: Any) -> list[str]:
    """The window an auditor cannot yet hold the operator to: events not in the ledger, and
    entries no signed checkpoint covers, with the oldest one's time and age (the worker seals
    every NHANSU_LEDGER_SEAL_SECONDS, so both stay seconds old while it runs)."""
    from application.labels import moment, number

    unsealed, oldest, now = await conn.fetchrow(_UNSEALED_TAIL)
    uncovered, oldest_uncovered = await conn.fetchrow(_UNCOVERED_TAIL)

    def age(since: datetime) -> str:
        seconds = max(0, round((now - since).total_seconds()))
        return f"{number(seconds)} giây"

    lines = []
    if unsealed:
        lines.append(f"Đuôi chưa niêm phong: {number(unsealed)} sự kiện chưa vào sổ cái, cũ "
                     f"nhất ghi lúc {moment(oldest)}, đã {age(oldest)}.")
    else:
        lines.append("Đuôi chưa niêm phong: không có; mọi sự kiện đã vào sổ cái.")
    if uncovered:
        lines.append(f"Chưa có điểm chốt ký: {number(uncovered)} mục sổ cái, sự kiện cũ nhất "
                     f"ghi lúc {moment(oldest_uncovered)}, đã {age(oldest_uncovered)}.")
    return lines


async def export(ctx: Context, principal: Principal, out: Path, *,
                 progress: Progress | None = None, redacted: bool = False) -> tuple[Any, str]:
    """Every event with its ledger seq, and every signed checkpoint, as JSON Lines; and the
    command an auditor runs to verify them with no database. ``redacted``: for a reader who
    may not see personal data (the values of private fields left out; it still verifies)."""
    from audit.export import export as write

    await acting(ctx, principal, Operation.EXPORT, None)
    try:
        await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    except OSError as exc:
        raise _refuse("--out", "writable_directory",
                      f"không tạo được thư mục {out}: {exc.strerror or exc}") from None
    summary = await write(ctx.engine, out, progress=progress, redacted=redacted)
    specs = " ".join(f"--public-key {k}:{base64.b64encode(v).decode()}"
                     for k, v in ctx.ledger_public_keys().items())
    return summary, f"nhansu audit verify-export {out} {specs}".strip()


def verify_export(directory: Path, public_keys: list[str], *,
                  trusted_checkpoint: Path | None = None, min_size: int | None = None,
                  progress: Progress | None = None) -> tuple[bool, tuple[str, ...]]:
    """Verify an export with no database at all (an auditor's own machine)."""
    from audit.describe import ledger_lines
    from audit.offline import verify_export as check
    from audit.spec import parse_public_keys

    try:
        keys = parse_public_keys(public_keys)
    except ValueError as exc:
        raise _refuse("--public-key", "key_spec", str(exc)) from None
    if not directory.is_dir():
        raise _refuse("DIRECTORY", "directory", f"{directory} không phải một thư mục")
    report = check(directory, keys, trusted=read_trusted_note(trusted_checkpoint),
                   min_size=min_size, progress=progress)
    return report.ok, tuple(ledger_lines(report))


async def plan_at_position(ctx: Context, principal: Principal, plan_id: str,
                           position: int) -> Any:
    from application.preparation import show_plan

    return await show_plan(ctx, principal, plan_id, at_position=position)


async def decision_basis(ctx: Context, principal: Principal, plan_id: str,
                         event_id: str) -> tuple[Any, Any]:
    """What the decider saw: the decision event and the plan rebuilt at the position it
    records (reads.timetravel.DecisionBasis, application.views.PlanDetails)."""
    from application.preparation import show_plan
    from reads.timetravel import EventNotFound
    from reads.timetravel import decision_basis as basis_of

    try:
        basis = await basis_of(ctx.store, plan_id, event_id)
    except EventNotFound:
        raise NotFound("sự kiện", event_id) from None
    return basis, await show_plan(ctx, principal, plan_id, at_position=basis.seen_position)


# --- the ledger -----------------------------------------------------------------------------
async def seal(ctx: Context, principal: Principal, *, checkpoint: bool = True,
               wait_seconds: float = 30.0, progress: Progress | None = None) -> Any:
    """Add every committed event to the ledger and sign a checkpoint over it
    (eventstore.ledger.SealResult)."""
    from eventstore.ledger import seal as extend

    operator_only(principal, "Niêm phong sổ cái")
    signer = ctx.ledger_signer() if checkpoint else None
    return await extend(ctx.engine, ctx.store, signer, trusted_keys=ctx.ledger_public_keys(),
                        wait_seconds=wait_seconds, progress=progress)


def signed_note(ctx: Context, checkpoint: Any) -> str:
    keys = ctx.ledger_public_keys()
    if checkpoint.key_id not in keys:
        raise _refuse("NHANSU_LEDGER_PUBLIC_KEYS", "known_key",
                      f"không có khóa công khai cho «{checkpoint.key_id}»")
    return str(checkpoint.signed_note(keys[checkpoint.key_id]))


async def latest_checkpoint_note(ctx: Context, principal: Principal) -> tuple[Any, str]:
    from eventstore.ledger_reads import latest_checkpoint

    await acting(ctx, principal, Operation.VERIFY, None)
    async with driver(ctx.engine) as conn:
        checkpoint = await latest_checkpoint(conn)
    if checkpoint is None:
        raise NotFound("điểm chốt có chữ ký", "(chưa có: chạy nhansu ledger seal)")
    return checkpoint, signed_note(ctx, checkpoint)


def public_key(ctx: Context) -> str:
    return str(ctx.ledger_signer().public_spec())


# --- the Merkle tree log: consistency proofs and the witness --------------------------------
async def consistency_proof(ctx: Context, principal: Principal, first_size: int) -> Any:
    """The latest signed checkpoint with the RFC 9162 consistency proof from a tree of
    ``first_size`` entries (the witness's last checkpoint) to it (audit.witness
    .ConsistencyProof): what the operator hands the witness."""
    from audit.witness import ConsistencyProof
    from eventstore import merkle
    from eventstore.ledger_reads import (
        latest_checkpoint,
        leaf_hashes,
        stored_consistency_proof,
    )

    await acting(ctx, principal, Operation.VERIFY, None)
    async with driver(ctx.engine) as conn:
        checkpoint = await latest_checkpoint(conn)
        if checkpoint is None or checkpoint.tree_root is None:
            raise NotFound("điểm chốt có gốc cây Merkle", "(chạy nhansu ledger seal)")
        if not 0 <= first_size <= checkpoint.ledger_size:
            raise _refuse("--from-size", "within_tree",
                          f"--from-size phải từ 0 đến {checkpoint.ledger_size} (số mục của "
                          f"điểm chốt số {checkpoint.checkpoint_seq}), không phải {first_size}")
        # From the stored subtree roots (O(log n) rows); from every leaf if they are missing
        # or do not lead to the signed root.
        proof = await stored_consistency_proof(conn, first_size, checkpoint.ledger_size,
                                               bytes.fromhex(checkpoint.tree_root))
        if proof is None:
            leaves = await leaf_hashes(conn, checkpoint.ledger_size)
            proof = merkle.Tree(leaves).consistency_proof(first_size)
    return ConsistencyProof(first_size=first_size, second_size=checkpoint.ledger_size,
                            proof=proof, checkpoint=signed_note(ctx, checkpoint))


_WITNESS_RULES = {
    "key_spec": "tệp khóa của người chứng thực phải chứa key_id:base64 (32 byte)",
    "key_id": "mã khóa chỉ gồm 1-64 chữ cái, chữ số, «.», «_» hoặc «-»",
    "consistency_proof": "tệp bằng chứng nhất quán không đúng định dạng",
    "signed_note": "điểm chốt không đúng dạng C2SP signed note",
    "operator_signature": "điểm chốt không có chữ ký hợp lệ của khóa vận hành được tin cậy",
    "tree_root": "điểm chốt không mang gốc cây Merkle (ký trước khi có cây Merkle)",
    "proof_size": "bằng chứng nhất quán không nối đúng hai kích thước điểm chốt",
    "own_signature": "tệp trạng thái không mang chữ ký của chính người chứng thực này",
    "rollback": "điểm chốt mới lùi lại so với điểm chốt đã chứng thực lần trước (sổ cái bị "
                "cắt bớt hoặc quay lui)",
    "fork": "điểm chốt mới không nối tiếp điểm chốt đã chứng thực lần trước (lịch sử đã bị "
            "viết lại: rẽ nhánh)",
    "state_missing": "chưa có tệp trạng thái; lần chứng thực đầu tiên cần --init",
    "state_exists": "tệp trạng thái đã có; --init chỉ dùng cho lần đầu",
}


def _witness_refusal(exc: Any) -> Rejected:
    reason = _WITNESS_RULES.get(exc.rule, exc.rule)
    return _refuse(exc.field, exc.rule, f"Từ chối ký chứng thực: {reason} ({exc.detail}).")


def new_witness_key(key_id: str, out: Path) -> str:
    """Write a fresh witness key to ``out`` (readable by its owner only); its public spec."""
    from audit.witness import WitnessRefused, read_witness_key
    from audit.witness import new_witness_key as make

    try:
        spec = make(key_id)
    except WitnessRefused as exc:
        raise _witness_refusal(exc) from None
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise _refuse("--out", "new_file",
                      f"không tạo được tệp khóa mới {out}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(spec + "\n")
    return read_witness_key(spec).public_spec()


def witness(*, proof_file: Path, state_file: Path, key_file: Path, public_keys: list[str],
            init: bool = False) -> Any:
    """Co-sign the operator's new checkpoint if it extends the last one this witness signed
    (audit.witness.cosign); the new note replaces the state file. No database."""
    from audit.spec import parse_public_keys
    from audit.witness import WitnessRefused, cosign, parse_proof, read_witness_key, store_state

    try:
        keys = parse_public_keys(public_keys)
    except ValueError as exc:
        raise _refuse("--public-key", "key_spec", str(exc)) from None
    if not keys:
        raise _refuse("--public-key", "required", "cần khóa công khai của bên vận hành")
    texts = {}
    for field, path in (("--proof", proof_file), ("--witness-key", key_file)):
        try:
            texts[field] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _refuse(field, "readable_file", f"không đọc được {path}: {exc}") from None
    state = None
    try:
        if state_file.exists():
            if init:
                raise WitnessRefused("--init", "state_exists", str(state_file))
            state = state_file.read_text(encoding="utf-8")
        elif not init:
            raise WitnessRefused("--state", "state_missing", str(state_file))
        result = cosign(key=read_witness_key(texts["--witness-key"]), operator_keys=keys,
                        proof=parse_proof(texts["--proof"]), state=state)
    except WitnessRefused as exc:
        raise _witness_refusal(exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _refuse("--state", "readable_file", f"không đọc được {state_file}: {exc}") from None
    try:
        store_state(state_file, result.note)
    except OSError as exc:
        raise _refuse("--state", "writable_file",
                      f"không ghi được {state_file}: {exc.strerror or exc}") from None
    return result


@dataclass(frozen=True, kw_only=True)
class TrailCheck:
    """A trail's JSON export checked with no database: ``proven`` events in the signed tree,
    the content of ``records`` (audit.offline.RecordsCheck), and every problem."""

    proven: int
    records: Any
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_trail(path: Path, public_keys: list[str]) -> TrailCheck:
    """Check a trail's JSON export with no database: its inclusion proofs
    (audit.offline.verify_trail_proofs) and each event's hash recomputed from the content it
    shows, openings included, or their commitments only in a redacted trail
    (audit.offline.verify_trail_records)."""
    import json

    from audit.offline import verify_trail_proofs, verify_trail_records
    from audit.spec import parse_public_keys

    try:
        keys = parse_public_keys(public_keys)
    except ValueError as exc:
        raise _refuse("--public-key", "key_spec", str(exc)) from None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise _refuse("FILE", "trail_json", f"không đọc được hồ sơ JSON {path}: {exc}") from None
    proven, problems = verify_trail_proofs(document, keys)
    records = verify_trail_records(document)
    return TrailCheck(proven=proven, records=records, problems=[*problems, *records.problems])
