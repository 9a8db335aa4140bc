"""What a hostile or careless sender, and a departed staffer, can do: each numbered
point of the security review, through the public interfaces (SQLite and PostgreSQL
where storage is involved)."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.conversation.messages import RATE_LIMITED
from api.core.clock import today_local
from api.core.config import Settings
from api.core.db import utcnow
from api.helper_mode.service import LINK_TOO_MANY
from api.main import _NoSenderIds
from api.querylog.models import Outcome, RejectedCount, Turn
from api.staff.models import Role, StaffUser
from api.staff.security import issue_token
from api.staff.service import create_staff
from tests.api.conftest import TOKEN_SECRET, client_for, logged_turns, staff_token
from tests.api.test_telegram import message_update
from tests.api.test_telegram import post as telegram_post
from tests.api.test_zalo import event, signed
from tests.api.test_zalo import post as zalo_post
from tests.fakes import FakeRasa

HA_TINH = "42"
PASSWORDS = [
    ("mật khẩu của tôi là Abc@12345", "Abc@12345"),
    ("mk: hoa12345", "hoa12345"),
    ("password: Hoa@2024xyz", "Hoa@2024xyz"),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def chat(client: TestClient, text: str, sender: str = "s1") -> Any:
    return client.post("/api/chat", json={"sender": sender, "text": text})


# 1. One long message freezes the gateway ------------------------------------------


def test_oversized_bodies_are_refused_before_they_are_read(
    channel_client: TestClient, seeded_engine: Any
) -> None:
    huge = {"sender": "s1", "text": "a" * 20_000}
    assert channel_client.post("/api/chat", json=huge).status_code == 413
    raw, headers = signed(event(text="x" * 1_000_000))
    response = channel_client.post(
        "/channels/zalo/webhook", content=raw, headers=headers
    )
    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "too_large"
    assert logged_turns(seeded_engine) == []


def test_a_long_channel_message_is_cut_then_masked_and_answered(
    channel_client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    text = ("số của tôi 0912345678 " * 3000) + "mk: hoa12345"
    assert telegram_post(channel_client, message_update(text)).status_code == 200
    [turn] = logged_turns(seeded_engine)
    assert turn.detail == "too_long"
    assert len(turn.text_masked) <= 2002
    assert "0912345678" not in turn.text_masked and "[SĐT]" in turn.text_masked
    assert fake_rasa.received == []


# 2. A deactivated or demoted account keeps its power -----------------------------


def test_deactivating_demoting_or_resetting_ends_the_accounts_tokens(
    client: TestClient,
) -> None:
    admin = staff_token("boss", Role.ADMIN)
    for change in (
        {"active": False},
        {"role": "analyst"},
        {"password": "new-long-password"},
    ):
        victim = staff_token("deputy", Role.ADMIN)
        assert client.get("/api/staff/users", headers=bearer(victim)).status_code == 200
        patched = client.patch(
            "/api/staff/users/deputy", json=change, headers=bearer(admin)
        )
        assert patched.status_code == 200
        assert client.get("/api/staff/turns", headers=bearer(victim)).status_code == 401
        # a deactivated admin cannot create an admin or re-activate itself
        created = client.post(
            "/api/staff/users",
            json={"username": "ghost", "password": "long-password!", "role": "admin"},
            headers=bearer(victim),
        )
        assert created.status_code == 401
        client.patch(
            "/api/staff/users/deputy",
            json={"active": True, "role": "admin"},
            headers=bearer(admin),
        )


def test_a_deactivated_community_member_is_refused_everywhere(
    client: TestClient, seeded_engine: Any
) -> None:
    token = staff_token("member", Role.COMMUNITY)
    assert (
        client.get("/api/staff/places/provinces", headers=bearer(token)).status_code
        == 200
    )
    with Session(seeded_engine) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "member"))
        assert user is not None
        user.active = False
        session.commit()
    assert (
        client.get("/api/staff/places/provinces", headers=bearer(token)).status_code
        == 401
    )


def test_a_token_for_an_account_that_does_not_exist_is_refused(
    client: TestClient,
) -> None:
    forged = issue_token(TOKEN_SECRET, "nobody", "admin", 5, 424242, 0)
    assert client.get("/api/staff/users", headers=bearer(forged)).status_code == 401


# 3. Keys ---------------------------------------------------------------------------


def test_each_installation_gets_its_own_keys_and_production_needs_real_ones(
    tmp_path: Path,
) -> None:
    first = Settings(_env_file=None, environment="development", keys_dir=tmp_path)
    again = Settings(_env_file=None, environment="development", keys_dir=tmp_path)
    other = Settings(_env_file=None, environment="development", keys_dir=tmp_path / "b")
    assert first.token_secret() == again.token_secret()
    assert first.pseudonym_secret() == again.pseudonym_secret()
    assert first.token_secret() != first.pseudonym_secret()
    assert first.token_secret() != other.token_secret()
    assert (tmp_path / "token.key").stat().st_mode & 0o077 == 0
    with pytest.raises(ValueError, match="BDHVS_PSEUDONYM_KEY"):
        Settings(_env_file=None, environment="production", token_key="t" * 32)
    with pytest.raises(ValueError, match="must differ"):
        Settings(
            _env_file=None,
            environment="production",
            token_key="k" * 32,
            pseudonym_key="k" * 32,
        )
    # the key of earlier versions stays the pseudonym key
    legacy = Settings(
        _env_file=None, environment="test", secret_key="old-key", keys_dir=tmp_path
    )
    assert legacy.pseudonym_secret() == "old-key"


def test_rotating_the_token_key_keeps_citizens_pseudonyms(
    settings: Settings, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    fake_rasa.answer("Xin chào!", "greet", 0.99)
    for key in ("first-token-key-0123", "second-token-key-456"):
        with client_for(settings, token_key=key) as client:
            assert chat(client, "chào", "same-citizen").status_code == 200
    first, second = logged_turns(seeded_engine)
    assert first.user_pseudonym == second.user_pseudonym


# 4. Passwords are stored as typed ------------------------------------------------


@pytest.mark.parametrize(("text", "secret"), PASSWORDS)
def test_passwords_never_reach_the_log_or_the_staff(
    channel_client: TestClient,
    fake_rasa: FakeRasa,
    seeded_engine: Any,
    text: str,
    secret: str,
) -> None:
    fake_rasa.answer("Tôi chưa chắc…", "nlu_fallback", 0.2)
    chat(channel_client, text)
    telegram_post(channel_client, message_update(text))
    zalo_post(channel_client, event(text=text))
    analyst = bearer(staff_token("an", Role.ANALYST))
    for path in ("/api/staff/turns", "/api/staff/inbox"):
        body = channel_client.get(path, headers=analyst).text
        assert secret not in body
    assert {t.channel for t in logged_turns(seeded_engine)} >= {"web", "telegram"}
    for turn in logged_turns(seeded_engine):
        assert secret not in (turn.text_masked or "") + (turn.text_words or "")
        assert "[MẬT KHẨU]" in turn.text_masked
    assert all(secret not in str(m) for m in fake_rasa.received)


# 6. CSV formula injection ------------------------------------------------------------


def test_the_csv_export_never_starts_a_cell_with_a_formula(
    client: TestClient, seeded_engine: Any
) -> None:
    formulas = [
        '=HYPERLINK("http://x","bấm")',
        " +1+1",
        "\t-2",
        "@SUM(1)",
        '=DDE("cmd";"/c calc")',
    ]
    with Session(seeded_engine) as session:
        for n, text in enumerate(formulas):
            session.add(
                Turn(
                    channel="web",
                    user_pseudonym=f"p{n}",
                    conversation_id=f"p{n}",
                    text_masked=text,
                    reply_masked="?",
                    intent="nlu_fallback",
                    outcome=Outcome.UNSURE,
                    latency_ms=1,
                    province_code=HA_TINH,
                    created_at=utcnow() - timedelta(minutes=n + 1),
                )
            )
        session.commit()
    day = today_local().isoformat()
    response = client.get(
        "/api/staff/reports/export",
        params={"from": day, "to": day, "province": HA_TINH, "format": "csv"},
        headers=bearer(staff_token("an", Role.ANALYST)),
    )
    assert response.status_code == 200
    cells = [
        c
        for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        for c in row
    ]
    assert any("HYPERLINK" in c for c in cells)
    for cell in cells:
        assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell


# 7. Inputs that gave a 500 and lost the turn ----------------------------------------


@pytest.mark.parametrize("text", ["bị lỗi \ud800 ở đâu", "có ký tự \x00 lạ"])
def test_unstorable_characters_are_answered_and_logged(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any, text: str
) -> None:
    fake_rasa.answer("Tôi chưa chắc…", "nlu_fallback", 0.2)
    response = client.post(
        "/api/chat",
        content=json.dumps({"sender": "s1", "text": text}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    [turn] = logged_turns(seeded_engine)
    assert "\ufffd" in turn.text_masked


def test_bad_tokens_and_bodies_are_4xx(channel_client: TestClient) -> None:
    weird = {"Authorization": b"Bearer t\xe9st"}
    assert channel_client.get("/api/staff/turns", headers=weird).status_code == 401  # type: ignore[arg-type]
    assert (
        channel_client.post(
            "/api/feedback", json={"sender": "s", "turn_id": 10**30, "helpful": True}
        ).status_code
        == 422
    )
    sender_string = {**event(text="chào"), "sender": "not-an-object"}
    assert zalo_post(channel_client, sender_string).status_code == 400
    update = {"update_id": 1, "message": "not-an-object"}
    assert telegram_post(channel_client, update).status_code == 400
    deep = ("[" * 50_000) + ("]" * 50_000)
    response = channel_client.post(
        "/channels/telegram/webhook",
        content=deep,
        headers={"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret"},
    )
    assert response.status_code == 400


def test_rasa_commands_typed_by_a_citizen_are_read_as_text(
    client: TestClient, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    fake_rasa.answer("Tôi chưa chắc…", "nlu_fallback", 0.2)
    assert chat(client, "/restart").status_code == 200
    assert fake_rasa.received[0]["message"] == "restart"
    [turn] = logged_turns(seeded_engine)
    assert turn.outcome is not Outcome.ERROR


# 8. No limit per client address ---------------------------------------------------


def test_one_address_is_limited_whatever_sender_ids_it_uses(
    settings: Settings, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    fake_rasa.answer("Xin chào!", "greet", 0.99)
    with client_for(settings, address_messages_per_minute=3) as client:
        codes = [chat(client, "chào", f"sender-{n}").status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert len(logged_turns(seeded_engine)) == 3
    with Session(seeded_engine) as session:
        counted = session.scalars(select(RejectedCount)).all()
    assert [(r.reason, r.count) for r in counted] == [("address_limit", 2)]


def test_a_flood_from_one_sender_is_counted_not_logged_row_by_row(
    settings: Settings, fake_rasa: FakeRasa, seeded_engine: Any
) -> None:
    fake_rasa.answer("Xin chào!", "greet", 0.99)
    with client_for(settings, rate_limit_messages=2) as client:
        replies = [chat(client, f"câu {n}", "flood").json() for n in range(6)]
    assert [r["messages"][0]["text"] for r in replies[2:]] == [RATE_LIMITED] * 4
    assert len(logged_turns(seeded_engine)) == 3  # two answered, the first refused
    with Session(seeded_engine) as session:
        [counted] = session.scalars(select(RejectedCount)).all()
    assert (counted.reason, counted.count) == ("rate_limited", 3)


# 9. Login throttling and hashing -----------------------------------------------------


def test_login_is_throttled_per_user_and_hashes_are_argon2(
    settings: Settings, seeded_engine: Any
) -> None:
    with Session(seeded_engine) as session:
        create_staff(session, "clerk", "the-right-password", Role.ANALYST)
    with client_for(settings, login_attempts_per_user=3) as client:
        wrong = [
            client.post(
                "/api/staff/login", json={"username": "clerk", "password": f"wrong-{n}"}
            ).status_code
            for n in range(3)
        ]
        right = client.post(
            "/api/staff/login",
            json={"username": "clerk", "password": "the-right-password"},
        )
    assert wrong == [401, 401, 401]
    assert right.status_code == 429
    with Session(seeded_engine) as session:
        stored = session.scalar(
            select(StaffUser.password_hash).where(StaffUser.username == "clerk")
        )
    assert stored is not None and stored.startswith("$argon2id$")


def test_an_old_scrypt_hash_is_replaced_at_login(
    client: TestClient, seeded_engine: Any
) -> None:
    import hashlib

    salt = bytes(16)
    digest = hashlib.scrypt(b"an-old-password", salt=salt, n=2**14, r=8, p=1, dklen=32)
    with Session(seeded_engine) as session:
        session.add(
            StaffUser(
                username="veteran",
                password_hash=f"scrypt${salt.hex()}${digest.hex()}",
                role=Role.ANALYST,
            )
        )
        session.commit()
    response = client.post(
        "/api/staff/login", json={"username": "veteran", "password": "an-old-password"}
    )
    assert response.status_code == 200
    with Session(seeded_engine) as session:
        stored = session.scalar(
            select(StaffUser.password_hash).where(StaffUser.username == "veteran")
        )
    assert stored is not None and stored.startswith("$argon2id$")


# 10. The low ones ------------------------------------------------------------------


def test_api_pages_are_closed_in_production(settings: Settings) -> None:
    with client_for(
        settings,
        environment="production",
        token_key="production-token-key-0001",
        pseudonym_key="production-pseudonym-key-01",
    ) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404


def test_sender_ids_are_kept_out_of_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            "/api/chat/updates?sender=secret-id&after=3",
            "1.1",
            200,
        ),
        None,
    )
    _NoSenderIds().filter(record)
    assert "secret-id" not in record.getMessage()
    assert "after=3" in record.getMessage()


def test_link_codes_cannot_be_guessed_at_leisure(
    client: TestClient, seeded_engine: Any
) -> None:
    replies = [
        chat(client, f"liên kết {100000 + n}", "guesser").json()["messages"][0]["text"]
        for n in range(7)
    ]
    assert replies[-1] == LINK_TOO_MANY
    assert replies[0] != LINK_TOO_MANY
    assert all(
        str(100000 + n) not in t.text_masked
        for n, t in enumerate(logged_turns(seeded_engine))
    )
