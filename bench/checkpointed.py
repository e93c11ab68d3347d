"""A ledger and a signed checkpoint on the large database, for the incremental verification
figure: every event but the last ``new_events`` (in global-log order) is entered in the ledger
(links computed by the store's own ``ledger_link``) and covered by a checkpoint signed by the
store's own sealer code (``eventstore.ledger._checkpoint``, which recomputes the ledger from
the start before it signs); the last ``new_events`` stay unsealed: what a nightly run checks.
Made once per large database and kept with it (the checkpoint's presence says it is done)."""

from __future__ import annotations

import asyncpg

from bench.server import asyncpg_dsn
from eventstore.checkpoints import Signer
from eventstore.ledger import CheckpointPolicy, _checkpoint
from eventstore.ledger_chain import LEDGER_GENESIS, ledger_link

SIGNER = Signer("bench-ledger", bytes(range(32)))
KEYS = {SIGNER.key_id: SIGNER.public_key}
_PAGE = 50_000


async def ensure_checkpoint(url: str, new_events: int) -> int:
    """The ledger size the checkpoint covers (made now if missing)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        covered = await conn.fetchval("SELECT max(ledger_size) FROM checkpoints")
        if covered is not None:
            return int(covered)
        total = int(await conn.fetchval("SELECT count(*) FROM events"))
        size = total - new_events
        link, seq = LEDGER_GENESIS, 0
        after: tuple[int, int] = (0, 0)
        while seq < size:
            rows = await conn.fetch(
                "SELECT transaction_id::text::bigint, position, stream_id, stream_version, hash "
                "FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2) "
                "ORDER BY transaction_id, position LIMIT $3",
                str(after[0]), after[1], min(_PAGE, size - seq))
            if not rows:
                break
            seqs: list[int] = []
            positions: list[int] = []
            links: list[str] = []
            for _xid, position, stream_id, version, event_hash in rows:
                seq += 1
                link = ledger_link(link, event_hash=event_hash, ledger_seq=seq,
                                   position=position, stream_id=stream_id,
                                   stream_version=version)
                seqs.append(seq)
                positions.append(position)
                links.append(link)
            await _insert(conn, seqs, positions, links)
            after = (rows[-1][0], rows[-1][1])
        made = await _checkpoint(conn, SIGNER, KEYS, size, None, CheckpointPolicy())
        if made is None:
            raise RuntimeError("no checkpoint was signed over the bench ledger")
        await conn.execute("VACUUM ANALYZE ledger")
        return size
    finally:
        await conn.close()


async def _insert(conn: asyncpg.Connection, seqs: list[int], positions: list[int],
                  links: list[str]) -> None:
    await conn.execute("INSERT INTO ledger (ledger_seq, event_position, ledger_hash) "
                       "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])",
                       seqs, positions, links)
