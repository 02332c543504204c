"""SigV4 signing of an SNS request with botocore's signer (pure: no I/O, no botocore client).

botocore signs; httpx2 sends. The signed headers (content-type, host, x-amz-date, and the
session token when there is one) go on the request as they are; headers added later (the
invocation id) are unsigned, which SigV4 allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

__all__ = ["FORM_TYPE", "AwsCredentials", "sign_form"]

FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass(frozen=True, slots=True)
class AwsCredentials:
    """An access key pair (and a session token for temporary credentials)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


def sign_form(url: str, body: bytes, credentials: AwsCredentials, region: str) -> dict[str, str]:
    """The headers that make `POST url` with form `body` a valid SNS request in `region`."""
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": FORM_TYPE})
    signer = SigV4Auth(
        Credentials(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        ),
        "sns",
        region,
    )
    signer.add_auth(request)
    return {k: str(v) for k, v in request.headers.items()}
