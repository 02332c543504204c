"""Subscription rules: `whsec_` secrets, filters, destinations, and key rotation of the
stored secret."""

from __future__ import annotations

import base64

import pytest

from integrations.changes.subscriptions import (
    SubscriptionInvalidError,
    SubscriptionRepository,
    check_filters,
    check_secret,
    check_url,
    new_secret,
)
from integrations.config import Settings
from integrations.ops_config import ChangeEventSettings
from integrations.services import Services
from integrations.storage.crypto import SecretBox, generate_key
from integrations.storage.rotation import rotate_secrets


def test_generated_secrets_are_valid_and_distinct() -> None:
    """A generated secret passes the check that a given one must pass."""
    first, second = new_secret(), new_secret()
    assert check_secret(first) == first and first != second


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("secret", id="no-prefix"),
        pytest.param("whsec_" + base64.b64encode(b"short").decode(), id="short-key"),
        pytest.param("whsec_not base64!", id="not-base64"),
    ],
)
def test_bad_secrets_name_the_field(secret: str) -> None:
    """A secret receivers' libraries could not use is refused naming `secret`."""
    with pytest.raises(SubscriptionInvalidError) as caught:
        check_secret(secret)
    assert caught.value.to_dict()["errors"][0]["field"] == "secret"


def test_filters_are_checked_and_deduplicated() -> None:
    """Duplicates go, order stays; an empty list or a malformed filter names `entities`."""
    assert check_filters(["pandadoc:*", "*:contacts", "pandadoc:*"]) == ["pandadoc:*", "*:contacts"]
    for bad in ([], ["pandadoc"]):
        with pytest.raises(SubscriptionInvalidError) as caught:
            check_filters(bad)
        assert caught.value.field == "entities"


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        pytest.param("http://127.0.0.1:9/x", [], True, id="loopback"),
        pytest.param("https://10.0.0.5/x", [], True, id="private"),
        pytest.param("http://127.0.0.1:9/x", ["127.0.0.1"], False, id="allow-listed"),
        pytest.param("ftp://example.com/x", [], True, id="not-http"),
    ],
)
async def test_destinations_follow_the_alert_webhook_rules(
    settings: Settings, url: str, allowed: list[str], refused: bool
) -> None:
    """Loopback and private addresses need the change-events allow-list; the reason names
    the change-events setting, not the alerts one."""
    configured = settings.model_copy(
        update={"change_events": ChangeEventSettings(allowed_private_hosts=allowed)}
    )
    if not refused:
        assert await check_url(url, configured) == url
        return
    with pytest.raises(SubscriptionInvalidError) as caught:
        await check_url(url, configured)
    assert caught.value.field == "url"
    assert "INTEGRATIONS_ALERTS__" not in caught.value.reason


async def test_rotation_re_encrypts_the_subscription_secret(services: Services) -> None:
    """After `rotate_secrets` under a new key, the secret decrypts with the new key alone."""
    secret = new_secret()
    async with services.db.sessions.begin() as session:
        row = await SubscriptionRepository(session, services.box).create(
            name="app",
            url="https://example.com/x",
            entities=["*:*"],
            secret=secret,
            created_by="test",
        )
        subscription_id = row.id
    new_key = generate_key()
    old_key = services.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
    both = SecretBox([new_key, old_key])
    async with services.db.sessions.begin() as session:
        report = await rotate_secrets(session, both)
    assert report.event_subscriptions == 1
    async with services.db.sessions() as session:
        repo = SubscriptionRepository(session, SecretBox([new_key]))
        stored = await repo.get(subscription_id)
        assert stored is not None and repo.secret(stored) == secret
