"""Tamper fuzzing: a real log is built, sealed and checkpointed on PostgreSQL and exported;
then hundreds of seeded random mutations are applied to the exported files, and dozens to the
stored rows themselves (guards switched off as a superuser could), and every single one must
be detected, with the ledger seq, position or checkpoint it concerns named in a failure. The
untouched export and database must pass.

The mutations include the strongest forgeries possible without the private key: an edit
followed by recomputing every stream hash and every ledger hash, and checkpoints signed again
with another key (under the same key id or another one). A rollback (the latest checkpoint
dropped, with or without its events) is only detectable by an auditor who already holds a
later checkpoint; those cases are verified with ``--trusted-checkpoint`` or ``--min-size``.
"""

from __future__ import annotations

import base64
import json
import os
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.database import verify_ledger_on
from audit.export import export_on
from audit.offline import CHECKPOINTS, EVENTS, HEADER, lines_of, verify_export, verify_lines
from audit.spec import Note, dumps, event_hash, parse_note
from audit.verifier import Failure, Report
from eventstore.ledger_reads import latest_checkpoint
from tests.audit import forge
from tests.audit.log import KEY_B, KEYS, BuiltLog, build_log
from tests.contract.builders import driver
from tests.contract.ledger_support import TABLES
from tests.support.databases import Scratch

pytestmark = pytest.mark.audit

FILE_MUTATIONS = int(os.environ.get("NHANSU_FUZZ_MUTATIONS", "600"))
SEED = int(os.environ.get("NHANSU_FUZZ_SEED", "4242"))
ATTACKER = Ed25519PrivateKey.from_private_bytes(bytes(range(200, 232)))

Named = Callable[[Failure], bool]


@dataclass
class Export:
    header: bytes
    checkpoints: bytes
    events: bytes
    sealed: int
    sizes: list[int]
    trusted: Note

    def covering(self, seq: int) -> int:
        return next(n for n, size in enumerate(self.sizes, start=1) if size >= seq)

    def verify(self, *, trusted: bool = False, min_size: int | None = None) -> Report:
        return verify_lines(KEYS, lines_of(self.header), lines_of(self.checkpoints),
                            lines_of(self.events), trusted=self.trusted if trusted else None,
                            min_size=min_size)


@dataclass
class Case:
    kind: str
    header: bytes
    checkpoints: bytes
    events: bytes
    named: Named
    trusted: bool = False
    min_size: int | None = None
    note: str = ""


def at_seq(*seqs: int) -> Named:
    """A failure about these ledger entries (a checkpoint's mismatch names only its size and
    does not count, unless it says that the entries from there on are missing)."""
    return lambda f: f.ledger_seq in seqs and (f.source != CHECKPOINTS
                                               or "entries are missing" in f.message)


def at_checkpoint(seq: int) -> Named:
    return lambda f: f.checkpoint_seq == seq


def either(*named: Named) -> Named:
    return lambda f: any(n(f) for n in named)


@pytest.fixture(scope="module")
async def built(tmp_path_factory: pytest.TempPathFactory,
                pg_server: str) -> AsyncIterator[tuple[BuiltLog, Scratch]]:
    from eventstore.database import create_engine
    from eventstore.store import PostgresEventStore
    from tests.support.databases import fresh_database

    async with fresh_database(pg_server, "fuzz") as url:
        engine = create_engine(url)
        try:
            scratch = Scratch(url, engine, PostgresEventStore(engine))
            log = await build_log(scratch, tmp_path_factory.mktemp("export"))
            yield log, scratch
        finally:
            await engine.dispose()


def _export(log: BuiltLog, trusted: str) -> Export:
    d = log.directory
    return Export(header=(d / HEADER).read_bytes(), checkpoints=(d / CHECKPOINTS).read_bytes(),
                  events=(d / EVENTS).read_bytes(), sealed=log.sealed,
                  sizes=log.checkpoint_sizes, trusted=parse_note(trusted))


