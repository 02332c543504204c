"""Telemetry: call records, metrics, health, alerts."""

__all__: list[str] = []
