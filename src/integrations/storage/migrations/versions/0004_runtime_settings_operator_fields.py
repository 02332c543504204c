"""runtime settings keep only what an operator set

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

`integration_configs.settings` held every runtime field, the built-in defaults included
(3 attempts, a 60 s cap, 300 s caching, ...), and those overrode a connector's own values: a
server-built PandaDoc client retried 3 times instead of its spec's 7. The application now
stores only the fields an operator set and takes every other one from the connector. This
migration removes from each row the values equal to the defaults the previous release wrote
(they cannot be told from "not set"), so the connector's values reach those rows too; any
other value is kept as the operator's. Downgrade writes those defaults back into every field
a row lacks, so the previous release reads each row as it did.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the previous release stored for a field nobody set (its model and registry defaults),
# frozen here: a migration must not follow later changes of the application's defaults.
_COMMON: dict[str, Any] = {
    "base_url": None,
    "timeout_seconds": 30.0,
    "rate_limits": [],
    "cache_ttl_seconds": 300.0,
    "retry": {"max_attempts": 3, "base_seconds": 1.0, "cap_seconds": 60.0},
    "circuit": {"failure_threshold": 5, "reset_timeout_seconds": 60.0},
    "log_level": None,
    "options": {},
}
_BY_CONNECTOR: dict[str, dict[str, Any]] = {
    "pandadoc": {"rate_limits": [{"limit": 300, "period_seconds": 60.0}], "cache_ttl_seconds": 0.0},
    "typeform": {"rate_limits": [{"limit": 2, "period_seconds": 1.0}], "cache_ttl_seconds": 0.0},
    "practicepanther": {"rate_limits": [{"limit": 300, "period_seconds": 300.0}]},
    "nicednb": {"cache_ttl_seconds": 86400.0},
    "email": {"rate_limits": [{"limit": 30, "period_seconds": 60.0}]},
    "sms": {"rate_limits": [{"limit": 20, "period_seconds": 1.0}]},
    "address": {"cache_ttl_seconds": 86400.0},
}
_configs = sa.table(
    "integration_configs",
    sa.column("id", sa.Integer()),
    sa.column("integration", sa.String()),
    sa.column("settings", sa.JSON()),
)


def _old_defaults(integration: str) -> dict[str, Any]:
    return _COMMON | _BY_CONNECTOR.get(integration, {})


def _without_defaults(settings: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in settings.items():
        default = defaults.get(key, object())
        if isinstance(value, dict) and isinstance(default, dict) and default:
            group = {k: v for k, v in value.items() if default.get(k, object()) != v}
            if group:
                kept[key] = group
        elif value != default:
            kept[key] = value
    return kept


def _with_defaults(settings: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    filled = dict(settings)
    for key, default in defaults.items():
        if isinstance(default, dict) and default:
            filled[key] = default | dict(settings.get(key) or {})
        elif key not in settings:
            filled[key] = default
    return filled


def _rewrite(change: Any) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_configs.c.id, _configs.c.integration, _configs.c.settings))
    for row_id, integration, settings in list(rows):
        new = change(dict(settings or {}), _old_defaults(integration))
        if new != settings:
            bind.execute(_configs.update().where(_configs.c.id == row_id).values(settings=new))


def upgrade() -> None:
    _rewrite(_without_defaults)


def downgrade() -> None:
    _rewrite(_with_defaults)
