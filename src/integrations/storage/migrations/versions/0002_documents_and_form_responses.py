"""documents and form responses

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Tables connectors keep current from webhooks: PandaDoc documents and Typeform responses.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("date_created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_completed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_event", sa.String(length=64), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("integration", "external_id", name="uq_documents_external"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_status", ["integration", "status"], unique=False)

    op.create_table(
        "form_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("response_type", sa.String(length=32), nullable=False),
        sa.Column("landed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("hidden", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_responses")),
        sa.UniqueConstraint("integration", "form_id", "token", name="uq_form_responses_token"),
    )
    with op.batch_alter_table("form_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_form_responses_form_submitted",
            ["integration", "form_id", "submitted_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("form_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_form_responses_form_submitted")

    op.drop_table("form_responses")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_status")

    op.drop_table("documents")
