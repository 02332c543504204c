"""The one list of connectors: name, purpose, settings and runtime defaults.

Everything that enumerates connectors (the admin API, `config template`, the dashboard, MCP)
reads this list, so adding a connector starts here. Limits marked uncertain in the vendor
brief are defaults an operator can change, never constants in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.errors import ConfigError
from integrations.runtime_config import IntegrationSettings, RateLimitWindow

__all__ = [
    "CONNECTORS",
    "ConnectorInfo",
    "EnvVarDoc",
    "built_connectors",
    "get_built_connector",
    "get_connector",
    "render_template",
]


@dataclass(frozen=True, slots=True)
class EnvVarDoc:
    """One environment variable a connector reads, documented for `config template`."""

    name: str
    description: str
    example: str
    secret: bool = False
    required: bool = False


@dataclass(frozen=True, slots=True)
class ConnectorInfo:
    """A connector's identity and its documented defaults.

    `defaults` are runtime defaults the connector's spec does not hold: for a connector with a
    client, its spec is the source of its call settings (`connector_specs.connector_defaults`),
    and a field set here wins over the spec's value, so set only what the spec cannot say.
    """

    name: str
    title: str
    summary: str
    env: tuple[EnvVarDoc, ...]
    defaults: IntegrationSettings = field(default_factory=IntegrationSettings)
    client: str | None = None  # "module:Class" of its BaseIntegration, imported on use
    simulator: str | None = None  # the vendor name in integrations.simulators.SIMULATORS
    webhook: str | None = None  # its signature scheme in integrations.webhooks.schemes
    handlers: str | None = None  # module whose register(handlers) adds its webhook handlers
    tools: str | None = None  # module with TOOLS: list[OperationSpec] (actions, CLI, MCP)

    @property
    def built(self) -> bool:
        """True once this version has the connector: a client to call it or a webhook
        receiver. An entry without either is documentation for a later release; it is not
        listed, configured or offered by `config template` until one of them lands."""
        return self.client is not None or self.webhook is not None


def _per(limit: int, seconds: float) -> RateLimitWindow:
    return RateLimitWindow(limit=limit, period_seconds=seconds)


CONNECTORS: dict[str, ConnectorInfo] = {
    c.name: c
    for c in (
        ConnectorInfo(
            "pandadoc",
            "PandaDoc",
            "Documents from templates or PDFs, e-signature, status webhooks.",
            (
                EnvVarDoc(
                    "PANDADOC_API_KEY", "API key (Authorization: API-Key)", "pd-key", True, True
                ),
                EnvVarDoc("PANDADOC_BASE_URL", "API host override", "https://api.pandadoc.com"),
                EnvVarDoc("PANDADOC_WEBHOOK_SHARED_KEY", "webhook shared key", "wh-key", True),
                EnvVarDoc(
                    "PANDADOC_SANDBOX", "sandbox key: 10 requests/min on any endpoint", "false"
                ),
                EnvVarDoc(
                    "PANDADOC_ACCESS_TOKEN", "OAuth access token (instead of a key)", "", True
                ),
                EnvVarDoc("PANDADOC_REFRESH_TOKEN", "OAuth refresh token", "", True),
                EnvVarDoc("PANDADOC_CLIENT_ID", "OAuth client id (for refresh)", ""),
                EnvVarDoc("PANDADOC_CLIENT_SECRET", "OAuth client secret", "", True),
            ),
            # A global window over PandaDoc's own per-endpoint rules while the limit's scope
            # (per account or per user) is uncertain; the rest comes from its spec.
            IntegrationSettings(rate_limits=(_per(300, 60),)),
            client="integrations.pandadoc.client:PandaDocIntegration",
            simulator="pandadoc",
            webhook="pandadoc",
            handlers="integrations.pandadoc.webhooks",
            tools="integrations.pandadoc.tools",
        ),
        ConnectorInfo(
            "typeform",
            "Typeform",
            "Form webhooks (setup, status, repair) and responses.",
            (
                EnvVarDoc(
                    "TYPEFORM_TOKEN", "personal access token (Bearer)", "tfp_xxx", True, True
                ),
                EnvVarDoc("TYPEFORM_BASE_URL", "API host override", "https://api.typeform.com"),
            ),
            IntegrationSettings(),  # limits, retry and cache come from its spec
            client="integrations.typeform.client:TypeformIntegration",
            simulator="typeform",
            webhook="typeform",
            handlers="integrations.typeform.webhooks",
            tools="integrations.typeform.tools",
        ),
        ConnectorInfo(
            "practicepanther",
            "PracticePanther",
            "OAuth2; contacts, matters and tasks synced into local tables.",
            (
                EnvVarDoc("PRACTICEPANTHER_CLIENT_ID", "OAuth client id", "pp-client", False, True),
                EnvVarDoc(
                    "PRACTICEPANTHER_CLIENT_SECRET", "OAuth client secret", "pp-secret", True, True
                ),
                EnvVarDoc(
                    "PRACTICEPANTHER_REDIRECT_URI",
                    "registered redirect URI",
                    "https://example.org/oauth/callback",
                ),
                EnvVarDoc(
                    "PRACTICEPANTHER_BASE_URL",
                    "API host override",
                    "https://app.practicepanther.com",
                ),
            ),
            # Unverified vendor limit (brief: L); conservative default, configurable.
            IntegrationSettings(rate_limits=(_per(300, 300),)),
            client="integrations.practicepanther.client:PracticePantherIntegration",
            simulator="practicepanther",
            tools="integrations.practicepanther.tools",
        ),
        ConnectorInfo(
            "nicednb",
            "NICE D&B",
            "Korean company and representative search (contract under agreement).",
            (
                EnvVarDoc("NICEDNB_APP_KEY", "application key", "app-key", True, True),
                EnvVarDoc("NICEDNB_APP_SECRET", "application secret", "app-secret", True, True),
                EnvVarDoc(
                    "NICEDNB_BASE_URL", "API host (deployment-specific)", "https://gate.nicednb.com"
                ),
                EnvVarDoc(
                    "NICEDNB_CONTRACT",
                    "JSON object overriding the assumed paths and field names",
                    '{"company_path": "/nice/api/v1.0/companies"}',
                ),
            ),
            IntegrationSettings(),  # a day's cache and the rest come from its spec
            client="integrations.nicednb.client:NiceDnbIntegration",
            simulator="nicednb",
            tools="integrations.nicednb.tools",
        ),
        ConnectorInfo(
            "email",
            "Email (SMTP)",
            "Templated email through an SMTP provider, delivery tracking.",
            (
                EnvVarDoc(
                    "EMAIL_PROVIDER",
                    "gmail, outlook, sendgrid, ses, custom",
                    "sendgrid",
                    False,
                    True,
                ),
                EnvVarDoc("EMAIL_SMTP_HOST", "SMTP host (custom; overrides a preset)", ""),
                EnvVarDoc("EMAIL_SMTP_PORT", "SMTP port (587 STARTTLS, 465 TLS)", "587"),
                EnvVarDoc("EMAIL_SMTP_TLS", "starttls, implicit or none", "starttls"),
                EnvVarDoc("EMAIL_SMTP_USERNAME", "SMTP user name", "apikey"),
                EnvVarDoc("EMAIL_SMTP_PASSWORD", "SMTP password or API key", "smtp-pass", True),
                EnvVarDoc("EMAIL_FROM", "sender address", "noreply@example.org", False, True),
                EnvVarDoc("EMAIL_SES_REGION", "SES region (provider ses)", "ap-northeast-2"),
                EnvVarDoc("EMAIL_TEMPLATE_DIR", "folder of named templates", "./templates"),
            ),
            IntegrationSettings(),  # limits and retry come from its spec
            client="integrations.email.client:EmailIntegration",
            tools="integrations.email.tools",
        ),
        ConnectorInfo(
            "sms",
            "SMS (AWS SNS)",
            "SMS through AWS SNS Publish, E.164 validation, delivery status.",
            (
                EnvVarDoc("AWS_REGION", "AWS region", "ap-northeast-2", False, True),
                EnvVarDoc("AWS_ACCESS_KEY_ID", "access key id", "AKIA...", True, True),
                EnvVarDoc("AWS_SECRET_ACCESS_KEY", "secret access key", "aws-secret", True, True),
                EnvVarDoc("SMS_SENDER_ID", "sender id (3-11 alphanumerics)", "ACME"),
            ),
            IntegrationSettings(),  # 20/s, retries and timeouts come from its spec
            client="integrations.sms.client:SmsIntegration",
            tools="integrations.sms.tools",
        ),
        ConnectorInfo(
            "address",
            "Korean address search",
            "Road-name address search (juso.go.kr, Kakao Local).",
            (
                EnvVarDoc("ADDRESS_PROVIDER", "juso (default) or kakao", "juso"),
                EnvVarDoc(
                    "ADDRESS_JUSO_KEY", "juso.go.kr confmKey (search API)", "devU01TX0", True, True
                ),
                EnvVarDoc("ADDRESS_KAKAO_KEY", "Kakao REST API key (provider kakao)", "", True),
                EnvVarDoc("ADDRESS_BASE_URL", "API host override", "https://business.juso.go.kr"),
            ),
            IntegrationSettings(),  # a day's cache and the rest come from its spec
            client="integrations.address.client:AddressIntegration",
            simulator="address",
            tools="integrations.address.tools",
        ),
        ConnectorInfo(
            "mock",
            "Mock",
            "A configurable connector for development and tests (no vendor).",
            (),
            IntegrationSettings(mode="mock"),
            client="integrations.mock.client:MockIntegration",
            simulator="mock",
            webhook="hmac-hex",
            tools="integrations.mock.tools",
        ),
        ConnectorInfo(
            "generic",
            "Generic webhooks",
            "Inbound events from any Standard Webhooks sender (whsec_ secrets).",
            (),
            IntegrationSettings(),
            webhook="standard",
        ),
    )
}


def get_connector(name: str) -> ConnectorInfo:
    """The connector called `name`; ConfigError listing the known ones otherwise."""
    try:
        return CONNECTORS[name]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise ConfigError(f"unknown connector {name!r}; known connectors: {known}") from None


def built_connectors() -> list[str]:
    """The names of the connectors this version has (`ConnectorInfo.built`), sorted."""
    return sorted(name for name, info in CONNECTORS.items() if info.built)


def webhook_sources() -> list[str]:
    """The names of the connectors that receive webhooks, sorted."""
    return sorted(name for name, info in CONNECTORS.items() if info.webhook is not None)


def get_built_connector(name: str) -> ConnectorInfo:
    """The connector called `name` if this version has it; ConfigError listing those it has
    otherwise (an entry not built yet is reported as unknown, with what is available)."""
    info = CONNECTORS.get(name)
    if info is None or not info.built:
        known = ", ".join(built_connectors())
        raise ConfigError(f"unknown connector {name!r}; known connectors: {known}")
    return info


def render_template(name: str) -> str:
    """A documented `.env` example plus the runtime defaults of connector `name` (one this
    version has: see `get_built_connector`)."""
    info = get_built_connector(name)
    lines = [f"# {info.title}: {info.summary}", "# Environment (.env; never commit real values)"]
    for var in info.env:
        flags = ", ".join(
            f
            for f in ("required" if var.required else "optional", "secret" if var.secret else "")
            if f
        )
        lines += [f"# {var.description} ({flags})", f"{var.name}={var.example}"]
    from integrations.connector_specs import connector_defaults  # imports the client: on use

    runtime = connector_defaults(name).model_dump_json(indent=2)
    lines += [
        "",
        f"# Runtime configuration (PATCH /api/v1/integrations/{name}): fields left out keep",
        f"# these values, the connector's own; `integrations config show {name}` prints",
        "# the settings in effect and where each comes from.",
        *(f"# {line}" for line in runtime.splitlines()),
    ]
    return "\n".join(lines) + "\n"
