"""Verifying an export directory with no database: ``verify_export(DIR, keys)``.

The directory holds ``header.json`` (one line), ``checkpoints.jsonl`` and ``events.jsonl``
(one canonical JSON object per line, each line ending in a newline). Stdlib and
``cryptography`` only, so an auditor can run it anywhere, decades from now, or rewrite it
from audit/README.md "Export format".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from audit.spec import (
    HEX64,
    PERSONAL_EVENTS,
    ZERO_HASH,
    Note,
    event_hash,
    inclusion_valid,
    merkle_leaf,
    note_problem,
    opening_problems,
    parse_note,
)
from audit.verifier import EVENT_KEYS, LedgerVerifier, Report, parse_event_line, parse_line

HEADER, CHECKPOINTS, EVENTS = "header.json", "checkpoints.jsonl", "events.jsonl"


Line = tuple[int, bytes, bool]  # (line number, the line without its newline, had one)

#: ``progress(done, total)``: event lines checked, out of ``total`` (None when unknown);
#: called every ``PROGRESS_EVERY`` lines and once at the end with done == total. The same
#: contract as the store's (eventstore/progress.py), restated here: this module needs nothing
#: of the project beyond audit.spec and audit.verifier.
Progress = Callable[[int, int | None], None]
PROGRESS_EVERY = 1000


class _Counted:
    """The event lines, reporting how many were taken."""

    def __init__(self, lines: Iterable[Line], progress: Progress, total: int | None) -> None:
        self._lines = lines
        self._progress = progress
        self.total = total
        self.done = 0

    def __iter__(self) -> Iterator[Line]:
        for line in self._lines:
            yield line
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                total = None if self.total is None else max(self.total, self.done)
                self._progress(self.done, total)

    def finish(self) -> None:
        self._progress(self.done, self.done)


def _declared_events(path: Path) -> int | None:
    """The header's count of event lines, for a progress total (it is checked later)."""
    try:
        value = json.loads(path.read_bytes()).get("events")
    except (OSError, ValueError, AttributeError):
        return None
    return value if type(value) is int and value >= 0 else None


def _numbered(raws: Iterable[bytes]) -> Iterator[Line]:
    for number, raw in enumerate(raws, start=1):
        if raw.endswith(b"\n"):
            yield number, raw[:-1], True
        else:
            yield number, raw, False


def _lines(path: Path) -> Iterator[Line]:
    with path.open("rb") as handle:
        yield from _numbered(handle)


def lines_of(data: bytes) -> list[Line]:
    """A file's content as ``verify_lines`` takes it, split exactly as a file is read."""
    return list(_numbered(_split_newlines(data)))


def _split_newlines(data: bytes) -> list[bytes]:
    parts = data.split(b"\n")
    raws = [part + b"\n" for part in parts[:-1]]
    return raws + ([parts[-1]] if parts[-1] else [])


def verify_lines(
    keys: dict[str, bytes],
    header: Iterable[Line],
    checkpoints: Iterable[Line],
    events: Iterable[Line],
    *,
    trusted: Note | None = None,
    min_size: int | None = None,
    max_failures: int = 100,
) -> Report:
    """The export's three files as numbered lines (see ``_lines``)."""
    verifier = LedgerVerifier(keys, max_failures=max_failures)
    header_record = None
    header_lines = list(header)
    if len(header_lines) != 1:
        verifier.fail(HEADER, None, f"{len(header_lines)} lines where one was expected")
    for number, raw, newline in header_lines[:1]:
        header_record, problem = parse_line(raw)
        if problem or not newline:
            verifier.fail(HEADER, number, problem or "the line has no final newline")
        if header_record is not None:
            verifier.declare(header_record)
    for number, raw, newline in checkpoints:
        record, problem = parse_line(raw)
        if not newline:
            verifier.fail(CHECKPOINTS, number, "the line has no final newline")
        if record is None:
            verifier.unreadable_checkpoint(number, problem or "unreadable")
        else:
            verifier.add_checkpoint(number, record)
    for number, raw, newline in events:
        record, canonical, problem = parse_event_line(raw)
        if not newline:
            verifier.fail(EVENTS, number, "the line has no final newline")
        if record is None:
            verifier.unreadable_event(number, problem or "unreadable")
        else:
            verifier.add_event(number, record, canonical)
    return verifier.finish(header=header_record, trusted=trusted, min_size=min_size)


