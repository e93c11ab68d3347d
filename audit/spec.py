"""The rules an auditor checks, written out independently of the event store (stdlib and
``cryptography`` only). Each function is the whole rule; audit/README.md "Export format" says
the same.

Event hash (per stream)::

    hash = SHA-256( previous_hash (32 bytes; 64 zero hex digits for version 1)
                  || UTF-8 JSON of {correlation_id, data, event_id, event_type, metadata,
                     occurred_at, recorded_at, schema_version, stream_id, stream_version}
                     with sorted keys, no whitespace, non-ASCII characters unescaped )

Ledger link (global, ledger_seq 1, 2, 3, ...)::

    ledger_hash_n = SHA-256( ledger_hash_{n-1} (32 bytes; zeros for n = 1) || event hash (32)
                           || ledger_seq (u64 BE) || position (u64 BE)
                           || stream_version (u32 BE) || stream_id (UTF-8) )

Checkpoint body (Ed25519-signed; a C2SP tlog-checkpoint)::

    nhansu.ledger/v1\\n <size>\\n <base64 ledger hash>\\n checkpoint <seq>\\n
    previous <hex SHA-256 of the previous body, zeros for the first>\\n time <ISO 8601>\\n
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ORIGIN = "nhansu.ledger/v1"
ZERO_HASH = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}")
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SIGNATURE_B64 = re.compile(r"[A-Za-z0-9+/]{86}==")
EVENT_FIELDS = ("correlation_id", "data", "event_id", "event_type", "metadata", "occurred_at",
                "recorded_at", "schema_version", "stream_id", "stream_version")
_LINK = struct.Struct(">QQI")


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def _make_dumps() -> Callable[[Any], str]:
    """``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)``, with the encoder built once instead of on every call (most of the
    cost for small documents); CPython's C encoder is used directly where it exists."""
    make = getattr(json.encoder, "c_make_encoder", None)
    quote = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or quote is None:
        return json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                allow_nan=False).encode
    chunks = make(None, _refuse, quote, None, ":", ",", True, False, False)
    return lambda value: "".join(chunks(value, 0))


#: The export's one JSON encoding: sorted keys, no whitespace, UTF-8 left as it is.
dumps: Callable[[Any], str] = _make_dumps()


def canonical_event(event: dict[str, Any]) -> bytes:
    """The bytes an event's hash covers (the ten EVENT_FIELDS, as ``dumps`` writes them)."""
    return dumps({name: event[name] for name in EVENT_FIELDS}).encode()


#: The events that hold a person's details (the domain's ``PRIVATE_FIELDS``), named here so
#: that the auditor's tools depend on nothing else: an event of these types stored before its
#: fields were committed to is the only one a redacted trail or export may withhold whole.
PERSONAL_EVENTS = frozenset({
    # a nomination's
    "CandidateRegistered", "CandidateWithdrawn", "RegistrationCorrected", "EligibilityChecked",
    "FindingRecorded", "NominationExcluded", "NominationSentBack",
    # a plan's: the committee's reasons, which may name people
    "PlanApproved", "PlanSentBack", "PlanRejected",
    # a congress's: its lists, nominations, withdrawals, the count's signatories, results
    # named, appointments, and the reasons and directions written about them
    "CongressOpened", "RoundOpened", "NominatedAtCongress", "WithdrawnFromList",
    "CountSigned", "BallotResultDeclared", "ShortfallDecided", "ElectionPaused",
    "DirectionGiven", "ElectionResultApproved", "MemberAppointed",
})

#: The key, in an event's ``data``, of its commitments to the fields left out of the hash.
COMMITMENTS = "_commitments"
_COMMITMENT_DOMAIN = b"nhansu.commitment/v1\n"


def commitment(salt_hex: str, value: Any) -> str:
    """SHA-256("nhansu.commitment/v1\\n" || salt (16 bytes) || canonical JSON of value)."""
    return hashlib.sha256(_COMMITMENT_DOMAIN + bytes.fromhex(salt_hex)
                          + dumps(value).encode()).hexdigest()


