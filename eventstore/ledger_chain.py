"""The global ledger's hash chain: one link per committed event, in global-log order.

Per-stream chains show that a stream was not edited, but not that it still has all its events
or that a whole stream was not removed. The ledger numbers every committed event 1, 2, 3, ...
(``ledger_seq``, no gaps) in the order of ``read_all`` and chains them all:

    ledger_hash_0 = 32 zero bytes
    ledger_hash_n = SHA-256( ledger_hash_{n-1}          32 bytes
                           || event.hash                  32 bytes
                           || ledger_seq                  8 bytes, unsigned big-endian
                           || event.position              8 bytes, unsigned big-endian
                           || event.stream_version        4 bytes, unsigned big-endian
                           || event.stream_id             UTF-8, to the end )

Deleting, inserting, reordering or renumbering events, changing their positions or moving one
into another stream changes every later link. The one variable-length field comes last, so the
input needs no length prefix to be unambiguous. Signed checkpoints (``checkpoints.py``) then
anchor ``ledger_hash_n`` for some n outside the database.

Standard library only. The offline verifier (``audit/``) implements the same rule on its own,
deliberately, so that one mistake cannot hide in code shared by the writer and the checker.
"""

from __future__ import annotations

import hashlib
import struct

LEDGER_GENESIS = "0" * 64

_FIXED = struct.Struct(">QQI")


def ledger_link(previous_hex: str, *, event_hash: str, ledger_seq: int, position: int,
                stream_id: str, stream_version: int) -> str:
    """``ledger_hash_n`` (hex) from ``ledger_hash_{n-1}`` (hex) and the n-th event."""
    return hashlib.sha256(
        bytes.fromhex(previous_hex) + bytes.fromhex(event_hash)
        + _FIXED.pack(ledger_seq, position, stream_version) + stream_id.encode()
    ).hexdigest()
