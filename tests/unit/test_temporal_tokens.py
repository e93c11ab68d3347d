"""The tokens for Temporal's authorizer: each caller gets exactly its permissions, signed by
the key the JWKS publishes, and a token altered, signed by another key or expired is refused
as the server would refuse it. The command never replaces a signing key in use."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from application.errors import Rejected
from application.operations import issue_temporal_tokens
from identity import temporal_tokens as tt

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def read_verified(token: str, document: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """The claims of ``token`` if a key of ``document`` signed it and it has not expired, as
    the Temporal server checks it (written here apart from the minting); ValueError otherwise."""
    try:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(_b64url_decode(header_b64))
        claims: dict[str, Any] = json.loads(_b64url_decode(claims_b64))
    except ValueError as exc:
        raise ValueError("not a compact JWS") from exc
    found = [k for k in document["keys"] if k["kid"] == header.get("kid")]
    if header.get("alg") != "RS256" or not found:
        raise ValueError("no key in the JWKS for this token")
    public = rsa.RSAPublicNumbers(
        int.from_bytes(_b64url_decode(found[0]["e"]), "big"),
        int.from_bytes(_b64url_decode(found[0]["n"]), "big")).public_key()
    try:
        public.verify(_b64url_decode(signature_b64), f"{header_b64}.{claims_b64}".encode(),
                      padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise ValueError("bad signature") from exc
    if claims["exp"] <= now.timestamp():
        raise ValueError("expired")
    return claims


def test_each_caller_gets_only_its_permissions_signed_by_the_published_key(
        tmp_path: Path) -> None:
    issued = issue_temporal_tokens(tmp_path / "certs", namespace="nhansu", now=NOW,
                                   valid_for=timedelta(days=30))
    document = json.loads(Path(issued.jwks).read_text())
    assert [k["kty"] for k in document["keys"]] == ["RSA"]
    assert "d" not in document["keys"][0]  # the private exponent never reaches the JWKS
    permissions = {caller: read_verified(Path(path).read_text(), document,
                                            now=NOW)["permissions"]
                   for caller, path in issued.tokens.items()}
    assert permissions == {"nhansu-worker": ["nhansu:writer"], "nhansu-api": ["nhansu:writer"],
                           "temporal-reader": ["nhansu:reader"],
                           "temporal-admin": ["temporal-system:admin"]}
    key = tmp_path / "certs" / "temporal-jwt.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert all(Path(p).stat().st_mode & 0o007 == 0 for p in issued.tokens.values())
    assert Path(issued.jwks).stat().st_mode & 0o777 == 0o644  # served to the Temporal server


def test_altered_foreign_and_expired_tokens_are_refused(tmp_path: Path) -> None:
    key, other = tt.new_signing_key(), tt.new_signing_key()
    document = tt.jwks(key.public_key())
    ui = tt.CALLERS[2]
    token = tt.mint(key, ui, namespace="default", issued_at=NOW, valid_for=timedelta(days=1))
    assert read_verified(token, document, now=NOW)["sub"] == "temporal-reader"
    head, claims, signature = token.split(".")
    raised = json.loads(_b64url_decode(claims))
    raised["permissions"] = ["temporal-system:admin"]
    forged = ".".join([head, tt._b64url(json.dumps(raised).encode()), signature])
    foreign = tt.mint(other, ui, namespace="default", issued_at=NOW, valid_for=timedelta(days=1))
    for bad, why in ((forged, "bad signature"), (foreign, "no key in the JWKS for this token"),
                     (token, "expired"), ("abc", "not a compact JWS")):
        when = NOW + timedelta(days=2) if bad is token else NOW
        with pytest.raises(ValueError, match=why):
            read_verified(bad, document, now=when)


def test_an_existing_signing_key_is_kept_and_renewal_reuses_it(tmp_path: Path) -> None:
    first = issue_temporal_tokens(tmp_path, namespace="default", now=NOW,
                                  valid_for=timedelta(days=1))
    key_before = (tmp_path / "temporal-jwt.key").read_bytes()
    worker_before = Path(first.tokens["nhansu-worker"]).read_text()
    with pytest.raises(Rejected) as refused:
        issue_temporal_tokens(tmp_path, namespace="default", now=NOW,
                              valid_for=timedelta(days=1))
    assert [(v.field, v.rule) for v in refused.value.violations] == [("directory",
                                                                      "no_signing_key")]
    assert (tmp_path / "temporal-jwt.key").read_bytes() == key_before  # nothing replaced
    assert Path(first.tokens["nhansu-worker"]).read_text() == worker_before
    later = NOW + timedelta(hours=20)
    renewed = issue_temporal_tokens(tmp_path, namespace="default", now=later,
                                    valid_for=timedelta(days=1), renew=True)
    assert (tmp_path / "temporal-jwt.key").read_bytes() == key_before
    document = json.loads(Path(renewed.jwks).read_text())
    claims = read_verified(Path(renewed.tokens["nhansu-worker"]).read_text(), document,
                              now=NOW + timedelta(days=1, hours=1))  # the old one had expired
    assert claims["permissions"] == ["default:writer"]
