"""Every command's `--help` says what each option takes, and shows nothing after a flag.

Typer's Rich help prints a type placeholder (`<str>`, `<int range>`, even `<bool>` after a flag
such as `--dry-run`) wherever a parameter has no metavar. The commands declare one for each
option that takes a value, an empty one for each flag, and `PlainHelpCommand` clears it for
`--help`. Typer gives arguments no such choice: its Arguments panel always has a type column
(`NAME  <str>`), so an argument is checked by its name column and the usage line instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command
from typer.testing import CliRunner

from integrations.cli.main import app

pytestmark = pytest.mark.unit

PLACEHOLDER = re.compile(r"<(?:str|int|bool|float|path|int range|float range|list\[\w+\])>")
METAVAR = re.compile(r"[A-Z][A-Z0-9_]*(?:=[A-Z][A-Z0-9_]*)?")
CHOICES = re.compile(r"[<\[][\w.-]+(?:\|[\w.-]+)+[>\]]")


def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in sorted(command.commands.items()):
            yield from _walk(sub, (*path, name))


COMMANDS = dict(_walk(get_command(app)))


def _help(path: tuple[str, ...]) -> str:
    # A fixed, wide terminal: no row wraps, whatever the width of the one running the tests.
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def _split_panel(output: str, title: str) -> tuple[list[str], list[str]]:
    """The rows of the Rich panel titled `title` (without borders and the required marker),
    and every other line of the output."""
    rows: list[str] = []
    others: list[str] = []
    inside = False
    for line in output.splitlines():
        if line.startswith(f"╭─ {title} "):
            inside = True
        elif inside and line.startswith("╰"):
            inside = False
        elif inside:
            rows.append(line.strip().strip("│").strip().lstrip("*").strip())
        else:
            others.append(line)
    return rows, others


def _value_cell(rows: list[str], option: Any, help_text: str) -> str:
    """What the option's row shows between its names and its help: the metavar column."""
    names = {*option.opts, *option.secondary_opts}
    for row in rows:
        words = row.split()
        if not words or words[0] != option.opts[0]:
            continue
        while words and words[0] in names:
            words.pop(0)
        rest = " ".join(words)
        help_start = " ".join(help_text.split()[:3])
        assert help_start in rest, f"{option.opts[0]}: help not found in {row!r}"
        return rest[: rest.index(help_start)].strip()
    raise AssertionError(f"no row for {option.opts[0]} in {rows}")


def test_the_walk_reaches_nested_commands() -> None:
    assert ("data", "pandadoc", "documents") in COMMANDS
    assert ("call",) in COMMANDS
    assert len(COMMANDS) > 30


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "integrations")
def test_help_shows_metavars_and_no_type_placeholders(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    output = _help(path)
    arguments, outside_arguments = _split_panel(output, "Arguments")
    assert not PLACEHOLDER.findall("\n".join(outside_arguments)), output

    options, _ = _split_panel(output, "Options")
    assert _value_cell(options, _HelpFlag, "Show this message and exit.") == ""
    for param in command.params:
        if isinstance(param, TyperOption) and not param.hidden:
            assert param.help, f"{param.opts[0]} has no help"
            cell = _value_cell(options, param, param.help)
            if param.is_flag:
                assert cell == "", f"flag {param.opts[0]} shows {cell!r}"
            else:
                shown = cell.split()[0] if cell else ""
                assert METAVAR.fullmatch(shown) or CHOICES.fullmatch(shown), (
                    f"{param.opts[0]} shows {cell!r}, not a metavar or its choices"
                )

    usage = next(line for line in output.splitlines() if "Usage:" in line)
    for param in command.params:
        if isinstance(param, TyperArgument):
            assert param.metavar and METAVAR.fullmatch(param.metavar), param.name
            assert re.search(rf"[{{\[]{re.escape(param.metavar)}[}}\]]", usage), usage
            assert any(row.split()[0] == param.metavar for row in arguments if row), arguments


class _HelpFlag:
    """Typer's own `--help`, which is not among a command's declared params."""

    opts = ("--help",)
    secondary_opts = ()
