"""A realistic log for the audit tests: a few hundred events over many streams, appended in
atomic multi-stream batches through PostgresEventStore, sealed and checkpointed several times
(the signing key rotated halfway), with a few events left unsealed at the end. Registrations
keep two fields as salted commitments (eventstore/commitments.py)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from audit.export import export
from eventstore.checkpoints import Signer
from eventstore.model import NO_STREAM, NewEvent
from tests.contract.ledger_support import seal_to
from tests.support.databases import Scratch

KEY_A = Signer("nhansu-audit-a", bytes(range(100, 132)))
KEY_B = Signer("nhansu-audit-b", bytes(range(150, 182)))
KEYS = {KEY_A.key_id: KEY_A.public_key, KEY_B.key_id: KEY_B.public_key}

NAMES = ["Nguyễn Thị Ánh Tuyết", "Trần Văn Đức", "Lê Hoàng Yến", "Phạm Ngọc Ẩn",
         "Đặng Quốc Việt", "Huỳnh Thị Ngọc Ánh", "Võ Minh Khôi"]
TRICKY = ['a "quoted" \\ word', "line\nbreak\ttab", "</script><b>", "emoji 🗳️", "\u2028sep",
          "\x01ctl"]


def _payload(rng: random.Random, n: int) -> dict[str, Any]:
    return {
        "n": n, "ứng_viên": rng.choice(NAMES), "số_phiếu": {"đồng_ý": rng.randint(0, 60),
                                                            "tổng": 60},
        "big": rng.choice([0, -1, 2**63 - 1, 2**70]), "flag": rng.random() < 0.5,
        "note": rng.choice(TRICKY), "list": [rng.randint(0, 9) for _ in range(rng.randint(0, 3))],
        "nothing": None, "ratio": "2/3",
    }


@dataclass
class BuiltLog:
    directory: Path
    sealed: int
    events: int
    checkpoint_sizes: list[int]


async def build_log(scratch: Scratch, directory: Path, *, seed: int = 20251, events: int = 320,
                    streams: int = 40, seal_every: int = 55, unsealed: int = 4) -> BuiltLog:
    rng = random.Random(seed)
    names = [f"{rng.choice(['plan', 'nomination'])}-{uuid.UUID(int=rng.getrandbits(128))}"
             for _ in range(streams)]
    versions = dict.fromkeys(names, NO_STREAM)
    moment = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    total, next_seal = 0, seal_every
    sizes: list[int] = []

    async def append(count: int) -> int:
        nonlocal moment
        chosen = rng.sample(names, rng.randint(1, 3))
        batch, expected = [], {s: versions[s] for s in chosen}
        for s in chosen:
            for _ in range(rng.randint(1, count)):
                versions[s] += 1
                moment += timedelta(minutes=rng.randint(1, 90), microseconds=rng.randint(0, 999))
                event_id = str(uuid.UUID(int=rng.getrandbits(128)))
                event_type = rng.choice(["NominationAdvanced", "CandidateRegistered",
                                         "ConferenceResultRecorded"])
                batch.append(NewEvent(
                    event_id=event_id, stream_id=s, event_type=event_type,
                    # A registration's name and note are kept as salted commitments.
                    private_fields=(("ứng_viên", "note") if event_type == "CandidateRegistered"
                                    else ()),
                    schema_version=rng.choice([1, 2]), data=_payload(rng, versions[s]),
                    metadata={"actor": "ban-to-chuc", "role": "organization_department",
                              "step": rng.randint(1, 5)},
                    occurred_at=moment,
                    correlation_id=rng.choice([None, "plan-xa-an-binh-2025-2030"])))
        await scratch.store.append(batch, expected)
        return len(batch)

    while total < events:
        total += await append(2)
        if total >= next_seal:
            signer = KEY_A if len(sizes) < 3 else KEY_B  # the key is rotated after three
            await seal_to(scratch.engine, scratch.store, total, signer, trusted_keys=KEYS)
            sizes.append(total)
            next_seal = total + seal_every
    if sizes[-1] != total:
        await seal_to(scratch.engine, scratch.store, total, KEY_B, trusted_keys=KEYS)
        sizes.append(total)
    extra = 0
    while extra < unsealed:
        extra += await append(1)
    summary = await export(scratch.engine, directory)
    assert (summary.sealed, summary.events) == (total, total + extra)
    return BuiltLog(directory=directory, sealed=total, events=total + extra,
                    checkpoint_sizes=sizes)
