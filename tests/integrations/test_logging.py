"""Logging: redaction at any depth, trace ids on every line, per-integration levels."""

from __future__ import annotations

import io
import json
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from integrations.logging import (
    MASK,
    RedactSecrets,
    bind_trace_id,
    configure_logging,
    current_trace_id,
    get_logger,
    redact,
    redact_text,
    register_secret,
    set_integration_level,
)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


@pytest.fixture(name="stream")
def _stream() -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=stream)
    return stream


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(k, id=k)
        for k in (
            "Authorization",
            "X-API-Key",
            "api_key",
            "password",
            "client_secret",
            "access_token",
            "refresh_token",
            "Cookie",
            "Set-Cookie",
            "signature",
        )
    ],
)
def test_secret_named_keys_are_masked(key: str) -> None:
    """Values under secret-named keys are masked, whatever their type."""
    out = RedactSecrets()(None, "info", {"event": "x", "nested": [{key: {"deep": "v4lue"}}]})
    assert out["nested"][0][key] == MASK


def test_query_string_secrets_are_masked() -> None:
    """Secret query parameters are masked in URLs; harmless ones are kept."""
    url = "https://h/p?signature=abc123&page=2&api_key=k1&access_token=t0k&sig=zz"
    assert redact_text(url) == f"https://h/p?signature={MASK}&page=2&api_key={MASK}" + (
        f"&access_token={MASK}&sig={MASK}"
    )


def test_auth_header_values_in_text_are_masked() -> None:
    """A credential written into a message after its scheme is masked."""
    text = redact_text("sent Authorization: API-Key abcd1234 and Bearer eyJhbGciOi.x.y")
    assert "abcd1234" not in text and "eyJhbGciOi" not in text


def test_secretstr_and_bytes() -> None:
    """SecretStr values are masked; bytes are decoded and scrubbed."""
    register_secret("rawbytesecret")
    assert redact({"v": SecretStr("s3cr3t-value")}) == {"v": MASK}
    assert redact(b"has rawbytesecret inside") == f"has {MASK} inside"


def test_known_secret_in_exception_is_masked(stream: io.StringIO) -> None:
    """A registered secret inside an exception message never reaches the output."""
    register_secret("pd_live_0123456789")
    log = get_logger(integration="pandadoc")
    try:
        raise RuntimeError("vendor said key pd_live_0123456789 is wrong")
    except RuntimeError:
        log.exception("call.failed")
    assert "pd_live_0123456789" not in stream.getvalue()
    assert "RuntimeError" in stream.getvalue()


def test_short_values_are_not_registered() -> None:
    """Short values are not treated as secrets (they would mask ordinary words)."""
    register_secret("abc")
    assert redact_text("abc def") == "abc def"


def test_every_line_has_a_trace_id(stream: io.StringIO) -> None:
    """Lines inside a bound trace carry it; lines outside carry a generated one."""
    log = get_logger()
    with bind_trace_id("trace-123"):
        log.info("a.done")
    log.info("b.done")
    first, second = _lines(stream)
    assert first["trace_id"] == "trace-123"
    assert second["trace_id"] and second["trace_id"] != "trace-123"


async def test_trace_ids_do_not_leak_between_tasks() -> None:
    """Concurrent jobs each keep their own trace id."""
    seen: dict[str, str] = {}

    async def job(name: str) -> None:
        with bind_trace_id(f"t-{name}"):
            await anyio.sleep(0.01)
            seen[name] = current_trace_id()

    async with anyio.create_task_group() as tg:
        for name in ("a", "b", "c"):
            tg.start_soon(job, name)
    assert seen == {"a": "t-a", "b": "t-b", "c": "t-c"}


def test_per_integration_levels() -> None:
    """An integration can log at DEBUG while the rest stays at WARNING."""
    stream = io.StringIO()
    configure_logging(
        level="WARNING", fmt="json", integration_levels={"pandadoc": "DEBUG"}, stream=stream
    )
    get_logger(integration="pandadoc").debug("pd.debugged")
    get_logger(integration="typeform").info("tf.hidden")
    get_logger().info("global.hidden")
    get_logger().warning("global.shown")
    assert [line["event"] for line in _lines(stream)] == ["pd.debugged", "global.shown"]


