"""Repositories: one per aggregate, keyword-only arguments, the caller commits."""

from integrations.storage.repositories.admin_tokens import AdminTokenRepository, CreatedToken
from integrations.storage.repositories.configs import (
    IntegrationConfig,
    IntegrationConfigRepository,
)

__all__ = [
    "AdminTokenRepository",
    "CreatedToken",
    "IntegrationConfig",
    "IntegrationConfigRepository",
]
