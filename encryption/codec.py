"""AES-256-GCM payload codec: candidates' personal data never sits in Temporal in clear.

Workflow ids, search attributes and type names are not payloads and are never encrypted,
which is why no name or personal detail is ever put in them.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
NONCE_BYTES = 12


class PayloadKeyError(ValueError):
    pass


def parse_keys(spec: str) -> dict[str, bytes]:
    """"id:base64key[,id:base64key]" -> ordered {id: key}; the first one encrypts."""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id:
            raise PayloadKeyError("NHANSU_PAYLOAD_KEYS: each key is written id:base64key")
        key = base64.b64decode(encoded)
        if len(key) != 32:
            raise PayloadKeyError(f"NHANSU_PAYLOAD_KEYS: key {key_id} is not 32 bytes")
        keys[key_id] = key
    if not keys:
        raise PayloadKeyError("NHANSU_PAYLOAD_KEYS: no key given")
    return keys


def new_key_spec(key_id: str = "k1") -> str:
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes]) -> None:
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = next(iter(keys))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(self._decrypt_all(payloads))

    def _encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self._current].encrypt(nonce, payload.SerializeToString(), None)
        return Payload(
            metadata={"encoding": ENCODING, "encryption-key-id": self._current.encode()},
            data=nonce + sealed,
        )

    def _decrypt_all(self, payloads: Iterable[Payload]) -> Iterable[Payload]:
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                yield payload  # written before encryption, or by another codec
                continue
            key_id = payload.metadata.get("encryption-key-id", b"").decode()
            aead = self._keys.get(key_id)
            if aead is None:
                raise PayloadKeyError(f"payload encrypted with unknown key {key_id!r}")
            plain = aead.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], None)
            yield Payload.FromString(plain)