def opening_problems(data: Any, openings: Any) -> tuple[list[str], int]:
    """What is wrong with an event's ``openings`` (an object, or null) for its ``data``, and
    how many committed values it leaves out (a redacted export leaves them all out: their
    commitments, which the hash covers, are all it shows). Each opening given must hold the
    committed value."""
    committed = data.get(COMMITMENTS) if isinstance(data, dict) else None
    if committed is None:
        return ([] if openings is None else [f"openings, but nothing in data.{COMMITMENTS}"]), 0
    if not (isinstance(committed, dict) and committed
            and all(isinstance(v, str) and HEX64.fullmatch(v) for v in committed.values())):
        return [f"data.{COMMITMENTS} is not an object of hex SHA-256 commitments"], 0
    if openings is None:
        return [], len(committed)
    if not isinstance(openings, dict):
        return ["openings is not an object"], 0
    problems, withheld = [], 0
    for name in sorted(set(committed) | set(openings)):
        opening = openings.get(name)
        salt = opening.get("salt") if isinstance(opening, dict) else None
        if name not in committed:
            problems.append(f"an opening of {name!r}, which is not committed")
        elif opening is None:
            withheld += 1
        elif (set(opening) != {"salt", "value"} or not isinstance(salt, str)
              or re.fullmatch(r"[0-9a-f]{32}", salt) is None):
            problems.append(f"the opening of {name!r} is not a salt and a value")
        elif commitment(salt, opening["value"]) != committed[name]:
            problems.append(f"the value of {name!r} is not the one committed to")
    return problems, withheld


def chained(previous_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(previous_hash) + canonical).hexdigest()


def event_hash(previous_hash: str, event: dict[str, Any]) -> str:
    return chained(previous_hash, canonical_event(event))


def ledger_link(previous: str, *, event_hash: str, ledger_seq: int, position: int,
                stream_version: int, stream_id: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(event_hash)
                          + _LINK.pack(ledger_seq, position, stream_version)
                          + stream_id.encode()).hexdigest()


def checkpoint_body(*, checkpoint_seq: int, ledger_size: int, ledger_hash: str,
                    previous_hash: str, created_at: str, tree_root: str | None = None) -> str:
    """Six lines for a checkpoint without a tree root (signed before the Merkle tree): the
    root line is the ledger (chain) hash. Seven with one: the root line is the Merkle tree
    root and ``chain <hex ledger hash>`` comes before ``time``."""
    if tree_root is None:
        root = base64.b64encode(bytes.fromhex(ledger_hash)).decode()
        return (f"{ORIGIN}\n{ledger_size}\n{root}\ncheckpoint {checkpoint_seq}\n"
                f"previous {previous_hash}\ntime {created_at}\n")
    root = base64.b64encode(bytes.fromhex(tree_root)).decode()
    return (f"{ORIGIN}\n{ledger_size}\n{root}\ncheckpoint {checkpoint_seq}\n"
            f"previous {previous_hash}\nchain {ledger_hash}\ntime {created_at}\n")


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def key_hash(key_id: str, public_key: bytes) -> bytes:
    """C2SP signed-note key hash of an Ed25519 key."""
    return hashlib.sha256(key_id.encode() + b"\n\x01" + public_key).digest()[:4]


def signature_valid(public_key: bytes, body: str, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, body.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def parse_public_key(spec: str) -> tuple[str, bytes]:
    """``key_id:base64(32-byte Ed25519 public key)``; ValueError says what is wrong."""
    key_id, sep, encoded = spec.strip().partition(":")
    if not sep or not KEY_ID.fullmatch(key_id):
        raise ValueError(f"public key {spec!r}: expected key_id:base64")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"public key {key_id!r}: not base64") from None
    if len(raw) != 32:
        raise ValueError(f"public key {key_id!r}: an Ed25519 key has 32 bytes, not {len(raw)}")
    return key_id, raw


def parse_public_keys(specs: list[str]) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for spec in specs:
        for part in spec.split(","):
            if part.strip():
                key_id, raw = parse_public_key(part)
                if keys.setdefault(key_id, raw) != raw:
                    raise ValueError(f"public key {key_id!r} given twice with different keys")
    return keys


@dataclass(frozen=True, kw_only=True)
class Note:
    """A checkpoint as a C2SP signed note (what an auditor keeps)."""

    body: str
    checkpoint_seq: int
    ledger_size: int
    ledger_hash: str  # the chain hash
    signatures: list[tuple[str, bytes, bytes]]  # (key id, key hash, signature)
    tree_root: str | None = None  # the Merkle tree root (hex), when the note carries one


