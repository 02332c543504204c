"""contacts: index (integration, account_external_id)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

A synced matter's client is the first stored contact of its account. The sync resolves a
batch's accounts with one query (`MapContext.preload`); without this index each such query
scanned every contact of the integration (100,000 contacts: a scan per batch of matters).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_contacts_integration_account", "contacts", ["integration", "account_external_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_integration_account", table_name="contacts")
