from __future__ import annotations

import json
from pathlib import Path

import pytest

from zoom_client.config import (
    DEFAULT_API_BASE,
    DEFAULT_OAUTH_URL,
    AccountCategory,
    ConfigError,
    ZoomConfig,
    config_from_dict,
    env_var_name,
    load_config,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "zoom.example.json"


def test_example_config_loads_with_secrets_from_environment():
    env = {
        "VICON_ZOOM_KOMINFO_CLIENT_SECRET": "from-env-1",
        "VICON_ZOOM_SETDA_CLIENT_SECRET": "from-env-2",
    }
    cfg = load_config(EXAMPLE, env=env)
    kominfo = cfg.account("kominfo")
    assert kominfo.client_secret.get_secret_value() == "from-env-1"
    assert kominfo.category is AccountCategory.BUSINESS
    assert kominfo.api_base == DEFAULT_API_BASE and kominfo.oauth_url == DEFAULT_OAUTH_URL
    assert cfg.account("setda").category is AccountCategory.PRO


def test_example_file_holds_no_real_secret():
    data = json.loads(EXAMPLE.read_text())
    for acc in data["accounts"]:
        assert "client_secret" not in acc or "example" in acc["client_secret"].lower()


def test_environment_overrides_file_values():
    data = {"accounts": [{"name": "kab-bogor", "account_id": "a", "client_id": "c", "client_secret": "file"}]}
    assert env_var_name("kab-bogor", "client_secret") == "VICON_ZOOM_KAB_BOGOR_CLIENT_SECRET"
    cfg = config_from_dict(
        data, env={"VICON_ZOOM_KAB_BOGOR_CLIENT_SECRET": "env", "VICON_ZOOM_KAB_BOGOR_ACCOUNT_ID": "b"}
    )
    acc = cfg.account()
    assert acc.client_secret.get_secret_value() == "env" and acc.account_id == "b"


def test_missing_secret_is_a_clear_error_that_echoes_no_values():
    data = {"accounts": [{"name": "x", "account_id": "a", "client_id": "supersecretid"}]}
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, env={})
    assert "client_secret" in str(info.value)
    assert "supersecretid" not in str(info.value)


def test_bad_values_do_not_leak_secret_in_message():
    data = {
        "accounts": [
            {"name": "x", "account_id": "a", "client_id": "c", "client_secret": "TOPSECRET", "api_base": "ftp://nope"}
        ]
    }
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, env={})
    assert "api_base" in str(info.value) and "TOPSECRET" not in str(info.value)


def test_duplicate_names_and_account_selection():
    acc = {"account_id": "a", "client_id": "c", "client_secret": "s"}
    with pytest.raises(ConfigError, match="duplicate"):
        config_from_dict({"accounts": [{"name": "a", **acc}, {"name": "a", **acc}]}, env={})
    cfg = config_from_dict({"accounts": [{"name": "a", **acc}, {"name": "b", **acc}]}, env={})
    assert cfg.account("b").name == "b"
    with pytest.raises(ConfigError, match="choose one of: a, b"):
        cfg.account()
    with pytest.raises(ConfigError, match="no Zoom account named 'z'"):
        cfg.account("z")


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(bad)
    bad.write_text("[]")
    with pytest.raises(ConfigError, match="JSON object"):
        load_config(bad)
    with pytest.raises(ConfigError, match="accounts"):
        config_from_dict({}, env={})


def test_repr_hides_secrets_and_trailing_slashes_are_trimmed():
    cfg = config_from_dict(
        {
            "accounts": [
                {
                    "name": "a",
                    "account_id": "a",
                    "client_id": "c",
                    "client_secret": "HIDDEN-VALUE",
                    "webhook_secret": "WEBHOOK-HIDDEN",
                    "api_base": "http://127.0.0.1:9/v2/",
                }
            ]
        },
        env={},
    )
    text = repr(cfg) + str(cfg) + cfg.model_dump_json()
    assert "HIDDEN-VALUE" not in text and "WEBHOOK-HIDDEN" not in text
    assert cfg.account().api_base == "http://127.0.0.1:9/v2"
    assert cfg.account().timeout == (5.0, 30.0)
    assert isinstance(cfg, ZoomConfig)
