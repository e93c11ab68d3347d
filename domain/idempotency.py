"""What makes a retry a retry: the same idempotency key *and* the same content.

A command id is the client's idempotency key. Sent again with the same content (after a time-out,
a crash, a lost answer) it is applied once and answered with its first result; sent with other
content (corrected minutes under the key of the first attempt) it is refused, never silently
answered from the first result. The content is compared by a digest that the workflow, the
application layer and the event metadata all compute the same way."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from domain.serialization import to_data

DIGEST_METADATA_KEY = "command_digest"
# Facts the caller read from the store to go with a command (the term stream's claims, the
# approved plan a congress opens with): not what the user asked for, and different on a retry
# once the first attempt has been applied.
READ_FACTS = ("term_claims", "approved_plan")


def command_digest(command: Any) -> str:
    """sha256 of the command's canonical JSON, less its id: who asks, and what."""
    data = to_data(command)
    if isinstance(data, dict):
        for name in ("command_id", *READ_FACTS):
            data.pop(name, None)
    canonical = json.dumps({"type": type(command).__name__, "data": data}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
