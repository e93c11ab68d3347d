"""An attacker's toolkit for the tamper tests: everything one can do to an export knowing the
algorithms (they are public) but not the signing key: recompute every stream hash and every
ledger hash after an edit, and sign checkpoints again with a key of one's own."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.spec import (
    ZERO_HASH,
    body_hash,
    checkpoint_body,
    dumps,
    event_hash,
    ledger_link,
)

Record = dict[str, Any]


def records(blob: bytes) -> list[Record]:
    return [json.loads(line) for line in blob.decode().split("\n") if line]


def blob(items: list[Record]) -> bytes:
    return "".join(dumps(r) + "\n" for r in items).encode()


def rechain(events: list[Record]) -> None:
    """Make every stream chain and the whole ledger consistent again, in place: versions and
    ledger seqs renumbered in file order, every hash recomputed."""
    heads: dict[str, tuple[int, str]] = {}
    link, seq = ZERO_HASH, 0
    for r in events:
        version, previous = heads.get(r["stream_id"], (0, ZERO_HASH))
        r["stream_version"], r["previous_hash"] = version + 1, previous
        r["hash"] = event_hash(previous, r)
        heads[r["stream_id"]] = (version + 1, r["hash"])
        if r["ledger_seq"] is not None:
            seq += 1
            r["ledger_seq"] = seq
            link = ledger_link(link, event_hash=r["hash"], ledger_seq=seq,
                               position=r["position"], stream_version=r["stream_version"],
                               stream_id=r["stream_id"])
            r["ledger_hash"] = link


def ledger_hashes(events: list[Record]) -> dict[int, str]:
    return {r["ledger_seq"]: r["ledger_hash"] for r in events if r["ledger_seq"] is not None}


def sign(checkpoint: Record, key: Ed25519PrivateKey) -> None:
    body = checkpoint_body(checkpoint_seq=checkpoint["checkpoint_seq"],
                           ledger_size=checkpoint["ledger_size"],
                           ledger_hash=checkpoint["ledger_hash"],
                           previous_hash=checkpoint["previous_hash"],
                           created_at=checkpoint["created_at"])
    checkpoint["signature"] = base64.b64encode(key.sign(body.encode())).decode()


def resign(checkpoints: list[Record], events: list[Record], key: Ed25519PrivateKey,
           *, from_seq: int = 1, key_id: str | None = None) -> None:
    """Checkpoints ``from_seq`` on made to agree with ``events`` and signed with ``key``."""
    roots = ledger_hashes(events)
    previous = ZERO_HASH
    for c in checkpoints:
        if c["checkpoint_seq"] >= from_seq:
            c["ledger_hash"] = roots.get(c["ledger_size"], c["ledger_hash"])
            c["previous_hash"] = previous
            if key_id is not None:
                c["key_id"] = key_id
            sign(c, key)
        previous = body_hash(checkpoint_body(
            checkpoint_seq=c["checkpoint_seq"], ledger_size=c["ledger_size"],
            ledger_hash=c["ledger_hash"], previous_hash=c["previous_hash"],
            created_at=c["created_at"]))


def header_for(events: list[Record], checkpoints: list[Record]) -> Record:
    return {"checkpoints": len(checkpoints), "events": len(events),
            "format": "nhansu-ledger-export", "ledger_size": sum(
                r["ledger_seq"] is not None for r in events),
            "origin": "nhansu.ledger/v1", "version": 1}
