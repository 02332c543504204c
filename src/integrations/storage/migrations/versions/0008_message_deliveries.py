"""message deliveries: per-message status of email and SMS sends

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10

One row per outgoing message (a bulk send writes one per recipient): status queued → sent |
failed, the attempts it took, the SMTP code or vendor error code and reason, the vendor's own
message id. Recipients are stored masked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "message_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_reason", sa.Text(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_deliveries")),
        sa.UniqueConstraint("message_id", name="uq_message_deliveries_message_id"),
    )
    op.create_index(
        "ix_message_deliveries_channel_status", "message_deliveries", ["channel", "status"]
    )
    op.create_index("ix_message_deliveries_batch_id", "message_deliveries", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_message_deliveries_batch_id", table_name="message_deliveries")
    op.drop_index("ix_message_deliveries_channel_status", table_name="message_deliveries")
    op.drop_table("message_deliveries")
