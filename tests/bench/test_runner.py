"""`python -m bench` cannot rot unnoticed: its table formats every kind of row, and one tiny
row (the pipeline against raw httpx2, a few hundred requests) runs end to end through the
runner, its own server process included."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from bench.__main__ import run
from bench.sizes import QUICK, Absent
from bench.table import Figure, Row, format_markdown, format_text

ROWS = [
    Row("ingest", Figure("receiver", 2486, "events/s"), Figure("bare", 753, "events/s"),
        "≥ 1,600 events/s", True),
    Row("overhead", Figure("pipeline", 450, "req/s"), Figure("raw", 500, "req/s"),
        "ratio ≥ 0.90", False),
    Row("engines", Figure("PostgreSQL", 1.5, "x"), Figure("SQLite", 3, "x")),
    Row("Sync, PostgreSQL", skipped="PostgreSQL not reachable at 127.0.0.1:5432"),
]  # fmt: skip


@pytest.mark.unit
def test_markdown_table_has_one_line_per_row_with_ratio_and_verdict() -> None:
    lines = format_markdown(ROWS).splitlines()
    assert lines[0] == "| Benchmark | Measured | Baseline (same run) | Ratio | Target | Met |"
    assert lines[1] == "|---|---|---|---:|---|---|"
    assert lines[2] == (
        "| ingest | receiver 2,486 events/s | bare 753 events/s | 3.30 | ≥ 1,600 events/s | yes |"
    )
    assert lines[3].endswith("| 0.90 | ratio ≥ 0.90 | no |")
    assert "| PostgreSQL 1.50 x | SQLite 3 x | 0.50 |  |  |" in lines[4]
    assert (
        lines[5] == "| Sync, PostgreSQL | PostgreSQL not reachable at 127.0.0.1:5432 |  |  |  |  |"
    )
    assert len(lines) == 2 + len(ROWS)


@pytest.mark.unit
def test_text_table_aligns_its_columns() -> None:
    lines = format_text(ROWS).splitlines()
    assert len(lines) == 2 + len(ROWS)
    ratio_ends = {
        line.index(ratio) + len(ratio)
        for line, ratio in zip(lines[2:5], ["3.30", "0.90", "0.50"], strict=True)
    }
    assert len(ratio_ends) == 1  # right-aligned in one column
    assert set(lines[1]) == {"-", " "}


@pytest.mark.integration
def test_runner_runs_a_tiny_pipeline_row_end_to_end() -> None:
    """The pipeline bench through the runner, Redis marked absent: two measured rows with
    figures and a ratio, the Redis row skipped with its reason, exit status 0."""
    tiny = dataclasses.replace(QUICK, pipeline_requests=200, pipeline_rounds=2, pipeline_warmup=20)
    out, err = io.StringIO(), io.StringIO()
    absent = Absent(postgres=None, redis="Redis marked absent by the test")
    status = run(["pipeline"], tiny, markdown=True, absent=absent, out=out, err=err)
    assert status == 0, err.getvalue()[-3000:]
    table = out.getvalue()
    overhead = re.search(
        r"^\| Pipeline overhead: .* \| pipeline [\d,]+ req/s \| raw httpx2 [\d,]+ req/s \| "
        r"(?P<ratio>\d+\.\d\d) \| ratio ≥ 0.90 \| (yes|no) \|$", table, re.M,
    )  # fmt: skip
    assert overhead and float(overhead["ratio"]) > 0, table
    assert "| Engines: pipeline state, Redis / memory | Redis marked absent by the test |" in table
    assert "[1/1] pipeline done in" in err.getvalue()
