"""Secrets and their rules: argon2id password hashes, API tokens, session ids, CSRF tokens, and
the login rate limit. Stored only as hashes or digests (``identity.tables``); never in an event.

- Passwords: at least 12 characters (at most 1,024), NFC-normalised before hashing (Vietnamese
  typed on different keyboards comes composed or decomposed), hashed with argon2id.
- API tokens: ``nhs_`` + 32 random bytes, URL-safe base64; shown once; stored as their SHA-256;
  the stored digest is compared with ``hmac.compare_digest``; 90 days by default; revocable.
- Web sessions: a random 32-byte id (the cookie value), stored as its SHA-256; 8 hours idle,
  24 hours at most; a CSRF token of their own.
- Login rate limit: 5 failures for one login, or 20 from one source, within 15 minutes refuse
  further attempts for 15 minutes from the failure that reached the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "nhs_"
TOKEN_BYTES = 32
TOKEN_LIFETIME = timedelta(days=90)
SESSION_BYTES = 32
SESSION_IDLE = timedelta(hours=8)
SESSION_ABSOLUTE = timedelta(hours=24)


@dataclass(frozen=True)
class RateLimit:
    per_login: int = 5
    per_source: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


RATE_LIMIT = RateLimit()


# --- passwords ------------------------------------------------------------------------------
def password_problem(password: str) -> tuple[str, str] | None:
    """(rule, Vietnamese message) of what makes ``password`` unacceptable, or None."""
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_PASSWORD_LENGTH:
        return "too_short", (f"mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự "
                             f"(mật khẩu này có {length})")
    if length > MAX_PASSWORD_LENGTH:
        return "too_long", f"mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự"
    if not password.strip():
        return "blank", "mật khẩu không được chỉ gồm khoảng trắng"
    return None


class Passwords:
    """argon2id hashing. The defaults are argon2-cffi's (RFC 9106 low-memory profile: 64 MiB,
    3 passes); tests may pass cheaper parameters."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher(type=Type.ID)
        # Verified against when the login is unknown, so that an unknown login costs as much
        # time as a wrong password.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(_normal(password))

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored_hash``; False for no hash (after spending the
        time of a verification all the same)."""
        try:
            return self._hasher.verify(stored_hash or self._decoy, _normal(password)) and (
                stored_hash is not None)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


def _normal(password: str) -> str:
    return unicodedata.normalize("NFC", password)


# --- tokens, sessions, CSRF -----------------------------------------------------------------
def digest(secret: str) -> bytes:
    """The SHA-256 a secret is stored as."""
    return hashlib.sha256(secret.encode("utf-8")).digest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def looks_like_token(text: str) -> bool:
    return text.startswith(TOKEN_PREFIX) and 40 <= len(text) <= 64 and text.isascii()


def new_token_id() -> str:
    return "tok_" + secrets.token_hex(8)


def matches(stored_digest: bytes, presented: str) -> bool:
    """Whether ``presented`` is the secret whose digest is stored: compared in constant time."""
    return hmac.compare_digest(stored_digest, digest(presented))


def new_session_id() -> str:
    return secrets.token_urlsafe(SESSION_BYTES)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_text(expected: str, presented: str | None) -> bool:
    """Constant-time comparison of two texts (a CSRF token against the session's)."""
    if presented is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), presented.encode("utf-8"))


# --- the rate limit -------------------------------------------------------------------------
def locked_until(failures: Sequence[datetime], limit: int, rule: RateLimit,
                 now: datetime) -> datetime | None:
    """Until when attempts are refused, given the times of recent failures (any order): each
    time ``limit`` failures fall within ``rule.window``, attempts are refused for
    ``rule.lockout`` from the last of them. None when not refused at ``now``."""
    times = sorted(failures)
    until: datetime | None = None
    for last in range(limit - 1, len(times)):
        if times[last] - times[last - limit + 1] <= rule.window:
            ends = times[last] + rule.lockout
            if ends > now and (until is None or ends > until):
                until = ends
    return until
