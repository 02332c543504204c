"""Alert notices by email go through the email connector to a real SMTP server, with the alert
text as data (a `{{ ... }}` in it is not template code); without the connector enabled, the
alert records the email delivery as unavailable with the reason."""

from __future__ import annotations

from typing import Any

from integrations.ops_config import AlertSettings
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.telemetry.alerts import AlertManager, AlertSignal
from tests.integrations.email.conftest import PASSWORD, USER, SmtpServer

SIGNAL = AlertSignal(
    "breaker_open", "pandadoc", "critical", "breaker opened after {{ 7 * 7 }} failures"
)


def _with_recipients(services: Services) -> Services:
    alerts = AlertSettings(email_to=["ops@example.com", "oncall@example.com"])
    return Services(services.settings.model_copy(update={"alerts": alerts}), services.db)


async def test_alert_email_reaches_every_recipient(services: Services, server: SmtpServer) -> None:
    credentials: dict[str, Any] = {
        "smtp_host": server.host,
        "smtp_port": str(server.port),
        "smtp_tls": "starttls",
        "smtp_username": USER,
        "smtp_password": PASSWORD,
        "from": "alerts@example.org",
        "smtp_ca_file": str(server.ca_file),
    }
    update = IntegrationSettingsUpdate.model_validate({"enabled": True, "credentials": credentials})
    await services.update_config("email", update, changed_by="test")

    row = await AlertManager.from_services(_with_recipients(services)).fire(SIGNAL, dedupe_key="k")

    assert row is not None
    [delivery] = row.deliveries or []
    assert (delivery["channel"], delivery["status"]) == ("email", "sent"), delivery
    received = {to: raw.decode() for (to,), raw in server.handler.received}
    assert set(received) == {"ops@example.com", "oncall@example.com"}
    text = received["ops@example.com"]
    assert "breaker_open pandadoc" in text  # the subject names the kind and integration
    assert "breaker opened after {{ 7 * 7 }} failures" in text  # data, not template source


async def test_without_the_email_connector_the_delivery_is_unavailable(services: Services) -> None:
    row = await AlertManager.from_services(_with_recipients(services)).fire(SIGNAL, dedupe_key="k")

    assert row is not None
    [delivery] = row.deliveries or []
    assert (delivery["channel"], delivery["status"]) == ("email", "unavailable")
    assert "email" in delivery["detail"]