async def _trusted_note(scratch: Scratch) -> str:
    async with driver(scratch.engine) as conn:
        latest = await latest_checkpoint(conn)
    assert latest is not None and latest.key_id == KEY_B.key_id
    return latest.signed_note(KEY_B.public_key)


# --- mutations of the exported files ---------------------------------------------------------
@dataclass
class Mutator:
    x: Export
    rng: random.Random
    events: list[dict[str, Any]] = field(init=False)
    checkpoints: list[dict[str, Any]] = field(init=False)
    header: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.events = forge.records(self.x.events)
        self.checkpoints = forge.records(self.x.checkpoints)
        self.header = json.loads(self.x.header)

    def case(self, kind: str, named: Named, **kw: Any) -> Case:
        return Case(kind=kind, header=(dumps(self.header) + "\n").encode(),
                    checkpoints=forge.blob(self.checkpoints), events=forge.blob(self.events),
                    named=named, **kw)

    def seq(self) -> int:
        return self.rng.randint(1, self.x.sealed)

    def event(self, seq: int) -> dict[str, Any]:
        record = self.events[seq - 1]
        assert record["ledger_seq"] == seq
        return record

    def fix_header(self) -> None:
        self.header = forge.header_for(self.events, self.checkpoints)


def _tweak(rng: random.Random, value: Any) -> Any:
    """A different JSON value of a similar kind (a leaf deep inside, for containers)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice([1, -1, 10**6])
    if isinstance(value, str):
        if not value:
            return "x"
        i = rng.randrange(len(value))
        other = rng.choice([c for c in ("a", "Ạ", "0", " ", "\u0300") if c != value[i]])
        return value[:i] + other + value[i + 1:]
    if value is None:
        return 0
    if isinstance(value, list):
        if not value:
            return [0]
        items = list(value)
        i = rng.randrange(len(items))
        items[i] = _tweak(rng, items[i])
        return items
    fields = dict(value)
    if not fields or rng.random() < 0.15:
        fields["thêm"] = "khóa mới"
        return fields
    key = rng.choice(sorted(fields))
    fields[key] = _tweak(rng, fields[key])
    return fields


def _hex_flip(rng: random.Random, text: str) -> str:
    i = rng.randrange(len(text))
    return text[:i] + rng.choice([c for c in "0123456789abcdef" if c != text[i]]) + text[i + 1:]


def m_data(m: Mutator) -> Case:
    s = m.seq()
    name = m.rng.choice(["data", "metadata"])
    m.event(s)[name] = _tweak(m.rng, m.event(s)[name])
    return m.case(f"event {name} changed", at_seq(s))


def m_field(m: Mutator) -> Case:
    s = m.seq()
    r = m.event(s)
    name = m.rng.choice(["event_type", "occurred_at", "recorded_at", "correlation_id",
                         "event_id", "schema_version", "stream_version", "position",
                         "stream_id"])
    if name in ("occurred_at", "recorded_at"):
        later = datetime.fromisoformat(r[name]) + timedelta(microseconds=1)
        r[name] = later.isoformat(timespec="microseconds")
    elif name == "event_id":
        r[name] = str(uuid.UUID(int=m.rng.getrandbits(128)))
    elif name == "correlation_id":
        r[name] = "plan-other" if r[name] is None else None
    elif name in ("event_type", "stream_id"):
        r[name] += "x"
    else:
        r[name] += 1
    return m.case(f"event {name} changed", at_seq(s))


def m_hash(m: Mutator) -> Case:
    s = m.seq()
    name = m.rng.choice(["hash", "previous_hash", "ledger_hash"])
    m.event(s)[name] = _hex_flip(m.rng, m.event(s)[name])
    return m.case(f"event {name} changed", at_seq(s))


def m_raw_event_byte(m: Mutator) -> Case:
    lines = m.x.events.split(b"\n")
    s = m.seq()
    start = sum(len(line) + 1 for line in lines[:s - 1])
    offset = start + m.rng.randrange(len(lines[s - 1]) + 1)  # the newline included
    data = bytearray(m.x.events)
    data[offset] ^= m.rng.randint(1, 255)
    return Case("events.jsonl byte flipped", m.x.header, m.x.checkpoints, bytes(data),
                at_seq(s, s + 1) if offset == start + len(lines[s - 1]) else at_seq(s))


def m_raw_checkpoint_byte(m: Mutator) -> Case:
    lines = m.x.checkpoints.split(b"\n")
    k = m.rng.randint(1, len(m.x.sizes))
    start = sum(len(line) + 1 for line in lines[:k - 1])
    data = bytearray(m.x.checkpoints)
    data[start + m.rng.randrange(len(lines[k - 1]) + 1)] ^= m.rng.randint(1, 255)
    return Case("checkpoints.jsonl byte flipped", m.x.header, bytes(data), m.x.events,
                either(at_checkpoint(k), at_checkpoint(k + 1)))


def m_raw_header_byte(m: Mutator) -> Case:
    data = bytearray(m.x.header)
    data[m.rng.randrange(len(data))] ^= m.rng.randint(1, 255)
    return Case("header.json byte flipped", bytes(data), m.x.checkpoints, m.x.events,
                lambda f: f.source == HEADER)


def m_header_field(m: Mutator) -> Case:
    name = m.rng.choice(sorted(m.header))
    m.header[name] = _tweak(m.rng, m.header[name])
    return m.case(f"header {name} changed", lambda f: f.source == HEADER)


def m_delete(m: Mutator) -> Case:
    s = m.seq()
    del m.events[s - 1]
    if m.rng.random() < 0.5:
        m.fix_header()
    return m.case("event line deleted", at_seq(s))


def m_duplicate(m: Mutator) -> Case:
    s = m.seq()
    m.events.insert(s, dict(m.event(s)))
    m.fix_header()
    return m.case("event line duplicated", at_seq(s, s + 1))


def _fabricated(m: Mutator, s: int) -> dict[str, Any]:
    r = dict(m.event(s))
    r.update(event_id=str(uuid.UUID(int=m.rng.getrandbits(128))), stream_id="nomination-forged",
             stream_version=1, previous_hash="0" * 64, position=10**9 + s,
             data={"kết_quả": "Đạt", "đồng_ý": 60})
    r["hash"] = event_hash(r["previous_hash"], r)
    return r


def m_insert(m: Mutator) -> Case:
    s = m.seq()
    m.events.insert(s - 1, _fabricated(m, s))
    m.fix_header()
    return m.case("fabricated event inserted", at_seq(s, s + 1))


def m_insert_forged(m: Mutator) -> Case:
    s = m.seq()
    m.events.insert(s - 1, _fabricated(m, s))
    forge.rechain(m.events)
    m.fix_header()
    return m.case("fabricated event inserted, all hashes recomputed",
                  at_checkpoint(m.x.covering(s)))


def m_swap(m: Mutator) -> Case:
    i, j = sorted(m.rng.sample(range(1, m.x.sealed + 1), 2))
    a, b = m.event(i), m.event(j)
    m.events[i - 1], m.events[j - 1] = b, a
    kind = "event lines swapped"
    if m.rng.random() < 0.5:
        a["ledger_seq"], b["ledger_seq"] = j, i
        kind += ", ledger seqs kept in order"
    return m.case(kind, at_seq(i))


def m_swap_forged(m: Mutator) -> Case:
    i, j = sorted(m.rng.sample(range(1, m.x.sealed + 1), 2))
    m.events[i - 1], m.events[j - 1] = m.event(j), m.event(i)
    forge.rechain(m.events)
    return m.case("events reordered, all hashes recomputed", at_checkpoint(m.x.covering(i)))


def m_renumber(m: Mutator) -> Case:
    s = m.seq()
    if m.rng.random() < 0.5:
        m.event(s)["ledger_seq"] += m.rng.randint(1, 9)
        return m.case("one ledger seq renumbered", at_seq(s))
    for r in m.events[s - 1:m.x.sealed]:
        r["ledger_seq"] += 1
    return m.case("ledger seqs renumbered from one on", at_seq(s))


def _move(m: Mutator, s: int) -> None:
    """Event ``s`` moved to another stream, made to fit there (version, previous hash, own
    hash), as far as can be done without touching other events."""
    r = m.event(s)
    others = sorted({e["stream_id"] for e in m.events[:s - 1]} - {r["stream_id"]})
    target = m.rng.choice(others)
    head = max((e for e in m.events[:s - 1] if e["stream_id"] == target),
               key=lambda e: e["stream_version"])
    r.update(stream_id=target, stream_version=head["stream_version"] + 1,
             previous_hash=head["hash"])
    r["hash"] = event_hash(r["previous_hash"], r)


def m_move(m: Mutator) -> Case:
    s = m.rng.randint(20, m.x.sealed)
    _move(m, s)
    return m.case("event moved to another stream", at_seq(s))


def m_move_forged(m: Mutator) -> Case:
    s = m.rng.randint(20, m.x.sealed)
    _move(m, s)
    forge.rechain(m.events)
    return m.case("event moved to another stream, all hashes recomputed",
                  at_checkpoint(m.x.covering(s)))


def m_forge_data(m: Mutator) -> Case:
    s = m.seq()
    r = m.event(s)
    r["data"] = _tweak(m.rng, r["data"])
    forge.rechain(m.events)
    return m.case("event data changed, all hashes recomputed",
                  at_checkpoint(m.x.covering(s)))


def m_delete_forged(m: Mutator) -> Case:
    s = m.seq()
    del m.events[s - 1]
    forge.rechain(m.events)
    m.fix_header()
    return m.case("event deleted, all hashes recomputed", at_checkpoint(m.x.covering(s)))


def m_truncate(m: Mutator) -> Case:
    s = m.seq()
    if m.rng.random() < 0.5:
        del m.events[s - 1:]
        kind = "events file cut short"
    else:
        for r in m.events[s - 1:m.x.sealed]:
            r["ledger_seq"] = r["ledger_hash"] = None
        kind = "ledger entries turned into unsealed events"
    m.fix_header()
    return m.case(kind, at_seq(s))


def m_checkpoint_field(m: Mutator) -> Case:
    k = m.rng.randint(1, len(m.checkpoints))
    c = m.checkpoints[k - 1]
    name = m.rng.choice(["ledger_size", "ledger_hash", "previous_hash", "created_at", "key_id",
                         "signature"])
    if name == "ledger_size":
        c[name] += m.rng.choice([-1, 1])
    elif name in ("ledger_hash", "previous_hash"):
        c[name] = _hex_flip(m.rng, c[name])
    elif name == "created_at":
        c[name] = c[name][:20] + str((int(c[name][20]) + 1) % 10) + c[name][21:]
    elif name == "key_id":
        c[name] = next(key for key in [*KEYS, "nhansu-audit-x"] if key != c[name])
    else:
        raw = bytearray(base64.b64decode(c[name]))
        raw[m.rng.randrange(64)] ^= 1 << m.rng.randrange(8)
        c[name] = base64.b64encode(bytes(raw)).decode()
    return m.case(f"checkpoint {name} changed", at_checkpoint(k))


def m_checkpoint_resigned(m: Mutator) -> Case:
    k = m.rng.randint(1, len(m.checkpoints))
    c = m.checkpoints[k - 1]
    if m.rng.random() < 0.5:
        c["ledger_hash"] = _hex_flip(m.rng, c["ledger_hash"])
    if m.rng.random() < 0.5:
        c["key_id"] = "nhansu-attacker"
    forge.sign(c, ATTACKER)
    return m.case(f"checkpoint re-signed with another key as {c['key_id']}", at_checkpoint(k))


def m_forge_everything(m: Mutator) -> Case:
    s = m.seq()
    m.event(s)["data"] = _tweak(m.rng, m.event(s)["data"])
    forge.rechain(m.events)
    k = m.x.covering(s)
    forge.resign(m.checkpoints, m.events, ATTACKER, from_seq=k)
    return m.case("event changed, hashes recomputed, checkpoints re-signed", at_checkpoint(k))


def m_checkpoint_dropped(m: Mutator) -> Case:
    k = m.rng.randint(1, len(m.checkpoints) - 1)
    del m.checkpoints[k - 1]
    m.fix_header()
    return m.case("a checkpoint in the middle dropped", at_checkpoint(k))


def m_checkpoints_reordered(m: Mutator) -> Case:
    i, j = sorted(m.rng.sample(range(1, len(m.checkpoints) + 1), 2))
    m.checkpoints[i - 1], m.checkpoints[j - 1] = m.checkpoints[j - 1], m.checkpoints[i - 1]
    return m.case("checkpoints reordered", at_checkpoint(i))


def m_checkpoint_duplicated(m: Mutator) -> Case:
    k = m.rng.randint(1, len(m.checkpoints))
    m.checkpoints.insert(k, dict(m.checkpoints[k - 1]))
    m.fix_header()
    return m.case("a checkpoint duplicated", at_checkpoint(k + 1))


def m_rollback(m: Mutator) -> Case:
    last = len(m.checkpoints)
    del m.checkpoints[-1]
    kind = "latest checkpoint dropped (rolled back)"
    if m.rng.random() < 0.5:
        del m.events[m.x.sizes[-2]:]
        kind += " with its events"
    m.fix_header()
    if m.rng.random() < 0.5:
        return m.case(kind + ", caught with --trusted-checkpoint", at_checkpoint(last),
                      trusted=True)
    return m.case(kind + ", caught with --min-size", lambda f: f.source == "--min-size",
                  min_size=m.x.sizes[-1])


MUTATIONS = [m_data, m_field, m_hash, m_raw_event_byte, m_raw_checkpoint_byte,
             m_raw_header_byte, m_header_field, m_delete, m_duplicate, m_insert,
             m_insert_forged, m_swap, m_swap_forged, m_renumber, m_move, m_move_forged,
             m_forge_data, m_delete_forged, m_truncate, m_checkpoint_field,
             m_checkpoint_resigned, m_forge_everything, m_checkpoint_dropped,
             m_checkpoints_reordered, m_checkpoint_duplicated, m_rollback]


def _explain(case: Case, report: Report) -> str:
    return f"{case.kind}: " + ("not detected" if report.ok else "no failure names it:\n"
                               + "\n".join(map(str, report.failures[:10])))


async def test_every_mutation_of_the_export_is_detected_and_located(
    built: tuple[BuiltLog, Scratch], tmp_path: Path,
) -> None:
    log, scratch = built
    x = _export(log, await _trusted_note(scratch))
    clean = x.verify(trusted=True, min_size=x.sizes[-1])
    assert clean.ok, clean.failures
    assert (clean.events, clean.sealed, clean.checkpoints) == (log.events, log.sealed,
                                                              len(log.checkpoint_sizes))
    assert clean.uncovered == 0 and clean.unsealed == log.events - log.sealed
    assert len(x.sizes) >= 6 and clean.streams >= 30

    rng = random.Random(SEED)
    kinds: Counter[str] = Counter()
    missed = []
    for n in range(FILE_MUTATIONS):
        case = MUTATIONS[n % len(MUTATIONS)](Mutator(x, rng))
        assert (case.header, case.checkpoints, case.events) != (x.header, x.checkpoints,
                                                                x.events), case.kind
        report = verify_lines(KEYS, lines_of(case.header), lines_of(case.checkpoints),
                              lines_of(case.events), trusted=x.trusted if case.trusted else None,
                              min_size=case.min_size)
        kinds[case.kind.split(",")[0]] += 1
        if report.ok or not any(case.named(f) for f in report.failures):
            missed.append(_explain(case, report))
        if n % 50 == 0:  # now and then through real files, as `audit verify-export` reads them
            directory = tmp_path / f"case-{n}"
            directory.mkdir()
            for name, data in ((HEADER, case.header), (CHECKPOINTS, case.checkpoints),
                               (EVENTS, case.events)):
                (directory / name).write_bytes(data)
            from_files = verify_export(directory, KEYS, trusted=x.trusted if case.trusted
                                       else None, min_size=case.min_size)
            assert from_files.failures == report.failures
    print(f"\ntamper fuzz (files): {FILE_MUTATIONS} mutations, "
          f"{FILE_MUTATIONS - len(missed)} detected and located; by kind: {dict(kinds)}")
    assert not missed, "\n\n".join(missed[:5])
    assert x.verify(trusted=True).ok  # nothing leaked into the original


# --- mutations of the stored rows ------------------------------------------------------------
DB = Callable[[random.Random, list[int], list[int]], tuple[str, list[str], Named, bool]]


def _db_mutations() -> list[DB]:
    """Each returns (kind, statements, named, needs the trusted checkpoint); it gets the RNG,
    the events' positions in ledger order and the checkpoint sizes."""

    def pick(rng: random.Random, positions: list[int]) -> tuple[int, int]:
        s = rng.randint(1, len(positions))
        return s, positions[s - 1]

    def data(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        s, p = pick(rng, positions)
        column, value = rng.choice([("data", "'\"Đạt\"'"), ("metadata", "'\"admin\"'")])
        return (f"{column} edited", [f"UPDATE events SET {column} = convert_to(jsonb_set("
                                     f"convert_from({column}, 'UTF8')::jsonb, "
                                     f"'{{fuzz}}', {value})::text, 'UTF8') "
                                     f"WHERE position = {p}"], at_seq(s),
                False)

    def column(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        s, p = pick(rng, positions)
        change = rng.choice(["event_type = event_type || 'X'",
                             "recorded_at = recorded_at + interval '1 microsecond'",
                             "occurred_at = occurred_at - interval '1 day'",
                             "correlation_id = coalesce(correlation_id, '') || 'x'",
                             "schema_version = schema_version + 1",
                             "event_id = gen_random_uuid()"])
        return (f"column edited ({change.split()[0]})",
                [f"UPDATE events SET {change} WHERE position = {p}"], at_seq(s), False)

    def moved(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        s, p = pick(rng, positions)
        return ("event moved to another stream", [
            f"UPDATE events SET stream_id = 'nomination-elsewhere', stream_version = {s} "
            f"WHERE position = {p}"], at_seq(s), False)

    def deleted(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        s, p = pick(rng, positions)
        return ("event row deleted", [f"DELETE FROM events WHERE position = {p}"], at_seq(s),
                False)

    def ledger_row(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        s, _ = pick(rng, positions)
        return rng.choice([
            ("ledger row deleted", [f"DELETE FROM ledger WHERE ledger_seq = {s}"], at_seq(s),
             False),
            ("ledger renumbered", [f"UPDATE ledger SET ledger_seq = ledger_seq + 1000000 "
                                   f"WHERE ledger_seq >= {s}"], at_seq(s), False),
            ("ledger hash edited", [f"UPDATE ledger SET ledger_hash = md5(ledger_hash) || "
                                    f"md5(ledger_hash) WHERE ledger_seq = {s}"], at_seq(s),
             False),
        ])

    def swapped(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        i, j = sorted(rng.sample(range(1, len(positions) + 1), 2))
        pi, pj = positions[i - 1], positions[j - 1]
        return ("ledger entries point at each other's events", [
            f"UPDATE ledger SET event_position = -1 WHERE ledger_seq = {i}",
            f"UPDATE ledger SET event_position = {pi} WHERE ledger_seq = {j}",
            f"UPDATE ledger SET event_position = {pj} WHERE ledger_seq = {i}"], at_seq(i),
            False)

    def inserted(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        s, p = pick(rng, positions)
        return ("event inserted into history", [
            "INSERT INTO events (position, stream_id, stream_version, event_id, event_type, "
            "schema_version, data, metadata, correlation_id, occurred_at, recorded_at, "
            "previous_hash, hash) OVERRIDING SYSTEM VALUE SELECT 900000000, "
            "'nomination-forged', 1, gen_random_uuid(), event_type, schema_version, data, "
            f"metadata, correlation_id, occurred_at, recorded_at, previous_hash, hash "
            f"FROM events WHERE position = {p}",
            f"UPDATE ledger SET ledger_seq = ledger_seq + 1000000 WHERE ledger_seq >= {s}",
            "UPDATE ledger SET ledger_seq = ledger_seq - 999999 WHERE ledger_seq > 1000000",
            f"INSERT INTO ledger VALUES ({s}, 900000000, repeat('a', 64))"],
            at_seq(s), False)

    def checkpoint(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        k = rng.randint(1, len(sizes))
        change = rng.choice([
            "signature = translate(signature, 'ABCDEFGHab', 'BCDEFGHAba')",
            "ledger_hash = md5(ledger_hash) || md5(ledger_hash)",
            "created_at = created_at + interval '1 second'",
            "previous_hash = md5(previous_hash) || md5(previous_hash)"])
        return (f"checkpoint edited ({change.split()[0]})",
                [f"UPDATE checkpoints SET {change} WHERE checkpoint_seq = {k}"],
                at_checkpoint(k), False)

    def dropped(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        k = rng.randint(1, len(sizes) - 1)
        return ("middle checkpoint deleted",
                [f"DELETE FROM checkpoints WHERE checkpoint_seq = {k}"], at_checkpoint(k),
                False)

    def rollback(rng: random.Random, positions: list[int], sizes: list[int]) -> Any:
        k = len(sizes)
        statements = [f"DELETE FROM checkpoints WHERE checkpoint_seq = {k}"]
        if rng.random() < 0.5:
            statements.append(f"DELETE FROM ledger WHERE ledger_seq > {sizes[-2]}")
        return ("latest checkpoint deleted (rolled back)", statements, at_checkpoint(k), True)

    return [data, column, moved, deleted, ledger_row, swapped, inserted, checkpoint, dropped,
            rollback]


async def test_every_tampering_with_stored_rows_is_detected_in_the_export_and_in_place(
    built: tuple[BuiltLog, Scratch], tmp_path: Path,
) -> None:
    log, scratch = built
    note = parse_note(await _trusted_note(scratch))
    positions = [r["position"] for r in forge.records((log.directory / EVENTS).read_bytes())
                 if r["ledger_seq"] is not None]
    rng = random.Random(SEED + 1)
    mutations = _db_mutations()
    missed, tried = [], 0
    async with driver(scratch.engine) as conn:
        before = await verify_ledger_on(conn, KEYS, trusted=note)
        assert before.ok, before.failures
        for n in range(4 * len(mutations)):
            kind, statements, named, needs_trusted = mutations[n % len(mutations)](
                rng, positions, log.checkpoint_sizes)
            trusted = note if needs_trusted else None
            transaction = conn.transaction()
            await transaction.start()
            try:
                for table in TABLES:
                    await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
                for statement in statements:
                    await conn.execute(statement)
                directory = tmp_path / f"db-{n}"
                await export_on(conn, directory)
                in_place = await verify_ledger_on(conn, KEYS, trusted=trusted)
            finally:
                await transaction.rollback()
            exported = verify_export(directory, KEYS, trusted=trusted)
            tried += 1
            for where, report in (("export", exported), ("database", in_place)):
                if report.ok or not any(named(f) for f in report.failures):
                    missed.append(f"{where}: {kind}: {statements}\n"
                                  + "\n".join(map(str, report.failures[:5])))
        after = await verify_ledger_on(conn, KEYS, trusted=note)
    assert after.ok and after.events == log.events  # every change was rolled back
    print(f"\ntamper fuzz (stored rows): {tried} mutations, each checked in an export and "
          f"in place; {2 * tried - len(missed)} of {2 * tried} checks detected and located")
    assert not missed, "\n\n".join(missed[:5])
