"""Stream heads: the version and hash an append links its first event to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventstore.hashing import GENESIS_HASH

_HEADS = """
SELECT s.stream_id, coalesce(h.stream_version, 0), coalesce(h.hash, $2), h.transaction_id,
       pg_current_xact_id_if_assigned()
FROM unnest($1::text[]) AS s(stream_id)
LEFT JOIN LATERAL (
    SELECT e.stream_version, e.hash, e.transaction_id FROM events AS e
    WHERE e.stream_id = s.stream_id ORDER BY e.stream_version DESC LIMIT 1
) AS h ON true
"""


@dataclass(frozen=True, slots=True)
class Head:
    stream_id: str
    version: int
    hash: str
    # The global log orders by transaction id; an append must not sort before its stream's head.
    stale_transaction: bool


async def read_heads(conn: Any, streams: list[str]) -> dict[str, Head]:
    rows = await conn.fetch(_HEADS, streams, GENESIS_HASH)
    return {
        r[0]: Head(r[0], r[1], r[2], r[4] is not None and r[3] is not None and r[4] < r[3])
        for r in rows
    }


class HeadCache:
    """Heads this process has committed, so that the next append to a stream (a plan's
    workflow appends to its own stream again and again) is one round trip instead of two.

    An entry (stream, version, hash) stays true forever: rows are never updated or deleted.
    If the stream has moved on meanwhile, the INSERT hits UNIQUE(stream_id, stream_version)
    and the append reads the real head. Only appends committed on their own (outside a
    caller's transaction) are remembered: a caller could still roll back.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._heads: dict[str, tuple[int, str]] = {}

    def hash_at(self, stream_id: str, version: int) -> str | None:
        known = self._heads.get(stream_id)
        return known[1] if known is not None and known[0] == version else None

    def remember(self, stream_id: str, version: int, hash_hex: str) -> None:
        self._heads.pop(stream_id, None)
        if len(self._heads) >= self._size:
            del self._heads[next(iter(self._heads))]  # the least recently appended
        self._heads[stream_id] = (version, hash_hex)

    def forget(self, stream_id: str) -> None:
        self._heads.pop(stream_id, None)
