#!/usr/bin/env bash
# A local SMTP server for the email tests: aiosmtpd in a venv under .portal/.
#   bash .ci/smtp.sh                                   installs it (once) and prints its python
#   export PORTAL_SMTP_PYTHON=$(bash .ci/smtp.sh)      what the test command does
#   source .ci/smtp.sh                                 installs it and exports PORTAL_SMTP_PYTHON
# Idempotent: when the pinned version is already there it prints the path and
# does nothing else. Progress goes to stderr; stdout is only the path.

portal_smtp_setup() {
  local root version venv python
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || return 1
  version=1.4.6
  venv="$root/.portal/smtp-venv"
  python="$venv/bin/python"

  if [ -x "$python" ] && "$python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$version')" 2>/dev/null; then
    printf '%s\n' "$python"
    return 0
  fi

  local host_python
  host_python=$(command -v python3) || {
    echo "python3 is required for the email tests' SMTP server" >&2
    return 1
  }
  echo "== installing aiosmtpd $version into $venv" >&2
  mkdir -p "$root/.portal"
  rm -rf "$venv"
  # Debian's python3 makes venvs only with python3-venv installed.
  if ! "$host_python" -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    echo "== installing python3-venv" >&2
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >&2 || return 1
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq python3-venv >/dev/null || return 1
    "$host_python" -m venv "$venv" >&2 || return 1
  fi
  "$python" -m pip install --quiet --disable-pip-version-check --no-input "aiosmtpd==$version" >&2 || return 1
  printf '%s\n' "$python"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Run: fail loudly.
  set -euo pipefail
  portal_smtp_setup
else
  # Sourced: export the path for `cargo test`, without changing the caller's shell options.
  if PORTAL_SMTP_PYTHON=$(portal_smtp_setup); then
    export PORTAL_SMTP_PYTHON
  else
    echo "could not set up the SMTP server for the email tests" >&2
    return 1
  fi
fi
