"""Mock mode's SMTP server: aiosmtpd on loopback, started by the client, messages kept.

Mock mode sends real SMTP to a real server in this process, so connection handling, the
envelope and the MIME message are exercised as in production; only the far end is local.
Recipients at a domain ending in `.invalid` are refused with `550` (RFC 2606 reserves the
name), so a demo can show a failed recipient without a real bounce.
"""

from __future__ import annotations

import logging
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from integrations.email.exceptions import SmtpSettingsError

__all__ = ["LocalSmtpPeer", "ReceivedMail"]


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    """One message the local server accepted."""

    sender: str
    recipients: tuple[str, ...]
    content: bytes


@dataclass(slots=True)
class _Handler:
    received: list[ReceivedMail] = field(default_factory=list)

    async def handle_RCPT(  # aiosmtpd calls hooks by these names
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.rpartition("@")[2].lower().endswith(".invalid"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or b""
        self.received.append(
            ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(content))
        )
        return f"250 2.0.0 OK queued as {uuid.uuid4().hex}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalSmtpPeer:
    """An aiosmtpd server on 127.0.0.1 (no TLS, no auth); `received` holds its mail."""

    def __init__(self) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            raise SmtpSettingsError(
                "email mock mode needs aiosmtpd: pip install 'integrations[local-peers]'"
            ) from None
        # aiosmtpd logs every connection and EOF at INFO on "mail.log": noise for a mock peer.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._handler = _Handler()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._controller = Controller(self._handler, hostname=self.host, port=self.port)
        self._controller.start()

    @property
    def received(self) -> list[ReceivedMail]:
        return self._handler.received

    def stop(self) -> None:
        self._controller.stop()
