"""The witness as the auditor's office runs it (application.audit.witness): files in, a
co-signed state file out; every refusal names the field and the rule in Vietnamese and leaves
the state file as it was. No database: checkpoints are built here from a known tree."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from application.audit import new_witness_key, witness
from application.errors import Rejected
from audit.spec import parse_note
from audit.witness import ConsistencyProof
from eventstore import merkle
from eventstore.checkpoints import CHECKPOINT_GENESIS, Checkpoint, Signer

SIGNER = Signer("van-hanh", bytes(range(32)))


def _leaves(n: int, tag: str = "") -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(f"{tag}{i}".encode()).digest()) for i in range(n)]


def _checkpoint(seq: int, leaves: list[bytes]) -> Checkpoint:
    made = Checkpoint(checkpoint_seq=seq, ledger_size=len(leaves), ledger_hash="ab" * 32,
                      previous_hash=CHECKPOINT_GENESIS,
                      created_at=datetime(2026, 12, 4, 3, seq, tzinfo=UTC), key_id=SIGNER.key_id,
                      signature="", tree_root=merkle.root(leaves).hex())
    return replace(made, signature=SIGNER.sign(made.body()))


def _proof(tmp: Path, seq: int, leaves: list[bytes], first: int) -> Path:
    path = tmp / f"proof-{seq}-{len(leaves)}.json"
    proof = merkle.consistency_proof(leaves, first) if first <= len(leaves) else []
    path.write_text(ConsistencyProof(
        first_size=first, second_size=len(leaves), proof=proof,
        checkpoint=_checkpoint(seq, leaves).signed_note(SIGNER.public_key)).to_json())
    return path


def _refusal(call: object) -> tuple[str, str, str]:
    assert isinstance(call, Rejected)
    (violation,) = call.violations
    return violation.field, violation.rule, violation.message


def test_first_growth_then_refusals_that_change_nothing(tmp_path: Path) -> None:
    key = tmp_path / "witness.key"
    public = new_witness_key("kiem-toan", key)
    assert public.startswith("kiem-toan:") and oct(key.stat().st_mode & 0o777) == "0o600"
    state = tmp_path / "witness.note"
    args: dict[str, Any] = {"state_file": state, "key_file": key,
                            "public_keys": [SIGNER.public_spec()]}
    with pytest.raises(Rejected) as missing:
        witness(proof_file=_proof(tmp_path, 1, _leaves(4), 0), **args)
    assert _refusal(missing.value)[:2] == ("--state", "state_missing")
    assert not state.exists()

    first = witness(proof_file=_proof(tmp_path, 1, _leaves(4), 0), init=True, **args)
    assert first.previous_size is None and state.read_text() == first.note
    grown = witness(proof_file=_proof(tmp_path, 2, _leaves(7), 4), **args)
    assert grown.previous_size == 4 and grown.ledger_size == 7
    kept = state.read_text()
    assert [s[0] for s in parse_note(kept).signatures] == ["van-hanh", "kiem-toan"]

    for proof, rule in (
        (_proof(tmp_path, 3, _leaves(5), 7), "rollback"),           # cut back to 5
        (_proof(tmp_path, 3, _leaves(7, "x"), 7), "fork"),          # same size, other root
        (_proof(tmp_path, 3, _leaves(9, "x"), 7), "fork"),          # grew, but rewritten
        (_proof(tmp_path, 1, _leaves(7), 7), "rollback"),           # an older number again
    ):
        with pytest.raises(Rejected) as refused:
            witness(proof_file=proof, **args)
        field, got, message = _refusal(refused.value)
        assert (field, got) == ("--proof", rule)
        assert message.startswith("Từ chối ký chứng thực")
        assert state.read_text() == kept

    with pytest.raises(Rejected) as unsigned:
        witness(proof_file=_proof(tmp_path, 3, _leaves(9), 7), state_file=state, key_file=key,
                public_keys=[Signer("khac", bytes(32)).public_spec()])
    assert _refusal(unsigned.value)[:2] == ("--proof", "operator_signature")
    with pytest.raises(Rejected) as twice:
        witness(proof_file=_proof(tmp_path, 3, _leaves(9), 7), init=True, **args)
    assert _refusal(twice.value)[:2] == ("--init", "state_exists")
    assert state.read_text() == kept
