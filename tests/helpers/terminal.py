"""A user's terminal in a test: one bash process fed one command at a time.

Variables and exports carry over from one command to the next, as when a user types them; each
command's standard output and exit status come back separately. Standard error goes to a log
file, shown when a command fails or hangs.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["Ran", "Terminal"]

STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Ran:
    """What one command printed on standard output, and its exit status."""

    command: str
    exit_code: int
    output: str


class Terminal:
    """`bash` in `cwd` with `env`; stop it with `close()` or a `with` block."""

    def __init__(self, cwd: Path, env: dict[str, str], stderr_log: Path) -> None:
        self.stderr_log = stderr_log
        self._stderr = stderr_log.open("wb")
        self._process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)  # bash exited

    def run(self, command: str, *, timeout: float = 60.0) -> Ran:
        """Type `command` and wait for it to finish (at most `timeout` seconds)."""
        assert self._process.stdin is not None
        marker = f"@@terminal-done-{uuid.uuid4().hex}"
        # stdin from /dev/null so a command that reads input cannot eat the next one; the
        # newline before `}` ends a trailing `# comment` on the command line.
        self._process.stdin.write(f"{{ {command}\n}} </dev/null\nprintf '\\n{marker} %d\\n' $?\n")
        self._process.stdin.flush()
        lines: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"{command!r} still running after {timeout}s") from None
            if line is None:
                raise AssertionError(f"bash exited during {command!r}:\n{self.stderr()}")
            if line.startswith(marker):
                exit_code = int(line.split()[1])
                break
            lines.append(line)
        output = "".join(lines).removesuffix("\n")  # the newline printed before the marker
        return Ran(command, exit_code, output)

    def stderr(self) -> str:
        """Everything the commands wrote to standard error so far."""
        self._stderr.flush()
        return self.stderr_log.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()  # bash exits at the end of its input
        try:
            self._process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()  # this bash, by its PID
            self._process.wait(timeout=5)
        self._stderr.close()

    def __enter__(self) -> Terminal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
