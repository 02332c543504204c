"""Storage: SQLAlchemy 2 async tables, engine, repositories, secret encryption, migrations."""

from integrations.storage import (
    tables_changes,
    tables_companies,
    tables_inbound,
    tables_jobs,
    tables_messaging,
    tables_vendor,
)
from integrations.storage.crypto import SecretBox
from integrations.storage.db import Database
from integrations.storage.tables import Base

__all__ = [
    "Base",
    "Database",
    "SecretBox",
    "tables_changes",
    "tables_companies",
    "tables_inbound",
    "tables_jobs",
    "tables_messaging",
    "tables_vendor",
]
