"""What a redacted export or trail shows of an event: its data with commitments in place of
the values of private fields, or, for an event that would still give a person away, nothing
of its data and metadata (only its hash and its place, which the ledger proves)."""

from __future__ import annotations

from typing import Any

from domain.events import private_fields
from domain.idempotency import DIGEST_METADATA_KEY, KEYED_PREFIX


def withheld_whole(event_type: str, hashed_data: Any, metadata: Any) -> bool:
    """Whether a redacted export shows neither the data nor the metadata of this event (as
    stored: ``hashed_data`` with its commitments). So for an event that holds personal details
    and either keeps one in clear inside its hash (stored before revision 0005, or before the
    field was made private), or carries the plain digest of the command that made it (stored
    before digests were keyed): with the digest, a reader could confirm a guessed name, card or
    reason by hashing the guess."""
    fields = private_fields(event_type)
    if not fields:
        return False
    if isinstance(hashed_data, dict) and any(name in hashed_data for name in fields):
        return True
    digest = metadata.get(DIGEST_METADATA_KEY) if isinstance(metadata, dict) else None
    return isinstance(digest, str) and not digest.startswith(KEYED_PREFIX)
