"""A real SMTP peer on loopback: aiosmtpd with STARTTLS (a self-signed certificate made
here with `cryptography`) and AUTH, scripted per recipient for failures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integrations.core.clock import VirtualClock
from integrations.core.spec import RateLimitRule
from integrations.email.client import EmailIntegration
from integrations.email.spec import EMAIL_SPEC

USER, PASSWORD = "mailer", "s3cret-smtp-pass"


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class ScriptedHandler:
    """Accepts mail; `refuse[address]` lists the reply codes its next tries get."""

    received: list[tuple[tuple[str, ...], bytes]] = field(default_factory=list)
    refuse: dict[str, list[int]] = field(default_factory=dict)
    tries: dict[str, int] = field(default_factory=dict)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.tries[address] = self.tries.get(address, 0) + 1
        codes = self.refuse.get(address)
        if codes:
            # A 5xx stays (the mailbox will not appear later); each 4xx is used once.
            code = codes[0] if codes[0] >= 500 else codes.pop(0)
            return f"{code} {'4.3.0 try again later' if code < 500 else '5.1.1 no such user'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((tuple(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 2.0.0 OK queued as q1"


@dataclass
class SmtpServer:
    host: str
    port: int
    ca_file: Path
    handler: ScriptedHandler

    def client(self, clock: VirtualClock | None = None, **extra: str) -> EmailIntegration:
        credentials = {
            "smtp_host": self.host,
            "smtp_port": str(self.port),
            "smtp_tls": "starttls",
            "smtp_username": USER,
            "smtp_password": PASSWORD,
            "from": "noreply@example.org",
            "smtp_ca_file": str(self.ca_file),
            **extra,
        }
        # Office 365's 30/min default would make the 200-message test take minutes.
        fast = (RateLimitRule(limit=1000, period_seconds=1),)
        spec = dataclasses.replace(EMAIL_SPEC, timeout_seconds=5.0, rate_limits=fast)
        return EmailIntegration(spec, credentials=credentials, dotenv=None, environ={}, clock=clock)


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(name="smtp_server", scope="module")
def _smtp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1: STARTTLS required before AUTH, AUTH required before mail."""
    cert_file, key_file = _certificate(tmp_path_factory.mktemp("tls"))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    handler = ScriptedHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticator,
        server_hostname="127.0.0.1",
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, cert_file, handler)
    finally:
        controller.stop()


@pytest.fixture(name="server")
def _server(smtp_server: SmtpServer) -> SmtpServer:
    """The module's server with a clean script and mailbox for each test."""
    smtp_server.handler.received.clear()
    smtp_server.handler.refuse.clear()
    smtp_server.handler.tries.clear()
    return smtp_server
