# Shared by the install scripts (system packages, code-server). Set LOG_NAME, then source it.

# Run as `npm run ...`, the script inherits the outer npm's user agent, which
# names the Node that ran that npm (the system's Node 20): the npm this
# script runs would pass it on, and code-server's postinstall reads its Node
# version from it and refuses. Each npm must describe itself.
unset npm_config_user_agent

say() { printf '%s: %s\n' "$LOG_NAME" "$*"; }
# fail <what happened> [<what to do>]: prints both to stderr and exits 1.
fail() {
  printf '%s: ERROR: %s\n' "$LOG_NAME" "$1" >&2
  [ -n "${2:-}" ] && printf '%s: hint: %s\n' "$LOG_NAME" "$2" >&2
  exit 1
}

# ensure_debian_packages <package>...: installs the missing ones with apt-get
# when running as root (unless OIDC_NO_APT=1 or OIDC_E2E_NO_APT=1), else fails naming them.
ensure_debian_packages() {
  [ "$#" -gt 0 ] || return 0
  if [ "${OIDC_NO_APT:-${OIDC_E2E_NO_APT:-}}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: $* (apt-get; set OIDC_NO_APT=1 to forbid)"
    apt-get update -q >/dev/null || fail "apt-get update failed" "check the Debian package mirror is reachable"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null ||
      fail "apt-get install $* failed" "install them by hand: apt-get install -y $*"
  else
    fail "missing Debian packages: $*" "as root run: apt-get update && apt-get install -y $*"
  fi
}
