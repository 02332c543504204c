"""The SMS connector as data: SNS's endpoint, limits and retry rules.

SNS is HTTP (the AWS Query protocol: a form-encoded POST signed with SigV4), so sends go
through the whole pipeline: limiter, breaker, retry, call records, dry run.

Retries: 429 (`Throttled`, refused before anything happened) and 5xx, up to 3 retries. A
5xx Publish may, rarely, have been delivered: the AWS SDKs retry it all the same, with one
`amz-sdk-invocation-id` for every attempt of a call, and so do we (declared as the
idempotency header so the pipeline retries the POST). The 20/s default is SNS's default SMS
rate per account; configure yours (`rate_limits`).
"""

from __future__ import annotations

from integrations.core.spec import ProviderSpec, RateLimitRule, RetrySpec

__all__ = ["DEFAULT_REGION", "SMS_SPEC", "sns_url"]

DEFAULT_REGION = "ap-northeast-2"


def sns_url(region: str) -> str:
    """The regional SNS endpoint."""
    return f"https://sns.{region}.amazonaws.com"


SMS_SPEC = ProviderSpec(
    name="sms",
    base_url=sns_url(DEFAULT_REGION),
    allowed_hosts=("*.amazonaws.com",),
    rate_limits=(RateLimitRule(limit=20, period_seconds=1),),
    retry=RetrySpec(
        max_attempts=4,
        base_seconds=0.5,
        cap_seconds=20.0,
        idempotency_header="amz-sdk-invocation-id",
    ),
    timeout_seconds=15.0,
    request_id_header="x-amzn-requestid",
)
