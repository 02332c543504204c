"""SMTP provider presets and the settings a client is built from.

Each preset fills host, port and TLS mode; the operator gives credentials and the sender.
Anything set explicitly (`smtp_host`, `smtp_port`, `smtp_tls`) wins over the preset, so a
preset is a starting point, never a lock-in.

| preset | host | port / TLS | user name |
|---|---|---|---|
| gmail | smtp.gmail.com | 587 STARTTLS (465 implicit TLS) | full address, app password |
| outlook | smtp.office365.com | 587 STARTTLS | the mailbox (SMTP AUTH enabled on it) |
| sendgrid | smtp.sendgrid.net | 587 STARTTLS | literally `apikey`, password = API key |
| ses | email-smtp.<region>.amazonaws.com | 587 STARTTLS (465 implicit TLS) | SES SMTP credentials |
| custom | `smtp_host` (required) | `smtp_port`, default 587 STARTTLS | as configured |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from integrations.email.exceptions import SmtpSettingsError

__all__ = ["PRESETS", "SmtpPreset", "SmtpSettings", "TlsMode", "is_address", "resolve_smtp"]

TlsMode = Literal["starttls", "implicit", "none"]
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True, slots=True)
class SmtpPreset:
    """A provider's documented SMTP endpoint (`{region}` filled for SES)."""

    host: str
    port: int = 587
    tls: TlsMode = "starttls"
    username: str | None = None


PRESETS: dict[str, SmtpPreset | None] = {
    "gmail": SmtpPreset("smtp.gmail.com"),
    "outlook": SmtpPreset("smtp.office365.com"),
    "office365": SmtpPreset("smtp.office365.com"),
    "sendgrid": SmtpPreset("smtp.sendgrid.net", username="apikey"),
    "ses": SmtpPreset("email-smtp.{region}.amazonaws.com"),
    "custom": None,
}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send: one SMTP server, its TLS mode, credentials and the sender."""

    host: str
    port: int
    tls: TlsMode
    sender: str
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    provider: str = "custom"


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SmtpSettingsError(f"smtp_port must be a port number, not {raw!r}")
    return int(raw)


def resolve_smtp(values: Mapping[str, str]) -> SmtpSettings:
    """Settings from `values` (keys `provider`, `smtp_host`, `smtp_port`, `smtp_tls`,
    `smtp_username`, `smtp_password`, `from`, `ses_region`, `smtp_ca_file`).

    Raises:
        SmtpSettingsError: unknown preset, no host, no or a malformed sender, a bad port or
            TLS mode, an SES preset without a region.
    """
    provider = values.get("provider", "custom").lower()
    if provider not in PRESETS:
        raise SmtpSettingsError(f"unknown email provider {provider!r}; known: {', '.join(PRESETS)}")
    preset = PRESETS[provider]
    host = values.get("smtp_host") or (preset.host if preset else "")
    if "{region}" in host:
        region = values.get("ses_region", "")
        if not _REGION.match(region):
            raise SmtpSettingsError("the ses preset needs ses_region, e.g. ap-northeast-2")
        host = host.format(region=region)
    if not host:
        raise SmtpSettingsError("no SMTP host: set smtp_host (EMAIL_SMTP_HOST) or a provider")
    tls = values.get("smtp_tls") or (preset.tls if preset else "starttls")
    if tls not in ("starttls", "implicit", "none"):
        raise SmtpSettingsError(f"smtp_tls must be starttls, implicit or none, not {tls!r}")
    sender = values.get("from", "")
    if not _ADDRESS.match(sender):
        raise SmtpSettingsError("no valid sender: set from (EMAIL_FROM), e.g. noreply@example.org")
    port = (
        _port(values["smtp_port"]) if values.get("smtp_port") else (preset.port if preset else 587)
    )
    return SmtpSettings(
        host=host,
        port=port,
        tls=tls,  # type: ignore[arg-type]  # checked against TlsMode above
        sender=sender,
        username=values.get("smtp_username") or (preset.username if preset else None),
        password=values.get("smtp_password") or None,
        ca_file=values.get("smtp_ca_file") or None,
        provider=provider,
    )


def is_address(value: str) -> bool:
    """True for something shaped like one mailbox address (`local@domain.tld`, no name)."""
    return len(value) <= 320 and _ADDRESS.match(value) is not None
