"""`BaseURL.join` builds the same URL as httpx's own parser, only faster."""

from __future__ import annotations

import string

import httpx2
from hypothesis import given
from hypothesis import strategies as st

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.spec import ProviderSpec
from integrations.core.urls import BaseURL

BASES = [
    "https://api.pandadoc.com",
    "https://api.pandadoc.com/",
    "http://127.0.0.1:8000/public/v1",
    "https://EXAMPLE.com:443/v2/",
    "http://[::1]:9000",
]
SEGMENT = st.text(
    alphabet=string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@% é/?#", max_size=12
)
TEXT = st.text(alphabet=string.printable + "éü한", max_size=8)
PARAMS = st.dictionaries(
    st.text(alphabet=string.printable, min_size=1, max_size=6),
    st.one_of(TEXT, st.integers(), st.lists(TEXT, max_size=2)),
    max_size=3,
)


def _reference(base: str, path: str, params: dict[str, object]) -> httpx2.URL:
    url = base.rstrip("/") + path
    return httpx2.URL(url, params=params) if params else httpx2.URL(url)


@given(st.sampled_from(BASES), st.lists(SEGMENT, max_size=4), PARAMS)
def test_join_equals_httpx(base: str, segments: list[str], params: dict[str, object]) -> None:
    """For any path and params, the fast join and httpx's parser agree on every part."""
    path = "/" + "/".join(segments)
    expected = _reference(base, path, params)
    got = BaseURL(base).join(path, params)
    assert str(got) == str(expected)
    assert got.raw_path == expected.raw_path and got.host == expected.host
    assert got.port == expected.port and got.scheme == expected.scheme


def test_plain_paths_take_the_fast_way() -> None:
    """The common path builds no string for httpx to parse (and still equals httpx's URL)."""
    base = BaseURL("https://api.pandadoc.com/public/v1/")
    url = base.join("/documents/abc123/send", {"page": 2})
    assert url == httpx2.URL("https://api.pandadoc.com/public/v1/documents/abc123/send?page=2")
    assert url.raw_path == b"/public/v1/documents/abc123/send?page=2"


def test_absolute_urls_and_dot_segments() -> None:
    """An absolute URL ignores the base; dot segments are resolved as httpx resolves them."""
    base = BaseURL("https://api.example.com/v1")
    assert (
        str(base.join("https://files.example.com/x", {"a": 1})) == "https://files.example.com/x?a=1"
    )
    assert str(base.join("/a/../b/./c")) == str(httpx2.URL("https://api.example.com/v1/a/../b/./c"))


class _Client(BaseIntegration):
    async def health_check(self) -> HealthResult:
        return HealthResult(True, 0.0)


@given(
    st.sampled_from(["GET", "delete", "POST", "PUT", "PATCH", "HEAD"]),
    st.dictionaries(
        st.sampled_from(["Accept", "host", "Content-Length", "X-Trace", "Authorization"]),
        st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8),
        max_size=3,
    ),
    PARAMS,
)
def test_body_less_requests_equal_httpx(
    method: str, headers: dict[str, str], params: dict[str, object]
) -> None:
    """A request without a body is built the fast way with httpx's exact headers and URL."""
    spec = ProviderSpec(name="urls", base_url="https://api.example.com/v1")
    client = _Client(spec, credentials={"api_key": "k-0123456789"})
    got = client.build_request(method, "/things/1", params=params, headers=headers)
    merged = {**headers}
    if method.upper() in ("POST", "PATCH") and spec.retry.idempotency_header:
        merged[spec.retry.idempotency_header] = got.headers[spec.retry.idempotency_header]
    expected = httpx2.Request(
        method, "https://api.example.com/v1/things/1", params=params or None, headers=merged
    )
    assert got.method == expected.method and got.url == expected.url
    assert got.headers.raw == expected.headers.raw
    assert got.content == expected.content == b""
    assert got.extensions == expected.extensions == {}
    assert list(got.stream) == list(expected.stream)
    assert got.read() == b"" and vars(got).keys() == vars(expected).keys()
