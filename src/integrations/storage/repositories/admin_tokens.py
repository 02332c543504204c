"""Admin API tokens: created once, shown once, stored only as a SHA-256 hash.

A token reads `itk_<id>_<secret>`: the id finds the row through the primary key, and the
hash of the secret is compared in constant time, so a lookup leaks neither timing nor tokens.

A token may be scoped (`TOKEN_SCOPES`): a `changes:read` token is for a consumer of the changes
feed and verifies only where the caller asks for that scope; every other admin route asks for
none, so it refuses the token as if it did not exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.storage.tables import AdminTokenRow, utcnow

__all__ = ["TOKEN_SCOPES", "AdminTokenRepository", "CreatedToken", "hash_secret"]

PREFIX = "itk"
TOKEN_SCOPES: tuple[str, ...] = ("changes:read",)


def hash_secret(secret: str) -> str:
    """Hex SHA-256 of a token secret (tokens are random, so no salt or slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CreatedToken:
    """A newly created token: `token` is shown once and never stored."""

    id: str
    name: str
    token: str
    scope: str | None = None


class AdminTokenRepository:
    """Creates, verifies and revokes admin tokens; the caller commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, *, name: str, scope: str | None = None) -> CreatedToken:
        """Create a token named `name` (full admin, or limited to `scope`); shown once."""
        if scope is not None and scope not in TOKEN_SCOPES:
            raise ValueError(f"scope must be one of {TOKEN_SCOPES}")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        self._session.add(
            AdminTokenRow(id=token_id, name=name, token_hash=hash_secret(secret), scope=scope)
        )
        await self._session.flush()
        token = f"{PREFIX}_{token_id}_{secret}"
        return CreatedToken(id=token_id, name=name, token=token, scope=scope)

    async def verify(self, token: str, *, scope: str | None = None) -> str | None:
        """The token's name when it is valid, not revoked, and either a full admin token or
        scoped to `scope`; else None (a scoped token never passes where no scope is asked)."""
        prefix, _, rest = token.partition("_")
        token_id, _, secret = rest.partition("_")
        if prefix != PREFIX or not token_id or not secret:
            return None
        row = await self._session.get(AdminTokenRow, token_id)
        expected = row.token_hash if row is not None else hash_secret("")
        matches = hmac.compare_digest(expected, hash_secret(secret))
        if row is None or not matches or row.revoked_at is not None:
            return None
        if row.scope is not None and row.scope != scope:
            return None
        now = utcnow()
        # Written at most once a minute: a write per admin read would contend on SQLite.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            row.last_used_at = now
        return row.name

    async def revoke(self, *, token_id: str) -> bool:
        """Revoke a token by id; False when there is no such token."""
        row = await self._session.get(AdminTokenRow, token_id)
        if row is None:
            return False
        row.revoked_at = utcnow()
        return True

    async def list_all(self) -> list[AdminTokenRow]:
        """Every token (hashes only), oldest first."""
        return list(
            await self._session.scalars(select(AdminTokenRow).order_by(AdminTokenRow.created_at))
        )
