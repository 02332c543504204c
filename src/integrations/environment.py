"""A connector's own environment variables: the process environment over a `.env` file.

Connectors read their credentials and host overrides (`PANDADOC_API_KEY`, `TYPEFORM_TOKEN`,
...) here when the runtime configuration holds none, so a developer can start from a `.env`
file and an operator can move the secrets into the encrypted configuration later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

__all__ = ["load_prefixed"]


def load_prefixed(
    prefix: str, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> dict[str, str]:
    """The variables starting with `prefix` (e.g. "TYPEFORM_"), non-empty ones only.

    Args:
        prefix: the connector's variable prefix.
        environ: the process environment (default `os.environ`); it wins over the file.
        dotenv: the `.env` file (None: none; a missing file is no error).
    """
    merged: dict[str, str] = {}
    if dotenv is not None and dotenv.is_file():
        merged = {k: v for k, v in dotenv_values(dotenv).items() if v and k.startswith(prefix)}
    source = os.environ if environ is None else environ
    merged.update({k: v for k, v in source.items() if k.startswith(prefix) and v})
    return merged
