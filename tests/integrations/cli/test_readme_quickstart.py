"""The README's Quickstart runs as written, in order, in one terminal, against a real
`integrations serve` on a fresh `./var/`: health, an admin token, mock mode, a first call, a
PandaDoc webhook processed by the server's own receiver, the call log.

The only changes are the ones a user makes: the port the test's server got instead of 8000, and
the token `create-token` printed pasted into `export TOKEN=itk_...`. Each command must exit 0 and
print every output line the README shows under it (a `<name>` there stands for any value), and
the checks below read the key content of each step."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers.serve_process import running_serve
from tests.helpers.terminal import Ran, Terminal

README = Path(__file__).resolve().parents[3] / "README.md"
README_PORT = "127.0.0.1:8000"
TOKEN_PLACEHOLDER = "itk_..."
# What the test does itself (the server) or does not run here (the suite, the demo's own server).
NOT_RUN = {"./scripts/serve", "./scripts/test", ".venv/bin/integrations demo"}
PROCESSED_TIMEOUT_S = 60.0  # a wait until processed; seconds on a loaded machine


@dataclass
class Step:
    command: str
    shown: list[str] = field(default_factory=list)  # the `# ...` output lines under it


def quickstart_steps(title: str = "Quickstart") -> list[Step]:
    """The commands of the `sh` blocks of the README section `title`, in order, each with
    the output lines the README shows under it."""
    section = README.read_text(encoding="utf-8").split(f"\n## {title}\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    steps: list[Step] = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL):
        pending = ""
        for line in block.splitlines():
            if line.startswith("# ") and not pending:
                steps[-1].shown.append(line[2:])
            elif line.endswith("\\"):
                pending += line[:-1]
            elif line.strip():
                steps.append(Step(pending + line))
                pending = ""
    return [step for step in steps if step.command not in NOT_RUN]


def shown_pattern(line: str) -> re.Pattern[str]:
    """A shown output line as a pattern of one whole output line; `<name>` is any value."""
    parts = re.split(r"<[a-z_]+>", line)
    return re.compile("^" + r"[A-Za-z0-9_-]+".join(map(re.escape, parts)) + "$", re.MULTILINE)


def signed_and_delivered(ran: Ran) -> bool:
    signed = json.loads(ran.output)
    hooks = signed["webhooks"]
    return signed["status"] == "document.completed" and hooks and all(h["delivered"] for h in hooks)


# The key content of each step's output, by a part of its command.
CHECKS: dict[str, Callable[[Ran], bool]] = {
    "/healthz": lambda ran: json.loads(ran.output) == {"status": "ok"},
    "config set mock ": lambda ran: "mock: configuration version" in ran.output,
    "get_item item_id=item-1": lambda ran: json.loads(ran.output)["id"] == "item-1",
    "config set pandadoc ": lambda ran: "pandadoc: configuration version" in ran.output,
    "actions/send_document": lambda ran: json.loads(ran.output)["status"] == "document.sent",
    "actions/simulate_recipient_sign": signed_and_delivered,
    "/pandadoc/documents/$DOC": lambda ran: (
        json.loads(ran.output)["status"] == "document.completed"
    ),
    "calls mock --limit 5": lambda ran: (
        "mock: 1 call(s)" in ran.output and "get_item" in ran.output
    ),
}


def run_step(terminal: Terminal, step: Step, port: int, token: str) -> Ran:
    command = step.command.replace(README_PORT, f"127.0.0.1:{port}")
    if command.startswith("export TOKEN="):
        command = command.replace(TOKEN_PLACEHOLDER, token)
    ran = terminal.run(command)
    assert ran.exit_code == 0, f"{command}\nexit {ran.exit_code}:\n{terminal.stderr()[-3000:]}"
    for line in step.shown:
        assert shown_pattern(line).search(ran.output), f"{command}: no line {line!r} in\n{ran}"
    return ran


def processed_events(terminal: Terminal, ran: Ran) -> list[dict[str, Any]]:
    """Run the webhook-events listing again, as the README says, until none is pending."""
    deadline = time.monotonic() + PROCESSED_TIMEOUT_S
    while True:
        events: list[dict[str, Any]] = json.loads(ran.output)["items"]
        if events and all(event["status"] == "processed" for event in events):
            return events
        assert time.monotonic() < deadline, f"not all processed in {PROCESSED_TIMEOUT_S}s: {events}"
        time.sleep(0.2)  # a polling interval inside the deadline
        ran = terminal.run(ran.command)


def test_the_quickstart_runs_as_written(tmp_path: Path) -> None:
    steps = quickstart_steps()
    database = f"sqlite+aiosqlite:///{tmp_path / 'var' / 'integrations.db'}"  # ./var/ default
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)  # this environment
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTEGRATIONS_")}
    matched: set[str] = set()
    token = ""
    with (
        running_serve(tmp_path, database) as server,
        Terminal(tmp_path, env, tmp_path / "terminal-stderr.log") as terminal,
    ):
        for step in steps:
            ran = run_step(terminal, step, server.port, token)
            if "admin create-token" in step.command:
                token = ran.output.splitlines()[-1]
                assert re.fullmatch(r"itk_\w+_\S+", token), ran.output
            if "/webhook-events" in step.command:
                types = {event["event_type"] for event in processed_events(terminal, ran)}
                assert {"document_state_changed", "recipient_completed"} <= types
                matched.add("/webhook-events")
            for key, check in CHECKS.items():
                if key in ran.command:
                    assert check(ran), f"{key}: {ran}"
                    matched.add(key)
    assert token, "no create-token step"
    assert matched == {*CHECKS, "/webhook-events"}, f"steps missing: {set(CHECKS) - matched}"
