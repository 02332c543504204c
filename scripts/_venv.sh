# Sourced by scripts/serve and scripts/test: make .venv and install the project when needed.
# Reinstalls only when pyproject.toml changed, so repeated runs start fast.
set -euo pipefail
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "installing integrations and its dependencies into .venv" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".[dev,postgres,redis]" >&2
  rm -f .venv/.installed-*
  touch "$stamp"
fi
