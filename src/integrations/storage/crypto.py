"""Secrets at rest: Fernet encryption with a key list, so keys can be rotated.

`INTEGRATIONS_SECRET_KEY` holds one or more Fernet keys, comma-separated, newest first: the
first one encrypts, all of them decrypt. Outside production, when no key is set, a development
key is generated once into `<var_dir>/secret.key` (mode 0600) so a fresh checkout just works.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from integrations.config import Settings
from integrations.errors import ConfigError, SecretDecryptionError
from integrations.logging import register_secret

__all__ = ["SecretBox", "generate_key", "load_keys"]

DEV_KEY_FILE = "secret.key"


def generate_key() -> str:
    """A new random Fernet key (url-safe base64 text)."""
    return Fernet.generate_key().decode()


def load_keys(settings: Settings) -> list[str]:
    """The configured keys, newest first; a development key file when none is configured."""
    if settings.secret_key is not None:
        return [k.strip() for k in settings.secret_key.get_secret_value().split(",") if k.strip()]
    if settings.is_production:
        raise ConfigError("INTEGRATIONS_SECRET_KEY is required in production")
    path = settings.var_dir / DEV_KEY_FILE
    if not path.exists():
        _write_private(path, generate_key())
    return [path.read_text().strip()]


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


class SecretBox:
    """Encrypts and decrypts secret strings and JSON documents under a key list.

    Args:
        keys: Fernet keys, newest first.
    """

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The box for the process's configured (or development) keys."""
        return cls(load_keys(settings))

    def encrypt(self, plaintext: str) -> str:
        """Encrypt under the newest key."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt with whichever configured key matches; ConfigError when none does."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError(
                "a stored secret cannot be decrypted with the configured keys; "
                "keep old keys in INTEGRATIONS_SECRET_KEY until `integrations secrets rotate` ran"
            ) from None

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the newest key (it must decrypt with one of the keys)."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise SecretDecryptionError(
                "a stored secret cannot be decrypted with the configured keys"
            ) from None

    def encrypt_json(self, document: dict[str, Any]) -> str:
        """Encrypt a JSON document (credentials); every string value is also masked in logs."""
        for value in document.values():
            if isinstance(value, str):
                register_secret(value)
        return self.encrypt(json.dumps(document, sort_keys=True))

    def decrypt_json(self, token: str) -> dict[str, Any]:
        """Decrypt a JSON document encrypted by `encrypt_json`."""
        document: dict[str, Any] = json.loads(self.decrypt(token))
        for value in document.values():
            if isinstance(value, str):
                register_secret(value)
        return document
