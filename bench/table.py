"""The runner's one table: a row per figure, each a ratio against a baseline from the same run.

A row names what was measured and its baseline, both with their unit, the ratio between them,
the target it is held to (on the ratio or on the measured figure itself) and whether that target
is met. A skipped row (its service absent) or a failed one says why instead of giving figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COLUMNS = ("Benchmark", "Measured", "Baseline (same run)", "Ratio", "Target", "Met")


@dataclass(frozen=True, slots=True)
class Figure:
    """A value with its unit and what produced it: `Figure("app", 2486, "events/s")`."""

    label: str
    value: float
    unit: str

    def __str__(self) -> str:
        digits = 2 if abs(self.value) < 10 and self.value != int(self.value) else 0
        return f"{self.label} {self.value:,.{digits}f} {self.unit}".strip()


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table. `met` is None when the row has no target of its own."""

    name: str
    measured: Figure | None = None
    baseline: Figure | None = None
    target: str = ""
    met: bool | None = None
    skipped: str = ""  # why no figures: a service is absent, or the bench failed
    section: str = ""  # what the runner groups rows by (`SECTIONS` in bench/__main__.py)

    @property
    def ratio(self) -> float | None:
        if self.measured is None or self.baseline is None or self.baseline.value == 0:
            return None
        return self.measured.value / self.baseline.value

    def cells(self) -> tuple[str, ...]:
        if self.skipped:
            return (self.name, self.skipped, "", "", self.target, "")
        ratio = "" if self.ratio is None else f"{self.ratio:.2f}"
        verdict = {None: "", True: "yes", False: "no"}[self.met]
        return (self.name, str(self.measured or ""), str(self.baseline or ""), ratio,
                self.target, verdict)  # fmt: skip


def format_text(rows: Sequence[Row]) -> str:
    """Aligned plain-text columns for a terminal."""
    lines = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    out = []
    for n, line in enumerate(lines):
        pairs = enumerate(zip(line, widths, strict=True))
        cells = [c.rjust(w) if i == 3 else c.ljust(w) for i, (c, w) in pairs]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def format_markdown(rows: Sequence[Row]) -> str:
    """A GitHub Markdown table (for docs/performance.md)."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    header = line(COLUMNS)
    rule = "|" + "|".join("---:" if i == 3 else "---" for i in range(len(COLUMNS))) + "|"
    return "\n".join([header, rule, *(line(row.cells()) for row in rows)])
