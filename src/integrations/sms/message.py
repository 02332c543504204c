"""SMS size rules: at most 1,600 bytes per publish, sent to phones in parts of 140 bytes.

A part carries 140 bytes: 160 GSM-7 characters, or 70 UCS-2 characters as soon as one
character is outside GSM-7 (any Korean text). A long message is split, and each part then
loses a few bytes to the header that joins them again (153 GSM-7 / 67 UCS-2 characters).
SNS refuses a publish over 1,600 bytes; we refuse it first, before anything is sent, and
report how many parts (each billed) a message will take.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from integrations.sms.exceptions import MessageTooLongError

__all__ = ["MAX_PUBLISH_BYTES", "PART_BYTES", "SmsSize", "measure_sms"]

MAX_PUBLISH_BYTES = 1600
PART_BYTES = 140
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")  # two septets each


@dataclass(frozen=True, slots=True)
class SmsSize:
    """How a message travels: its encoding, its UTF-8 size and the parts it takes."""

    encoding: Literal["GSM-7", "UCS-2"]
    utf8_bytes: int
    parts: int


def measure_sms(message: str) -> SmsSize:
    """The size of `message`.

    Raises:
        MessageTooLongError: over 1,600 bytes (UTF-8, as SNS counts a publish), or empty.
    """
    size = len(message.encode("utf-8"))
    if not message:
        raise MessageTooLongError("the message is empty")
    if size > MAX_PUBLISH_BYTES:
        raise MessageTooLongError(
            f"the message is {size} bytes; SNS takes at most {MAX_PUBLISH_BYTES} per publish"
        )
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in message):
        septets = sum(2 if c in _GSM7_EXTENDED else 1 for c in message)
        parts = 1 if septets <= 160 else math.ceil(septets / 153)
        return SmsSize("GSM-7", size, parts)
    units = len(message.encode("utf-16-le")) // 2
    parts = 1 if units <= 70 else math.ceil(units / 67)
    return SmsSize("UCS-2", size, parts)
