"""Signature schemes: verify iff body and secret match (property 51), reference vectors."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from integrations.errors import WebhookSignatureError
from integrations.webhooks.schemes import SCHEMES, sign_standard

NOW = time.time()
SECRETS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=40)
BODIES = st.binary(min_size=0, max_size=300)


def _standard_secret(raw: bytes) -> str:
    return "whsec_" + base64.b64encode(raw).decode()


def _sign(scheme: str, secret: str, body: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and query of a delivery signed the vendor's way, computed independently."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256)
    if scheme == "pandadoc":
        return {"x-pandadoc-webhook-event-id": "evt-1"}, {"signature": digest.hexdigest()}
    if scheme == "typeform":
        return {"typeform-signature": "sha256=" + base64.b64encode(digest.digest()).decode()}, {}
    if scheme == "hmac-hex":
        return {"x-signature": "sha256=" + digest.hexdigest(), "x-event-id": "evt-1"}, {}
    ts = str(int(NOW))
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": ts,
        "webhook-signature": sign_standard(secret, "msg_1", int(ts), body),
    }, {}


@given(
    scheme=st.sampled_from(sorted(SCHEMES)),
    secret=SECRETS,
    other=SECRETS,
    body=BODIES,
    flip=st.integers(0, 299),
)
def test_property_51_verifies_iff_body_and_secret_match(
    scheme: str, secret: str, other: str, body: bytes, flip: int
) -> None:
    """The right secret and body verify; another secret or a changed byte never does."""
    headers, query = _sign(scheme, secret, body)
    verifier = SCHEMES[scheme]
    assert verifier.verify(body, headers, query, [secret], NOW).event_id
    if other != secret:
        with pytest.raises(WebhookSignatureError):
            verifier.verify(body, headers, query, [other], NOW)
    if body:
        tampered = bytearray(body)
        tampered[flip % len(body)] ^= 0x01
        with pytest.raises(WebhookSignatureError):
            verifier.verify(bytes(tampered), headers, query, [secret], NOW)


def test_reference_library_signatures_verify() -> None:
    """Events signed by the standardwebhooks reference library verify; one byte changed fails."""
    secret = _standard_secret(b"reference-secret-0123456789abcdef")
    body = json.dumps({"type": "invoice.paid", "id": 1}).encode()
    when = dt.datetime.now(dt.UTC)
    signature = Webhook(secret).sign("msg_ref", when, body.decode())
    headers = {
        "webhook-id": "msg_ref",
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
    }
    verified = SCHEMES["standard"].verify(body, headers, {}, [secret], time.time())
    assert (verified.event_id, verified.event_type) == ("msg_ref", "invoice.paid")
    with pytest.raises(WebhookSignatureError):
        SCHEMES["standard"].verify(body[:-1] + b" ", headers, {}, [secret], time.time())
    # And the other way round: our signature passes the reference verifier.
    ours = sign_standard(secret, "msg_ref", int(when.timestamp()), body)
    assert Webhook(secret).verify(body, {**headers, "webhook-signature": ours})


@pytest.mark.parametrize("skew", [pytest.param(-301, id="stale"), pytest.param(301, id="future")])
def test_timestamps_outside_tolerance_refused(skew: int) -> None:
    """A Standard Webhooks delivery older or newer than 5 minutes is refused."""
    secret = _standard_secret(b"k" * 24)
    ts = int(NOW) + skew
    headers = {
        "webhook-id": "m",
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_standard(secret, "m", ts, b"{}"),
    }
    with pytest.raises(WebhookSignatureError, match="tolerance"):
        SCHEMES["standard"].verify(b"{}", headers, {}, [secret], NOW)


def test_rotation_several_signatures_and_secrets() -> None:
    """Either of two secrets verifies, and any of several listed signatures may match."""
    old, new = _standard_secret(b"o" * 24), _standard_secret(b"n" * 24)
    ts = int(NOW)
    both = f"{sign_standard(new, 'm', ts, b'x')} {sign_standard(old, 'm', ts, b'x')}"
    headers = {"webhook-id": "m", "webhook-timestamp": str(ts), "webhook-signature": both}
    assert SCHEMES["standard"].verify(b"x", headers, {}, [old], NOW)
    assert SCHEMES["standard"].verify(b"x", headers, {}, [new], NOW)
    single = {**headers, "webhook-signature": sign_standard(old, "m", ts, b"x")}
    assert SCHEMES["standard"].verify(b"x", single, {}, [new, old], NOW)


@pytest.mark.parametrize(
    ("scheme", "headers", "query"),
    [
        pytest.param("pandadoc", {}, {}, id="pandadoc-no-signature"),
        pytest.param("typeform", {"typeform-signature": "md5=abc"}, {}, id="typeform-wrong-prefix"),
        pytest.param("standard", {"webhook-id": "m"}, {}, id="standard-missing-headers"),
        pytest.param(
            "standard",
            {"webhook-id": "m", "webhook-timestamp": "soon", "webhook-signature": "v1,AA=="},
            {},
            id="standard-bad-ts",
        ),
        pytest.param("hmac-hex", {}, {}, id="hex-no-signature"),
        pytest.param("hmac-hex", {"x-signature": "ab", "x-timestamp": "1"}, {}, id="hex-stale"),
    ],
)
def test_malformed_deliveries_refused(
    scheme: str, headers: dict[str, str], query: dict[str, str]
) -> None:
    """Missing or malformed signature material is refused without a crash."""
    with pytest.raises(WebhookSignatureError):
        SCHEMES[scheme].verify(b"{}", headers, query, ["secret-value"], NOW)


def test_event_ids_and_types() -> None:
    """Event ids and types come from where each vendor puts them; a body hash otherwise."""
    body = json.dumps([{"event": "document_state_changed", "data": {}}]).encode()
    headers, query = _sign("pandadoc", "k" * 10, body)
    got = SCHEMES["pandadoc"].verify(body, headers, query, ["k" * 10], NOW)
    assert (got.event_id, got.event_type) == ("evt-1", "document_state_changed")
    tf_body = json.dumps({"event_id": "01H", "event_type": "form_response"}).encode()
    headers, _ = _sign("typeform", "k" * 10, tf_body)
    got = SCHEMES["typeform"].verify(tf_body, headers, {}, ["k" * 10], NOW)
    assert (got.event_id, got.event_type) == ("01H", "form_response")
    headers, _ = _sign("hmac-hex", "k" * 10, b"not json")
    headers.pop("x-event-id")
    got = SCHEMES["hmac-hex"].verify(b"not json", headers, {}, ["k" * 10], NOW)
    assert got.event_id.startswith("sha256:") and got.event_type is None
    ts = str(int(NOW))
    signed = hmac.new(b"k" * 10, ts.encode() + b".{}", hashlib.sha256).hexdigest()
    got = SCHEMES["hmac-hex"].verify(
        b"{}", {"x-signature": signed, "x-timestamp": ts}, {}, ["k" * 10], NOW
    )
    assert got.event_id.startswith("sha256:")
