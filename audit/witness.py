"""The witness: an auditor's office co-signs the operator's checkpoints, but only one that
extends the last checkpoint it co-signed. Stdlib and ``cryptography`` only, like the offline
verifier: the witness runs on the auditor's machine, with a key the operator never holds.

The witness keeps one file, its *state*: the last checkpoint it co-signed, as a C2SP signed
note carrying the operator's signature and its own. To co-sign a new checkpoint it needs

- the new checkpoint's signed note, with a valid signature by a trusted operator key and a
  Merkle tree root (checkpoints signed before revision 0003_merkle have none);
- a consistency proof (RFC 9162 2.1.4) from the size of its last checkpoint to the new size.

It refuses (``WitnessRefused``, naming the field and the rule) a state it did not sign itself,
a checkpoint of a smaller size (a rollback or truncation), one of the same size with another
root, or a larger one whose proof does not verify (a fork: history rewritten under the old
root), and a checkpoint number that goes back. Only then does it add its signature line and
replace the state file (written to a temporary file and renamed, so a crash leaves the old
state or the new one, never half of one).

The witness signature line is an ordinary C2SP signed-note line: ``— <witness key id>
base64(key_hash[4] || Ed25519 signature over the same body)``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.spec import (
    KEY_ID,
    Note,
    consistency_valid,
    key_hash,
    note_problem,
    parse_note,
    signature_valid,
)

PROOF_FORMAT = "nhansu-consistency-proof"
_SEED_SPEC = re.compile(r"[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/]{43}=")


class WitnessRefused(ValueError):
    """``field`` and ``rule`` name what was refused; ``detail`` says what was found."""

    def __init__(self, field: str, rule: str, detail: str) -> None:
        super().__init__(f"{field}: {rule}: {detail}")
        self.field, self.rule, self.detail = field, rule, detail


@dataclass(frozen=True)
class WitnessKey:
    key_id: str
    seed: bytes

    @property
    def public_key(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)

    def public_spec(self) -> str:
        return f"{self.key_id}:{base64.b64encode(self.public_key).decode()}"

    def sign_line(self, body: str) -> str:
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(body.encode())
        raw = key_hash(self.key_id, self.public_key) + signature
        return f"\u2014 {self.key_id} {base64.b64encode(raw).decode()}"


def new_witness_key(key_id: str) -> str:
    """A fresh ``key_id:base64(seed)`` for the witness's key file."""
    if not KEY_ID.fullmatch(key_id):
        raise WitnessRefused("--key-id", "key_id", key_id)
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def read_witness_key(text: str) -> WitnessKey:
    spec = text.strip()
    if not _SEED_SPEC.fullmatch(spec):
        raise WitnessRefused("--witness-key", "key_spec", "key_id:base64(32 bytes)")
    key_id, _, encoded = spec.partition(":")
    try:
        seed = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WitnessRefused("--witness-key", "key_spec", "not base64") from None
    return WitnessKey(key_id, seed)


