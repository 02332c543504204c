"""exchanges (was matters); contact company/address; task description/exchange; sync runs; schedules

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09

The user's product tracks 1031 exchanges, so the synced `matters` table becomes `exchanges`
with the product's columns: a mapped `status` next to the vendor's `status_raw`, the client
resolved to a local contact (`client_id`), `exchange_value` and `notes`. Existing rows are
copied (external_id → pp_matter_id, raw → pp_data, description → notes, open_date →
start_date, status → status and status_raw); columns the product has no use for (number,
account/contact external ids, close date) stay in `pp_data`, which is the vendor record.
`contacts.external_id` remains the vendor id (the PracticePanther contact id). Tasks gain a
description and a link to their exchange. `sync_runs` gains who triggered a run, the processed
count, details JSON and a stop flag the engine checks between batches; `sync_schedules` holds
each integration's runtime schedule.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _create_exchanges() -> None:
    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration", sa.String(length=64), nullable=False),
        sa.Column("pp_matter_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("status_raw", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("start_date", _TS, nullable=True),
        sa.Column("exchange_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("pp_data", sa.JSON(), nullable=False),
        sa.Column("last_sync_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["contacts.id"],
            name=op.f("fk_exchanges_client_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
        sa.UniqueConstraint("integration", "pp_matter_id", name="uq_exchanges_external"),
    )


def _create_matters() -> None:
    op.create_table(
        "matters",
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("account_external_id", sa.String(length=128), nullable=True),
        sa.Column("contact_external_id", sa.String(length=128), nullable=True),
        sa.Column("open_date", _TS, nullable=True),
        sa.Column("close_date", _TS, nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("last_sync_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matters")),
        sa.UniqueConstraint("integration", "external_id", name="uq_matters_external"),
    )


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("company", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("address", sa.JSON(), nullable=True))
    _create_exchanges()
    op.execute(
        "INSERT INTO exchanges (id, integration, pp_matter_id, name, status, status_raw,"
        " start_date, notes, pp_data, last_sync_at, created_at, updated_at)"
        " SELECT id, integration, external_id, name, SUBSTR(status, 1, 32), status, open_date,"
        " description, raw, last_sync_at, created_at, updated_at FROM matters"
    )
    op.drop_table("matters")
    _reset_sequence("exchanges")
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch.add_column(sa.Column("exchange_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_tasks_exchange_id_exchanges"),
            "exchanges",
            ["exchange_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("triggered_by", sa.String(length=128), nullable=True))
        batch.add_column(
            sa.Column("processed_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("stop_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "sync_schedules",
        sa.Column("integration", sa.String(length=64), nullable=False),
        sa.Column("incremental_minutes", sa.Integer(), nullable=False),
        sa.Column("full_hour", sa.Integer(), nullable=False),
        sa.Column("full_minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("integration", name=op.f("pk_sync_schedules")),
    )


def _reset_sequence(table: str) -> None:
    # Rows were copied with their ids; PostgreSQL's new serial must continue after them.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
            f" COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def downgrade() -> None:
    op.drop_table("sync_schedules")
    with op.batch_alter_table("sync_runs") as batch:
        for column in ("stop_requested", "details", "processed_count", "triggered_by"):
            batch.drop_column(column)
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint(op.f("fk_tasks_exchange_id_exchanges"), type_="foreignkey")
        batch.drop_column("exchange_id")
        batch.drop_column("description")
    _create_matters()
    op.execute(
        "INSERT INTO matters (id, integration, external_id, name, status, open_date,"
        " description, raw, last_sync_at, created_at, updated_at)"
        " SELECT id, integration, pp_matter_id, name, COALESCE(status_raw, status), start_date,"
        " notes, pp_data, last_sync_at, created_at, updated_at FROM exchanges"
    )
    op.drop_table("exchanges")
    _reset_sequence("matters")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("address")
        batch.drop_column("company")
