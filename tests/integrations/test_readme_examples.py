"""The README examples run as written: every ```python block of README.md and the connector
READMEs is executed (top-level `await` allowed) against the simulators, in mock mode.

Each README's blocks run in order in one namespace, as a reader would paste them into
`python -m asyncio`, with the settings from the environment that `integrations serve` reads.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from integrations.config import load_settings
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.tables import Base

ROOT = Path(__file__).resolve().parents[2]
READMES = [ROOT / "README.md", *sorted((ROOT / "src" / "integrations").glob("*/README.md"))]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(path: Path) -> list[str]:
    return _BLOCK.findall(path.read_text(encoding="utf-8"))


def test_the_typeform_readme_has_an_example() -> None:
    """The Typeform README shows its use in code (so the test below runs something)."""
    assert _blocks(ROOT / "src" / "integrations" / "typeform" / "README.md")


@pytest.mark.parametrize(
    "readme", [pytest.param(p, id=str(p.relative_to(ROOT))) for p in READMES if _blocks(p)]
)
async def test_readme_blocks_run(
    readme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every python block runs without an error, every connector enabled in mock mode."""
    monkeypatch.setenv("INTEGRATIONS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    monkeypatch.setenv("INTEGRATIONS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("INTEGRATIONS_SECRET_KEY", Fernet.generate_key().decode())
    services = Services(load_settings())
    async with services.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    for name in ("pandadoc", "typeform", "mock", "practicepanther"):
        update = IntegrationSettingsUpdate(enabled=True, mode="mock")
        await services.update_config(name, update, changed_by="readme-test")
    await services.close()

    namespace: dict[str, object] = {"__name__": "__readme__"}
    for number, source in enumerate(_blocks(readme), 1):
        code = compile(
            source, f"{readme.name}#{number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        )
        result = eval(code, namespace)  # noqa: S307 - our own README; a coroutine if it awaits
        if result is not None:
            await result
