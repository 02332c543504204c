"""`SmsIntegration`: SMS through AWS SNS `Publish` to a phone number, over the pipeline.

Credentials come from the runtime configuration (`access_key_id`, `secret_access_key`,
`session_token`, `region`, `sender_id`), else `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
`AWS_SESSION_TOKEN`, `AWS_REGION` and `SMS_SENDER_ID` in the environment or `.env`. The
endpoint is the region's SNS host unless `base_url` is configured. In mock mode the client
starts moto's server on loopback (`local_peer.py`) and publishes there.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import httpx2

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.context import EXTENSION, CallContext, Priority
from integrations.core.spec import ProviderSpec
from integrations.environment import load_prefixed
from integrations.errors import ConfigError, IntegrationError, InvalidResponseError
from integrations.sms.exceptions import SnsErrorMap, sns_error_code
from integrations.sms.local_peer import LocalSnsPeer
from integrations.sms.signing import AwsCredentials, sign_form
from integrations.sms.spec import DEFAULT_REGION, SMS_SPEC, sns_url
from integrations.storage.repositories.deliveries import MemoryDeliveryLog

__all__ = ["PublishOutcome", "SmsIntegration", "SmsType"]

SmsType = Literal["Transactional", "Promotional"]
_VERSION = "2010-03-31"
_MESSAGE_ID = re.compile(r"<MessageId>\s*([^<\s]{1,200})\s*</MessageId>")


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    """One publish: SNS's MessageId, or the error; and the attempts it took."""

    message_id: str | None
    attempts: int
    error: IntegrationError | None


