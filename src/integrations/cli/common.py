"""What every CLI command shares: settings loading, error reporting, the async edge."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Coroutine, Iterator
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperCommand, TyperGroup, TyperOption

from integrations.config import Settings, load_settings
from integrations.errors import ConfigError, IntegrationError
from integrations.logging import configure_logging
from integrations.storage.availability import describe_outage, is_outage
from integrations.storage.db import is_sqlite

__all__ = [
    "PlainHelpCommand",
    "PlainHelpGroup",
    "console",
    "errors_as_exit",
    "fail",
    "load_cli_settings",
    "run_async",
    "upgrade_database",
]

T = TypeVar("T")
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

EXIT_CONFIG = 2
EXIT_FAILURE = 1


# Typer's Rich help puts a type placeholder after every option whose metavar is None, `--help`
# included ("--help <bool>"), as if it took a value; an empty metavar shows nothing. Typer has
# no setting for its own help flag, so these classes set it through Click's get_help_option().
class PlainHelpCommand(TyperCommand):
    """A Typer command whose `--help` shows no value placeholder."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _without_placeholder(super().get_help_option(ctx))


class PlainHelpGroup(TyperGroup):
    """A Typer group (app) whose `--help` shows no value placeholder."""

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        return _without_placeholder(super().get_help_option(ctx))


def _without_placeholder(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.metavar = ""
    return option


def fail(message: str, *, code: int = EXIT_FAILURE) -> NoReturn:
    """Print `message` to stderr and exit with `code`, without a traceback."""
    # The message may hold user input: escape it so "[...]" is shown, never parsed as markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@contextlib.contextmanager
def errors_as_exit() -> Iterator[None]:
    """Turn our errors (and a Ctrl-C) into a message and a non-zero exit."""
    try:
        yield
    except ConfigError as exc:
        fail(exc.message, code=EXIT_CONFIG)
    except IntegrationError as exc:
        fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        fail(f"database error: {_first_line(exc)} (is the database reachable and upgraded?)")
    except KeyboardInterrupt:
        fail("interrupted", code=130)


def _first_line(exc: BaseException) -> str:
    # A driver error's text may carry SQL parameters (token hashes): keep its first line only.
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {text[0]}" if text else type(inner).__name__


def load_cli_settings(**overrides: Any) -> Settings:
    """Validated settings with logging configured; exits 2 naming every invalid field."""
    with errors_as_exit():
        settings = load_settings(**overrides)
    configure_logging(
        level=settings.logging.level,
        fmt=settings.log_format,
        integration_levels=settings.logging.integration_levels,
        stream=sys.stderr,
    )
    return settings


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine at the CLI's edge, reporting our errors without a traceback."""
    with errors_as_exit():
        return asyncio.run(coro)
    raise AssertionError("unreachable")  # pragma: no cover - errors_as_exit always exits


def upgrade_database(settings: Settings) -> None:
    """Bring the schema to the newest migration before serving; exits with one line saying
    why when the database is unreachable (within the connect timeout) or the upgrade fails."""
    from integrations.storage import migrate

    url = settings.resolved_database_url
    timeout = settings.database.connect_timeout
    with errors_as_exit():
        try:
            migrate.upgrade(url, connect_timeout=timeout)
        except Exception as exc:  # a driver error: one line, no traceback
            if is_outage(exc):
                where = make_url(url).render_as_string(hide_password=True)
                waited = (
                    ""
                    if is_sqlite(url)
                    else f" (INTEGRATIONS_DATABASE__CONNECT_TIMEOUT={timeout} s)"
                )
                fail(f"database unreachable at {where}: {describe_outage(exc, timeout)}{waited}")
            fail(f"database upgrade failed: {str(exc).splitlines()[0] if str(exc) else exc!r}")
