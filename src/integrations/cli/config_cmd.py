"""`integrations config check` and `integrations config template <connector>`."""

from __future__ import annotations

import typer

from integrations.cli.common import console, errors_as_exit, load_cli_settings
from integrations.cli.proxy_check import describe_proxies, environment_proxies, proxy_problems
from integrations.errors import ConfigError
from integrations.registry import render_template
from integrations.storage.crypto import SecretBox

__all__ = ["app"]

app = typer.Typer(help="Validate settings and print documented examples.", no_args_is_help=True)


@app.command("check")
def check() -> None:
    """Validate every setting at once; exit 2 naming each invalid one."""
    settings = load_cli_settings()
    with errors_as_exit():
        SecretBox.from_settings(settings)
        proxies = environment_proxies()
        if problems := proxy_problems(proxies):
            raise ConfigError("unusable proxy settings", problems=problems)
    console.print(f"[green]configuration is valid[/] (environment: {settings.env.value})")
    console.print(f"  database: {_without_password(settings.resolved_database_url)}")
    console.print(f"  state:    {'redis' if settings.redis_url else 'memory'}")
    key = "INTEGRATIONS_SECRET_KEY" if settings.secret_key else f"{settings.var_dir}/secret.key"
    console.print(f"  secrets:  encrypted with keys from {key}")
    console.print(f"  admin:    bootstrap token {'set' if settings.admin_token else 'not set'}")
    route = describe_proxies(proxies) if proxies else "none (outbound calls connect directly)"
    console.print(f"  proxy:    {route}", markup=False)


@app.command("template")
def template(connector: str = typer.Argument(help="connector name, e.g. pandadoc")) -> None:
    """Print a documented configuration example for CONNECTOR."""
    with errors_as_exit():
        text = render_template(connector)
    typer.echo(text, nl=False)


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}" if ":" in creds else url
