# Sourced by scripts/serve and scripts/test: make .venv and install the project when needed.
# Reinstalls only when pyproject.toml changed, so repeated runs start fast. Each stage prints one
# line (like scripts/_dashboard.sh) with its elapsed time, and pip shows its own progress, so a
# first install of several minutes never looks hung.
set -euo pipefail
PYTHON="${PYTHON:-python3}"

# Run "$@" under the stage line "== venv: $1 …", then print how long it took.
_venv_stage() {
  local what=$1 started=$SECONDS
  shift
  echo "== venv: $what" >&2
  "$@" >&2
  echo "== venv: $what: done in $((SECONDS - started)) s" >&2
}

if [ ! -x .venv/bin/python ]; then
  _venv_stage "creating .venv ($("$PYTHON" --version 2>&1))" "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ -f "$stamp" ]; then
  echo "== venv: up to date (.venv matches pyproject.toml)" >&2
else
  _venv_stage "upgrading pip" .venv/bin/python -m pip install --quiet --upgrade pip
  # No --quiet: pip's download and build progress is the feedback of the longest stage.
  _venv_stage "installing the project and its extras (dev, postgres, redis)" \
    .venv/bin/python -m pip install --progress-bar on -e ".[dev,postgres,redis]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
