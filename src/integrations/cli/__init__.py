"""The `integrations` command line (Typer + Rich)."""

from integrations.cli.main import app, run

__all__ = ["app", "run"]