def verify_export(directory: Path, keys: dict[str, bytes], *, trusted: Note | None = None,
                  min_size: int | None = None, max_failures: int = 100,
                  progress: Progress | None = None) -> Report:
    """Verify the export in ``directory``. ``progress(done, total)``: lines of
    ``events.jsonl`` checked, out of the count its header declares."""
    missing = [n for n in (HEADER, CHECKPOINTS, EVENTS) if not (directory / n).is_file()]
    if missing:
        verifier = LedgerVerifier(keys)
        for name in missing:
            verifier.fail(name, None, f"no such file in {directory}")
        if progress is not None:
            progress(0, 0)
        return verifier.finish(trusted=trusted, min_size=min_size)
    events: Iterable[Line] = _lines(directory / EVENTS)
    counted = None
    if progress is not None:
        counted = _Counted(events, progress, _declared_events(directory / HEADER))
        events = counted
    report = verify_lines(keys, _lines(directory / HEADER), _lines(directory / CHECKPOINTS),
                          events, trusted=trusted, min_size=min_size,
                          max_failures=max_failures)
    if counted is not None:
        counted.finish()
    return report


def verify_trail_proofs(document: object, keys: dict[str, bytes]) -> tuple[int, list[str]]:
    """The inclusion proofs of a trail's JSON export (``inclusion_proofs``): the signed note
    is signed by a trusted key and each event's hash, as leaf ``ledger_seq - 1``, hashes up its
    audit path to the note's tree root (RFC 9162 2.1.3.2). Returns how many events were proven
    and the problems found (none: all hold)."""
    block = document.get("inclusion_proofs") if isinstance(document, dict) else None
    if not isinstance(block, dict):
        return 0, ["the document has no inclusion_proofs"]
    try:
        note = parse_note(str(block.get("signed_note")))
    except ValueError as exc:
        return 0, [f"signed_note: {exc}"]
    problems = []
    if problem := note_problem(note, keys):
        problems.append(f"signed_note: {problem}")
    if note.tree_root is None:
        return 0, [*problems, "signed_note: the checkpoint carries no tree root"]
    root, proven = bytes.fromhex(note.tree_root), 0
    events = block.get("events")
    for n, item in enumerate(events if isinstance(events, list) else []):
        try:
            seq, event_hash, path = item["ledger_seq"], item["hash"], item["audit_path"]
            ok = (type(seq) is int and isinstance(event_hash, str)
                  and HEX64.fullmatch(event_hash) is not None
                  and inclusion_valid(merkle_leaf(event_hash), seq - 1, note.ledger_size,
                                      [bytes.fromhex(h) for h in path], root))
        except (KeyError, TypeError, ValueError):
            ok = False
        if ok:
            proven += 1
        else:
            where = item.get("position") if isinstance(item, dict) else None
            problems.append(f"events[{n}] (position {where}): the inclusion proof does not "
                            "verify against the signed tree root")
    if not isinstance(events, list) or not events:
        problems.append("inclusion_proofs.events: no event to prove")
    return proven, problems


#: A trail's record: an export line's event fields, without the ledger's.
RECORD_KEYS = EVENT_KEYS - {"ledger_seq", "ledger_hash"}


@dataclass(frozen=True, kw_only=True)
class RecordsCheck:
    """What ``verify_trail_records`` found: events whose hash was recomputed from the content
    shown, events whose data is withheld (only their inclusion can be checked), committed
    values left out by a redacted trail, and the problems (none: all hold)."""

    recomputed: int
    withheld_events: int
    withheld_values: int
    problems: list[str]


