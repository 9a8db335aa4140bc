"""The production profile's settings (tools/prod.py), short of starting it: what it
refuses, what each process is told, and that no secret reaches the written file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.prod import ProfileError, process_environment, profile_from, supervisord_conf

ENV = {
    "BDHVS_DATABASE_URL": "postgresql+psycopg://bdhvs:app-pass@db.internal:5433/bdhvs",
    "BDHVS_TRACKER_DATABASE_URL": "postgresql+psycopg://rasa:tracker%25pass@db.internal:5433/rasa",
    "BDHVS_REDIS_URL": "redis://cache.internal:6380/2",
    "BDHVS_PSEUDONYM_KEY": "a-secret-pseudonym-key",
    "BDHVS_RASA_INSTANCES": "3",
    "BDHVS_RASA_BASE_PORT": "6000",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"BDHVS_REDIS_URL": ""}, "BDHVS_REDIS_URL"),
        ({"BDHVS_DATABASE_URL": "sqlite:///var/x.sqlite3"}, "PostgreSQL"),
        ({"BDHVS_TRACKER_DATABASE_URL": ""}, "BDHVS_TRACKER_DATABASE_URL"),
    ],
)
def test_the_profile_refuses_to_start_without_its_services(
    change: dict[str, str], message: str
) -> None:
    env = {**ENV, **change}
    with pytest.raises(ProfileError, match=message):
        process_environment(env, profile_from(env))


@pytest.mark.parametrize("bad", ["two", "0"])
def test_a_wrong_count_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ProfileError, match="BDHVS_API_WORKERS"):
        profile_from({**ENV, "BDHVS_API_WORKERS": bad})


def test_each_side_is_told_the_instances_and_the_stores() -> None:
    profile = profile_from(ENV)
    env = process_environment(ENV, profile)
    assert env["BDHVS_RASA_URL"] == (
        "http://127.0.0.1:6000,http://127.0.0.1:6001,http://127.0.0.1:6002"
    )
    assert env["BDHVS_BOT_ENDPOINTS"] == "bot/endpoints.production.yml"
    # The gateway's workers hand their webhook replies to the relay program.
    assert env["BDHVS_OUTBOX_RELAY"] == "true"
    tracker = [env[f"BDHVS_TRACKER_{k}"] for k in ("HOST", "PORT", "DB", "USER")]
    assert tracker == ["db.internal", "5433", "rasa", "rasa"]
    redis = [env[f"BDHVS_REDIS_{k}"] for k in ("HOST", "PORT", "DB")]
    assert redis == ["cache.internal", "6380", "2"]


def test_no_tensorflow_setting_makes_rasa_load_tensorflow() -> None:
    # Rasa imports TensorFlow at start as soon as one of these is set.
    env = process_environment(ENV, profile_from(ENV))
    assert "TF_INTRA_OP_PARALLELISM_THREADS" not in env
    assert "TF_INTER_OP_PARALLELISM_THREADS" not in env


def test_the_written_configuration_holds_no_secret_and_every_process(
    tmp_path: Path,
) -> None:
    env = {**ENV, "BDHVS_PROD_DIR": str(tmp_path / "100%")}
    profile = profile_from(env)
    conf = supervisord_conf(profile, tmp_path / "model.tar.gz")
    for secret in ("app-pass", "tracker", "a-secret-pseudonym-key"):
        assert secret not in conf
    programs = [
        line
        for line in conf.splitlines()
        if line.startswith(("[program:", "[fcgi-program:"))
    ]
    assert programs == [
        "[program:rasa-0]",
        "[program:rasa-1]",
        "[program:rasa-2]",
        "[program:actions]",
        "[program:relay]",
        "[fcgi-program:api]",
    ]
    assert "-m api relay" in conf.split("[program:relay]", 1)[1]
    # The gateway's workers serve supervisord's socket, one supervised process each.
    gateway = conf.split("[fcgi-program:api]", 1)[1]
    assert f"socket=tcp://{profile.api_host}:{profile.api_port}" in gateway
    assert f"numprocs={profile.api_workers}" in gateway
    assert "-m api serve --fd 0" in gateway
    assert "process_name=api-%(process_num)d" in gateway
    assert "--port 6002" in conf
    assert "100%%" in conf and "100%/" not in conf  # supervisord would expand a lone %
