"""Where PracticePanther's OAuth tokens live: `oauth_tokens`, both tokens Fernet-encrypted.

Refresh tokens rotate (the old one is refused once used), so the access token, the new
refresh token and the expiry are written in one statement of one transaction: a crash leaves
either the old pair or the new one, never a new access token beside a spent refresh token.

Pending authorizations (the OAuth `state`) are rows of the same table under the account
`oauth-state:<state>`, with `expires_at`: taking one is a single `DELETE ... RETURNING`-like
delete whose row count says whether it was still there, so a state is used at most once even
when two callbacks race.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, delete, select

from integrations.storage.crypto import SecretBox
from integrations.storage.db import Database
from integrations.storage.tables import OAuthTokenRow

__all__ = ["DatabaseTokenStore", "MemoryTokenStore", "StoredTokens", "TokenStore"]

_STATE_PREFIX = "oauth-state:"


@dataclass(frozen=True, slots=True)
class StoredTokens:
    """One token pair; `expires_at` in epoch seconds (None: the vendor did not say)."""

    access_token: str
    refresh_token: str | None
    expires_at: float | None
    token_type: str = "Bearer"  # noqa: S105
    scope: str | None = None


class TokenStore(Protocol):
    """Loads and saves the token pair of one integration account."""

    async def load(self) -> StoredTokens | None: ...

    async def save(self, tokens: StoredTokens) -> None: ...


class MemoryTokenStore:
    """A store in this process only (tests, and a client built without a database)."""

    def __init__(self, tokens: StoredTokens | None = None) -> None:
        self.tokens = tokens

    async def load(self) -> StoredTokens | None:
        return self.tokens

    async def save(self, tokens: StoredTokens) -> None:
        self.tokens = tokens


def _as_datetime(epoch: float | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, dt.UTC)


def _as_epoch(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()


class DatabaseTokenStore:
    """The `oauth_tokens` row of (`integration`, `account`), encrypted with `box`."""

    def __init__(
        self, db: Database, box: SecretBox, *, integration: str, account: str = "default"
    ) -> None:
        self.db = db
        self.box = box
        self.integration = integration
        self.account = account

    def _select(self, account: str) -> Select[Any]:
        return select(OAuthTokenRow).where(
            OAuthTokenRow.integration == self.integration, OAuthTokenRow.account == account
        )

    async def load(self) -> StoredTokens | None:
        async with self.db.sessions() as session:
            row = await session.scalar(self._select(self.account))
        if row is None:
            return None
        return StoredTokens(
            access_token=self.box.decrypt(row.access_token),
            refresh_token=self.box.decrypt(row.refresh_token) if row.refresh_token else None,
            expires_at=_as_epoch(row.expires_at),
            token_type=row.token_type,
            scope=row.scope,
        )

    async def save(self, tokens: StoredTokens) -> None:
        refresh = self.box.encrypt(tokens.refresh_token) if tokens.refresh_token else None
        async with self.db.sessions.begin() as session:
            row = await session.scalar(self._select(self.account).with_for_update())
            if row is None:
                row = OAuthTokenRow(integration=self.integration, account=self.account)
                session.add(row)
            row.access_token = self.box.encrypt(tokens.access_token)
            row.refresh_token = refresh
            row.token_type = tokens.token_type
            row.scope = tokens.scope
            row.expires_at = _as_datetime(tokens.expires_at)
            row.updated_at = dt.datetime.now(dt.UTC)

    async def put_state(self, state: str, redirect_uri: str, expires_at: float) -> None:
        """Remember a pending authorization (its redirect URI, encrypted) until `expires_at`."""
        async with self.db.sessions.begin() as session:
            session.add(
                OAuthTokenRow(
                    integration=self.integration,
                    account=_STATE_PREFIX + state,
                    access_token=self.box.encrypt(redirect_uri),
                    token_type="state",  # noqa: S106
                    expires_at=_as_datetime(expires_at),
                )
            )

    async def take_state(self, state: str, now: float) -> tuple[str | None, str]:
        """(redirect URI, "") for a live state, which is deleted; (None, reason) otherwise.

        Expired states are deleted too (they can never be used again)."""
        account = _STATE_PREFIX + state
        async with self.db.sessions.begin() as session:
            row = await session.scalar(self._select(account))
            if row is None:
                return None, "unknown or already used"
            gone = await session.execute(delete(OAuthTokenRow).where(OAuthTokenRow.id == row.id))
            if not getattr(gone, "rowcount", 0):
                return None, "unknown or already used"
            expires = _as_epoch(row.expires_at)
            if expires is None or expires <= now:
                return None, "expired"
            return self.box.decrypt(row.access_token), ""