def verify_trail_records(document: object) -> RecordsCheck:
    """The ``records`` of a trail's JSON export (audit/README.md "Trails"), so that nothing
    the document shows rests on the exporter's word:

    - the records are the nomination's stream from its first version, in order, each linked
      to the one before by ``previous_hash``;
    - each event's hash is recomputed from its fields, and each opening checked against its
      commitment (a redacted trail shows commitments only);
    - data is withheld whole only in a redacted trail and only for an event that holds a
      person's details (``PERSONAL_EVENTS``): one stored before its fields were committed to;
    - every record is proven by the inclusion proofs, and every proof is of a record;
    - the trail's readable ``entries`` and ``full_name`` say what the records say."""
    if not isinstance(document, dict) or not isinstance(document.get("records"), list):
        return RecordsCheck(recomputed=0, withheld_events=0, withheld_values=0, problems=[
            "records: missing or not a list, so the content shown cannot be checked against "
            "the hashes (export the trail again)"])
    redacted = document.get("redacted") is True
    stream = f"nomination-{document.get('nomination_id')}"
    records, problems = document["records"], []
    recomputed = withheld_events = withheld_values = 0
    hashes: dict[Any, Any] = {}
    previous: dict[str, Any] | None = None
    for n, record in enumerate(records):
        where = f"records[{n}]"
        if not isinstance(record, dict) or set(record) != RECORD_KEYS:
            problems.append(f"{where}: the fields differ from the format")
            previous = None
            continue
        if not _record_well_formed(record) or record["position"] in hashes:
            problems.append(f"{where}: a field has the wrong type or form, or the position "
                            "repeats one before it")
            previous = None
            continue
        where += f" (position {record['position']}, {record['stream_id']} " \
                 f"v{record['stream_version']})"
        hashes[record["position"]] = record["hash"]
        if record["stream_id"] != stream:
            problems.append(f"{where}: not of this trail's nomination ({stream})")
        if n == 0 and (record["stream_version"] != 1 or record["previous_hash"] != ZERO_HASH):
            problems.append(f"{where}: the trail does not start at the stream's first version")
        elif n > 0 and (previous is None
                        or record["stream_version"] != previous["stream_version"] + 1
                        or record["previous_hash"] != previous["hash"]):
            problems.append(f"{where}: does not follow the record before it in its stream")
        previous = record
        if record["data"] is None:
            if not redacted or record["openings"] is not None:
                problems.append(f"{where}: data is withheld in a trail that is not redacted")
            elif record["event_type"] not in PERSONAL_EVENTS:
                problems.append(f"{where}: data is withheld, but a {record['event_type']} "
                                "holds no personal details")
            elif record["metadata"] is not None:
                problems.append(f"{where}: data is withheld but metadata is shown: a withheld "
                                "event shows neither")
            withheld_events += 1
            continue
        if record["metadata"] is None:
            problems.append(f"{where}: metadata is withheld from an event whose data is shown")
            continue
        try:
            ok = event_hash(record["previous_hash"], record) == record["hash"]
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append(f"{where}: hash mismatch: the content shown is not what was hashed")
            continue
        found, left_out = opening_problems(record["data"], record["openings"])
        problems += [f"{where}: opening mismatch: {p}" for p in found]
        if left_out and not redacted:
            problems.append(f"{where}: {left_out} committed value(s) left out of a trail that "
                            "is not redacted")
        withheld_values += left_out
        recomputed += not found
    problems += _proofs_of_records(document.get("inclusion_proofs"), hashes)
    problems += _entries_problems(document, records, redacted)
    if not records:
        problems.append("records: no event")
    return RecordsCheck(recomputed=recomputed, withheld_events=withheld_events,
                        withheld_values=withheld_values, problems=problems)


