"""The hash chain that makes every stream tamper-evident. Standard library only, so that an
auditor's independent verifier can reuse (or re-implement) it without the rest of the store.

Each event's hash is ``sha256(previous_hash_bytes + canonical_bytes(event))``; a stream's first
event links to ``GENESIS_HASH``. The canonical encoding is JSON with sorted keys, no whitespace
and raw UTF-8, over the fields listed in ``canonical_bytes``.

Data and metadata are stored as the bytes of their canonical encoding and hashed as stored
(revision 0003_stored_bytes). Readers decode them, and an event read back must equal the event
written (idempotent retries compare them; a value's canonical encoding must not depend on how
it was read). That holds for str, int, bool, None, lists and dicts with string keys, and fails
for floats (``1e20`` and ``1.50`` have several spellings and no exact decimal value), for
non-string keys (JSON turns them into strings) and for ``\\u0000`` (PostgreSQL's JSON refuses
it). ``check_json`` rejects all of these before anything is hashed: encode amounts as ints of
the smallest unit or as strings.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _make_encoder() -> Callable[[Any], str]:
    """The encoder of ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``,
    built once. json.dumps builds a new one on every call, which is most of its cost for the
    small documents of events; CPython's C encoder is used directly where it exists."""
    make = getattr(json.encoder, "c_make_encoder", None)
    quote = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or quote is None:
        return json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
    chunks = make(None, _refuse, quote, None, ":", ",", True, False, True)
    return lambda value: "".join(chunks(value, 0))


_ENCODE = _make_encoder()
_quote: Callable[[str], str] = json.encoder.encode_basestring  # a JSON string, not escaping UTF-8


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds: PostgreSQL keeps exactly microseconds, so the text
    recomputed from a stored ``timestamptz`` is identical to the text hashed at append."""
    if moment.tzinfo is not UTC:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"timestamp must be timezone-aware: {moment!r}")
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def dumps(value: Any) -> str:
    """The one JSON encoding the store uses, for hashing and for comparing payloads."""
    return _ENCODE(value)


def canonical_bytes(
    *,
    event_id: str,
    stream_id: str,
    stream_version: int,
    event_type: str,
    schema_version: int,
    data: Any,
    metadata: Any,
    occurred_at: datetime,
    recorded_at: datetime,
    correlation_id: str | None,
) -> bytes:
    """``dumps`` of the object with these ten fields (timestamps as ``utc_iso`` text)."""
    return canonical_from_encoded(
        event_id=event_id, stream_id=stream_id, stream_version=stream_version,
        event_type=event_type, schema_version=schema_version, data_json=dumps(data),
        metadata_json=dumps(metadata), occurred_at=utc_iso(occurred_at),
        recorded_at=utc_iso(recorded_at), correlation_id=correlation_id,
    )


def canonical_from_encoded(
    *,
    event_id: str,
    stream_id: str,
    stream_version: int,
    event_type: str,
    schema_version: int,
    data_json: str,
    metadata_json: str,
    occurred_at: str,
    recorded_at: str,
    correlation_id: str | None,
) -> bytes:
    """``canonical_bytes`` from parts already encoded, so that the append encodes data and
    metadata once for both the hash and the stored bytes. Keys are written in sorted order,
    which makes the result byte-identical to ``dumps`` of the whole object (a contract test
    holds the two together)."""
    correlation = "null" if correlation_id is None else _quote(correlation_id)
    return (
        f'{{"correlation_id":{correlation},"data":{data_json},'
        f'"event_id":{_quote(event_id)},"event_type":{_quote(event_type)},'
        f'"metadata":{metadata_json},"occurred_at":"{occurred_at}",'
        f'"recorded_at":"{recorded_at}","schema_version":{int(schema_version)},'
        f'"stream_id":{_quote(stream_id)},"stream_version":{int(stream_version)}}}'
    ).encode()


def chain_hash(previous_hash_hex: str, canonical: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(previous_hash_hex) + canonical).hexdigest()


def _plain(value: Any) -> bool:
    """The fast, exact-type check behind check_json; False sends it to the slow one."""
    kind = type(value)
    if kind is str:
        return "\x00" not in value
    if kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or "\x00" in key or not _plain(item):
                return False
        return True
    if kind is list:
        return all(_plain(item) for item in value)
    return False


def check_json(value: Any, where: str = "value") -> None:
    """Raise ValueError unless ``value`` round-trips exactly through jsonb (see module doc)."""
    if _plain(value):
        return
    _explain(value, where)


def _explain(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{where}: NUL characters cannot be stored in jsonb")
        return
    if isinstance(value, float):
        raise ValueError(f"{where}: floats do not round-trip through jsonb; use int or str")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} is not a string")
            _explain(key, where)
            _explain(item, f"{where}.{key}")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _explain(item, f"{where}[{index}]")
        return
    raise ValueError(f"{where}: {type(value).__name__} is not JSON (use str, int, bool, None, "
                     "list or dict)")
