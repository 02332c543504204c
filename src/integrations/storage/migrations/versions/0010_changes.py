"""changes: the change log (feed cursor), outbound event subscriptions and their deliveries

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Every change to a synced or webhook-fed record appends a `changes` row in the writer's
transaction; its id is the feed's cursor. `event_subscriptions` and `change_deliveries` carry
the outbound change events. `admin_tokens.scope` lets a token open only the feed
(`changes:read`); NULL keeps today's full admin tokens.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_CURSOR = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", _CURSOR, autoincrement=True, nullable=False),
        sa.Column("integration", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("changed_fields", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("data", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
    )
    op.create_index("ix_changes_integration_entity_id", "changes", ["integration", "entity", "id"])
    op.create_table(
        "event_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("entities", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_subscriptions")),
    )
    _create_deliveries()
    with op.batch_alter_table("admin_tokens") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=32), nullable=True))


def _create_deliveries() -> None:
    op.create_table(
        "change_deliveries",
        sa.Column("id", _CURSOR, autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("change_id", _CURSOR, nullable=False),
        sa.Column("entity_key", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["event_subscriptions.id"],
            name=op.f("fk_change_deliveries_subscription_id_event_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["change_id"], ["changes.id"], name=op.f("fk_change_deliveries_change_id_changes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_deliveries")),
        sa.UniqueConstraint(
            "subscription_id", "change_id", name="uq_change_deliveries_subscription_id"
        ),
    )
    op.create_index(
        "ix_change_deliveries_status_next_attempt_at",
        "change_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        "ix_change_deliveries_subscription_entity_change",
        "change_deliveries",
        ["subscription_id", "entity_key", "change_id"],
    )


def downgrade() -> None:
    with op.batch_alter_table("admin_tokens") as batch:
        batch.drop_column("scope")
    op.drop_table("change_deliveries")
    op.drop_table("event_subscriptions")
    op.drop_index("ix_changes_integration_entity_id", table_name="changes")
    op.drop_table("changes")
