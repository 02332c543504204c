"""`EmailIntegration`: templated email over SMTP (aiosmtplib), one connection per message.

Settings come from the runtime configuration's credentials (`provider`, `smtp_host`,
`smtp_port`, `smtp_tls`, `smtp_username`, `smtp_password`, `from`, `ses_region`,
`smtp_ca_file`, `template_dir`), else the `EMAIL_*` variables of the environment or `.env`
(`EMAIL_SMTP_HOST` → `smtp_host`). In mock mode the client starts an aiosmtpd server on
loopback (`local_peer.py`) and sends there.

SMTP is not HTTP, so this client uses the pipeline's parts directly rather than its
transport chain: the limiter (same rules, same shared state store, so several processes
share one provider budget), the clock, and the spec's retry settings (`delivery.py`).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from email.message import EmailMessage as MimeMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx2

from integrations.core.backoff import full_jitter
from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.context import Priority
from integrations.core.spec import ProviderSpec
from integrations.email.delivery import DeliveryOutcome, classify_failure, queue_id
from integrations.email.local_peer import LocalSmtpPeer
from integrations.email.models import mask_email
from integrations.email.presets import SmtpSettings, resolve_smtp
from integrations.email.spec import EMAIL_SPEC
from integrations.environment import load_prefixed
from integrations.errors import ConfigError, IntegrationError
from integrations.logging import get_logger
from integrations.storage.repositories.deliveries import MemoryDeliveryLog

__all__ = ["EmailIntegration"]

_log = get_logger()
# The limiter matches rules on a request; SMTP sends all match the global rules.
_SEND = httpx2.Request("POST", "https://smtp.invalid/send")


class _NoHttp(httpx2.AsyncBaseTransport):
    """The HTTP chain's bottom for a connector that never speaks HTTP."""

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        raise ConfigError("the email connector sends over SMTP, not HTTP")


def _settings_from(
    credentials: Mapping[str, Any], environment: Mapping[str, str]
) -> dict[str, str]:
    values = {k.removeprefix("EMAIL_").lower(): v for k, v in environment.items()}
    values.update({k: str(v) for k, v in credentials.items() if v not in (None, "")})
    return values


class EmailIntegration(BaseIntegration):
    """The email connector. Args as `BaseIntegration`, plus `environ`/`dotenv` (where
    `EMAIL_*` settings are read when the credentials lack them) and `tls_context` (trust for
    the server's certificate; default: the system's, or `smtp_ca_file`)."""

    SPEC = EMAIL_SPEC
    LOCAL_PEER = True  # mock mode: the factory gives no simulator; we start aiosmtpd

    def __init__(
        self,
        spec: ProviderSpec | None = None,
        *,
        credentials: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None = Path(".env"),
        tls_context: ssl.SSLContext | None = None,
        **kw: Any,
    ) -> None:
        values = _settings_from(credentials or {}, load_prefixed("EMAIL_", environ, dotenv))
        self.local_peer: LocalSmtpPeer | None = None
        # Statuses of sends run without a database (a script, a unit test).
        self.deliveries = MemoryDeliveryLog()
        if kw.get("is_mock"):
            self.local_peer = LocalSmtpPeer()
            values.update(
                smtp_host=self.local_peer.host,
                smtp_port=str(self.local_peer.port),
                smtp_tls="none",
                provider="custom",
            )
            values.pop("smtp_username", None)
            values.setdefault("from", "mock@example.org")
        self.smtp: SmtpSettings = resolve_smtp(values)
        self.template_dir = Path(values["template_dir"]) if values.get("template_dir") else None
        self._tls = tls_context or (
            ssl.create_default_context(cafile=self.smtp.ca_file) if self.smtp.ca_file else None
        )
        kw["transport"] = _NoHttp()
        secret = {"smtp_password": self.smtp.password} if self.smtp.password else {}
        super().__init__(spec or EMAIL_SPEC, credentials=secret, **kw)

    def _connection(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.smtp.host,
            port=self.smtp.port,
            use_tls=self.smtp.tls == "implicit",
            start_tls=self.smtp.tls == "starttls",
            tls_context=self._tls,
            timeout=self.spec.timeout_seconds,
        )

    async def _send_once(self, mime: MimeMessage, recipient: str) -> str:
        async with self._connection() as smtp:
            if self.smtp.username and self.smtp.password:
                await smtp.login(self.smtp.username, self.smtp.password)
            _, reply = await smtp.send_message(
                mime, sender=self.smtp.sender, recipients=[recipient]
            )
        return reply

    async def deliver(
        self, mime: MimeMessage, recipient: str, *, priority: Priority = "interactive"
    ) -> DeliveryOutcome:
        """Send `mime` to `recipient`, retrying transient failures (`delivery.py`); never
        raises for a refused message: the outcome says what happened."""
        retry = self.spec.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.limiter.acquire(_SEND, priority)
                reply = await self._send_once(mime, recipient)
                return DeliveryOutcome("sent", attempt, provider_message_id=queue_id(reply))
            except IntegrationError as exc:  # the limiter's budget ran out
                return DeliveryOutcome("failed", attempt, exc.code, exc.message)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                failure = classify_failure(exc)
            if not failure.transient or attempt >= retry.max_attempts:
                return DeliveryOutcome("failed", attempt, failure.code, failure.reason)
            wait = full_jitter(attempt - 1, base=retry.base_seconds, cap=retry.cap_seconds)
            _log.info(
                "email.attempt_failed",
                recipient=mask_email(recipient),
                attempt=attempt,
                code=failure.code,
                reason=failure.reason,
                wait_s=round(wait, 3),
            )
            await self.clock.sleep(wait)

    async def health_check(self) -> HealthResult:
        """Connect (with STARTTLS or TLS as configured), EHLO, log in, NOOP; nothing sent."""
        started = time.perf_counter()
        try:
            async with self._connection() as smtp:
                if self.smtp.username and self.smtp.password:
                    await smtp.login(self.smtp.username, self.smtp.password)
                await smtp.noop()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            failure = classify_failure(exc)
            latency = (time.perf_counter() - started) * 1000
            return HealthResult(False, latency, f"SMTP {failure.code}: {failure.reason}")
        latency = (time.perf_counter() - started) * 1000
        return HealthResult(True, latency, f"SMTP {self.smtp.host}:{self.smtp.port} answers")

    async def aclose(self) -> None:
        """Stop the mock-mode server (if any), then close as every client does."""
        if self.local_peer is not None:
            self.local_peer.stop()
            self.local_peer = None
        await super().aclose()
