"""The chaos suite's own log check must see what it is there to catch."""

from __future__ import annotations

import logging

from integrations.logging import get_logger
from tests.chaos.logwatch import watch_logs


def test_a_traceback_or_an_unexpected_error_is_a_problem() -> None:
    log = get_logger()
    with watch_logs() as logs:
        log.warning("call.completed", error="ProviderServerError")  # typed: fine
        log.error("sync.run_failed", error="ProviderServerError: 503")  # expected: fine
        assert logs.problems() == []
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("handler.crashed")
            logging.getLogger("integrations.other").exception("library crash")
        log.error("worker.gave_up")
        logging.getLogger("uvicorn.error").error("the vendor side's own error")
    problems = logs.problems()
    assert [p.split(":")[0] for p in problems] == [
        "traceback in handler.crashed",
        "error event worker.gave_up",
        "traceback from integrations.other",
    ]
