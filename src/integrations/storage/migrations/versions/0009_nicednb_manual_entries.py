"""nicednb_manual_entries: company records entered by hand

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

NICE D&B has no public contract and its test-bed allows few calls; when it fails and nothing
is cached, searches fall back to company records an operator entered through the admin API.
One row per business number (10 digits, check digit verified before it is stored).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "nicednb_manual_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_number", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("representative", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("established", sa.String(length=8), nullable=True),
        sa.Column("credit_grade", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nicednb_manual_entries")),
        sa.UniqueConstraint("business_number", name="uq_nicednb_manual_entries_business_number"),
    )
    op.create_index(
        "ix_nicednb_manual_entries_representative",
        "nicednb_manual_entries",
        ["representative"],
    )


def downgrade() -> None:
    op.drop_index("ix_nicednb_manual_entries_representative", table_name="nicednb_manual_entries")
    op.drop_table("nicednb_manual_entries")
