"""Salted commitments to an event's personal fields, so that an export can leave them out and
still verify. Standard library only: the offline verifier re-implements the same rule
(audit/spec.py), and audit/README.md writes it out for an auditor.

An event appended with ``private_fields`` (the domain names them: a candidate's identity, the
text of an appraisal finding, the reason for a withdrawal) is hashed and stored in two parts:

- ``data``: the event's data without those fields, plus ``"_commitments"``: for each such
  field, ``SHA-256("nhansu.commitment/v1\\n" || salt (16 bytes) || canonical JSON of the
  value)`` in hex. These are the bytes the event's hash covers, as for any other event.
- ``openings``: for each such field, its ``salt`` (hex) and its ``value``: kept in its own
  column, outside the hash, and checked against the commitment by every verification.

A reader gets the data with the values put back (``opened``). An export for a reader outside
the plan's scope carries ``data`` with its commitments and no openings: the hash chain, the
ledger and the inclusion proofs verify as they do for everyone, and the personal values are
not there. The salt is random and secret with the value: without it, a commitment to a birth
date could be found by trying every date.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eventstore.hashing import dumps

#: The key, in the hashed data, of the commitments to the fields left out of it.
COMMITMENTS = "_commitments"
_DOMAIN = b"nhansu.commitment/v1\n"
SALT_BYTES = 16


def commitment(salt_hex: str, value: Any) -> str:
    """The commitment to ``value`` under ``salt_hex`` (32 hex digits), in hex."""
    return hashlib.sha256(_DOMAIN + bytes.fromhex(salt_hex) + dumps(value).encode()).hexdigest()


def seal(data: Mapping[str, Any], fields: Sequence[str], *,
         salt: Callable[[], bytes] = lambda: secrets.token_bytes(SALT_BYTES)
         ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``data`` as hashed (the ``fields`` it has replaced by their commitments) and the
    openings of those fields; ``(data, None)`` when it has none of them."""
    present = [f for f in fields if f in data]
    if not present:
        return dict(data), None
    hashed = {k: v for k, v in data.items() if k not in present}
    openings: dict[str, Any] = {}
    commitments: dict[str, str] = {}
    for name in present:
        salt_hex = salt().hex()
        openings[name] = {"salt": salt_hex, "value": data[name]}
        commitments[name] = commitment(salt_hex, data[name])
    hashed[COMMITMENTS] = commitments
    return hashed, openings


def opened(hashed: Any, openings: Any) -> Any:
    """The data a reader sees: the hashed data with the opened values put back. Unchecked
    (an opening altered behind the store's back is read as it is): verification checks every
    opening (``opening_problems``). Anything but an object is left as it is."""
    if not isinstance(openings, dict) or not openings or not isinstance(hashed, dict):
        return hashed
    data = {k: v for k, v in hashed.items() if k != COMMITMENTS}
    for name, opening in openings.items():
        if isinstance(opening, dict) and "value" in opening:
            data[name] = opening["value"]
    return data


def hashed_form(data: Any, openings: Any) -> Any:
    """The hashed data of an event read back (``opened`` undone), from its openings. An
    opening that is not a salt and a value gives an empty commitment, which no hash matches."""
    if not isinstance(openings, dict) or not openings or not isinstance(data, dict):
        return data
    hashed = {k: v for k, v in data.items() if k not in openings}
    commitments = {}
    for name, o in openings.items():
        try:
            commitments[name] = commitment(o["salt"], o["value"])
        except (KeyError, TypeError, ValueError):
            commitments[name] = ""
    hashed[COMMITMENTS] = commitments
    return hashed


def opening_problems(hashed: Any, openings: Any) -> list[str]:
    """What is wrong with the stored ``openings`` (a document, or None) for the hashed data
    ``hashed``: an opening whose value is not the committed one, an opening of nothing
    committed, a commitment with no opening. Empty: they agree. (An export that leaves values
    out on purpose is checked by the auditor's rule, audit/spec.py.)"""
    committed = hashed.get(COMMITMENTS) if isinstance(hashed, dict) else None
    if committed is None and openings is None:
        return []
    if committed is not None and not (
            isinstance(committed, dict) and committed
            and all(isinstance(v, str) for v in committed.values())):
        return [f"{COMMITMENTS} is not an object of hex commitments"]
    if openings is None:
        return [f"no opening for the committed fields {sorted(committed or ())}"]
    if not isinstance(openings, dict):
        return ["the openings are not an object"]
    problems = []
    for name in sorted(openings):
        opening = openings[name]
        if committed is None or name not in committed:
            problems.append(f"an opening of {name!r}, which is not committed")
            continue
        salt = opening.get("salt") if isinstance(opening, dict) else None
        if (not isinstance(opening, dict) or set(opening) != {"salt", "value"}
                or not isinstance(salt, str) or len(salt) != 2 * SALT_BYTES):
            problems.append(f"the opening of {name!r} is not a salt and a value")
            continue
        try:
            agrees = commitment(salt, opening["value"]) == committed[name]
        except (ValueError, TypeError):
            agrees = False
        if not agrees:
            problems.append(f"the value of {name!r} is not the one committed to")
    missing = sorted(set(committed or ()) - set(openings))
    if missing:
        problems.append(f"no opening for the committed fields {missing}")
    return problems


#: Stored data that holds commitments contains these bytes (the key as canonical JSON writes
#: it): rows without them and without openings need no further check.
COMMITMENTS_MARK = f'"{COMMITMENTS}":'.encode()


def stored_opening_problems(data: bytes, openings: bytes | None) -> list[str]:
    """``opening_problems`` for a stored row: its data and openings as stored bytes. Rows
    with neither commitments nor openings (most) cost one substring search."""
    if openings is None and COMMITMENTS_MARK not in data:
        return []
    try:
        hashed = json.loads(data)
        opening = None if openings is None else json.loads(openings)
    except ValueError:
        return ["the data or the openings are not JSON"]
    return opening_problems(hashed, opening)
