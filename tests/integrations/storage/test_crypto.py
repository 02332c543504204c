"""Secret encryption: key lists, development key file, rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from integrations.config import load_settings
from integrations.errors import ConfigError
from integrations.storage.crypto import SecretBox, generate_key, load_keys


def test_round_trip() -> None:
    """What is encrypted decrypts to the same text, and the token hides it."""
    box = SecretBox([generate_key()])
    token = box.encrypt("sk_live_abcdef")
    assert "sk_live_abcdef" not in token
    assert box.decrypt(token) == "sk_live_abcdef"
    assert box.decrypt_json(box.encrypt_json({"api_key": "v"})) == {"api_key": "v"}


def test_old_key_still_decrypts_and_rotate_moves_to_new() -> None:
    """With [new, old], old tokens decrypt; rotate re-encrypts under the new key alone."""
    old, new = generate_key(), generate_key()
    token = SecretBox([old]).encrypt("value")
    both = SecretBox([new, old])
    assert both.decrypt(token) == "value"
    assert SecretBox([new]).decrypt(both.rotate(token)) == "value"


def test_wrong_key_is_a_clear_error() -> None:
    """A token no configured key opens raises ConfigError, not a library exception."""
    token = SecretBox([generate_key()]).encrypt("value")
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        SecretBox([generate_key()]).decrypt(token)
    with pytest.raises(ConfigError):
        SecretBox([generate_key()]).rotate(token)


def test_development_key_is_generated_once(tmp_path: Path) -> None:
    """Without a key outside production a private key file is made and reused."""
    settings = load_settings(var_dir=tmp_path / "var")
    first = load_keys(settings)
    path = tmp_path / "var" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(settings) == first
    Fernet(first[0].encode())


def test_configured_keys_in_order() -> None:
    """Configured keys are used newest first."""
    a, b = generate_key(), generate_key()
    assert load_keys(load_settings(secret_key=f"{a}, {b}")) == [a, b]


def test_no_key_in_production_is_refused(tmp_path: Path) -> None:
    """Production never falls back to a generated key."""
    settings = load_settings(
        secret_key=generate_key(), env="production", admin_token="a1" * 15, var_dir=tmp_path
    )
    object.__setattr__(settings, "secret_key", None)
    with pytest.raises(ConfigError, match="required in production"):
        load_keys(settings)


def test_empty_key_list_refused() -> None:
    """A box needs at least one key."""
    with pytest.raises(ConfigError):
        SecretBox([])
