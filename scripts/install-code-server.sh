#!/usr/bin/env bash
# Installs code-server (a full VS Code, published on the npm registry) into a
# cache folder outside the repo, for the end-to-end and extension-host tests.
# The machines that run them cannot download VS Code from Microsoft, so
# @vscode/test-electron cannot work there; code-server can.
#
# Idempotent: a marker file written only after a verified install makes a
# second run return at once. Safe to run concurrently (flock).
#
# Environment:
#   OIDC_E2E_CACHE            install folder
#                             (default $HOME/.cache/oidc-flow-debugger/code-server)
#   OIDC_CODE_SERVER_VERSION  version to install (default 4.139.1 = VS Code 1.139.1)
#   OIDC_E2E_NO_APT=1         never run apt-get; only report what is missing
set -euo pipefail

VERSION="${OIDC_CODE_SERVER_VERSION:-4.139.1}"
CACHE="${OIDC_E2E_CACHE:-$HOME/.cache/oidc-flow-debugger/code-server}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MARKER="$CACHE/.installed-$VERSION"
BIN="$CACHE/node_modules/.bin/code-server"

LOG_NAME=install-code-server
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# code-server refuses any Node but 24 (its postinstall checks the major
# version npm reports); the repo ships one as the devDependency `node`.
[ -x "$REPO/node_modules/.bin/node" ] ||
  fail "no Node at $REPO/node_modules/.bin/node" "run 'npm ci' in $REPO first (the devDependency 'node' provides Node 24)"
export PATH="$REPO/node_modules/.bin:$PATH"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = 24 ] ||
  fail "code-server $VERSION needs Node 24, but $(command -v node) is $(node --version)" "run 'npm ci' in $REPO so node_modules/.bin/node is Node 24"

if [ -f "$MARKER" ] && [ -x "$BIN" ]; then
  say "code-server $VERSION already installed in $CACHE (skipping)"
  exit 0
fi

# Debian packages: libkrb5-dev to build code-server's native `kerberos`
# module at install, chromium to drive the workbench in the tests.
missing=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
[ -x /usr/bin/chromium ] || missing+=(chromium)
ensure_debian_packages "${missing[@]}"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
# Another run may have finished the install while this one waited.
if [ -f "$MARKER" ] && [ -x "$BIN" ]; then
  say "code-server $VERSION installed by a concurrent run (skipping)"
  exit 0
fi
rm -f "$CACHE"/.installed-*

# npm 11 skips dependency install scripts unless allowScripts names them:
# code-server's postinstall installs VS Code's own dependencies (their
# package.json files carry their own allowScripts), argon2 loads a native
# module. kerberos is listed too in case npm hoists it here.
say "writing $CACHE/package.json (code-server@$VERSION, install scripts allowed for code-server, argon2, kerberos)"
cat >"$CACHE/package.json" <<JSON
{
  "name": "oidc-flow-debugger-code-server",
  "private": true,
  "description": "code-server for the OIDC Flow Debugger e2e tests; written by scripts/install-code-server.sh",
  "dependencies": { "code-server": "$VERSION" },
  "allowScripts": { "code-server": true, "argon2": true, "kerberos": true }
}
JSON

say "npm install code-server@$VERSION with $(node --version) (about 600 MB, a few minutes cold)"
started=$SECONDS
if ! (cd "$CACHE" && npm install --omit=dev --no-audit --no-fund --loglevel=warn >"$CACHE/install.log" 2>&1); then
  tail -n 40 "$CACHE/install.log" >&2
  fail "npm install of code-server@$VERSION failed (full log: $CACHE/install.log)" \
    "native modules need python3, make, g++ and libkrb5-dev; see https://github.com/coder/code-server/blob/main/docs/npm.md"
fi
# npm 11 only warns ("... not yet covered by allowScripts") when it skips one.
if grep -q 'not yet covered by allowScripts' "$CACHE/install.log"; then
  grep 'install-scripts' "$CACHE/install.log" >&2 || true
  rm -rf "$CACHE/node_modules"
  fail "npm skipped install scripts of the packages above (log: $CACHE/install.log)" "add them to allowScripts in scripts/install-code-server.sh"
fi

[ -x "$BIN" ] || fail "npm finished but $BIN is missing (log: $CACHE/install.log)" "delete $CACHE and run again"
# The postinstall populates lib/vscode/node_modules; without it the server
# starts and then fails on the first connection.
[ -f "$CACHE/node_modules/code-server/lib/vscode/node_modules/kerberos/build/Release/kerberos.node" ] ||
  fail "code-server's VS Code dependencies are missing: its postinstall did not run (log: $CACHE/install.log)" \
    "check allowScripts for code-server in $CACHE/package.json"
# --version writes a default config.yaml first: keep it out of the home folder.
probe_home="$(mktemp -d)"
reported="$(XDG_CONFIG_HOME="$probe_home" XDG_DATA_HOME="$probe_home" "$BIN" --version 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)" ||
  { rm -rf "$probe_home"; fail "$BIN --version failed" "run it by hand to see why; delete $CACHE to reinstall"; }
rm -rf "$probe_home"
case "$reported" in
  "$VERSION"*) ;;
  *) fail "code-server reports '$reported', expected $VERSION" "delete $CACHE and run again" ;;
esac

touch "$MARKER"
say "installed code-server $reported in $((SECONDS - started))s: $BIN"
