"""Webhook signatures on replay: the recording kept no signature (it was made with that
run's secret, which is never written), so each recorded delivery is signed again with the
replay's own secret, the way its vendor signs, and verified by the receiver as usual."""

from __future__ import annotations

from collections.abc import Callable

from integrations.errors import ConfigError
from integrations.proof.format import WebhookArrival
from integrations.proof.redaction import REDACTED
from integrations.simulators.emitter import Signature
from integrations.simulators.pandadoc_webhooks import pandadoc_signer
from integrations.simulators.typeform_webhooks import sign_typeform

__all__ = ["SIGNERS", "sign_again"]

SIGNERS: dict[str, Callable[[bytes, str], Signature]] = {
    "pandadoc": pandadoc_signer,
    "typeform": sign_typeform,
}


def sign_again(
    hook: WebhookArrival, body: bytes, secret: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The headers and query of `hook`, with its signature made again with `secret` (and no
    other redacted value left in).

    Raises:
        ConfigError: no signer is known for the hook's connector.
    """
    signer = SIGNERS.get(hook.connector)
    if signer is None:
        raise ConfigError(f"no webhook signer for {hook.connector!r}; cannot replay its webhooks")
    signature = signer(body, secret)
    headers = {k: v for k, v in hook.headers.items() if v != REDACTED}
    headers.update({k.lower(): v for k, v in signature.headers.items()})
    query = {k: v for k, v in hook.query.items() if v != REDACTED}
    query.update(signature.params)
    return headers, query