@dataclass(frozen=True, kw_only=True)
class ConsistencyProof:
    first_size: int
    second_size: int
    proof: list[bytes]
    checkpoint: str  # the new checkpoint's signed note

    def to_json(self) -> str:
        return json.dumps({"format": PROOF_FORMAT, "version": 1, "first_size": self.first_size,
                           "second_size": self.second_size,
                           "proof": [p.hex() for p in self.proof],
                           "checkpoint": self.checkpoint},
                          ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def parse_proof(text: str) -> ConsistencyProof:
    try:
        data: Any = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != PROOF_FORMAT \
                or data.get("version") != 1:
            raise ValueError("format")
        first, second, proof, note = (data["first_size"], data["second_size"], data["proof"],
                                      data["checkpoint"])
        if type(first) is not int or type(second) is not int or first < 0 or second < 0 \
                or not isinstance(proof, list) or not isinstance(note, str):
            raise ValueError("fields")
        hashes = [bytes.fromhex(p) for p in proof]
        if any(len(h) != 32 for h in hashes):
            raise ValueError("hash")
    except (ValueError, KeyError, TypeError) as exc:
        raise WitnessRefused("--proof", "consistency_proof", str(exc)) from None
    return ConsistencyProof(first_size=first, second_size=second, proof=hashes, checkpoint=note)


def _witnessed_by(note: Note, key: WitnessKey) -> bool:
    return any(key_id == key.key_id and hint == key_hash(key.key_id, key.public_key)
               and signature_valid(key.public_key, note.body, signature)
               for key_id, hint, signature in note.signatures)


@dataclass(frozen=True, kw_only=True)
class Cosigned:
    note: str  # the new checkpoint with the witness's signature line added
    checkpoint_seq: int
    ledger_size: int
    tree_root: str
    previous_size: int | None  # the size of the checkpoint it extends (None: the first)


def cosign(*, key: WitnessKey, operator_keys: dict[str, bytes], proof: ConsistencyProof,
           state: str | None) -> Cosigned:
    """Check ``proof`` against ``state`` (the last co-signed note, None for the first one the
    witness ever signs) and return the new note with the witness's signature added."""
    try:
        new = parse_note(proof.checkpoint)
    except ValueError as exc:
        raise WitnessRefused("--proof", "signed_note", str(exc)) from None
    if problem := note_problem(new, operator_keys):
        raise WitnessRefused("--proof", "operator_signature", problem)
    if new.tree_root is None:
        raise WitnessRefused("--proof", "tree_root", f"checkpoint {new.checkpoint_seq}")
    if proof.second_size != new.ledger_size:
        raise WitnessRefused("--proof", "proof_size",
                             f"{proof.second_size} != {new.ledger_size}")
    previous_size = None
    if state is not None:
        try:
            last = parse_note(state)
        except ValueError as exc:
            raise WitnessRefused("--state", "signed_note", str(exc)) from None
        if not _witnessed_by(last, key) or last.tree_root is None:
            raise WitnessRefused("--state", "own_signature", key.key_id)
        previous_size = last.ledger_size
        _check_extends(last, new, proof)
    body_lines = [line for line in proof.checkpoint.split("\n\n", 1)[1].split("\n") if line]
    kept = [line for line in body_lines if line.split(" ")[1:2] != [key.key_id]]
    note = new.body + "\n" + "\n".join([*kept, key.sign_line(new.body)]) + "\n"
    assert new.tree_root is not None
    return Cosigned(note=note, checkpoint_seq=new.checkpoint_seq, ledger_size=new.ledger_size,
                    tree_root=new.tree_root, previous_size=previous_size)


def _check_extends(last: Note, new: Note, proof: ConsistencyProof) -> None:
    assert last.tree_root is not None and new.tree_root is not None
    if new.ledger_size < last.ledger_size:
        raise WitnessRefused("--proof", "rollback", f"{new.ledger_size} < {last.ledger_size}")
    if new.ledger_size == last.ledger_size:
        if new.tree_root != last.tree_root:
            raise WitnessRefused("--proof", "fork", f"size {new.ledger_size}")
    elif proof.first_size != last.ledger_size:
        raise WitnessRefused("--proof", "proof_size", f"{proof.first_size} != {last.ledger_size}")
    elif not consistency_valid(last.ledger_size, new.ledger_size,
                               bytes.fromhex(last.tree_root), bytes.fromhex(new.tree_root),
                               proof.proof):
        raise WitnessRefused("--proof", "fork",
                             f"{last.ledger_size} -> {new.ledger_size}")
    # The tree is checked first: a rewritten history is a fork whatever its numbering says.
    if new.checkpoint_seq < last.checkpoint_seq:
        raise WitnessRefused("--proof", "rollback",
                             f"checkpoint {new.checkpoint_seq} < {last.checkpoint_seq}")


def store_state(path: Path, note: str) -> None:
    """Replace the state file atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(note)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


