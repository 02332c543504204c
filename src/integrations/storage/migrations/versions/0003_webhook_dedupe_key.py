"""webhook events deduplicated on what their signature covers

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

`webhook_events.dedupe_key` replaces `(integration, event_id)` as the unique key: a PandaDoc
or hex-HMAC event id travels in a header the signature does not cover, so one captured body
re-sent with new ids was stored again each time. Existing rows keep their event id as key.
(A delivery stored before the upgrade and retried by its vendor after it is stored once more.)

Downgrade restores the unique event id; rows whose event id repeats (the same id sent with
different signed bodies) keep their dedupe key as event id, so nothing is deleted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
    op.execute("UPDATE webhook_events SET dedupe_key = event_id")
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.alter_column("dedupe_key", existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_constraint("uq_webhook_events_integration_event", type_="unique")
        batch_op.create_unique_constraint("uq_webhook_events_dedupe", ["integration", "dedupe_key"])


def downgrade() -> None:
    op.execute(
        """
        UPDATE webhook_events SET event_id = dedupe_key
        WHERE id NOT IN (SELECT MIN(id) FROM webhook_events GROUP BY integration, event_id)
        """
    )
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_webhook_events_dedupe", type_="unique")
        batch_op.create_unique_constraint(
            "uq_webhook_events_integration_event", ["integration", "event_id"]
        )
        batch_op.drop_column("dedupe_key")
