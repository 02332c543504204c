# Sourced by scripts/serve and scripts/test after _venv.sh: build the admin dashboard
# (dashboard/, React + Vite) into src/integrations/api/dashboard_dist/, which the server serves
# at /. `npm ci` runs only when package-lock.json changed and `npm run build` only when a
# source changed (stamps under dashboard/node_modules/, like the pip stamp in .venv/), so a
# repeated run starts at once. Each stage prints one line; npm's output is shown on failure.
# Without npm the Python side still works and / says how to build the dashboard.

DASHBOARD_DIST=src/integrations/api/dashboard_dist

# Why the dashboard cannot be built or tested here; empty when it can.
dashboard_unavailable() {
  if [ ! -f dashboard/package.json ]; then
    echo "dashboard/package.json not found"
  elif [ ! -f dashboard/package-lock.json ]; then
    echo "dashboard/package-lock.json not found (npm ci needs it)"
  elif ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: install Node.js 20 or newer with npm"
  fi
}

# True under CI or INTEGRATIONS_REQUIRE_SERVICES=1, where a missing part fails instead of skipping.
dashboard_required() {
  [ "${CI:-}" = "true" ] || [ "${INTEGRATIONS_REQUIRE_SERVICES:-}" = "1" ]
}

# Run one npm stage in dashboard/ quietly; on failure print its output and fail.
_dashboard_npm() {
  local log status=0
  log=$(mktemp)
  (cd dashboard && npm "$@") >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "dashboard: 'npm $*' failed (exit $status)" >&2
  fi
  rm -f "$log"
  return "$status"
}

# One digest of every dashboard source: what `npm run build` reads.
_dashboard_sources_digest() {
  find dashboard \( -name node_modules -o -name coverage -o -name '*.tsbuildinfo' \) -prune \
    -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
}

dashboard_build() {
  local reason lock_stamp digest build_stamp=dashboard/node_modules/.integrations-built-from
  reason=$(dashboard_unavailable)
  if [ -n "$reason" ]; then
    echo "== dashboard: not built: $reason (/ will say how to build it)" >&2
    return 0
  fi
  lock_stamp=dashboard/node_modules/.installed-$(sha256sum dashboard/package-lock.json | cut -c1-16)
  if [ ! -f "$lock_stamp" ]; then
    echo "== dashboard: npm ci (package-lock.json changed)" >&2
    _dashboard_npm ci --no-audit --no-fund || return 1
    mkdir -p dashboard/node_modules  # npm makes none for a project without dependencies
    rm -f dashboard/node_modules/.installed-*
    touch "$lock_stamp"
  fi
  digest=$(_dashboard_sources_digest)
  if [ -f "$DASHBOARD_DIST/index.html" ] && [ "$(cat "$build_stamp" 2>/dev/null)" = "$digest" ]; then
    echo "== dashboard: build up to date ($DASHBOARD_DIST)" >&2
    return 0
  fi
  echo "== dashboard: npm run build (sources changed) -> $DASHBOARD_DIST" >&2
  _dashboard_npm run build || return 1
  echo "$digest" >"$build_stamp"
}

# True when dashboard/package.json defines the npm script $1.
dashboard_has_script() {
  (cd dashboard && node -e 'process.exit(require("./package.json").scripts?.[process.argv[1]] ? 0 : 1)' "$1")
}
