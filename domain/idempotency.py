"""What makes a retry a retry: the same idempotency key *and* the same content.

A command id is the client's idempotency key. Sent again with the same content (after a time-out,
a crash, a lost answer) it is applied once and answered with its first result; sent with other
content (corrected minutes under the key of the first attempt) it is refused, never silently
answered from the first result. The content is compared by a digest that the workflow, the
application layer and the event metadata all compute the same way.

The digest is of the command's content, personal data included, so the one kept in an event's
metadata is keyed (``keyed_digest``, under the installation's secret): an unkeyed digest would
let anyone holding a redacted export confirm a guessed name, card or reason by hashing the
guess. Events stored before it was keyed keep their plain digest, still compared."""

from __future__ import annotations

import hashlib
import hmac
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


#: Marks a digest kept in event metadata as keyed, so that it is never taken for a plain one.
KEYED_PREFIX = "hmac-sha256:"


class UnknownDigestKey(Exception):
    """A digest in the store was keyed under another secret than the one at hand (the API and
    the worker hold different ``NHANSU_ID_KEY``s, or the key was changed): whether a retry
    has the same content cannot be told, so it is neither answered nor refused."""


def key_id(key: bytes) -> str:
    """A short name of the secret, kept with each digest keyed under it: never the secret."""
    return hashlib.sha256(b"nhansu.id-key-id\n" + key).hexdigest()[:8]


def keyed_digest(key: bytes, digest: str) -> str:
    """The form of ``digest`` kept in an event's metadata: ``hmac-sha256:<key id>:<hex>``,
    HMAC-SHA-256 under the installation's secret, so it cannot be recomputed from a guessed
    command."""
    mac = hmac.new(key, b"nhansu.command-digest/v1\n" + digest.encode("ascii"), hashlib.sha256)
    return f"{KEYED_PREFIX}{key_id(key)}:{mac.hexdigest()}"


def same_content(recorded: str, digest: str, key: bytes) -> bool:
    """Whether the digest ``recorded`` in an event's metadata (keyed, or plain from before it
    was keyed) is that of a command whose plain digest is ``digest``. Raises
    ``UnknownDigestKey`` for one keyed under another secret than ``key``."""
    if not recorded.startswith(KEYED_PREFIX):
        return hmac.compare_digest(recorded, digest)
    named = recorded[len(KEYED_PREFIX):].partition(":")[0]
    if named != key_id(key):
        raise UnknownDigestKey(named)
    return hmac.compare_digest(recorded, keyed_digest(key, digest))
