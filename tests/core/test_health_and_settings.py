"""/healthz, and the environment-driven settings (tongxin/settings.py, tongxin/env.py)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.db import OperationalError, connections
from django.test import override_settings

from tongxin.env import ConfigError, env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


# --- /healthz -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client):
    # Fault injection: the database connection of this thread refuses to give a cursor.
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("server closed")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "error: OperationalError"}}


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_redis_does_not_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "error: ConnectionError"


@pytest.mark.django_db
def test_healthz_accepts_only_get(client):
    assert client.post("/healthz").status_code == 405


# --- production settings, in a subprocess with a clean environment -------------------------


def production_env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TONGXIN_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "ALLOWED_HOSTS": "tongxin.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "TONGXIN_DATA_DIR": str(tmp_path / "data"),
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    assert len(production_env(tmp_path)["SECRET_KEY"]) == 60

    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output
    assert "?:" not in output  # no check message of any level


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"SECRET_KEY": None}, "environment variable SECRET_KEY is required"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 characters in production"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is required in production"),
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS is required in production"),
        ({"DATABASE_URL": None}, "environment variable DATABASE_URL is required"),
        ({"TONGXIN_ENV": "prod"}, "TONGXIN_ENV must be development, test or production, got 'prod'"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean (true/false), got 'maybe'"),
    ],
    ids=[
        "no-secret-key",
        "short-secret-key",
        "no-allowed-hosts",
        "no-encryption-key",
        "no-database",
        "bad-env",
        "bad-debug",
    ],
)
def test_production_settings_refuse_to_import_without_their_secrets(tmp_path, changes, message):
    result = run_python(["-c", "import tongxin.settings"], production_env(tmp_path, **changes))

    assert result.returncode != 0
    assert f"tongxin.env.ConfigError: {message}" in result.stderr


def test_production_settings_import_with_everything_set(tmp_path):
    code = "import tongxin.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)"

    result = run_python(["-c", code], production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['tongxin.example.cn'] True True"


# --- the helpers of tongxin/env.py ---------------------------------------------------------


@pytest.mark.parametrize("raw", ["maybe", "2", "ja", "truee"])
def test_env_bool_rejects_values_that_are_not_booleans(monkeypatch, raw):
    monkeypatch.setenv("TX_FLAG", raw)

    with pytest.raises(ConfigError, match=r"TX_FLAG must be a boolean"):
        env_bool("TX_FLAG", False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("TX_FLAG", raw)

    assert env_bool("TX_FLAG", not expected) is expected


def test_env_bool_and_int_take_the_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("TX_UNSET", raising=False)
    monkeypatch.setenv("TX_EMPTY", "")

    assert env_bool("TX_UNSET", True) is True
    assert env_bool("TX_EMPTY", False) is False
    assert env_int("TX_UNSET", 7) == 7
    assert env_int("TX_EMPTY", 7) == 7


@pytest.mark.parametrize("raw", ["ten", "1.5", "0x10", "3 days"])
def test_env_int_rejects_values_that_are_not_integers(monkeypatch, raw):
    monkeypatch.setenv("TX_NUMBER", raw)

    with pytest.raises(ConfigError, match=r"TX_NUMBER must be an integer"):
        env_int("TX_NUMBER", 3)


def test_env_int_rejects_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("TX_NUMBER", "299")

    with pytest.raises(ConfigError, match=r"TX_NUMBER must be ≥ 300, got 299"):
        env_int("TX_NUMBER", 3600, minimum=300)

    monkeypatch.setenv("TX_NUMBER", "300")
    assert env_int("TX_NUMBER", 3600, minimum=300) == 300


def test_env_str_requires_a_value_when_there_is_no_default(monkeypatch):
    monkeypatch.delenv("TX_SECRET", raising=False)
    with pytest.raises(ConfigError, match=r"environment variable TX_SECRET is required"):
        env_str("TX_SECRET")

    monkeypatch.setenv("TX_SECRET", "")
    with pytest.raises(ConfigError, match=r"environment variable TX_SECRET is required"):
        env_str("TX_SECRET")

    monkeypatch.setenv("TX_SECRET", "s3cret")
    assert env_str("TX_SECRET") == "s3cret"


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("TX_HOSTS", " a.example.cn, ,b.example.cn ,")
    assert env_list("TX_HOSTS", ["default"]) == ["a.example.cn", "b.example.cn"]

    monkeypatch.setenv("TX_HOSTS", "  ")
    default = ["default"]
    result = env_list("TX_HOSTS", default)
    assert result == ["default"]
    assert result is not default  # callers may append without changing the default
