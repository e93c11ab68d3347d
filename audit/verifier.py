"""The verification engine: checkpoints first, then the events one by one in ledger order,
with memory bounded by the number of streams (plus a set of event ids and positions).

Fed from export files (``audit.offline``) or from the database (``audit.database``); either
way it recomputes everything from the event contents and trusts nothing but the public keys
it is given. The verdict is sound only if there is no failure at all; to help find what
happened it goes on after a failure, so one altered event is one or two failures, not a
cascade. Every failure names the file line and the checkpoint seq, ledger seq, position and
stream version concerned. Stdlib and ``cryptography`` only.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from audit.spec import (
    EVENT_FIELDS,
    HEX64,
    KEY_ID,
    ORIGIN,
    PERSONAL_EVENTS,
    SIGNATURE_B64,
    ZERO_HASH,
    MerkleFrontier,
    Note,
    body_hash,
    canonical_event,
    chained,
    checkpoint_body,
    dumps,
    event_hash,
    ledger_link,
    merkle_leaf,
    note_problem,
    opening_problems,
    signature_valid,
)

EXPORT_FORMAT = "nhansu-ledger-export"
# 2: checkpoints carry tree_root (the Merkle tree root, or null); 3: events carry openings
# (the values committed to, or null: redacted); 4: the header says whether the export is
# redacted, and a redacted one may withhold the data of an event holding personal details in
# clear. The lines' fields say whether they are version 2; the header, 3 or 4.
EXPORT_VERSION = 4
EVENT_KEYS_V2 = frozenset((*EVENT_FIELDS, "hash", "ledger_hash", "ledger_seq", "position",
                           "previous_hash"))
EVENT_KEYS = EVENT_KEYS_V2 | {"openings"}
CHECKPOINT_KEYS = frozenset(("checkpoint_seq", "created_at", "key_id", "ledger_hash",
                             "ledger_size", "previous_hash", "signature", "tree_root"))


@dataclass(frozen=True, kw_only=True)
class Failure:
    source: str
    line: int | None
    message: str
    checkpoint_seq: int | None = None
    ledger_seq: int | None = None
    position: int | None = None
    stream_id: str | None = None
    stream_version: int | None = None

    def __str__(self) -> str:
        where = self.source + ("" if self.line is None else f" line {self.line}")
        ids = []
        if self.checkpoint_seq is not None:
            ids.append(f"checkpoint {self.checkpoint_seq}")
        if self.ledger_seq is not None:
            ids.append(f"ledger seq {self.ledger_seq}")
        if self.position is not None:
            ids.append(f"position {self.position}")
        if self.stream_id is not None:
            ids.append(f"{self.stream_id} v{self.stream_version}")
        return f"{where} ({', '.join(ids)}): {self.message}" if ids else f"{where}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class CheckpointSummary:
    checkpoint_seq: int
    ledger_size: int
    ledger_hash: str
    created_at: str
    key_id: str


@dataclass(frozen=True, kw_only=True)
class Report:
    failures: tuple[Failure, ...]  # the first ones, up to the verifier's limit
    failure_count: int
    events: int
    sealed: int  # events with a ledger seq
    streams: int
    checkpoints: int
    latest_checkpoint: CheckpointSummary | None
    seconds: float
    withheld: int = 0  # committed values a redacted export leaves out (hashes still verify)
    withheld_events: int = 0  # events a redacted export shows without data (hash proven only)

    @property
    def ok(self) -> bool:
        return self.failure_count == 0

    @property
    def unsealed(self) -> int:
        return self.events - self.sealed

    @property
    def uncovered(self) -> int:
        """Ledger entries after the latest checkpoint: chained, but not yet signed."""
        return self.sealed - (self.latest_checkpoint.ledger_size if self.latest_checkpoint
                              else 0)


@dataclass
class _Checkpoint:
    line: int | None
    seq: int
    size: int
    root: str
    created_at: str
    moment: datetime
    key_id: str
    body: str
    previous_size: int = 0
    tree_root: str | None = None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
_NOT_CANONICAL = "not in the export's canonical JSON form (a byte was changed or added)"


def _decode(raw: bytes) -> tuple[Any, str, str | None]:
    try:
        text = raw.decode("utf-8")
        return _DECODER.decode(text), text, None
    except UnicodeDecodeError:
        return None, "", "not UTF-8"
    except ValueError as error:
        return None, "", f"not JSON ({error})"


def parse_line(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """A line as a JSON object, or why it is not one in the export's canonical form."""
    value, text, problem = _decode(raw)
    if problem is not None:
        return None, problem
    if not isinstance(value, dict):
        return None, "not a JSON object"
    if dumps(value) != text:
        return None, _NOT_CANONICAL
    return value, None


