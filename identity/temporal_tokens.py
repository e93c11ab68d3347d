"""Who may do what on the Temporal frontend: signed JWTs for Temporal's default authorizer and
JWT claim mapper (docker-compose.yml). mTLS decides who may connect; these decide what each
caller may do once connected. The worker and the API may run plans' workflows in their
namespace (writer); a reader token only looks (an operator's `temporal workflow list`, which
cannot terminate a plan); only the admin tools' token is a system administrator.

RS256 with a key pair made here: the server fetches the public half as a JWKS document (RFC
7517) over HTTP; the private half stays with the operator, outside every container, to mint
new tokens before these expire."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ISSUER = "nhansu-deploy"
PERMISSIONS_CLAIM = "permissions"  # TEMPORAL_JWT_PERMISSIONS_CLAIM in docker-compose.yml


@dataclass(frozen=True, kw_only=True)
class Caller:
    """One caller of the frontend and what it may do (``{namespace}`` is filled in)."""

    name: str
    permissions: tuple[str, ...]


CALLERS = (
    Caller(name="nhansu-worker", permissions=("{namespace}:writer",)),
    Caller(name="nhansu-api", permissions=("{namespace}:writer",)),
    Caller(name="temporal-reader", permissions=("{namespace}:reader",)),
    Caller(name="temporal-admin", permissions=("temporal-system:admin",)),
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def new_signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def key_id(key: rsa.RSAPublicKey) -> str:
    """The RFC 7638 thumbprint of the public key: the same key always has the same id."""
    numbers = key.public_numbers()
    canonical = json.dumps({"e": _uint(numbers.e), "kty": "RSA", "n": _uint(numbers.n)},
                           separators=(",", ":"), sort_keys=True).encode()
    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical)
    return _b64url(digest.finalize())


def jwks(key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The JWKS document the Temporal server reads (TEMPORAL_JWT_KEY_SOURCE1)."""
    numbers = key.public_numbers()
    return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": key_id(key),
                      "n": _uint(numbers.n), "e": _uint(numbers.e)}]}


def mint(key: rsa.RSAPrivateKey, caller: Caller, *, namespace: str, issued_at: datetime,
         valid_for: timedelta) -> str:
    """A compact JWS (RS256) with the caller's permissions in ``namespace``."""
    header = {"alg": "RS256", "typ": "JWT", "kid": key_id(key.public_key())}
    claims = {"iss": ISSUER, "sub": caller.name, "iat": int(issued_at.timestamp()),
              "exp": int((issued_at + valid_for).timestamp()),
              PERMISSIONS_CLAIM: [p.format(namespace=namespace) for p in caller.permissions]}
    signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode())
                             for part in (header, claims))
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the signing key is not an RSA key")
    return key