def test_runtime_level_below_the_process_level_is_written_and_outlives_a_reconfigure() -> None:
    """An operator's `log_level: DEBUG` on one connector writes its debug lines while the
    process logs at INFO, survives a later `configure_logging()`, and goes when cleared."""
    first = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=first)
    set_integration_level("mock", "DEBUG")
    try:
        get_logger(integration="mock").debug("mock.debugged")
        get_logger(integration="pandadoc").debug("pd.hidden")
        assert [line["event"] for line in _lines(first)] == ["mock.debugged"]
        second = io.StringIO()
        configure_logging(level="INFO", fmt="json", stream=second)
        get_logger(integration="mock").debug("mock.still_debugged")
        assert [line["event"] for line in _lines(second)] == ["mock.still_debugged"]
    finally:
        set_integration_level("mock", None)
    get_logger(integration="mock").debug("mock.hidden_again")
    get_logger(integration="mock").info("mock.info")
    assert [line["event"] for line in _lines(second)] == ["mock.still_debugged", "mock.info"]


def test_console_format() -> None:
    """Development logs render as readable console lines, still redacted."""
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="console", stream=stream)
    get_logger().info("console.shown", password="hunter2-secret")
    text = stream.getvalue()
    assert "console.shown" in text and "hunter2-secret" not in text


def test_deep_structures_are_bounded() -> None:
    """Pathologically deep structures are cut off instead of recursing forever."""
    deep: Any = "leaf"
    for _ in range(80):
        deep = [deep]
    assert MASK in json.dumps(redact(deep))


# Property test: secrets under secret-named keys or in query strings never reach the output.
SECRET = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=12, max_size=24)
SECRET_KEYS = st.sampled_from(
    ["authorization", "Api-Key", "token", "client_secret", "password", "cookie", "x-api-key"]
)
QUERY_KEYS = st.sampled_from(["signature", "api_key", "token", "access_token", "apikey"])
PLAIN_KEYS = st.sampled_from(["name", "items", "detail", "meta", "url", "data"])


@st.composite
def structures(draw: st.DrawFn) -> tuple[Any, list[str]]:
    """A nested structure with secrets planted under secret keys and inside URLs."""
    secrets: list[str] = []

    def leaf() -> Any:
        kind = draw(st.sampled_from(["secret_key", "url", "plain"]))
        value = draw(SECRET)
        if kind == "plain":
            return draw(st.text(alphabet="abcdefgh ", max_size=10))
        secrets.append(value)
        if kind == "secret_key":
            return {draw(SECRET_KEYS): value}
        return f"https://api.example.org/v1/x?page=2&{draw(QUERY_KEYS)}={value}&q=1"

    def node(depth: int) -> Any:
        if depth == 0 or draw(st.booleans()):
            return leaf()
        if draw(st.booleans()):
            return [node(depth - 1) for _ in range(draw(st.integers(1, 3)))]
        return {draw(PLAIN_KEYS) + str(i): node(depth - 1) for i in range(draw(st.integers(1, 3)))}

    return node(4), secrets


@settings(max_examples=200, deadline=None)
@given(data=structures())
def test_property_no_secret_reaches_the_log(data: tuple[Any, list[str]]) -> None:
    """For any nested structure, no planted secret appears in the logged output."""
    payload, secrets = data
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=stream)
    get_logger().info("call.logged", payload=payload, message=f"failed: {payload!r}")
    output = stream.getvalue()
    for secret in secrets:
        assert secret not in output


def test_procrastinate_errors_are_one_line_without_a_traceback() -> None:
    """A library line about a job that failed keeps its message and the error's type and
    text, on one line: the traceback would repeat what `jobs.run_finished` already says."""
    import logging

    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=stream)
    try:
        raise ConnectionError("server closed the connection")
    except ConnectionError:
        logging.getLogger("procrastinate.worker").exception("Job %s ended", "sync")
    logging.getLogger("integrations.elsewhere").error("other %s", "line")
    text = stream.getvalue()
    assert "Job sync ended: ConnectionError: server closed the connection" in text
    assert "Traceback" not in text and "other line" in text
    try:
        raise ValueError("ours")
    except ValueError:
        logging.getLogger("procrastinated").exception("not the library")
    assert "Traceback" in stream.getvalue()  # other loggers keep their tracebacks


def test_a_loop_failure_is_one_line_in_an_outage_and_a_traceback_otherwise(
    stream: io.StringIO,
) -> None:
    from integrations.storage.availability import log_loop_failure

    log = get_logger()

    class LibraryError(Exception):
        pass

    try:
        try:
            raise TimeoutError("no answer")
        except TimeoutError as inner:
            raise LibraryError("poll failed") from inner
    except LibraryError as exc:
        log_loop_failure(log, "loop.failed", exc, writer="w1")
    try:
        raise KeyError("bug")
    except KeyError as exc:
        log_loop_failure(log, "loop.failed", exc)
    outage, bug = _lines(stream)
    assert outage["level"] == "warning" and outage["writer"] == "w1"
    assert outage["error"] == "LibraryError: poll failed" and "exception" not in outage
    assert bug["level"] == "error" and "Traceback" in bug["exception"]
