#!/usr/bin/env bash
# Brings the Debian packages the integration suite runs against, so that
# `npm ci && npm test` is all the set-up a fresh machine needs: Apache httpd
# with mod_auth_openidc is the real gateway of test/integration.
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
ensure_debian_packages "${missing[@]}"
[ "${#missing[@]}" -eq 0 ] || say "installed: ${missing[*]}"
