"""Signed checkpoints over the ledger: the text that is signed, the keys, the signature.

A checkpoint says "the ledger had ``ledger_size`` entries and its hash at that size was
``ledger_hash``", signed with Ed25519. The signed text (the *body*) follows the C2SP
``tlog-checkpoint`` layout, so that a checkpoint is an ordinary C2SP signed note::

    nhansu.ledger/v1                        origin: names the log and its format version
    1234                                    ledger size (decimal)
    q1w2e3...=                              ledger hash at that size, base64 of 32 bytes
    checkpoint 17                           extension lines: this checkpoint's number,
    previous 9f86d0...                      SHA-256 (hex) of the previous checkpoint's body
    time 2025-06-01T09:00:00.123456+00:00   (64 zeros for the first) and when it was made

Since revision 0003_merkle a checkpoint also carries the ledger's RFC 6962 Merkle tree root
(eventstore/merkle.py): then the root line is the *tree root*, and the chain hash moves to an
extension line, so the body has seven lines::

    nhansu.ledger/v1
    1234
    <base64 tree root>                      RFC 6962 root over the event hashes, ledger order
    checkpoint 18
    previous 9f86d0...
    chain 4be1c3...                         the ledger hash (hex) at that size, as above
    time 2025-06-01T09:00:05.000000+00:00

Each line ends with a newline, the last one included. The signature is Ed25519 over exactly
these UTF-8 bytes. As a signed note it is followed by an empty line and
``— <key_id> base64(key_hash[4] || signature[64])`` where ``key_hash`` is
``SHA-256(key_id || 0x0A || 0x01 || public_key)[:4]`` (C2SP signed-note, Ed25519).

Chaining each body to the previous one makes checkpoints an ordered, gap-free list of their
own: one cannot be dropped, reordered or replaced without breaking the next.

Keys in configuration: a signing key is ``key_id:base64(32-byte Ed25519 seed)``, public keys
``key_id:base64(32-byte public key)[,…]``. A key id is 1-64 of ``A-Z a-z 0-9 . _ -``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from eventstore.hashing import utc_iso

ORIGIN = "nhansu.ledger/v1"
CHECKPOINT_GENESIS = "0" * 64
KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    checkpoint_seq: int  # 1, 2, 3, ...
    ledger_size: int  # the ledger_seq of the last entry covered
    ledger_hash: str  # hex: the ledger hash at ledger_size
    previous_hash: str  # hex: SHA-256 of the previous checkpoint's body
    created_at: datetime
    key_id: str
    signature: str  # base64 of the 64-byte Ed25519 signature over body()
    tree_root: str | None = None  # hex: the Merkle tree root at ledger_size (0003_merkle on)

    def body(self) -> str:
        return checkpoint_body(checkpoint_seq=self.checkpoint_seq, ledger_size=self.ledger_size,
                               ledger_hash=self.ledger_hash, previous_hash=self.previous_hash,
                               created_at=self.created_at, tree_root=self.tree_root)

    def body_hash(self) -> str:
        """What the next checkpoint's ``previous_hash`` must be."""
        return hashlib.sha256(self.body().encode()).hexdigest()

    def signed_note(self, public_key: bytes) -> str:
        """The C2SP signed note; ``public_key`` is the signer's (it goes into the key hash)."""
        line = base64.b64encode(key_hash(self.key_id, public_key)
                                + base64.b64decode(self.signature)).decode()
        return f"{self.body()}\n\u2014 {self.key_id} {line}\n"


def checkpoint_body(*, checkpoint_seq: int, ledger_size: int, ledger_hash: str,
                    previous_hash: str, created_at: datetime, tree_root: str | None = None) -> str:
    if tree_root is None:  # signed before the Merkle tree (revision 0002)
        root = base64.b64encode(bytes.fromhex(ledger_hash)).decode()
        return (f"{ORIGIN}\n{ledger_size}\n{root}\ncheckpoint {checkpoint_seq}\n"
                f"previous {previous_hash}\ntime {utc_iso(created_at)}\n")
    root = base64.b64encode(bytes.fromhex(tree_root)).decode()
    return (f"{ORIGIN}\n{ledger_size}\n{root}\ncheckpoint {checkpoint_seq}\n"
            f"previous {previous_hash}\nchain {ledger_hash}\ntime {utc_iso(created_at)}\n")


def key_hash(key_id: str, public_key: bytes) -> bytes:
    return hashlib.sha256(key_id.encode() + b"\n\x01" + public_key).digest()[:4]


class KeySpecError(ValueError):
    """A key specification that cannot be used (the message says why, never the key)."""


def _split(spec: str, what: str) -> tuple[str, bytes]:
    key_id, sep, encoded = spec.strip().partition(":")
    if not sep or not KEY_ID.fullmatch(key_id):
        raise KeySpecError(f"{what}: expected key_id:base64 with a key id of 1-64 letters, digits,"
                        " '.', '_' or '-'")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise KeySpecError(f"{what} {key_id!r}: the key is not base64") from None
    if len(raw) != 32:
        raise KeySpecError(f"{what} {key_id!r}: an Ed25519 key has 32 bytes, not {len(raw)}")
    return key_id, raw


class Signer:
    """Signs checkpoint bodies with one Ed25519 key."""

    def __init__(self, key_id: str, seed: bytes) -> None:
        if not KEY_ID.fullmatch(key_id):
            raise KeySpecError(f"unusable key id {key_id!r}")
        self.key_id = key_id
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @classmethod
    def from_spec(cls, spec: str) -> Signer:
        key_id, seed = _split(spec, "ledger signing key")
        return cls(key_id, seed)

    def public_spec(self) -> str:
        """``key_id:base64(public key)``: what auditors pin."""
        return f"{self.key_id}:{base64.b64encode(self.public_key).decode()}"

    def sign(self, body: str) -> str:
        return base64.b64encode(self._key.sign(body.encode())).decode()


def new_signing_key_spec(key_id: str | None = None) -> str:
    """A fresh ``key_id:base64(seed)``; the default id names the key by its public key."""
    seed = secrets.token_bytes(32)
    if key_id is None:
        public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)
        key_id = "nhansu-" + hashlib.sha256(public).hexdigest()[:12]
    return f"{key_id}:{base64.b64encode(seed).decode()}"


def parse_public_keys(spec: str | None) -> dict[str, bytes]:
    """``key_id:base64,…`` as a mapping; the same id twice with different keys is an error."""
    keys: dict[str, bytes] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        key_id, raw = _split(part, "ledger public key")
        if keys.setdefault(key_id, raw) != raw:
            raise KeySpecError(f"ledger public key {key_id!r} is given twice with different keys")
    return keys


def signature_problem(checkpoint: Checkpoint, keys: dict[str, bytes]) -> str | None:
    """None if ``checkpoint`` is signed by the key its key_id names among ``keys``."""
    public = keys.get(checkpoint.key_id)
    if public is None:
        return f"signed with key {checkpoint.key_id!r}, which is not a trusted key"
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        Ed25519PublicKey.from_public_bytes(public).verify(signature, checkpoint.body().encode())
    except (InvalidSignature, binascii.Error, ValueError):
        return f"the signature does not verify with key {checkpoint.key_id!r}"
    return None
