"""background jobs: the embedded runner's table; procrastinate's schema on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08

`jobs` is the embedded runner's durable queue (every backend). On PostgreSQL this revision
also applies the schema that the installed procrastinate ships (`schema.sql`: its tables,
types, functions and triggers, all named `procrastinate_*`), so the distributed runner never
applies a schema at runtime. A later procrastinate release with schema changes needs a new
revision that runs its `sql/migrations` deltas. Downgrade drops every `procrastinate_*`
object of the current schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DOING = sa.text("status = 'doing'")
_QUEUED_ONLY = sa.text("status = 'todo'")

# Tables first (their row types and triggers go with them), then functions and types left.
_DROP_PROCRASTINATE = r"""
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables
           WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\_%' LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\_%' LOOP
    EXECUTE 'DROP FUNCTION IF EXISTS ' || r.sig::text || ' CASCADE';
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\_%'
             AND t.typtype IN ('e', 'c') LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
  END LOOP;
END $$;
"""


def _execute_literal(sql: str) -> None:
    # Straight to psycopg, which still reads `%` as a placeholder (as procrastinate's own
    # `apply_schema` does, double it); SQLAlchemy's `:name` parsing is bypassed.
    op.get_bind().exec_driver_sql(sql.replace("%", "%%"))


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lock", sa.String(length=200), nullable=True),
        sa.Column("queueing_lock", sa.String(length=200), nullable=True),
        sa.Column("schedule_key", sa.String(length=240), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("trace_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("schedule_key", name="uq_jobs_schedule_key"),
    )
    op.create_index("ix_jobs_status_scheduled", "jobs", ["status", "scheduled_at"])
    op.create_index(
        "uq_jobs_lock_doing",
        "jobs",
        ["lock"],
        unique=True,
        sqlite_where=_DOING,
        postgresql_where=_DOING,
    )
    op.create_index(
        "uq_jobs_queueing_lock_todo",
        "jobs",
        ["queueing_lock"],
        unique=True,
        sqlite_where=_QUEUED_ONLY,
        postgresql_where=_QUEUED_ONLY,
    )
    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        _execute_literal(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _execute_literal(_DROP_PROCRASTINATE)
    op.drop_index("uq_jobs_queueing_lock_todo", table_name="jobs")
    op.drop_index("uq_jobs_lock_doing", table_name="jobs")
    op.drop_index("ix_jobs_status_scheduled", table_name="jobs")
    op.drop_table("jobs")
