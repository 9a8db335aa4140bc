"""Password hashing and signed staff tokens."""

from __future__ import annotations

from api.staff.security import hash_password, issue_token, read_token, verify_password


def test_password_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("mật khẩu đủ dài")
    assert stored.startswith("scrypt$")
    assert "mật khẩu" not in stored
    assert verify_password("mật khẩu đủ dài", stored)
    assert not verify_password("mat khau du dai", stored)
    assert not verify_password("x", "not-a-hash")


def test_token_round_trip_and_rejections() -> None:
    token = issue_token("k1", "alice", "analyst", 5)
    claims = read_token("k1", token)
    assert claims is not None
    assert (claims.username, claims.role) == ("alice", "analyst")
    assert read_token("k2", token) is None
    assert read_token("k1", token + "a") is None
    assert read_token("k1", issue_token("k1", "alice", "analyst", -1)) is None
