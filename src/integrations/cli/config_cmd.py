"""`integrations config check`, `list`, `template <connector>`, `show <connector>` and
`set <connector>`."""

from __future__ import annotations

import json

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from integrations.cli.common import (
    PlainHelpCommand,
    PlainHelpGroup,
    console,
    errors_as_exit,
    fail,
    load_cli_settings,
    run_async,
)
from integrations.cli.proxy_check import describe_proxies, environment_proxies, proxy_problems
from integrations.config import Settings
from integrations.effective_settings import EffectiveSettings, describe
from integrations.errors import ConfigError
from integrations.registry import (
    built_connectors,
    get_built_connector,
    get_connector,
    render_template,
)
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.storage.crypto import SecretBox

__all__ = ["app"]

app = typer.Typer(
    cls=PlainHelpGroup,
    help="Validate settings and print documented examples.",
    no_args_is_help=True,
)


@app.command("check", cls=PlainHelpCommand)
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


@app.command("list", cls=PlainHelpCommand)
def list_connectors(
    as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON instead of a table"),
) -> None:
    """List the connectors this version has, with their stored state (enabled, mode);
    registry entries for later releases are not listed."""
    settings = load_cli_settings()
    rows = run_async(_states(settings))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="connectors")
    for column in ("name", "title", "enabled", "mode", "version"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *(Text(json.dumps(v) if isinstance(v, bool) else str(v)) for v in row.values())
        )
    console.print(table)


async def _states(settings: Settings) -> list[dict[str, object]]:
    from integrations.services import Services

    services = Services(settings)
    try:
        rows = []
        for name in built_connectors():
            config = await services.get_config(name)
            rows.append(
                {
                    "name": name,
                    "title": get_connector(name).title,
                    "enabled": config.settings.enabled,
                    "mode": config.settings.mode,
                    "version": config.version,
                }
            )
        return rows
    finally:
        await services.close()


@app.command("template", cls=PlainHelpCommand)
def template(
    connector: str = typer.Argument(metavar="CONNECTOR", help="connector name, e.g. pandadoc"),
) -> None:
    """Print a documented configuration example for CONNECTOR."""
    with errors_as_exit():
        text = render_template(connector)
    typer.echo(text, nl=False)


@app.command("show", cls=PlainHelpCommand)
def show(
    connector: str = typer.Argument(metavar="CONNECTOR", help="connector name, e.g. pandadoc"),
    as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON instead of a table"),
) -> None:
    """Print the retry, breaker, rate-limit, cache and timeout settings CONNECTOR's client
    runs with, read from the stored runtime configuration as the server reads it, and where
    each value comes from."""
    with errors_as_exit():
        get_connector(connector)  # an unknown name fails before the database is opened
    settings = load_cli_settings()
    report = run_async(_describe(settings, connector))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
        return
    state = "enabled" if report.enabled else "disabled"
    table = Table(
        title=f"{connector}: {report.mode}, {state}, configuration version {report.version}"
    )
    for column in ("setting", "value", "source"):
        table.add_column(column, overflow="fold")
    for row in report.rows:  # Text, not markup: a path rule such as "[^/]+" is shown as is
        table.add_row(Text(row.setting), Text(row.text), Text(row.source))
    console.print(table)
    if report.note:
        console.print(Text(f"note: {report.note}", style="yellow"))


async def _describe(settings: Settings, connector: str) -> EffectiveSettings:
    from integrations.factory import IntegrationFactory  # the connectors: only when needed
    from integrations.services import Services

    services = Services(settings)
    factory = IntegrationFactory(services)
    try:
        return await describe(factory, connector)
    finally:
        await factory.close()
        await services.close()


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}" if ":" in creds else url


@app.command("set", cls=PlainHelpCommand)
def set_config(
    name: str = typer.Argument(
        ..., metavar="CONNECTOR", help="the connector, e.g. mock or pandadoc"
    ),
    enable: bool | None = typer.Option(
        None, "--enable/--disable", metavar="", help="turn it on or off"
    ),
    mode: str | None = typer.Option(
        None, "--mode", metavar="MODE", help="live, or mock (its simulator)"
    ),
    body: str | None = typer.Option(
        None,
        "--json",
        metavar="JSON",
        help="any other fields, as PATCH takes them: '{\"timeout_seconds\": 10}'",
    ),
) -> None:
    """Change CONNECTOR's runtime configuration, as `PATCH /api/v1/integrations/NAME` does
    (validated in one pass, stored with a history row, effective for the next call)."""
    settings = load_cli_settings()
    with errors_as_exit():
        get_built_connector(name)
    fields: dict[str, object] = {}
    if body is not None:
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError as exc:
            fail(f"--json is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", code=2)
        if not isinstance(parsed, dict):
            fail("--json must be a JSON object of fields", code=2)
        fields.update(parsed)
    if enable is not None:
        fields["enabled"] = enable
    if mode is not None:
        fields["mode"] = mode
    if not fields:
        fail("nothing to change: give --enable/--disable, --mode or --json", code=2)
    try:
        update = IntegrationSettingsUpdate.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        fail(f"invalid configuration for {name}: {problems}", code=2)
    version = run_async(_update(settings, name, update))
    console.print(f"{name}: configuration version {version} stored", markup=False)


async def _update(settings: Settings, name: str, update: IntegrationSettingsUpdate) -> int:
    from integrations.services import Services

    services = Services(settings)
    try:
        config = await services.update_config(name, update, changed_by="cli")
        return config.version
    finally:
        await services.close()