def parse_note(text: str) -> Note:
    """A signed checkpoint note; ValueError names what is malformed."""
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise ValueError("a signed note has its body, an empty line, then signature lines")
    body += "\n"
    lines = body.split("\n")[:-1]
    chain = None
    if len(lines) == 7 and lines[5].startswith("chain ") and HEX64.fullmatch(lines[5][6:]):
        chain = lines.pop(5)[6:]
    if len(lines) != 6 or lines[0] != ORIGIN:
        raise ValueError(f"the body must be six or seven lines starting with {ORIGIN!r}")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("the size or the root hash is malformed") from None
    seq_text = lines[3].removeprefix("checkpoint ")
    if len(root) != 32 or not seq_text.isdigit() or not lines[4].startswith("previous ") \
            or not lines[5].startswith("time ") or str(size) != lines[1]:
        raise ValueError("the body is not a nhansu ledger checkpoint")
    parsed = []
    for line in signatures.split("\n"):
        if not line:
            continue
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014":
            raise ValueError(f"malformed signature line {line!r}")
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"malformed signature line {line!r}") from None
        if len(raw) != 68:
            raise ValueError(f"signature line {line!r} is not an Ed25519 signature")
        parsed.append((parts[1], raw[:4], raw[4:]))
    if not parsed:
        raise ValueError("the note has no signature")
    if chain is None:
        return Note(body=body, checkpoint_seq=int(seq_text), ledger_size=size,
                    ledger_hash=root.hex(), signatures=parsed)
    return Note(body=body, checkpoint_seq=int(seq_text), ledger_size=size, ledger_hash=chain,
                signatures=parsed, tree_root=root.hex())


def note_problem(note: Note, keys: dict[str, bytes]) -> str | None:
    """None if some trusted key signed the note."""
    for key_id, hint, signature in note.signatures:
        public = keys.get(key_id)
        if public is not None and hint == key_hash(key_id, public) \
                and signature_valid(public, note.body, signature):
            return None
    names = ", ".join(repr(s[0]) for s in note.signatures)
    return f"no valid signature by a trusted key (signed by {names})"


# --- the Merkle tree log (RFC 6962 / RFC 9162), checked by the auditor ----------------------
# Leaves are the ledger's event hashes in ledger order. Written again here, not imported from
# the event store, so that a mistake in the writer's tree code cannot hide in the checker's.

def merkle_leaf(event_hash_hex: str) -> bytes:
    """SHA-256(0x00 || event hash)."""
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()


def merkle_node(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleFrontier:
    """The tree root at every size, appending one leaf at a time in O(log n) memory: the
    roots of the perfect subtrees the tree splits into, largest first."""

    def __init__(self) -> None:
        self._peaks: list[tuple[int, bytes]] = []  # (subtree size, its hash)
        self.size = 0

    def append(self, leaf: bytes) -> None:
        size, value = 1, leaf
        while self._peaks and self._peaks[-1][0] == size:
            left = self._peaks.pop()[1]
            size, value = size * 2, merkle_node(left, value)
        self._peaks.append((size, value))
        self.size += 1

    def root(self) -> bytes:
        if not self._peaks:
            return hashlib.sha256(b"").digest()
        value = self._peaks[-1][1]
        for _size, left in reversed(self._peaks[:-1]):
            value = merkle_node(left, value)
        return value


def inclusion_valid(leaf: bytes, index: int, size: int, proof: list[bytes],
                    root: bytes) -> bool:
    """RFC 9162 2.1.3.2: ``leaf`` (a leaf hash) is entry ``index`` (0-based) of the tree of
    ``size`` leaves whose root is ``root``."""
    if not 0 <= index < size:
        return False
    fn, sn, value = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            value = merkle_node(p, value)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            value = merkle_node(value, p)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and value == root


def consistency_valid(first: int, second: int, first_root: bytes, second_root: bytes,
                      proof: list[bytes]) -> bool:
    """RFC 9162 2.1.4.2: the tree of ``second`` leaves extends the one of ``first``."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not proof and (second > 0 or first_root == second_root)
    if first == second:
        return not proof and first_root == second_root
    path = ([first_root] if first & (first - 1) == 0 else []) + list(proof)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn // 2, sn // 2
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = merkle_node(c, fr), merkle_node(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            sr = merkle_node(sr, c)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and fr == first_root and sr == second_root
