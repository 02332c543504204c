"""Deterministic fake data for vendor simulators: same seed, same data, any volume, no network.

`DataGenerator(seed)` owns one `random.Random(seed)`; every method draws from it, so two
generators with the same seed produce the same sequence as long as they are called in the same
order. Word lists are small and built in. Emails use only reserved example domains (RFC 2606 /
RFC 6761) and US phones use the fictional 555 prefix, so nothing generated reaches a real person.
Korean data (names, 010 mobiles, companies, 사업자등록번호, addresses) comes from `datagen_ko`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import string
import uuid as _uuid
from collections.abc import Callable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TypeVar

from integrations.simulators import datagen_ko
from integrations.simulators.datagen_ko import KoreanAddress

__all__ = ["EMAIL_DOMAINS", "DataGenerator", "KoreanAddress", "records"]

T = TypeVar("T")

EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "corp.test")
_FIRST = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Daniel", "Karen", "Matthew", "Nancy", "Anthony", "Lisa", "Mark", "Emily", "Sofia", "Omar",
)  # fmt: skip
_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "O'Neil",
)  # fmt: skip
_CO_HEAD = (
    "Blue", "North", "Bright", "Summit", "Cedar", "Harbor", "Silver", "Pioneer", "Granite",
    "Evergreen", "Atlas", "Beacon", "Crescent", "Falcon", "Maple", "Riverstone", "Keystone",
)  # fmt: skip
_CO_TAIL = (
    "Labs", "Systems", "Partners", "Logistics", "Analytics", "Works", "Dynamics", "Solutions",
    "Legal", "Health", "Capital", "Media", "Consulting", "Holdings", "Software", "Group",
)  # fmt: skip
_CO_SUFFIX = ("Inc.", "LLC", "Co.", "Ltd.", "Corp.", "")
_WORDS = (
    "account", "agreement", "review", "client", "signed", "payment", "quarter", "service",
    "terms", "renewal", "update", "project", "scope", "delivery", "invoice", "schedule",
    "approval", "team", "contract", "budget", "meeting", "response", "request", "partner",
    "pricing", "support", "timeline", "document", "draft", "final", "the", "for", "with",
    "and", "our", "new", "this", "next", "all", "each",
)  # fmt: skip
_TITLE_HEAD = (
    "Sales", "Marketing", "Partner", "Onboarding", "Client", "Vendor", "Annual", "Project",
    "Consulting", "Customer", "Employee", "Service", "Renewal", "Enterprise",
)  # fmt: skip
_TITLE_KIND = (
    "Proposal", "Agreement", "Contract", "Quote", "Survey", "Feedback Form", "Intake Form",
    "NDA", "Statement of Work", "Order Form", "Questionnaire", "Retainer Agreement",
)  # fmt: skip
_TITLE_TAIL = ("Q1", "Q2", "Q3", "Q4", "2024", "2025", "v2", "Draft", "Final", "")
_ID_CHARS = string.ascii_letters + string.digits
_NOT_LOCAL = re.compile(r"[^a-z0-9]+")


class DataGenerator:
    """Seeded source of realistic fake values; one `random.Random` behind every method."""

    __slots__ = ("_rng", "seed")

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    @property
    def rng(self) -> random.Random:
        """The underlying generator, for draws this class does not offer."""
        return self._rng

    def uuid(self) -> str:
        """A UUID4-formatted string drawn from the seed (not from the OS)."""
        return str(_uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def short_id(self, prefix: str = "", length: int = 22) -> str:
        """`prefix` plus `length` URL-safe alphanumerics, like a PandaDoc id."""
        if length < 0:
            raise ValueError("length must be >= 0")
        return prefix + "".join(self._rng.choices(_ID_CHARS, k=length))

    def first_name(self) -> str:
        """An English first name."""
        return self._rng.choice(_FIRST)

    def last_name(self) -> str:
        """An English last name."""
        return self._rng.choice(_LAST)

    def full_name(self) -> str:
        """ "First Last"."""
        return f"{self.first_name()} {self.last_name()}"

    def email(self, name: str | None = None, domain: str | None = None) -> str:
        """A lowercase address; from `name` ("Jane Doe" -> jane.doe@...) when given.

        Without `domain` it is one of `EMAIL_DOMAINS`; without `name` a random name plus a
        number is used. A name with no ASCII letters or digits falls back to "user<number>".
        """
        if name is None:
            local = self._local_part(self.full_name()) + str(self._rng.randint(1, 999))
        else:
            local = self._local_part(name) or f"user{self._rng.randint(1, 99_999)}"
        host = (domain if domain is not None else self._rng.choice(EMAIL_DOMAINS)).lower()
        return f"{local}@{host}"

    @staticmethod
    def _local_part(name: str) -> str:
        parts = (_NOT_LOCAL.sub("", part) for part in name.lower().split())
        return ".".join(part for part in parts if part)

    def phone(self) -> str:
        """A US number in E.164 with the fictional 555 area code, e.g. +15552345678."""
        return f"+1555{self._rng.randint(2, 9)}{self._rng.randint(0, 999_999):06d}"

    def company(self) -> str:
        """A company name such as "Cedar Analytics LLC"."""
        name = f"{self._rng.choice(_CO_HEAD)} {self._rng.choice(_CO_TAIL)}"
        suffix = self._rng.choice(_CO_SUFFIX)
        return f"{name} {suffix}" if suffix else name

    def sentence(self, words: int = 8) -> str:
        """A capitalised sentence of `words` words ending in a full stop."""
        if words < 1:
            raise ValueError("words must be >= 1")
        text = " ".join(self._rng.choices(_WORDS, k=words))
        return f"{text[0].upper()}{text[1:]}."

    def title(self) -> str:
        """A document or form title such as "Sales Proposal Q3"."""
        head, kind = self._rng.choice(_TITLE_HEAD), self._rng.choice(_TITLE_KIND)
        tail = self._rng.choice(_TITLE_TAIL)
        return f"{head} {kind} {tail}" if tail else f"{head} {kind}"

    def timestamp(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A UTC datetime in [start, end]; both bounds must be timezone-aware."""
        if start.utcoffset() is None or end.utcoffset() is None:
            raise ValueError("start and end must be timezone-aware")
        if end < start:
            raise ValueError("end is before start")
        span = (end - start) // dt.timedelta(microseconds=1)
        moment = start + dt.timedelta(microseconds=self._rng.randint(0, span))
        return moment.astimezone(dt.UTC)

    def choice(self, seq: Sequence[T]) -> T:
        """One item of a non-empty sequence."""
        if not seq:
            raise IndexError("cannot choose from an empty sequence")
        return self._rng.choice(seq)

    def integer(self, a: int, b: int) -> int:
        """An integer in [a, b], both ends included."""
        return self._rng.randint(a, b)

    def money(self, minimum: Decimal | float = 0, maximum: Decimal | float = 1000) -> str:
        """An amount in [minimum, maximum] as a string with two decimals, e.g. "1234.50"."""
        low = (Decimal(str(minimum)) * 100).to_integral_value(ROUND_CEILING)
        high = (Decimal(str(maximum)) * 100).to_integral_value(ROUND_FLOOR)
        if high < low:
            raise ValueError("no whole cent lies in [minimum, maximum]")
        return f"{Decimal(self._rng.randint(int(low), int(high))).scaleb(-2):.2f}"

    def korean_name(self) -> str:
        """A Hangul family plus given name, e.g. 김민준."""
        return datagen_ko.korean_name(self._rng)

    def korean_phone(self) -> str:
        """A Korean 010 mobile number in E.164, e.g. +821023456789."""
        return datagen_ko.korean_phone(self._rng)

    def korean_company(self) -> str:
        """A Korean company name such as (주)한빛테크."""
        return datagen_ko.korean_company(self._rng)

    def business_number(self) -> str:
        """A 사업자등록번호 "123-45-67890" with a valid check digit."""
        return datagen_ko.business_number(self._rng)

    def korean_address(self) -> KoreanAddress:
        """A consistent Korean road/jibun/English address."""
        return datagen_ko.korean_address(self._rng)


def records(gen: DataGenerator, factory: Callable[[DataGenerator, int], T], count: int) -> list[T]:
    """`count` items from `factory(gen, index)`, in order; deterministic for a seeded `gen`."""
    if count < 0:
        raise ValueError("count must be >= 0")
    return [factory(gen, index) for index in range(count)]
