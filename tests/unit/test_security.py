"""Password hashing and signed staff tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from api.staff.security import (
    hash_password,
    issue_token,
    needs_rehash,
    read_token,
    verify_password,
)


def test_password_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("mật khẩu đủ dài")
    assert stored.startswith("$argon2id$")
    assert "mật khẩu" not in stored
    assert verify_password("mật khẩu đủ dài", stored)
    assert not verify_password("mat khau du dai", stored)
    assert not verify_password("x", "not-a-hash")
    assert not needs_rehash(stored)


def test_scrypt_hashes_of_earlier_versions_still_verify_and_ask_for_a_rehash() -> None:
    salt = bytes(range(16))
    digest = hashlib.scrypt(b"old password!", salt=salt, n=2**14, r=8, p=1, dklen=32)
    stored = f"scrypt${salt.hex()}${digest.hex()}"
    assert verify_password("old password!", stored)
    assert not verify_password("other password", stored)
    assert needs_rehash(stored)


def test_token_round_trip_and_rejections() -> None:
    token = issue_token("k1", "alice", "analyst", 5, 7, 2)
    claims = read_token("k1", token, 60)
    assert claims is not None
    assert (claims.username, claims.role, claims.user_id, claims.version) == (
        "alice",
        "analyst",
        7,
        2,
    )
    assert read_token("k2", token, 60) is None
    assert read_token("k1", token + "a", 60) is None
    assert read_token("k1", issue_token("k1", "alice", "analyst", -1, 7, 2), 60) is None
    # longer-lived than the settings allow, whatever its signature
    assert (
        read_token("k1", issue_token("k1", "alice", "analyst", 600, 7, 2), 60) is None
    )


def _signed(key: str, claims: object) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    mac = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    return body + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def test_malformed_tokens_are_refused_without_an_exception() -> None:
    now = int(time.time())
    good = {
        "sub": "a",
        "uid": 1,
        "ver": 0,
        "role": "admin",
        "iat": now,
        "exp": now + 60,
    }
    for broken in (
        {k: v for k, v in good.items() if k != "sub"},
        {**good, "exp": "soon"},
        {**good, "uid": "1"},
        {**good, "iat": now + 3600},
        ["not", "an", "object"],
    ):
        assert read_token("k1", _signed("k1", broken), 60) is None
    for text in ("ünïcode.token", "a.b.c", "", ".", "x" * 10_000):
        assert read_token("k1", text, 60) is None
    assert read_token("k1", _signed("k1", good), 60) is not None