class _ThrottlingAs429(httpx2.AsyncBaseTransport):
    """AWS also throttles with `400 Throttling`; the pipeline retries a 429, so say that."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        if response.status_code != 400:
            return response
        body = await response.aread()
        code, _ = sns_error_code(body.decode("utf-8", "replace"))
        status = 429 if code in ("Throttling", "Throttled", "ThrottlingException") else 400
        return httpx2.Response(status, headers=response.headers, content=body)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _values(
    credentials: Mapping[str, Any], environ: Mapping[str, str] | None, dotenv: Path | None
) -> dict[str, str]:
    env = load_prefixed("AWS_", environ, dotenv) | load_prefixed("SMS_", environ, dotenv)
    values = {
        "access_key_id": env.get("AWS_ACCESS_KEY_ID", ""),
        "secret_access_key": env.get("AWS_SECRET_ACCESS_KEY", ""),
        "session_token": env.get("AWS_SESSION_TOKEN", ""),
        "region": env.get("AWS_REGION", ""),
        "sender_id": env.get("SMS_SENDER_ID", ""),
    }
    values.update({k: str(v) for k, v in credentials.items() if v not in (None, "")})
    return {k: v for k, v in values.items() if v}


class SmsIntegration(BaseIntegration):
    """The SMS connector. Args as `BaseIntegration`, plus `environ`/`dotenv` (where the
    `AWS_*`/`SMS_*` settings are read when the credentials lack them)."""

    SPEC = SMS_SPEC
    LOCAL_PEER = True  # mock mode: moto's server on loopback, not an ASGI simulator

    def __init__(
        self,
        spec: ProviderSpec | None = None,
        *,
        credentials: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        dotenv: Path | None = Path(".env"),
        **kw: Any,
    ) -> None:
        values = _values(credentials or {}, environ, dotenv)
        spec = spec or SMS_SPEC
        self.region = values.get("region", DEFAULT_REGION)
        self.sender_id = values.get("sender_id")
        self.local_peer: LocalSnsPeer | None = None
        # Statuses of sends run without a database (a script, a unit test).
        self.deliveries = MemoryDeliveryLog()
        if kw.get("is_mock"):
            self.local_peer = LocalSnsPeer()
            spec = dataclasses.replace(spec, base_url=self.local_peer.url)
            values.update(access_key_id="testing", secret_access_key="testing")  # noqa: S106
        elif spec.base_url == SMS_SPEC.base_url:
            spec = dataclasses.replace(spec, base_url=sns_url(self.region))
        if not (values.get("access_key_id") and values.get("secret_access_key")):
            raise ConfigError(
                "sms has no AWS credentials: set access_key_id and secret_access_key "
                "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) in the runtime configuration, "
                "the environment or .env",
                integration="sms",
            )
        self.aws = AwsCredentials(
            values["access_key_id"], values["secret_access_key"], values.get("session_token")
        )
        secrets = {"secret_access_key": self.aws.secret_access_key}
        if self.aws.session_token:
            secrets["session_token"] = self.aws.session_token
        super().__init__(spec, credentials=secrets, **kw)
        self.errors = SnsErrorMap(spec)

    def wrap_transport(self, bottom: httpx2.AsyncBaseTransport) -> httpx2.AsyncBaseTransport:
        return _ThrottlingAs429(bottom)

    async def _query(
        self, action: str, form: Mapping[str, str], *, operation: str, priority: Priority
    ) -> tuple[str | None, int, IntegrationError | None]:
        """One signed Query-protocol call: the 2xx XML body or the mapped error, and the
        attempts the pipeline made (read from the call's context)."""
        body = urlencode({"Action": action, "Version": _VERSION, **form}).encode()
        headers = sign_form(f"{self.spec.base_url}/", body, self.aws, self.region)
        request = self.build_request("POST", "/", content=body, headers=headers)
        text: str | None = None
        error: IntegrationError | None = None
        try:
            text = (await self.call(request, operation=operation, priority=priority)).text
        except IntegrationError as exc:
            error = exc
        context = request.extensions.get(EXTENSION)
        attempts = context.attempts if isinstance(context, CallContext) else 1
        return text, max(1, attempts), error

    async def publish(
        self,
        phone_number: str,
        message: str,
        *,
        sms_type: SmsType = "Transactional",
        sender_id: str | None = None,
        priority: Priority = "interactive",
    ) -> PublishOutcome:
        """Publish `message` to `phone_number` (E.164, already validated).

        Never raises for a refused or failed publish: the outcome holds SNS's MessageId, or
        the error (after the pipeline's retries), and the attempts it took either way.
        """
        form = {
            "PhoneNumber": phone_number,
            "Message": message,
            "MessageAttributes.entry.1.Name": "AWS.SNS.SMS.SMSType",
            "MessageAttributes.entry.1.Value.DataType": "String",
            "MessageAttributes.entry.1.Value.StringValue": sms_type,
        }
        sender = sender_id or self.sender_id
        if sender:
            form |= {
                "MessageAttributes.entry.2.Name": "AWS.SNS.SMS.SenderID",
                "MessageAttributes.entry.2.Value.DataType": "String",
                "MessageAttributes.entry.2.Value.StringValue": sender,
            }
        text, attempts, error = await self._query(
            "Publish", form, operation="publish", priority=priority
        )
        if text is None:
            return PublishOutcome(None, attempts, error)
        found = _MESSAGE_ID.search(text)
        if found is None:
            error = InvalidResponseError("SNS answered Publish without a MessageId", provider="sms")
            return PublishOutcome(None, attempts, error)
        return PublishOutcome(found.group(1), attempts, None)

    async def health_check(self) -> HealthResult:
        """`GetSMSAttributes`: authenticated, cheap, sends nothing."""
        started = time.perf_counter()
        _, _, error = await self._query(
            "GetSMSAttributes", {}, operation="health_check", priority="interactive"
        )
        if error is not None:
            raise error
        latency = (time.perf_counter() - started) * 1000
        return HealthResult(True, latency, f"SNS in {self.region} answers")

    async def aclose(self) -> None:
        """Close the pipeline, then stop the mock-mode server (if any)."""
        await super().aclose()
        if self.local_peer is not None:
            self.local_peer.stop()
            self.local_peer = None
