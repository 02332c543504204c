"""`integrations config set` refuses bad input with exit 2, naming the field, without a
traceback. (The README's "Your first call" commands run as written, with the rest of its
Quickstart, in test_readme_quickstart.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_config_set_refuses_bad_input_naming_the_field(tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("integrations")
    env = {**os.environ, "INTEGRATIONS_VAR_DIR": str(tmp_path / "var")}
    env.pop("INTEGRATIONS_DATABASE_URL", None)
    subprocess.run([str(cli), "db", "upgrade"], env=env, check=True, capture_output=True)
    for args, named in (
        (["config", "set", "mock", "--json", '{"timeout_seconds": -1}'], "timeout_seconds"),
        (["config", "set", "mock", "--mode", "sideways"], "mode"),
        (["config", "set", "mock", "--json", "[1]"], "--json"),
        (["config", "set", "nope", "--enable"], "known connectors"),
        (["config", "set", "mock"], "nothing to change"),
    ):
        done = subprocess.run([str(cli), *args], env=env, capture_output=True, text=True)
        assert done.returncode == 2, (args, done.stderr)
        assert named in done.stderr and "Traceback" not in done.stderr
