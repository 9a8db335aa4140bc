"""Password hashing (argon2id) and short-lived signed bearer tokens (HMAC-SHA256).

A token names the account and the account's token version; the gateway checks both
against the database on every request, so deactivating, demoting, re-scoping or
resetting the password of an account (each bumps the version) ends its tokens at
once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the library's current parameters (RFC 9106 low-memory profile);
# they are stored in each hash, so raising them later re-hashes at the next login.
_HASHER = PasswordHasher()
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
# Verified instead of a real hash when the user does not exist, so that a login
# takes as long whether the name is known or not.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
# Tokens older than their lifetime plus this are refused whatever their expiry says.
CLOCK_SKEW_SECONDS = 60


def hash_password(password: str) -> str:
    """An argon2id hash with its salt and parameters (PHC string)."""
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a stored hash (argon2id, or the
    scrypt hashes written before it)."""
    if stored.startswith("scrypt$"):
        try:
            _, salt_hex, digest_hex = stored.split("$")
            digest = hashlib.scrypt(
                password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT
            )
        except ValueError:
            return False
        return hmac.compare_digest(digest.hex(), digest_hex)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def waste_a_verification(password: str) -> None:
    """Spends the time of one verification (for an unknown user name)."""
    verify_password(password, _DUMMY_HASH)


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with another scheme or weaker parameters."""
    if not stored.startswith("$argon2"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenClaims:
    """Who a token was issued to, and until when."""

    username: str
    role: str
    expires_at: int
    user_id: int = 0
    version: int = 0


def _sign(key: str, body: str) -> str:
    return _b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())


def issue_token(
    key: str, username: str, role: str, minutes: int, user_id: int, version: int
) -> str:
    """A signed token for the account ``user_id`` at token ``version``."""
    now = int(time.time())
    claims = {
        "sub": username,
        "uid": user_id,
        "ver": version,
        "role": role,
        "iat": now,
        "exp": now + minutes * 60,
    }
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{body}.{_sign(key, body)}"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_token(key: str, token: str, max_minutes: int) -> TokenClaims | None:
    """Claims of a well-formed, correctly signed, unexpired token no longer-lived
    than ``max_minutes``; None for anything else (never an exception)."""
    if not token.isascii() or token.count(".") != 1:
        return None
    body, signature = token.split(".")
    if not hmac.compare_digest(signature.encode(), _sign(key, body).encode()):
        return None
    try:
        claims = json.loads(_unb64(body))
    except (ValueError, RecursionError):
        return None
    if not isinstance(claims, dict):
        return None
    sub, role = claims.get("sub"), claims.get("role")
    uid, ver = _int(claims.get("uid")), _int(claims.get("ver"))
    iat, exp = _int(claims.get("iat")), _int(claims.get("exp"))
    if not (isinstance(sub, str) and isinstance(role, str)) or None in (
        uid,
        ver,
        iat,
        exp,
    ):
        return None
    assert uid is not None and ver is not None and iat is not None and exp is not None
    now = time.time()
    if exp < now or iat > now + CLOCK_SKEW_SECONDS:
        return None
    if exp - iat > max_minutes * 60 + CLOCK_SKEW_SECONDS:
        return None
    return TokenClaims(sub, role, exp, uid, ver)