def _proofs_of_records(block: object, hashes: dict[Any, Any]) -> list[str]:
    """Every proof is of a record with its hash, and every record is proven: a record the
    signed checkpoint does not cover rests on the exporter's word alone. (No proofs at all is
    ``verify_trail_proofs``'s finding.)"""
    if not isinstance(block, dict) or not isinstance(block.get("events"), list):
        return []
    problems, proven = [], set()
    for item in block["events"]:
        position = item.get("position") if isinstance(item, dict) else None
        if type(position) is not int or hashes.get(position) != item.get("hash"):
            problems.append(f"inclusion_proofs: position {position} proves a hash that no "
                            "record has")
        else:
            proven.add(position)
    problems += [f"records: position {position} is not proven by the signed checkpoint "
                 "(recorded after it: seal the ledger and export the trail again)"
                 for position in hashes if position not in proven]
    return problems


def _record_well_formed(r: dict[str, Any]) -> bool:
    return (type(r["position"]) is int and r["position"] > 0
            and type(r["stream_version"]) is int and r["stream_version"] > 0
            and isinstance(r["stream_id"], str) and isinstance(r["event_type"], str)
            and isinstance(r["event_id"], str) and type(r["schema_version"]) is int
            and all(isinstance(r[k], str) and HEX64.fullmatch(r[k]) is not None
                    for k in ("previous_hash", "hash"))
            and all(isinstance(r[k], str) for k in ("occurred_at", "recorded_at"))
            and all(r[k] is None or isinstance(r[k], dict)
                    for k in ("data", "metadata", "openings"))
            and (r["correlation_id"] is None or isinstance(r["correlation_id"], str)))


#: What a trail's entry repeats of its record: (entry field, record field).
_ENTRY_FIELDS = (("position", "position"), ("version", "stream_version"),
                 ("event_type", "event_type"), ("hash", "hash"))


def _entries_problems(document: dict[str, Any], records: list[Any],
                      redacted: bool) -> list[str]:
    """The readable part of the trail (``entries``, ``full_name``, ``plan_id``) against the
    records whose hashes were checked: one entry per record, naming the same event, moments
    and actor; the name and plan those of the registration (unless redacted)."""
    entries = document.get("entries")
    if not isinstance(entries, list) or len(entries) != len(records):
        return ["entries: not one entry per record"]
    problems = []
    for n, (entry, record) in enumerate(zip(entries, records, strict=True)):
        if not isinstance(entry, dict) or not isinstance(record, dict):
            problems.append(f"entries[{n}]: not an entry")
            continue
        actor = _object(_object(record.get("data")).get("actor")) or None
        differs = [name for name, field in _ENTRY_FIELDS if entry.get(name) != record.get(field)]
        differs += [name for name in ("occurred_at", "recorded_at")
                    if not _same_instant(entry.get(name), record.get(name))]
        if actor is not None:
            differs += [name for name, field in (("actor", "user_id"), ("role", "role"),
                                                 ("organization_id", "organization_id"))
                        if entry.get(name) != actor.get(field)]
        # The figures a reader relies on: the step, the holding and the tally recorded.
        data = _object(record.get("data"))
        differs += [name for name in ("step", "attempt", "tally")
                    if name in data and entry.get(name) is not None
                    and entry.get(name) != data[name]]
        if differs:
            problems.append(f"entries[{n}]: {', '.join(differs)} differ from records[{n}]")
    first = _object(records[0] if records else None)
    data = _object(first.get("data"))
    if "plan_id" in data and document.get("plan_id") != data["plan_id"]:
        problems.append("plan_id: not the plan of the registration in records[0]")
    candidate = data.get("candidate") or _object(
        _object(first.get("openings")).get("candidate")).get("value")
    if not redacted and isinstance(candidate, dict) \
            and document.get("full_name") != candidate.get("full_name"):
        problems.append("full_name: not the name registered in records[0]")
    return problems


def _object(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: the document is untrusted input."""
    return value if isinstance(value, dict) else {}


def _same_instant(shown: object, recorded: object) -> bool:
    try:
        return datetime.fromisoformat(str(shown)) == datetime.fromisoformat(str(recorded))
    except ValueError:
        return False
