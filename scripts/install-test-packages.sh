#!/usr/bin/env bash
# Brings the Debian packages the unit and integration suites run against, so that
# `npm ci && npm test` is all the set-up a fresh machine needs: Apache httpd
# with mod_auth_openidc is the real gateway of test/integration, and Glewlwyd
# (an OAuth2/OIDC server in C) a second real IdP nobody on this project wrote.
# Glewlwyd's tests run their own daemon on loopback with a sqlite database
# made from the package's own schema (dbconfig-common's sqlite3 install
# script, which the package ships uncompressed) by the sqlite3 CLI; the
# package depends on sqlite3, but it is named here because the tests call it.
# Installing glewlwyd also sets up a system service and database for it
# (dbconfig-common); the tests use neither, and in a container the service is
# not started.
#
# As root (and with apt-get) it installs what is missing; otherwise it fails
# naming the exact command to run. Quick when everything is there.
#
# Environment:
#   OIDC_NO_APT=1   never run apt-get; only report what is missing
#                   (OIDC_E2E_NO_APT=1 is read too, as before)
set -euo pipefail

LOG_NAME=install-test-packages
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=()
[ -x /usr/sbin/apache2 ] || missing+=(apache2)
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] || missing+=(libapache2-mod-auth-openidc)
{ [ -x /usr/bin/glewlwyd ] && [ -f /usr/share/dbconfig-common/data/glewlwyd/install/sqlite3 ]; } || missing+=(glewlwyd)
[ -x /usr/bin/sqlite3 ] || missing+=(sqlite3)
# The completion scripts are run in the shells they are for (test/unit/cli/completion.test.ts),
# and the progress line is drawn on a real pseudo-terminal through script(1) (bsdutils).
command -v zsh >/dev/null || missing+=(zsh)
command -v fish >/dev/null || missing+=(fish)
command -v script >/dev/null || missing+=(bsdutils)
ensure_debian_packages "${missing[@]}"
[ "${#missing[@]}" -eq 0 ] || say "installed: ${missing[*]}"