def parse_event_line(raw: bytes) -> tuple[dict[str, Any] | None, bytes | None, str | None]:
    """``parse_line`` for an event line, also giving the bytes its hash covers."""
    value, text, problem = _decode(raw)
    if problem is not None:
        return None, None, problem
    if not isinstance(value, dict) or value.keys() != EVENT_KEYS:
        record, problem = parse_line(raw)
        return record, None, problem
    if dumps(value) != text:
        return None, None, _NOT_CANONICAL
    return value, canonical_event(value), None


def _int(value: Any, low: int = 1) -> bool:
    return type(value) is int and value >= low


def _moment(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class LedgerVerifier:
    """Call ``add_checkpoint`` for every checkpoint line, then ``add_event`` (or
    ``unreadable_event``) for every event line in order, then ``finish``."""

    def __init__(self, keys: dict[str, bytes], *, events_source: str = "events.jsonl",
                 checkpoints_source: str = "checkpoints.jsonl", max_failures: int = 100,
                 redacted: bool | None = None) -> None:
        self.keys = keys
        self._form: frozenset[str] | None = None  # the first event line's fields: its version
        self._declared: object = None  # the version the header declares
        # True: values and personal events may be left out; False: nothing may be; None (an
        # export before version 4, which does not say): committed values may be left out.
        self.redacted = redacted
        self._withheld = 0
        self._withheld_events = 0
        self._opened = 0  # event lines that carry openings
        self.events_source = events_source
        self.checkpoints_source = checkpoints_source
        self.max_failures = max_failures
        self.failures: list[Failure] = []
        self.failure_count = 0
        self._checkpoints: list[_Checkpoint] = []
        self._by_size: dict[int, list[_Checkpoint]] = {}
        self._streams: dict[str, tuple[int, str, int]] = {}
        self._ids: set[str] = set()
        self._positions: set[int] = set()
        self._events = 0
        self._sealed = 0
        self._expected_seq = 1
        self._link: str | None = ZERO_HASH
        self._tree: MerkleFrontier | None = MerkleFrontier()  # None once it cannot be rebuilt
        self._broken_at = 0  # the ledger seq from which the chain could not be recomputed
        self._diverged = False
        self._unsealed_seen = False
        self._started = time.perf_counter()

    def declare(self, header: dict[str, Any]) -> None:
        """What the export's header says of its lines, read before them."""
        self._declared = header.get("version")
        if self._declared == EXPORT_VERSION:
            self.redacted = header.get("redacted") is True

    def fail(self, source: str, line: int | None, message: str, **ids: Any) -> None:
        self.failure_count += 1
        if len(self.failures) < self.max_failures:
            self.failures.append(Failure(source=source, line=line, message=message, **ids))

    # --- checkpoints ---------------------------------------------------------------------
    def add_checkpoint(self, line: int | None, record: dict[str, Any]) -> None:
        src = self.checkpoints_source
        seq = record.get("checkpoint_seq")
        ids = {"checkpoint_seq": seq if _int(seq) else None}
        if set(record) != CHECKPOINT_KEYS:
            self.fail(src, line, _fields(record, CHECKPOINT_KEYS), **ids)
            return
        size, root, previous = record["ledger_size"], record["ledger_hash"], record["previous_hash"]
        moment, key_id, signature = (_moment(record["created_at"]), record["key_id"],
                                     record["signature"])
        tree_root = record["tree_root"]
        if not (_int(seq) and _int(size) and isinstance(root, str) and HEX64.fullmatch(root)
                and isinstance(previous, str) and HEX64.fullmatch(previous)
                and moment is not None and isinstance(key_id, str) and KEY_ID.fullmatch(key_id)
                and isinstance(signature, str) and SIGNATURE_B64.fullmatch(signature)
                and (tree_root is None or (isinstance(tree_root, str)
                                           and HEX64.fullmatch(tree_root)))):
            self.fail(src, line, "a field has the wrong type or form", **ids)
            return
        seq = int(record["checkpoint_seq"])
        last = self._checkpoints[-1] if self._checkpoints else None
        expected = last.seq + 1 if last else 1
        if seq != expected:
            self.fail(src, line, f"found checkpoint_seq {seq} where {expected} was expected (a "
                      "checkpoint is missing, repeated or out of order)",
                      checkpoint_seq=expected)
        if seq == 1 or (last is not None and last.seq == seq - 1):
            want = ZERO_HASH if seq == 1 else body_hash(last.body)  # type: ignore[union-attr]
            if previous != want:
                self.fail(src, line, "previous_hash does not match the body of checkpoint "
                          f"{seq - 1}" if seq > 1 else "the first checkpoint's previous_hash "
                          "is not zero", **ids)
        body = checkpoint_body(checkpoint_seq=seq, ledger_size=size, ledger_hash=root,
                               previous_hash=previous, created_at=record["created_at"],
                               tree_root=tree_root)
        public = self.keys.get(key_id)
        if public is None:
            self.fail(src, line, f"signed with key {key_id!r}, which is not a trusted key",
                      **ids)
        elif not signature_valid(public, body, base64.b64decode(signature)):
            self.fail(src, line, f"the signature does not verify with trusted key {key_id!r}",
                      **ids)
        if last is not None and last.tree_root is not None and tree_root is None:
            self.fail(src, line, f"has no tree root although checkpoint {last.seq} has one",
                      **ids)
        if last is not None and size < last.size:
            self.fail(src, line, f"ledger size {size} is smaller than checkpoint {last.seq}'s "
                      f"{last.size}", **ids)
        if last is not None and moment < last.moment:
            self.fail(src, line, f"time goes back from checkpoint {last.seq}", **ids)
        checkpoint = _Checkpoint(line=line, seq=seq, size=size, root=root,
                                 created_at=record["created_at"], moment=moment, key_id=key_id,
                                 body=body, previous_size=last.size if last else 0,
                                 tree_root=tree_root)
        self._checkpoints.append(checkpoint)
        self._by_size.setdefault(size, []).append(checkpoint)

    def unreadable_checkpoint(self, line: int | None, problem: str) -> None:
        """A line that is not a canonical JSON object, where the next checkpoint was due."""
        last = self._checkpoints[-1] if self._checkpoints else None
        self.fail(self.checkpoints_source, line, problem,
                  checkpoint_seq=last.seq + 1 if last else 1)

    # --- events --------------------------------------------------------------------------
    def unreadable_event(self, line: int | None, problem: str) -> None:
        """A line that is not a canonical JSON object: counted where an entry was expected."""
        self._events += 1
        self.fail(self.events_source, line, problem,
                  ledger_seq=None if self._unsealed_seen else self._expected_seq)
        if not self._unsealed_seen:
            self._sealed += 1
            self._expected_seq += 1
            self._break()
            self._at_size()

    def add_event(self, line: int | None, record: dict[str, Any],
                  canonical: bytes | None = None) -> None:
        """``canonical``: the bytes the event's hash covers, if the caller has them."""
        self._events += 1
        src = self.events_source
        seq, position = record.get("ledger_seq"), record.get("position")
        ids: dict[str, Any] = {"ledger_seq": seq if _int(seq) else None,
                               "position": position if _int(position) else None}
        if isinstance(record.get("stream_id"), str) and _int(record.get("stream_version")):
            ids.update(stream_id=record["stream_id"], stream_version=record["stream_version"])
        keys = frozenset(record)
        if self._form is None and keys in (EVENT_KEYS, EVENT_KEYS_V2):
            self._form = keys
        if keys != (self._form or EVENT_KEYS):
            self.fail(src, line, _fields(record, self._form or EVENT_KEYS), **ids)
            self._count_entry(line, sealed=seq is not None, **ids)
            self._break()
            self._at_size()
            return
        sealed = seq is not None
        self._count_entry(line, sealed=sealed, **ids)
        if sealed and record["event_id"] is None and record["hash"] is None:
            self.fail(src, line, f"the ledger names position {position}, which holds no event",
                      **ids)
            self._break()
            self._at_size()
            return
        withheld_whole = record["data"] is None
        shown = {**record, "data": {}, "metadata": record["metadata"] or {}} \
            if withheld_whole else record
        if not _event_well_formed(shown, sealed):
            self.fail(src, line, "a field has the wrong type or form", **ids)
            if sealed:
                self._break()
                self._at_size()
            return
        if withheld_whole:
            self._withhold(line, record, ids)
        self._check_unique(line, record, ids)
        recomputed = self._check_stream(line, record, ids, canonical, withheld=withheld_whole)
        problems, withheld = opening_problems(record["data"], record.get("openings"))
        self._withheld += withheld
        for problem in problems:
            self.fail(src, line, f"opening mismatch: {problem}", **ids)
        self._opened += record.get("openings") is not None
        if withheld and self.redacted is False:
            self.fail(src, line, f"{withheld} committed value(s) left out of an export that is "
                      "not redacted", **ids)
        if sealed:
            self._extend_ledger(line, record, recomputed, ids)
            self._at_size()

    def _withhold(self, line: int | None, record: dict[str, Any], ids: dict[str, Any]) -> None:
        """An event shown without its data: only in a redacted export, only for an event that
        holds personal details, with no openings. Its hash cannot be recomputed; its place in
        its stream and in the ledger (and so in the signed tree) is still checked."""
        self._withheld_events += 1
        if self.redacted is not True or record.get("openings") is not None:
            self.fail(self.events_source, line, "data is withheld in an export that is not "
                      "redacted", **ids)
        elif record["event_type"] not in PERSONAL_EVENTS:
            self.fail(self.events_source, line, f"data is withheld, but a "
                      f"{record['event_type']} holds no personal details", **ids)
        elif record["metadata"] is not None:
            self.fail(self.events_source, line, "data is withheld but metadata is shown: a "
                      "withheld event shows neither", **ids)
        elif record["ledger_seq"] is None:
            self.fail(self.events_source, line, "data is withheld from an event the ledger "
                      "does not have: nothing would prove its hash", **ids)

    def _count_entry(self, line: int | None, *, sealed: bool, **ids: Any) -> None:
        src = self.events_source
        if not sealed:
            self._unsealed_seen = True
            return
        self._sealed += 1
        seq = ids["ledger_seq"]
        if self._unsealed_seen:
            self.fail(src, line, "a ledger entry after events the ledger does not have", **ids)
        if seq is None:
            self.fail(src, line, "ledger_seq is not a positive integer", **ids)
        elif seq != self._expected_seq:
            self.fail(src, line, f"found ledger_seq {seq} where {self._expected_seq} was "
                      "expected (an entry is missing, repeated or out of order)",
                      **{**ids, "ledger_seq": self._expected_seq})
        self._expected_seq = (seq if seq is not None else self._expected_seq) + 1

    def _check_unique(self, line: int | None, record: dict[str, Any], ids: dict[str, Any]) -> None:
        if record["event_id"] in self._ids:
            self.fail(self.events_source, line, "the event id appears twice", **ids)
        self._ids.add(record["event_id"])
        if record["position"] in self._positions:
            self.fail(self.events_source, line, "the position appears twice", **ids)
        self._positions.add(record["position"])

    def _check_stream(self, line: int | None, record: dict[str, Any], ids: dict[str, Any],
                      canonical: bytes | None, *, withheld: bool = False) -> str:
        src = self.events_source
        stream, version = record["stream_id"], record["stream_version"]
        known = self._streams.get(stream)
        expected = known[0] + 1 if known else 1
        if version != expected:
            self.fail(src, line, f"version gap: expected {expected}, found {version}", **ids)
        elif record["previous_hash"] != (known[1] if known else ZERO_HASH):
            before = f"the hash of version {version - 1}" if known else "the genesis hash"
            self.fail(src, line, f"previous_hash does not match {before}", **ids)
        if known is not None and record["position"] <= known[2]:
            self.fail(src, line, "position order does not match version order", **ids)
        if withheld:  # nothing to recompute from: the ledger and the tree prove the hash
            recomputed = str(record["hash"])
        else:
            recomputed = (event_hash(record["previous_hash"], record) if canonical is None
                          else chained(record["previous_hash"], canonical))
        if recomputed != record["hash"]:
            self.fail(src, line, "hash mismatch: the event's content was altered", **ids)
        self._streams[stream] = (version, record["hash"], record["position"])
        return recomputed

    def _extend_ledger(self, line: int | None, record: dict[str, Any], recomputed: str,
                       ids: dict[str, Any]) -> None:
        if self._tree is not None:
            self._tree.append(merkle_leaf(recomputed))
        if self._link is None:
            return
        self._link = ledger_link(self._link, event_hash=recomputed, ledger_seq=record["ledger_seq"],
                                 position=record["position"],
                                 stream_version=record["stream_version"],
                                 stream_id=record["stream_id"])
        if record["ledger_hash"] != self._link and not self._diverged:
            self._diverged = True
            self.fail(self.events_source, line, "ledger_hash differs from its recomputation "
                      "(and so does every later one)", **ids)

    def _break(self) -> None:
        self._tree = None
        if self._link is not None:
            self._link = None
            self._broken_at = self._sealed

    def _at_size(self) -> None:
        """Compare the recomputed ledger hash with every checkpoint of the current size."""
        for checkpoint in self._by_size.get(self._sealed, ()):
            ids = {"checkpoint_seq": checkpoint.seq, "ledger_seq": checkpoint.size}
            span = f"ledger seq {checkpoint.previous_size + 1}..{checkpoint.size}"
            if self._link is None:
                self.fail(self.checkpoints_source, checkpoint.line, "cannot be confirmed: the "
                          f"ledger cannot be recomputed from ledger seq {self._broken_at} on",
                          **ids)
            elif self._link != checkpoint.root:
                self.fail(self.checkpoints_source, checkpoint.line, "the signed ledger hash "
                          "differs from the one recomputed from the events: an entry in "
                          f"{span} was altered, removed, added or moved", **ids)
            if checkpoint.tree_root is not None and self._tree is not None \
                    and self._tree.root().hex() != checkpoint.tree_root:
                self.fail(self.checkpoints_source, checkpoint.line, "the signed Merkle tree "
                          "root differs from the one recomputed from the events", **ids)

    # --- the end -------------------------------------------------------------------------
    def finish(self, *, header: dict[str, Any] | None = None, header_source: str = "header.json",
               trusted: Note | None = None, min_size: int | None = None) -> Report:
        for checkpoint in self._checkpoints:
            if checkpoint.size > self._sealed:
                self.fail(self.checkpoints_source, checkpoint.line, f"covers ledger seq 1.."
                          f"{checkpoint.size} but the ledger here ends at {self._sealed}: "
                          "entries are missing", checkpoint_seq=checkpoint.seq,
                          ledger_seq=self._sealed + 1)
        latest = self._checkpoints[-1] if self._checkpoints else None
        if header is not None:
            self._check_header(header, header_source)
        if trusted is not None:
            self._check_trusted(trusted, latest)
        if min_size is not None and (latest is None or latest.size < min_size):
            have = f"checkpoint {latest.seq} covers {latest.size}" if latest else "no checkpoint"
            self.fail("--min-size", None, f"rolled back: {have}, fewer than the {min_size} "
                      "entries already attested", checkpoint_seq=latest.seq if latest else None)
        return Report(
            failures=tuple(self.failures), failure_count=self.failure_count,
            events=self._events, sealed=self._sealed, streams=len(self._streams),
            checkpoints=len(self._checkpoints),
            latest_checkpoint=None if latest is None else CheckpointSummary(
                checkpoint_seq=latest.seq, ledger_size=latest.size, ledger_hash=latest.root,
                created_at=latest.created_at, key_id=latest.key_id),
            seconds=time.perf_counter() - self._started,
            withheld=self._withheld, withheld_events=self._withheld_events,
        )

    def expected_header(self) -> dict[str, Any]:
        header = {"format": EXPORT_FORMAT, "version": self.version, "origin": ORIGIN,
                  "events": self._events, "ledger_size": self._sealed,
                  "checkpoints": len(self._checkpoints)}
        if self.version >= 4:
            header["redacted"] = self.redacted is True
        return header

    @property
    def version(self) -> int:
        """The version the export is written in: 2 by its lines' fields; else 3 when its header
        says so (the lines are the same), else the current one."""
        if self._form == EVENT_KEYS_V2:
            return 2
        return 3 if self._declared == 3 else EXPORT_VERSION

    def _check_header(self, header: dict[str, Any], source: str) -> None:
        expected = self.expected_header()
        for name in sorted(set(header) | set(expected)):
            if header.get(name) != expected.get(name):
                self.fail(source, 1, f"{name} is {header.get(name)!r}; the export has "
                          f"{expected.get(name)!r}")
        if self.version < 4:
            return
        if self.redacted is True and self._opened:
            self.fail(source, 1, f"redacted is true, but {self._opened} event line(s) carry "
                      "openings")
        elif self.redacted is False and (self._withheld or self._withheld_events):
            self.fail(source, 1, f"redacted is false, but {self._withheld} value(s) and "
                      f"{self._withheld_events} event(s) are left out")

    def _check_trusted(self, note: Note, latest: _Checkpoint | None) -> None:
        source = "trusted checkpoint"
        ids = {"checkpoint_seq": note.checkpoint_seq, "ledger_seq": note.ledger_size}
        if problem := note_problem(note, self.keys):
            self.fail(source, None, problem, **ids)
        same = next((c for c in self._checkpoints if c.seq == note.checkpoint_seq), None)
        if same is None:
            have = (f"checkpoint {latest.seq} (size {latest.size})" if latest
                    else "no checkpoint")
            self.fail(source, None, f"rolled back: the latest here is {have}; the trusted "
                      f"checkpoint {note.checkpoint_seq} covers {note.ledger_size}", **ids)
        elif same.body != note.body:
            self.fail(source, None, f"forked: checkpoint {note.checkpoint_seq} here differs "
                      "from the trusted one", **ids)


def _fields(record: dict[str, Any], wanted: frozenset[str]) -> str:
    missing, extra = sorted(wanted - set(record)), sorted(set(record) - wanted)
    return f"fields differ from the format (missing {missing}, unexpected {extra})"


def _event_well_formed(r: dict[str, Any], sealed: bool) -> bool:
    hashes = [r["previous_hash"], r["hash"], *([r["ledger_hash"]] if sealed else [])]
    return (_int(r["position"]) and isinstance(r["stream_id"], str) and r["stream_id"] != ""
            and _int(r["stream_version"]) and isinstance(r["event_id"], str)
            and isinstance(r["event_type"], str) and _int(r["schema_version"])
            and isinstance(r["data"], dict) and isinstance(r["metadata"], dict)
            and isinstance(r["occurred_at"], str) and isinstance(r["recorded_at"], str)
            and (r["correlation_id"] is None or isinstance(r["correlation_id"], str))
            and all(isinstance(h, str) and HEX64.fullmatch(h) for h in hashes)
            and (sealed or r["ledger_hash"] is None))
