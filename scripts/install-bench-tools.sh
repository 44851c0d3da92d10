#!/usr/bin/env bash
# Installs the tools the end-to-end benchmark races against (httpyac's CLI and
# newman, pinned) into a cache folder outside the repo: they are benchmark
# contenders, never dependencies of the product.
#
# Idempotent: a marker written only after a verified install makes a second
# run return at once. Safe to run concurrently (flock).
#
# Environment:
#   OIDC_BENCH_TOOLS   install folder (default $HOME/.cache/oidc-flow-debugger/bench-tools)
set -euo pipefail

HTTPYAC_VERSION=6.16.7
NEWMAN_VERSION=6.2.2
CACHE="${OIDC_BENCH_TOOLS:-$HOME/.cache/oidc-flow-debugger/bench-tools}"
MARKER="$CACHE/.installed-httpyac-$HTTPYAC_VERSION-newman-$NEWMAN_VERSION"

LOG_NAME=install-bench-tools
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ready() { [ -f "$MARKER" ] && [ -f "$CACHE/node_modules/httpyac/package.json" ] && [ -f "$CACHE/node_modules/newman/package.json" ]; }
if ready; then
  say "httpyac $HTTPYAC_VERSION and newman $NEWMAN_VERSION already installed in $CACHE (skipping)"
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if ready; then
  say "installed by a concurrent run (skipping)"
  exit 0
fi
rm -f "$CACHE"/.installed-*

cat >"$CACHE/package.json" <<JSON
{
  "name": "oidc-flow-debugger-bench-tools",
  "private": true,
  "description": "Contenders of the end-to-end benchmark (bench/e2e-tools.ts); written by scripts/install-bench-tools.sh",
  "dependencies": { "httpyac": "$HTTPYAC_VERSION", "newman": "$NEWMAN_VERSION" }
}
JSON

say "npm install httpyac@$HTTPYAC_VERSION newman@$NEWMAN_VERSION into $CACHE"
if ! (cd "$CACHE" && npm install --omit=dev --no-audit --no-fund --loglevel=warn >"$CACHE/install.log" 2>&1); then
  tail -n 20 "$CACHE/install.log" >&2
  fail "npm install of httpyac and newman failed (full log: $CACHE/install.log)" \
    "the benchmark needs the npm registry once; check the network or npm's proxy settings, then rerun"
fi
ready_files=("$CACHE/node_modules/httpyac/package.json" "$CACHE/node_modules/newman/package.json")
for f in "${ready_files[@]}"; do
  [ -f "$f" ] || fail "npm finished but $f is missing (log: $CACHE/install.log)" "delete $CACHE and run again"
done
touch "$MARKER"
say "installed httpyac $HTTPYAC_VERSION and newman $NEWMAN_VERSION in $CACHE"
