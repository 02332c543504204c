"""What the demo prints: a progress line per step as it ends, then the report table."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from integrations.demo.steps import StepResult

__all__ = ["print_report", "print_step"]


def print_step(console: Console, result: StepResult) -> None:
    """`  ok  <step>  1.2 s  <numbers>` (or `FAILED` and the reason), as the step ends."""
    mark = Text(" ok " if result.ok else "FAILED", style="green" if result.ok else "bold red")
    line = Text.assemble("  ", mark, "  ", result.name, f"  {result.seconds:.1f} s  ")
    line.append(result.detail, style=None if result.ok else "red")
    console.print(line)


def print_report(
    console: Console,
    results: Sequence[StepResult],
    *,
    base_url: str,
    token: str,
) -> None:
    """The table of steps, then where to look and the token to look with."""
    table = Table(title="integrations demo")
    for column in ("step", "result", "numbers", "time"):
        table.add_column(column, overflow="fold")
    for result in results:
        verdict = Text("ok", "green") if result.ok else Text("failed", "bold red")
        table.add_row(Text(result.name), verdict, Text(result.detail), f"{result.seconds:.1f} s")
    console.print(table)
    passed = sum(1 for r in results if r.ok)
    total = sum(r.seconds for r in results)
    style = "green" if passed == len(results) else "bold red"
    console.print(Text(f"{passed}/{len(results)} steps succeeded in {total:.1f} s", style=style))
    console.print(Text(f"dashboard:   {base_url}/"))
    console.print(Text(f"API:         {base_url}/api/v1/integrations"))
    console.print(Text(f"admin token: {token}"))
    console.print(
        Text(f'try:         curl -H "Authorization: Bearer {token}" {base_url}/api/v1/alerts')
    )
