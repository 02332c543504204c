"""metric windows per writing process; alert incidents

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

`integration_metrics` rows become one per (integration, operation, window, writer): each
process writes its own counts and latency samples for a window, and readers merge them, so
several API and worker processes never overwrite each other's numbers. The rows also keep
retries, limiter waits, cost, failures by error class and the window's latency samples (exact
percentiles after a merge). `alerts` rows become incidents: how often the condition was seen,
when last, and what each notification channel did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON(none_as_null=True)
_WINDOW = ["integration", "operation", "window_start", "window_seconds"]


def upgrade() -> None:
    with op.batch_alter_table("integration_metrics") as batch:
        batch.add_column(sa.Column("writer", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("retry_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("rate_limit_waits", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("cost", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("errors", _JSON, nullable=True))
        batch.add_column(sa.Column("latencies_ms", _JSON, nullable=True))
        batch.drop_constraint("uq_metrics_window", type_="unique")
        batch.create_unique_constraint("uq_metrics_window", [*_WINDOW, "writer"])
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("occurrences", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deliveries", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("deliveries")
        batch.drop_column("last_seen_at")
        batch.drop_column("occurrences")
    # Rows of other writers would collide under the old key: keep one row per window.
    op.execute(
        "DELETE FROM integration_metrics WHERE id NOT IN (SELECT MIN(id) FROM"
        " integration_metrics GROUP BY integration, operation, window_start, window_seconds)"
    )
    with op.batch_alter_table("integration_metrics") as batch:
        batch.drop_constraint("uq_metrics_window", type_="unique")
        batch.create_unique_constraint("uq_metrics_window", _WINDOW)
        for column in ("latencies_ms", "errors", "cost", "rate_limit_waits", "retry_count"):
            batch.drop_column(column)
        batch.drop_column("writer")
