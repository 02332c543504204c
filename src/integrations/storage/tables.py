"""Operational tables: configuration, call records, metrics, health, alerts, auth, OAuth.

Webhook, sync and synced-entity tables live in `tables_inbound.py` to keep each module small;
both register on the same `Base.metadata`, which Alembic migrations mirror.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AdminTokenRow",
    "AlertRow",
    "Base",
    "CallLogRow",
    "HealthRow",
    "IntegrationConfigHistoryRow",
    "IntegrationConfigRow",
    "MetricRow",
    "OAuthTokenRow",
    "UtcDateTime",
    "utcnow",
]

# Stable constraint names, so migrations can drop and alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON(none_as_null=True)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use a UTC-aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC: every timestamp we store is UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base for every table."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: Json, list[Any]: Json, dt.datetime: UtcDateTime()}


def _created() -> Mapped[dt.datetime]:
    return mapped_column(UtcDateTime(), default=utcnow)


class IntegrationConfigRow(Base):
    """Runtime configuration of one integration; `credentials` is a Fernet token."""

    __tablename__ = "integration_configs"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[str] = mapped_column(String(8), default="live")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    credentials: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(200), default="system")
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IntegrationConfigHistoryRow(Base):
    """One change of one integration's configuration; secrets masked in both values."""

    __tablename__ = "integration_config_history"
    __table_args__ = (Index("ix_config_history_integration_at", "integration", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    old_value: Mapped[dict[str, Any] | None] = mapped_column(Json)
    new_value: Mapped[dict[str, Any]] = mapped_column()


class CallLogRow(Base):
    """One logical outbound call (all its retries), with redacted summaries."""

    __tablename__ = "integration_call_logs"
    __table_args__ = (
        Index("ix_call_logs_integration_at", "integration", "created_at"),
        Index("ix_call_logs_trace_id", "trace_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    success: Mapped[bool] = mapped_column(Boolean)
    duration_ms: Mapped[float] = mapped_column(Float)
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    cache_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    is_mock: Mapped[bool] = mapped_column(Boolean, default=False)
    error_class: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    trace_id: Mapped[str] = mapped_column(String(64))
    request_summary: Mapped[dict[str, Any] | None] = mapped_column(Json)
    response_summary: Mapped[dict[str, Any] | None] = mapped_column(Json)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MetricRow(Base):
    """Call metrics of one integration and operation over one time window, as one process
    (`writer`) saw them. Several processes write their own rows for the same window; readers
    merge them (counts add up, percentiles come from the merged latency samples)."""

    __tablename__ = "integration_metrics"
    __table_args__ = (
        UniqueConstraint(
            "integration",
            "operation",
            "window_start",
            "window_seconds",
            "writer",
            name="uq_metrics_window",
        ),
        Index("ix_metrics_integration_window", "integration", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(128), default="*")
    window_start: Mapped[dt.datetime] = mapped_column()
    window_seconds: Mapped[int] = mapped_column(Integer, default=300)
    call_count: Mapped[int] = mapped_column(Integer, default=0)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    cache_hits: Mapped[int] = mapped_column(Integer, default=0)
    cache_misses: Mapped[int] = mapped_column(Integer, default=0)
    rate_limited_count: Mapped[int] = mapped_column(Integer, default=0)
    avg_ms: Mapped[float | None] = mapped_column(Float)
    p50_ms: Mapped[float | None] = mapped_column(Float)
    p95_ms: Mapped[float | None] = mapped_column(Float)
    p99_ms: Mapped[float | None] = mapped_column(Float)
    max_ms: Mapped[float | None] = mapped_column(Float)
    writer: Mapped[str] = mapped_column(String(64), default="", server_default="")
    retry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rate_limit_waits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cost: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    errors: Mapped[dict[str, Any] | None] = mapped_column(Json)  # {error class: count}
    latencies_ms: Mapped[list[Any] | None] = mapped_column(Json)  # the window's samples


class HealthRow(Base):
    """One health observation: a periodic check or a circuit-breaker state change."""

    __tablename__ = "integration_health"
    __table_args__ = (Index("ix_health_integration_at", "integration", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="check")
    circuit_state: Mapped[str | None] = mapped_column(String(16))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(Json)
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AlertRow(Base):
    """An alert raised by health, error-rate or dead-letter rules; deduped by `dedupe_key`."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status_at", "status", "created_at"),
        Index("ix_alerts_dedupe_key", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    status: Mapped[str] = mapped_column(String(16), default="open")
    message: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(Json)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column()
    occurrences: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_seen_at: Mapped[dt.datetime | None] = mapped_column()
    deliveries: Mapped[list[Any] | None] = mapped_column(Json)  # per channel: sent or why not


class OAuthTokenRow(Base):
    """OAuth tokens of one integration account; both tokens are Fernet-encrypted."""

    __tablename__ = "oauth_tokens"
    __table_args__ = (UniqueConstraint("integration", "account", name="uq_oauth_tokens_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(128), default="default")
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    token_type: Mapped[str] = mapped_column(String(32), default="Bearer")
    scope: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = _created()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AdminTokenRow(Base):
    """An admin API token; only its SHA-256 is stored, looked up by its public id."""

    __tablename__ = "admin_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = _created()
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    # None: a full admin token; "changes:read": opens only the changes feed (issue 19).
    scope: Mapped[str | None] = mapped_column(String(32))
